import ActivityQuery
import Foundation

/// Open sessions: at most `limit` per user, ended after `idleTimeout` without a request.
public final class SessionTable: Sendable {
    public enum LoginResult: Equatable, Sendable {
        case opened(String)
        /// The user already has `limit` sessions and did not ask to end the oldest.
        case tooManySessions
    }

    struct Session {
        var user: String
        var opened: UInt64
        var lastUsed: UInt64
    }

    private let sessions = Locked<[String: Session]>([:])
    public let limit: Int
    public let idleTimeout: Duration
    private let clock: @Sendable () -> UInt64

    public init(limit: Int = 5, idleTimeout: Duration = .seconds(30 * 60),
                clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.limit = limit
        self.idleTimeout = idleTimeout
        self.clock = clock
    }

    /// The idle timeout in nanoseconds, saturating: a timeout longer than the clock can count
    /// (about 584 years) means "never idle", not a trap.
    private var timeoutNanoseconds: UInt64 {
        let (seconds, attoseconds) = idleTimeout.components
        let (whole, overflow) = UInt64(max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (total, carry) = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return carry ? .max : total
    }

    /// Opens a session; with `force`, the user's oldest sessions end to make room.
    public func login(user: String, force: Bool) -> LoginResult {
        let timeout = timeoutNanoseconds
        return sessions.withLock { sessions in
            // Read under the lock: another request may have just used a session, and a time taken
            // before it would be older than that use.
            let now = clock()
            sessions = sessions.filter { !Self.idle($0.value, now: now, timeout: timeout) }
            var own = sessions.filter { $0.value.user == user }.sorted { $0.value.opened < $1.value.opened }
            if own.count >= limit {
                guard force else { return .tooManySessions }
                while own.count >= limit { sessions[own.removeFirst().key] = nil }
            }
            let id = Self.newID()
            sessions[id] = Session(user: user, opened: now, lastUsed: now)
            return .opened(id)
        }
    }

    /// The session's user, when the session is open; each use restarts its idle time.
    public func user(of id: String) -> String? {
        let timeout = timeoutNanoseconds
        return sessions.withLock { sessions in
            let now = clock()
            // Looked up once: every search asks.
            guard let index = sessions.index(forKey: id) else { return nil }
            guard !Self.idle(sessions.values[index], now: now, timeout: timeout) else {
                sessions.remove(at: index)
                return nil
            }
            sessions.values[index].lastUsed = now
            return sessions.values[index].user
        }
    }

    private static func idle(_ session: Session, now: UInt64, timeout: UInt64) -> Bool {
        now >= session.lastUsed && now - session.lastUsed >= timeout
    }

    @discardableResult
    public func logout(_ id: String) -> Bool {
        sessions.withLock { $0.removeValue(forKey: id) != nil }
    }

    /// Ends every session (as a server restart would).
    public func endAll() {
        sessions.withLock { $0.removeAll() }
    }

    /// 32 random bytes from the system's generator, as hex.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text.uppercased()
    }
}

/// Where the emulator keeps its sessions: in memory (`SessionTable`, one server) or in the
/// store's PostgreSQL database (`PostgresSessionTable`, shared by every server over it).
public protocol SessionRegistry: Sendable {
    /// Sessions one user may have open at once.
    var limit: Int { get }
    /// Opens a session; with `force`, the user's oldest sessions end to make room.
    func login(user: String, force: Bool) async throws -> SessionTable.LoginResult
    /// The session's user, when the session is open; each use restarts its idle time.
    func user(of id: String) async throws -> String?
    /// Ends a session; false when there was no such session.
    func logout(_ id: String) async throws -> Bool
    /// Ends every session.
    func endAll() async throws
}

extension SessionTable: SessionRegistry {}
