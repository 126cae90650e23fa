import ActivityModel
import ActivityQuery
import Foundation
import GRDB
import GRDBSQLite

/// The local backend: activities in SQLite, indexed for every filter and sort key, answering
/// `ActivityQuery` with exactly the API's semantics.
public final class ActivityStore: ActivityStoring, Sendable {
    public let path: String
    private let queue: DatabaseQueue
    /// Match counts by filter, valid while `PRAGMA data_version` stays the same (it changes when
    /// another connection commits), so paging through a result counts its matches once.
    private let counts = Locked<(version: Int64, byFilter: [String: Int])>((-1, [:]))
    /// Prepared search statements. GRDB's own statement cache keeps every SQL text it sees, and
    /// the SQL varies with the set of filters and of custom attributes: this one is bounded.
    let statements = StatementCache(capacity: 64)

    public enum StoreError: Error, CustomStringConvertible {
        case cannotOpen(String, String)
        case notAStore(String)
        case newerSchema(String, Int)
        case needsUpgrade(String)

        public var description: String {
            switch self {
            case .cannotOpen(let path, let reason): "cannot open the store \(path): \(reason)"
            case .notAStore(let path): "\(path) is not an actq store (not SQLite, or not made by actq)"
            case .newerSchema(let path, let version): "\(path) was made by a newer actq (schema \(version))"
            case .needsUpgrade(let path): "\(path) was made by an older actq and needs an upgrade, which needs write access to the file once (open it as its owner)"
            }
        }
    }

