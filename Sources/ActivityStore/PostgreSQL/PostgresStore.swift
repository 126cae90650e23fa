import ActivityModel
import ActivityQuery
import Foundation
import NIOCore
import PostgresNIO

/// The team store: activities in a PostgreSQL database, with the SQLite store's schema shape,
/// its SQL (through the one compiler, in PostgreSQL's dialect) and so exactly its answers.
///
/// Readers never wait for writers (MVCC): an import is one transaction, seen whole or not at
/// all. There is no cache of counts or pages — another instance or an importer may change the
/// data at any moment; each search is one statement, so its count and its rows come from one
/// snapshot.
public final class PostgresStore: ActivityStoring, @unchecked Sendable {
    public let location: PostgresLocation
    /// The store's connection (tests set session parameters on it).
    public let connector: PostgresConnector

    /// Connects and brings the database to this actq's schema (creating it in an empty
    /// database). With `readOnly`, a database without actq's tables is an error instead, and
    /// the session refuses writes.
    public init(_ location: PostgresLocation, readOnly: Bool = false) throws {
        self.location = location
        // Migrations first (a reader may bring an older store up to date), then a reader's
        // connection refuses writes, on every reconnection too.
        // The store is read through its indexes, mostly from cache: its sessions cost random
        // reads as on SSDs (PostgreSQL's default assumes spinning disks, and would bitmap-scan a
        // two-valued column's index beside a selective one). A reader's session refuses writes.
        // Both go in the startup message: no round trip of their own, and kept on reconnection.
        connector = try PostgresConnector(location, startupSettings: [("random_page_cost", "1.1")]
            + (readOnly ? [("default_transaction_read_only", "on")] : []))
        try PostgresSchema.migrate(connector, creating: !readOnly)
    }

    /// Opens the store a `postgresql://` URL names.
    public convenience init(url: String, readOnly: Bool = false) throws {
        try self.init(PostgresLocation(url: url), readOnly: readOnly)
    }

    public func close() throws { connector.close() }

    public func interrupt() { connector.close() }

    public var summary: String {
        "PostgreSQL store \(location) (\((try? count()) ?? 0) activities)"
    }

    public func count() throws -> Int {
        Int(try connector.scalar("SELECT count(*) FROM activity", as: Int64.self) ?? 0)
    }

    /// Nil: other servers write to the same database, and PostgreSQL tells no one.

    // MARK: Searching

    public func search(_ plan: QueryPlan, all: Bool, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        try run(plan, all: all) { id, bytes in
            try body(ResultRow(id: id, json: try plan.presented(String(buffer: bytes))))
        }
    }

