import Foundation

/// Lets SIGINT, SIGTERM and SIGHUP through, even when the parent started actq with them blocked
/// (threads started later inherit the mask, so this runs first).
func unblockTerminationSignals() {
    var deliver = sigset_t()
    sigemptyset(&deliver)
    sigaddset(&deliver, SIGHUP)
    sigaddset(&deliver, SIGTERM)
    sigaddset(&deliver, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &deliver, nil)
}
