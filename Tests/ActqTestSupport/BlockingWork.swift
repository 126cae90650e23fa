import Dispatch

/// Runs a test's long synchronous work (seconds of parsing, a child process waited for) on a
/// thread of its own instead of the cooperative pool. That pool has one thread per core: two long
/// synchronous tests on a two-core machine hold all of it, and every async test in the same run
/// (an emulator answering, a client reading) stalls until their network timeouts fire. The work
/// stays in the test's task, so `#expect` and `#require` inside it report as usual.
public func offCooperativePool<T>(_ body: () throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(BlockingWorkExecutor.shared) { try body() }
}

/// Jobs on Dispatch's overcommitting threads (not the cooperative pool's), one thread per waiting job.
final class BlockingWorkExecutor: TaskExecutor {
    static let shared = BlockingWorkExecutor()
    private let queue = DispatchQueue(label: "actq-tests.blocking-work", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