    /// Opens (and, unless `readOnly`, creates) a store.
    ///
    /// Stores are in SQLite's WAL mode: readers never wait for a writer, and a writer that died
    /// in the middle of a write (a `kill -9`, a power cut) leaves nothing half-done: the next
    /// connection, reading or writing, recovers the store. A store from before WAL (a rollback
    /// journal) left "hot" by a crashed writer is rolled back here, by one read-write open,
    /// when a read-only open finds it so; so is a store from an older actq that lacks a column.
    ///
    /// `memoryMapped` reads the file through a memory map (up to 1 GiB of it): for a server,
    /// which reads the same pages again and again, it saves a system call per page read (a
    /// search asked with new bounds each time runs 2.6 times as fast). A one-shot command reads
    /// most pages once: there the map costs a page fault per page instead, and every page it
    /// touches stays in its resident size (an `--all` export of a 1.5 GB store peaked at 1 GB
    /// mapped, against 25 MB read), so it reads.
    public init(path: String, readOnly: Bool = false, memoryMapped: Bool = false) throws {
        self.path = path
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw StoreError.cannotOpen(path, "no such file")
        }
        do {
            queue = try Self.open(path, readOnly: readOnly, memoryMapped: memoryMapped)
        } catch let error as DatabaseError where readOnly && Self.needsRecovery(error) {
            // A crashed writer's rollback journal: only a read-write connection can roll it back.
            guard access(path, W_OK) == 0 else {
                throw StoreError.cannotOpen(path, "an interrupted write left it to be recovered, which needs write access to the file once (open it as its owner)")
            }
            _ = try Self.open(path, readOnly: false, memoryMapped: false)
            queue = try Self.open(path, readOnly: true, memoryMapped: memoryMapped)
        } catch StoreError.needsUpgrade(let path) where access(path, W_OK) == 0 {
            // A store from an older actq, lacking a filter's column: one read-write open adds it.
            _ = try Self.open(path, readOnly: false, memoryMapped: false)
            queue = try Self.open(path, readOnly: true, memoryMapped: memoryMapped)
        }
    }

    /// Whether a read-only open failed because the store needs a writer to recover it.
    private static func needsRecovery(_ error: DatabaseError) -> Bool {
        error.extendedResultCode == .SQLITE_READONLY_ROLLBACK || error.extendedResultCode == .SQLITE_READONLY_RECOVERY
            || error.extendedResultCode == .SQLITE_READONLY_CANTINIT || error.resultCode == .SQLITE_READONLY
    }

    /// The whole resource of a row, from the `resource` column as `Writer.put` keeps it:
    /// the whole JSON, or ("+{…}") the members after the summary's. SQLite's `substr` and
    /// `length` count characters, and the braces and comma are one byte each.
    static let resourceSQL = """
        CASE WHEN substr(resource, 1, 1) <> '+' THEN resource \
        WHEN resource = '+{}' THEN summary \
        WHEN summary = '{}' THEN substr(resource, 2) \
        ELSE substr(summary, 1, length(summary) - 1) || ',' || substr(resource, 3) END
        """

    /// The page size of stores this actq creates.
    static let pageSize = 16384

    private static func open(_ path: String, readOnly: Bool, memoryMapped: Bool) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = readOnly
        // Writers switch the store to WAL (it stays so in the file); readers take it as it is.
        configuration.journalMode = readOnly ? .default : .wal
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Reads through a memory map skip a read() per page: wide rows make filters that
            // look at the table (and OFFSETs) touch many pages.
            if memoryMapped { try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
            // A large import leaves a large WAL; keep at most 64 MiB of it after a checkpoint.
            if !readOnly { try db.execute(sql: "PRAGMA journal_size_limit = 67108864") }
            // A new store's pages are 16 KiB: an activity's row (its JSON) is 1-3 KiB, and on
            // SQLite's default 4 KiB pages one or two fit, leaving about a third of each page
            // empty (a store 1.6 times the size; issue 18's table). Set before the first write
            // and before WAL mode (GRDB enables it after this), it fixes the file's page size;
            // on an existing store it changes nothing.
            if !readOnly { try db.execute(sql: "PRAGMA page_size = \(pageSize)") }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            if needsRecovery(error) { throw error }
            throw error.resultCode == .SQLITE_NOTADB ? StoreError.notAStore(path) : StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
        do {
            if readOnly {
                try queue.read { db in try Self.checkSchema(db, path: path) }
            } else {
                try Self.migrate(queue, path: path)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path)
        } catch let error as DatabaseError where !needsRecovery(error) {
            throw StoreError.cannotOpen(path, error.message ?? "\(error)")
        }
        return queue
    }

    /// Folds the WAL into the main file and empties it (waiting for readers up to the busy timeout).
    public func checkpoint() throws {
        try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Closes the connection now (it closes by itself when the store goes away); in WAL mode the
    /// last connection to close folds the WAL into the main file, which is then complete alone.
    public func close() throws {
        // The cache's prepared statements would keep the connection from closing.
        queue.inDatabase { _ in statements.removeAll() }
        try queue.close()
    }

    // MARK: Schema

    /// The `user_version` this actq writes: 1 for the first schema, 2 once a later migration ran
    /// (so that an actq which would not write the store so refuses it).
    public static let schemaVersion = migrator.migrations.count > 1 ? 2 : 1

    /// The columns of schema 1, the first store schema. Frozen, like the migration that makes it.
    static let schema1Columns = StoreSchema.firstColumns

    /// The store's migrations (GRDB's `DatabaseMigrator`): schema 1, compact indexes, then one
    /// migration per filter the filter table has and schema 1 lacks, which adds its column and
    /// index and fills them from the activities' stored resources.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("schema 1") { db in
            // Stores made before migrations were recorded are at schema 1 already.
            if try db.tableExists("activity") { return }
            try db.execute(sql: schema1)
        }
        migrator.registerMigration("compact indexes") { db in
            try db.execute(sql: compactIndexes)
        }
        for filter in StoreSchema.laterFilters {
            migrator.registerMigration("column \(filter.spec.column)") { db in
                try addColumn(for: filter, db)
                try db.execute(sql: "PRAGMA user_version = 2")
            }
        }
        return migrator
    }()

    /// Schema 1's indexes, smaller (2.5% of a store of 100,000 demo activities): the custom
    /// attributes become a table without row IDs keyed as their lookups read it (name, value,
    /// activity), so that the table is its own lookup index; an attribute's value listed twice
    /// for one activity is kept once (it matches the same). And the date indexes leave out the
    /// ID, which SQLite keeps at the end of every index entry anyway: the order is the same.
    static let compactIndexes = """
        CREATE TABLE custom_attribute_keyed (
            activity_id INTEGER NOT NULL REFERENCES activity(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, value, activity_id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO custom_attribute_keyed (activity_id, name, value) SELECT activity_id, name, value FROM custom_attribute;
        DROP TABLE custom_attribute;
        ALTER TABLE custom_attribute_keyed RENAME TO custom_attribute;
        CREATE INDEX custom_attribute_activity ON custom_attribute(activity_id);
        DROP INDEX activity_created;
        CREATE INDEX activity_created ON activity(created);
        DROP INDEX activity_last_modified;
        CREATE INDEX activity_last_modified ON activity(last_modified);
        PRAGMA user_version = 2;
        """

    static let schema1 = """
        CREATE TABLE activity (
            id INTEGER PRIMARY KEY,
            case_id INTEGER,
            customer_id INTEGER,
            status TEXT,
            mode TEXT,
            type TEXT,
            assigned_to INTEGER,
            assigned_user_name TEXT,
            queue_id INTEGER,
            created INTEGER,        -- UTC milliseconds
            last_modified INTEGER,  -- UTC milliseconds
            summary TEXT NOT NULL,  -- the summary attributes, as JSON
            resource TEXT NOT NULL  -- the whole activity, as JSON
        );
        CREATE TABLE custom_attribute (
            activity_id INTEGER NOT NULL REFERENCES activity(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL
        );
        CREATE INDEX activity_case ON activity(case_id);
        CREATE INDEX activity_customer ON activity(customer_id);
        CREATE INDEX activity_status ON activity(status);
        CREATE INDEX activity_mode ON activity(mode);
        CREATE INDEX activity_type ON activity(type);
        CREATE INDEX activity_assigned_to ON activity(assigned_to);
        CREATE INDEX activity_assigned_user_name ON activity(assigned_user_name);
        CREATE INDEX activity_queue ON activity(queue_id);
        CREATE INDEX activity_created ON activity(created, id);
        CREATE INDEX activity_last_modified ON activity(last_modified, id);
        CREATE INDEX custom_attribute_lookup ON custom_attribute(name, value, activity_id);
        CREATE INDEX custom_attribute_activity ON custom_attribute(activity_id);
        PRAGMA user_version = 1;
        """

    /// Adds the column (and index) of a filter to a store, filled from each activity's resource
    /// as the activity reader reads it. (A migration; also how a test proves it works.)
    static func addColumn(for filter: FixedFilter, _ db: Database) throws {
        let spec = filter.spec
        try db.execute(sql: "ALTER TABLE activity ADD COLUMN \(spec.column) \(SQLDialect.sqlite.columnType(spec.kind))")
        try db.execute(sql: StoreSchema.index(filter))
        var values: [(id: Int64, value: FieldValue)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT id, \(resourceSQL) AS resource FROM activity")
        while let row = try rows.next() {
            let text: String = row["resource"]
            guard case .object(let resource)? = try? JSONParser.parse(Array(text.utf8)),
                  let value = try? Activity.value(of: filter, in: resource) else { continue }
            values.append((row["id"], value))
        }
        let update = try db.makeStatement(sql: "UPDATE activity SET \(spec.column) = ? WHERE id = ?")
        for (id, value) in values {
            switch value {
            case .integer(let number): try update.execute(arguments: [number, id])
            case .text(let text): try update.execute(arguments: [text, id])
            }
        }
    }

    /// Why a store cannot be read as it is.
    private static func checkSchema(_ db: Database, path: String) throws {
        // One statement for what GRDB's schema queries would find (tableExists, the migrator's
        // record, columns(in:)): they were a tenth of a cold search's instructions.
        let facts = try String.fetchAll(db, sql: """
            SELECT 'version:' || user_version FROM pragma_user_version
            UNION ALL SELECT 'table:' || name FROM sqlite_master WHERE type = 'table' AND name IN ('activity', 'grdb_migrations')
            UNION ALL SELECT 'column:' || name FROM pragma_table_info('activity')
            """)
        func values(_ kind: String) -> [String] { facts.filter { $0.hasPrefix(kind + ":") }.map { String($0.dropFirst(kind.count + 1)) } }
        let version = values("version").first.flatMap { Int($0) } ?? 0
        if version > schemaVersion { throw StoreError.newerSchema(path, version) }
        let tables = Set(values("table"))
        if version == 0 || !tables.contains("activity") { throw StoreError.notAStore(path) }
        if tables.contains("grdb_migrations") {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            if !Set(applied).isSubset(of: migrator.migrations) { throw StoreError.newerSchema(path, version) }
        }
        let columns = Set(values("column"))
        let missing = FixedFilter.allCases.map(\.spec.column).filter { !columns.contains($0) }
        if missing.contains(where: schema1Columns.contains) {
            throw StoreError.cannotOpen(path, "it is damaged: its activity table lacks \(missing.joined(separator: ", "))")
        }
        if !missing.isEmpty { throw StoreError.needsUpgrade(path) }
    }

    /// Brings a store up to this actq's schema (a no-op when it is there).
    private static func migrate(_ queue: DatabaseQueue, path: String) throws {
        try queue.read { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if version > schemaVersion { throw StoreError.newerSchema(path, version) }
            // Tables but no actq version: some other program's database.
            if version == 0, try !String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'").isEmpty {
                throw StoreError.notAStore(path)
            }
            if try migrator.hasBeenSuperseded(db) { throw StoreError.newerSchema(path, version) }
        }
        try migrator.migrate(queue)
    }

    // MARK: Writing

    /// Runs `body` in one transaction: everything it writes is kept, or nothing.
    public func write<T>(_ body: (any ActivityWriting) throws -> T) throws -> T {
        // This connection's own commits leave data_version as it is: forget the counts here.
        defer { counts.withLock { $0 = (-1, [:]) } }
        return try queue.write { db in
            // Into an empty store, rows go in without their secondary indexes, which are built
            // once at the end (as sqlite3's own bulk loads do), in the same transaction: a failed
            // or killed import leaves the store as it was, indexes and all. The index of custom
            // attributes by activity stays: replacing a repeated ID deletes through it.
            var deferred: [(name: String, sql: String)] = []
            let startsEmpty = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT 1 FROM activity LIMIT 1)") == 0
            if startsEmpty {
                deferred = try Row.fetchAll(db, sql: """
                    SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                    AND tbl_name IN ('activity', 'custom_attribute') AND name <> 'custom_attribute_activity' ORDER BY name
                    """).map { (name: $0[0], sql: $0[1]) }
            }
            for index in deferred { try db.execute(sql: "DROP INDEX \(index.name)") }
            let writer = try Writer(db, startsEmpty: startsEmpty)
            let result = try body(writer)
            for index in deferred { try db.execute(sql: index.sql) }
            if writer.written >= 1000 {
                // Fresh statistics let SQLite pick the selective index (`customer_id` rather than
                // `status`); the limit keeps ANALYZE quick on large stores.
                try db.execute(sql: "PRAGMA analysis_limit = 1000; ANALYZE;")
            }
            return result
        }
    }

    /// Inserts or replaces activities inside a `write` transaction, with prepared statements
    /// whose parameters are bound straight from the records' bytes (no argument array per row).
    public final class Writer: ActivityWriting {
        let db: Database
        private let upsert: Statement
        private let deleteCustom: Statement
        private let insertCustom: Statement
        /// The IDs written so far when the store was empty at the start (nil otherwise): an ID
        /// not among them has no custom attributes to delete.
        private var writtenIDs: Set<Int64>?
        /// The `resource` column of a record whose summary members all come first (as in the
        /// API's answers): only the other members, marked with a leading "+" (`+{"payload":…}`),
        /// so that the summary is stored once. Otherwise the column holds the whole resource.
        /// `ActivityStore.resourceSQL` puts the two back together, byte for byte the record's `json`.
        private var rest: [UInt8] = []
        public private(set) var written = 0

        init(_ db: Database, startsEmpty: Bool) throws {
            self.db = db
            // One column per fixed filter, as the filter table names them.
            let columns = ActivityColumns.afterID
            upsert = try db.makeStatement(sql: """
                INSERT INTO activity (id, \(columns.joined(separator: ", ")))
                VALUES (?\(String(repeating: ", ?", count: columns.count)))
                ON CONFLICT(id) DO UPDATE SET \(columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                """)
            deleteCustom = try db.makeStatement(sql: "DELETE FROM custom_attribute WHERE activity_id = ?")
            insertCustom = try db.makeStatement(sql: "INSERT OR IGNORE INTO custom_attribute (activity_id, name, value) VALUES (?, ?, ?)")
            writtenIDs = startsEmpty ? [] : nil
            rest.reserveCapacity(1024)
        }

        /// Adds an activity; one with the same ID is replaced.
        public func put(_ record: ActivityRecord) throws {
            let statement = upsert.sqliteStatement
            sqlite3_bind_int64(statement, 1, record.id)
            var parameter: Int32 = 2
            for field in record.fields {
                switch field {
                case .integer(let value)?: sqlite3_bind_int64(statement, parameter, value)
                case .text(let value)?: Self.bind(value, to: statement, at: parameter)
                case nil: sqlite3_bind_null(statement, parameter)
                }
                parameter += 1
            }
            let resource: [UInt8]
            if let restJSON = record.restJSON {
                rest.removeAll(keepingCapacity: true)
                rest.append(UInt8(ascii: "+"))
                rest += restJSON
                resource = rest
            } else {
                resource = record.json
            }
            try record.summaryJSON.withUnsafeBufferPointer { summary in
                try resource.withUnsafeBufferPointer { resource in
                    // Static: the buffers outlive the step, and the bindings are replaced before the next.
                    sqlite3_bind_text(statement, parameter, summary.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      Int32(summary.count), nil)
                    sqlite3_bind_text(statement, parameter + 1, resource.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      Int32(resource.count), nil)
                    try step(upsert)
                }
            }
            if writtenIDs?.insert(record.id).inserted != true {
                sqlite3_bind_int64(deleteCustom.sqliteStatement, 1, record.id)
                try step(deleteCustom)
            }
            let insert = insertCustom.sqliteStatement
            for attribute in record.customAttributes {
                sqlite3_bind_int64(insert, 1, record.id)
                Self.bind(attribute.name, to: insert, at: 2)
                Self.bind(attribute.value, to: insert, at: 3)
                try step(insertCustom)
            }
            written += 1
        }

        /// Binds text, copied by SQLite.
        private static func bind(_ text: String, to statement: SQLiteStatement, at parameter: Int32) {
            var text = text
            text.withUTF8 { bytes in
                guard let start = bytes.baseAddress else {
                    // A null pointer would bind NULL: the empty text is bound as a C string.
                    _ = sqlite3_bind_text(statement, parameter, "", 0, Self.transient)
                    return
                }
                _ = sqlite3_bind_text(statement, parameter, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self),
                                      Int32(bytes.count), Self.transient)
            }
        }

        /// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        /// Runs a bound statement to its end, and resets it.
        private func step(_ statement: Statement) throws {
            let handle = statement.sqliteStatement
            let code = sqlite3_step(handle)
            defer { sqlite3_reset(handle) }
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
        }
    }

    // MARK: Reading

    /// Stops the statement running on the store (from any thread): the search throws.
    public func interrupt() {
        queue.interrupt()
    }

    public func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM activity") ?? 0 }
    }

    /// Runs a plan — one query, or the union of several — and hands each activity of the
    /// requested window (or, with `all`, of the whole result) to `body` in order, reading rows as
    /// they come. Several alternatives are one SQL query (their conditions ORed), so the union,
    /// its order and its count come from SQLite directly.
    public func search(_ plan: QueryPlan, all: Bool = false, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        try run(plan, all: all) { row, _ in
            try body(ResultRow(id: row[0], json: try plan.presented(row[1])))
        }
    }

    /// `search` for servers: each activity's JSON as the UTF-8 bytes SQLite holds, read from the
    /// statement itself (no `Data` or `String` made and freed per row; valid only during the
    /// call). Named attribute lists take `search`.
    public func searchBytes(_ plan: QueryPlan, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> SearchSummary {
        if plan.projectsAttributes {
            return try search(plan) { row in
                var json = row.json
                try json.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
            }
        }
        return try run(plan, all: false) { _, statement in
            // sqlite3_column_blob first, then the length (SQLite's documented order).
            let start = sqlite3_column_blob(statement, 1)
            try body(UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, 1))))
        }
    }

    /// The SQL of a plan: its count, then its rows in order, each handed to `body`.
    private func run(_ plan: QueryPlan, all: Bool, _ body: (Row, SQLiteStatement) throws -> Void) throws -> SearchSummary {
        let sql = SQLQuery(plan, dialect: .sqlite)
        return try queue.read { db in
            let total = try count(sql, plan: plan, db)
            let window = all ? nil : (plan.window ?? .page(number: 1, size: nil))
            let (text, arguments) = sql.selectSQL(plan.attributes == nil ? "summary" : Self.resourceSQL, window: window)
            var returned = 0
            let statement = try statements.statement(text, in: db)
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(compiled: arguments))
            while let row = try rows.next() {
                try body(row, statement.sqliteStatement)
                returned += 1
            }
            return SearchSummary(total: total, returned: returned, window: window)
        }
    }

    /// All matches of the plan's filters; cached statements, so that the same shape of query is
    /// parsed and planned once per connection.
    private func count(_ sql: SQLQuery, plan: QueryPlan, _ db: Database) throws -> Int {
        let key = SQLQuery.countKey(plan)
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        if let known = counts.withLock({ $0.version == version ? $0.byFilter[key] : nil }) { return known }
        let total = try Int.fetchOne(statements.statement(sql.countSQL, in: db), arguments: StatementArguments(compiled: sql.arguments)) ?? 0
        counts.withLock { cache in
            if cache.version != version || cache.byFilter.count >= 512 { cache = (version, [:]) }
            cache.byFilter[key] = total
        }
        return total
    }

    /// The matches of a plan per value of `field`, in one `GROUP BY`.
    public func groupCounts(_ plan: QueryPlan, by field: FixedFilter) throws -> [(value: String?, count: Int)]? {
        let sql = SQLQuery(plan, dialect: .sqlite)
        return try queue.read { db in
            try Row.fetchAll(db, sql: sql.groupSQL(by: field), arguments: StatementArguments(compiled: sql.arguments))
                .map { row in (row[0] as String?, row[1] as Int) }
        }
    }

    /// Distinct values of a filter field in the store, most frequent first (for completion).
    public func distinctValues(of filter: Filter, limit: Int = 50) throws -> [String] {
        try queue.read { db in
            if case .custom(let name) = filter {
                return try String.fetchAll(db, sql: """
                    SELECT value FROM custom_attribute WHERE name = ? GROUP BY value ORDER BY count(*) DESC, value LIMIT ?
                    """, arguments: [name, limit])
            }
            guard let column = SQLQuery.column(for: filter), filter.valueKind != .date else { return [] }
            return try String.fetchAll(db, sql: """
                SELECT CAST(\(column) AS TEXT) FROM activity WHERE \(column) IS NOT NULL
                GROUP BY \(column) ORDER BY count(*) DESC, \(column) LIMIT ?
                """, arguments: [limit])
        }
    }

    public var summary: String {
        "local store \(path) (\((try? count()) ?? 0) activities)"
    }

    public func customAttributeNames(limit: Int = 100) throws -> [String] {
        try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM custom_attribute GROUP BY name ORDER BY count(*) DESC, name LIMIT ?",
                                arguments: [limit])
        }
    }
}

/// Prepared statements by SQL text, at most `capacity` of them; the least recently used goes
/// first. Used only inside the store's database closures, which run one at a time.
final class StatementCache: @unchecked Sendable {
    private var entries: [String: (statement: Statement, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { entries.count }

    /// Finalizes every statement (before the connection closes).
    func removeAll() { entries.removeAll() }

    func statement(_ sql: String, in db: Database) throws -> Statement {
        clock += 1
        if let entry = entries[sql] {
            entries[sql] = (entry.statement, clock)
            return entry.statement
        }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
        let statement = try db.makeStatement(sql: sql)
        entries[sql] = (statement, clock)
        return statement
    }
}

extension StatementArguments {
    /// The compiler's bound values, for GRDB.
    init(compiled values: [SQLValue]) {
        self.init()
        for value in values {
            switch value {
            case .integer(let number): self += [number]
            case .text(let text): self += [text]
            }
        }
    }
}
