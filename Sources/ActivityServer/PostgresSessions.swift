import ActivityStore
import Foundation
import PostgresNIO

/// The emulator's sessions in the store's PostgreSQL database (table `actq_session`), so that a
/// session opened on one `actq serve` works on every other one over the same database, logout
/// ends it everywhere, and the per-user limit holds across them: `actq_login` counts and inserts
/// under a per-user transaction lock. Idle time is measured on the database server's clock.
/// Nothing is cached here: every check asks the database.
public final class PostgresSessionTable: SessionRegistry {
    public let limit: Int
    public let idleTimeout: Duration
    private let connector: PostgresConnector

    /// Sessions in the database at `location` (whose store schema has the sessions table).
    public init(_ location: PostgresLocation, limit: Int = 5, idleTimeout: Duration = .seconds(30 * 60)) throws {
        connector = try PostgresConnector(location)
        // A session's writes need not wait for the disk: a crash of the database loses at most
        // the last moments' logins and refreshes (clients log in again), never store data.
        try connector.setting("SET synchronous_commit = off")
        self.limit = limit
        self.idleTimeout = idleTimeout
    }

    /// The idle timeout in milliseconds, saturating (a timeout beyond Int64 means never idle).
    private var idleMilliseconds: Int64 {
        let (seconds, attoseconds) = idleTimeout.components
        let (whole, overflow) = max(0, seconds).multipliedReportingOverflow(by: 1000)
        return overflow ? .max : whole + max(0, attoseconds) / 1_000_000_000_000_000
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) async throws -> [PostgresRow] {
        let connection = try await connector.connect()
        do {
            return try await connection.query(PostgresQuery(unsafeSQL: sql, binds: PostgresConnector.bindings(arguments)), logger: connector.logger).get().rows
        } catch {
            throw PostgresFailure(error, doing: "the session table failed")
        }
    }

    public func login(user: String, force: Bool) async throws -> SessionTable.LoginResult {
        let id = SessionTable.newID()
        let rows = try await run("SELECT actq_login($1, \(force ? "true" : "false"), $2, $3, $4)",
                                 [.text(user), .integer(Int64(limit)), .integer(idleMilliseconds), .text(id)])
        let opened = try rows.first?.makeRandomAccess()[0].decode(Bool.self) ?? false
        return opened ? .opened(id) : .tooManySessions
    }

    /// Idle time is refreshed at most once a second per session: a search within a second of
    /// the last refresh only reads (no write, no commit on the database per request).
    public func user(of id: String) async throws -> String? {
        let rows = try await run("""
            WITH open AS (SELECT user_name, last_used FROM actq_session WHERE id = $1 AND actq_now() - last_used < $2),
                 refreshed AS (UPDATE actq_session SET last_used = actq_now()
                               WHERE id = $1 AND actq_now() - last_used >= 1000 AND EXISTS (SELECT 1 FROM open))
            SELECT user_name FROM open
            """, [.text(id), .integer(idleMilliseconds)])
        return try rows.first?.makeRandomAccess()[0].decode(String.self)
    }

    public func logout(_ id: String) async throws -> Bool {
        try await !run("DELETE FROM actq_session WHERE id = $1 RETURNING id", [.text(id)]).isEmpty
    }

    public func endAll() async throws {
        _ = try await run("DELETE FROM actq_session", [])
    }
}