    public func searchBytes(_ plan: QueryPlan, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> SearchSummary {
        if plan.projectsAttributes {
            return try search(plan, all: false) { row in
                var json = row.json
                try json.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
            }
        }
        return try run(plan, all: false) { _, bytes in try bytes.withUnsafeReadableBytes { try body($0) } }
    }

    /// One statement: the count of all matches beside the window's rows, from one snapshot.
    /// A window past the end gives one row with the count and no activity.
    private func run(_ plan: QueryPlan, all: Bool, _ body: (Int64, ByteBuffer) throws -> Void) throws -> SearchSummary {
        let sql = SQLQuery(plan, dialect: .postgresql)
        let window = all ? nil : (plan.window ?? .page(number: 1, size: nil))
        let (select, arguments) = sql.selectSQL(
            "\(plan.attributes == nil ? "summary" : "resource"), row_number() OVER (ORDER BY \(sql.orderTerms))", window: window)
        let text = """
            SELECT page.id, page.json, total.n FROM (\(sql.countSQL)) AS total(n)
            LEFT JOIN LATERAL (\(select)) AS page(id, json, position) ON true
            ORDER BY page.position
            """
        var total = 0
        var returned = 0
        try connector.query(text, arguments) { row in
            let cells = row.makeRandomAccess()
            total = Int(try cells[2].decode(Int64.self))
            guard let id = try cells[0].decode(Int64?.self), let bytes = cells[1].bytes else { return }
            try body(id, bytes)
            returned += 1
        }
        return SearchSummary(total: total, returned: returned, window: window)
    }

    public func groupCounts(_ plan: QueryPlan, by field: FixedFilter) throws -> [(value: String?, count: Int)]? {
        let sql = SQLQuery(plan, dialect: .postgresql)
        var groups: [(value: String?, count: Int)] = []
        try connector.query(sql.groupSQL(by: field), sql.arguments) { row in
            let cells = row.makeRandomAccess()
            groups.append((try cells[0].decode(String?.self), Int(try cells[1].decode(Int64.self))))
        }
        return groups
    }

    public func distinctValues(of filter: Filter, limit: Int) throws -> [String] {
        let sql: String
        var arguments: [SQLValue] = []
        if case .custom(let name) = filter {
            sql = "SELECT value FROM custom_attribute WHERE name = $1 GROUP BY value ORDER BY count(*) DESC, value LIMIT $2"
            arguments = [.text(name)]
        } else {
            guard let column = SQLQuery.column(for: filter), filter.valueKind != .date else { return [] }
            sql = """
                SELECT CAST(\(column) AS TEXT) FROM activity WHERE \(column) IS NOT NULL
                GROUP BY \(column) ORDER BY count(*) DESC, \(column) LIMIT $1
                """
        }
        return try strings(sql, arguments + [.integer(Int64(limit))])
    }

    public func customAttributeNames(limit: Int) throws -> [String] {
        try strings("SELECT name FROM custom_attribute GROUP BY name ORDER BY count(*) DESC, name LIMIT $1", [.integer(Int64(limit))])
    }

    private func strings(_ sql: String, _ arguments: [SQLValue]) throws -> [String] {
        var values: [String] = []
        try connector.query(sql, arguments) { row in values.append(try row.makeRandomAccess()[0].decode(String.self)) }
        return values
    }

    // MARK: Writing

    public func write<T>(_ body: (any ActivityWriting) throws -> T) throws -> T {
        try write(replacing: false, body)
    }

    /// `write`, and with `replacing` the store's activities are those `body` writes and no
    /// others (`actq demo`). Readers see the old content until the transaction commits.
    /// `beforeCommit` runs when everything is written, just before the commit.
    public func write<T>(replacing: Bool, beforeCommit: () throws -> Void = {}, _ body: (any ActivityWriting) throws -> T) throws -> T {
        try connector.query("BEGIN")
        do {
            if replacing { try connector.query("DELETE FROM activity") }
            let writer = try PostgresWriter(connector)
            let result: T
            do { result = try body(writer) } catch {
                // Nothing else may use the connection while a batch is loading.
                try? writer.waitForCopies()
                throw error
            }
            try writer.finish()
            if writer.written >= 1000 { try connector.query("ANALYZE activity, custom_attribute") }
            try beforeCommit()
            try connector.query("COMMIT")
            return result
        } catch {
            try? connector.query("ROLLBACK")
            throw error
        }
    }
}

/// Writes activities with `COPY` into the transaction's staging tables, and merges them into
/// the store at the end: a re-imported ID replaces the stored activity (the last one of the run
/// wins), custom attributes with it. Into an empty store, each ID's first row is copied straight
/// into the store's tables and only repeats are staged. Rows are encoded straight into COPY's
/// text format.
final class PostgresWriter: ActivityWriting {
    let connector: PostgresConnector
    private(set) var written = 0
    /// Rows for the store's own tables (an empty store's first load) and for the staging tables.
    private var directActivities = ByteBuffer(), directAttributes = ByteBuffer()
    private var stagedActivities = ByteBuffer(), stagedAttributes = ByteBuffer()
    private var stagedCount = 0
    /// The IDs copied straight in, when the store was empty at the start; nil otherwise.
    private var copiedIDs: Set<Int64>?
    /// Flush to the server every few MiB.
    private static let batchBytes = 4 << 20
    static let columns = ["id"] + ActivityColumns.afterID

