#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program with posix_spawn and waits for it with waitpid, its standard streams
/// redirected to files. (Foundation's Process can miss a child's exit on Linux when other
/// children come and go, and then its wait never returns: a hung test run.)
public func spawnAndWait(
    _ executable: String, _ arguments: [String], environment: [String: String],
    stdin: String = "/dev/null", stdout: String = "/dev/null", stderr: String = "/dev/null"
) throws -> Int32 {
    waitForExit(try spawn(executable, arguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr))
}

/// Starts a program (see `spawnAndWait`) and returns its process ID without waiting.
public func spawn(
    _ executable: String, _ arguments: [String], environment: [String: String],
    stdin: String = "/dev/null", stdout: String = "/dev/null", stderr: String = "/dev/null"
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = [executable] + arguments
    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in cArguments { free(pointer) }
        for pointer in cEnvironment { free(pointer) }
    }
    // The child starts with no signal blocked and default handlers, whatever this process has:
    // a test runner may inherit a blocked mask, and tmux or actq would then never see SIGHUP.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, executable, &actions, &attributes, &cArguments, &cEnvironment)
    guard spawned == 0 else { throw SpawnError(code: spawned, executable: executable) }
    return pid
}

/// Waits for a spawned program; its exit code, or 128 + the signal that ended it.
public func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        if errno != EINTR { return -1 }
    }
    // WIFEXITED / WEXITSTATUS, WTERMSIG
    if status & 0x7F == 0 { return (status >> 8) & 0xFF }
    return 128 + (status & 0x7F)
}

public struct SpawnError: Error, CustomStringConvertible {
    public var code: Int32
    public var executable: String
    public var description: String { "cannot run \(executable): error \(code)" }
}
