import Foundation
import GRDBSQLite

/// Tells whether a SQLite store's content changed, cheaply enough to ask before every request:
/// `PRAGMA data_version` on a read-only connection of its own (a plain SQLite handle, one
/// prepared statement), and the file's `stat`. The connection never waits for a lock (SQLite's
/// default: no busy handler): when a writer holds a rollback-journal store, `version()` is nil
/// at once, so it may be asked on a server's event loop. Safe from any thread (one at a time,
/// under its lock).
public final class ContentVersionProbe: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private let connection: OpaquePointer
    private let statement: OpaquePointer

    public init(path: String) throws {
        self.path = path
        var connection: OpaquePointer?
        let opened = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard opened == SQLITE_OK, let connection else {
            let reason = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(connection)
            throw ActivityStore.StoreError.cannotOpen(path, reason)
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK, let statement else {
            let reason = String(cString: sqlite3_errmsg(connection))
            sqlite3_close_v2(connection)
            throw ActivityStore.StoreError.cannotOpen(path, reason)
        }
        self.connection = connection
        self.statement = statement
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close_v2(connection)
    }

    /// The content version now; nil when it cannot be read at once (a lock held, an unreadable
    /// or vanished file).
    public func version() -> StoreContentVersion? {
        lock.withLock {
            defer { sqlite3_reset(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW else { return nil }
            var file = stat()
            guard stat(path, &file) == 0 else { return nil }
            return StoreContentVersion(external: sqlite3_column_int64(statement, 0),
                                       file: .init(inode: UInt64(file.st_ino), size: Int64(file.st_size), modified: file.st_mtim))
        }
    }
}