    init(_ connector: PostgresConnector) throws {
        self.connector = connector
        let filters = FixedFilter.allCases.map { "\($0.spec.column) \(SQLDialect.postgresql.columnType($0.spec.kind))" }
        try connector.query("""
            CREATE TEMP TABLE import_activity (seq BIGINT, id BIGINT, \(filters.joined(separator: ", ")), \
            summary TEXT, resource TEXT) ON COMMIT DROP
            """)
        try connector.query("CREATE TEMP TABLE import_custom (seq BIGINT, activity_id BIGINT, name TEXT, value TEXT) ON COMMIT DROP")
        // An empty store (checked again under the merge lock, which this import then holds)
        // takes the rows directly.
        if try connector.scalar("SELECT NOT EXISTS (SELECT 1 FROM activity)", as: Bool.self) == true {
            try connector.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.mergeLock)])
            if try connector.scalar("SELECT NOT EXISTS (SELECT 1 FROM activity)", as: Bool.self) == true { copiedIDs = [] }
        }
        directActivities.reserveCapacity(Self.batchBytes + (1 << 16))
    }

    func put(_ activity: ActivityRecord) throws {
        written += 1
        if copiedIDs?.insert(activity.id).inserted == true {
            try Self.encode(activity, sequence: nil, into: &directActivities, attributes: &directAttributes)
        } else {
            stagedCount += 1
            try Self.encode(activity, sequence: String(written), into: &stagedActivities, attributes: &stagedAttributes)
        }
        let buffered = directActivities.readableBytes + directAttributes.readableBytes
            + stagedActivities.readableBytes + stagedAttributes.readableBytes
        if buffered >= Self.batchBytes { try flush() }
    }

    /// An activity's row (with the staging tables' `seq` first, when given) and its custom
    /// attributes' rows.
    static func encode(_ activity: ActivityRecord, sequence: String?, into activities: inout ByteBuffer, attributes: inout ByteBuffer) throws {
        let summary = String(decoding: activity.summaryJSON, as: UTF8.self)
        let resource = String(decoding: activity.json, as: UTF8.self)
        let id = String(activity.id)
        if let sequence {
            activities.writeString(sequence)
            activities.writeInteger(UInt8(ascii: "\t"))
        }
        activities.writeString(id)
        for (filter, field) in zip(FixedFilter.allCases, activity.fields) {
            activities.writeInteger(UInt8(ascii: "\t"))
            switch field {
            case .integer(let value)?: activities.writeString(String(value))
            case .text(let value)?: try writeText(value, into: &activities, activity: activity.id, field: filter.rawValue)
            case nil: activities.writeString("\\N")
            }
        }
        activities.writeInteger(UInt8(ascii: "\t"))
        try writeText(summary, into: &activities, activity: activity.id, field: "summary")
        activities.writeInteger(UInt8(ascii: "\t"))
        try writeText(resource, into: &activities, activity: activity.id, field: "resource")
        activities.writeInteger(UInt8(ascii: "\n"))
        for attribute in activity.customAttributes {
            if let sequence {
                attributes.writeString(sequence)
                attributes.writeInteger(UInt8(ascii: "\t"))
            }
            attributes.writeString(id)
            attributes.writeInteger(UInt8(ascii: "\t"))
            try writeText(attribute.name, into: &attributes, activity: activity.id, field: "custom attribute name")
            attributes.writeInteger(UInt8(ascii: "\t"))
            try writeText(attribute.value, into: &attributes, activity: activity.id, field: "custom.\(attribute.name)")
            attributes.writeInteger(UInt8(ascii: "\n"))
        }
    }

    /// A value in COPY's text format: backslash, tab, newline and carriage return escaped.
    /// PostgreSQL's text cannot hold U+0000, so an activity with one is refused by name.
    static func writeText(_ text: String, into buffer: inout ByteBuffer, activity: Int64, field: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() {
                let escape: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
                case 0: throw PostgresFailure("activity \(activity): its \(field) holds the character U+0000, which PostgreSQL text cannot store")
                default: continue
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(escape)
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
    }

    /// Sends the buffered rows to the store's tables and the staging tables.
    private func flush() throws {
        try waitForCopies()
        var batches: [(data: ByteBuffer, table: String, columns: [String])] = []
        func take(_ buffer: inout ByteBuffer, _ table: String, _ columns: [String]) {
            guard buffer.readableBytes > 0 else { return }
            batches.append((buffer, table, columns))
            buffer = ByteBuffer()
            buffer.reserveCapacity(batches.last!.data.readableBytes)
        }
        take(&directActivities, "activity", Self.columns)
        take(&directAttributes, "custom_attribute", ["activity_id", "name", "value"])
        take(&stagedActivities, "import_activity", ["seq"] + Self.columns)
        take(&stagedAttributes, "import_custom", ["seq", "activity_id", "name", "value"])
        guard !batches.isEmpty else { return }
        let logger = connector.logger
        let work = batches
        // The server loads this batch while the reader parses the next one: one batch in flight.
        copies = try connector.start { connection in
            for batch in work {
                try await connection.copyFrom(table: batch.table, columns: batch.columns, logger: logger) { writer in
                    try await writer.write(batch.data)
                }
            }
        }
    }

    /// The batch in flight, if any.
    private var copies: PostgresConnector.Pending<Void>?

    /// Waits until the batch in flight is loaded (its failure is the import's).
    func waitForCopies() throws {
        guard let pending = copies else { return }
        copies = nil
        do { try pending.wait() } catch {
            throw PostgresFailure(error, doing: "the import into \(connector.location) failed")
        }
    }

    /// An arbitrary constant: the advisory lock importers merge under.
    static let mergeLock: Int64 = 0x6163_7471_696d_7074

    /// Merges the staged activities into the store (inside the caller's transaction).
    /// Importers stage side by side and merge one at a time (a transaction lock until their
    /// commit): two merges of overlapping IDs in different orders would otherwise deadlock.
    func finish() throws {
        try flush()
        try waitForCopies()
        guard stagedCount > 0 else { return }
        try connector.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.mergeLock)])
        let columns = Self.columns
        let list = columns.joined(separator: ", ")
        try connector.query("CREATE TEMP TABLE import_last ON COMMIT DROP AS SELECT DISTINCT ON (id) * FROM import_activity ORDER BY id, seq DESC")
        try connector.query("DELETE FROM custom_attribute WHERE activity_id IN (SELECT id FROM import_last)")
        try connector.query("""
            INSERT INTO activity (\(list)) SELECT \(list) FROM import_last
            ON CONFLICT (id) DO UPDATE SET \(columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """)
        try connector.query("""
            INSERT INTO custom_attribute (activity_id, name, value)
            SELECT c.activity_id, c.name, c.value FROM import_custom c JOIN import_last l ON l.id = c.activity_id AND l.seq = c.seq
            ORDER BY c.seq
            """)
    }
}
