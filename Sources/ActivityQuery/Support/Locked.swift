import Foundation

/// A value behind a lock, for state shared between threads: `withLock` gives the closure the
/// value, exclusively.
///
/// The lock is a pthread mutex (`NSLock`) rather than the standard library's `Mutex`: on Linux
/// that one takes a contended lock inside the runtime's uninstrumented futex code, where
/// ThreadSanitizer cannot see it, and `make sanitize` would report the protected accesses as
/// races. The cost is the same when uncontended.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// A lock around `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
