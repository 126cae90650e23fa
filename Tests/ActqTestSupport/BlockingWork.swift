import Foundation

/// Runs a test's long synchronous work (seconds of parsing, a child process waited for) on a
/// thread of its own instead of the cooperative pool. That pool has one thread per core: two long
/// synchronous tests on a two-core machine hold all of it, and every async test in the same run
/// (an emulator answering, a client reading) stalls until their network timeouts fire. The work
/// stays in the test's task, so `#expect` and `#require` inside it report as usual.
public func offCooperativePool<T>(_ body: () throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(BlockingWorkExecutor.shared) { try body() }
}

/// Each job on a thread of its own (as many as there are jobs waiting: a Dispatch queue would run
/// on at most one thread per core, the very limit this avoids).
final class BlockingWorkExecutor: TaskExecutor {
    static let shared = BlockingWorkExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread.detachNewThread { job.runSynchronously(on: executor) }
    }
}
