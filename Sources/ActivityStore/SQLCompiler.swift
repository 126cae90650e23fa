import ActivityQuery

/// The SQL engines actq keeps activities in. One compiler (`SQLQuery`) writes the SQL of a plan
/// for either; what differs between them is said here, and only here.
public enum SQLDialect: Sendable {
    case sqlite, postgresql

    /// The placeholder of the `number`th bound parameter (from 1).
    func placeholder(_ number: Int) -> String {
        switch self {
        case .sqlite: "?"
        case .postgresql: "$\(number)"
        }
    }

    /// Where NULLs sort: SQLite takes them as smaller than any value, PostgreSQL as larger;
    /// PostgreSQL is told SQLite's order.
    func nullsPlacement(descending: Bool) -> String {
        switch self {
        case .sqlite: ""
        case .postgresql: descending ? " NULLS LAST" : " NULLS FIRST"
        }
    }

    /// The column type of a filter's values: text for codes and text, a 64-bit integer for IDs
    /// and dates (dates as UTC milliseconds in both engines, so boundaries compare identically).
    public func columnType(_ kind: Filter.ValueKind) -> String {
        switch (self, kind) {
        case (.sqlite, .code), (.sqlite, .text): "TEXT"
        // Byte order, as SQLite compares, whatever the database's locale.
        case (.postgresql, .code), (.postgresql, .text): "TEXT COLLATE \"C\""
        case (.sqlite, _): "INTEGER"
        case (.postgresql, _): "BIGINT"
        }
    }
}

/// A value bound to a statement: the only way a value reaches SQL (never its text).
public enum SQLValue: Hashable, Sendable {
    case integer(Int64)
    case text(String)
}

/// A plan as SQL for one dialect: its condition, its order and its bound values. Several
/// alternatives (the planner's union) are one condition, ORed, so the union, its order and its
/// count come from the engine directly.
public struct SQLQuery: Sendable {
    public let dialect: SQLDialect
    /// ` WHERE …`, or empty.
    public private(set) var whereClause = ""
    /// The sort key, ties broken by activity ID ascending (the API's order); activities
    /// without the key first when ascending, last when descending, in both engines.
    public private(set) var orderTerms = "id"
    /// ` ORDER BY` and `orderTerms`.
    public var orderBy: String { " ORDER BY " + orderTerms }
    /// The values of the placeholders in `whereClause`, in order.
    public private(set) var arguments: [SQLValue] = []

    /// The store column of a filter, or nil for custom attributes.
    public static func column(for filter: Filter) -> String? { filter.fixedFilter?.spec.column }

    /// The SQL of `plan`'s filters and sort.
    public init(_ plan: QueryPlan, dialect: SQLDialect) {
        self.dialect = dialect
        var alternatives: [String] = []
        for query in plan.alternatives {
            alternatives.append(conditions(query).joined(separator: " AND "))
        }
        if alternatives.count == 1 {
            if !alternatives[0].isEmpty { whereClause = " WHERE " + alternatives[0] }
        } else {
            whereClause = " WHERE (" + alternatives.joined(separator: ") OR (") + ")"
        }
        switch plan.alternatives[0].sort {
        case nil: orderTerms = "id"
        case let sort?:
            let direction = sort.direction == .desc ? "DESC" : "ASC"
            if let filter = sort.field.filter {
                orderTerms = "\(filter.spec.column) \(direction)\(dialect.nullsPlacement(descending: sort.direction == .desc)), id"
            } else {
                orderTerms = "id \(direction)"
            }
        }
    }

    /// Binds a value: its placeholder.
    private mutating func bind(_ value: SQLValue) -> String {
        arguments.append(value)
        return dialect.placeholder(arguments.count)
    }

    /// The conditions of one API query.
    private mutating func conditions(_ query: ActivityQuery) -> [String] {
        var clauses: [String] = []
        for entry in query.entries {
            switch (entry.filter, entry.value) {
            case (.custom(let name), let value):
                clauses.append("id IN (SELECT activity_id FROM custom_attribute WHERE name = \(bind(.text(name))) AND value = \(bind(.text(value.parameter))))")
            case (.fixed(let filter), .id(let id)):
                clauses.append("\(filter.spec.column) = \(bind(.integer(id)))")
            case (.fixed(let filter), .text(let text)):
                clauses.append("\(filter.spec.column) = \(bind(.text(text)))")
            case (.fixed(let filter), .dates(let range)):
                let column = filter.spec.column
                if let start = range.start { clauses.append("\(column) >= \(bind(.integer(start)))") }
                if let end = range.end { clauses.append("\(column) <= \(bind(.integer(end)))") }
                if range.start == nil && range.end == nil { clauses.append("\(column) IS NOT NULL") }
            }
        }
        return clauses
    }

    /// `SELECT count(*)` of the matches.
    public var countSQL: String { "SELECT count(*) FROM activity" + whereClause }

    /// The matching rows' `id` and `column`, in order, within `window` (nil: all of them); the
    /// window's offset and limit are bound after `arguments`.
    public func selectSQL(_ column: String, window: ResultWindow?) -> (sql: String, arguments: [SQLValue]) {
        var text = "SELECT id, \(column) FROM activity" + whereClause + orderBy
        var arguments = arguments
        if let window {
            let (offset, limit) = window.offsetAndLimit
            arguments += [.integer(Int64(limit)), .integer(Int64(offset))]
            text += " LIMIT \(dialect.placeholder(arguments.count - 1)) OFFSET \(dialect.placeholder(arguments.count))"
        }
        return (text, arguments)
    }

    /// The matches counted per value of `field` (as text; NULL for none), most first.
    public func groupSQL(by field: FixedFilter) -> String {
        let column = field.spec.column
        return "SELECT CAST(\(column) AS TEXT), count(*) FROM activity\(whereClause) GROUP BY \(column) ORDER BY count(*) DESC, \(column)"
    }

    /// The cache key of a plan's match count: its filters, without window, sort or attributes.
    public static func countKey(_ plan: QueryPlan) -> String {
        plan.alternatives.map { query in
            var filters = query
            filters.window = nil
            filters.sort = nil
            filters.attributes = nil
            return SearchRequest(filters).queryString
        }.joined(separator: " OR ")
    }
}

/// The store's tables, for engines other than the frozen SQLite schema 1: the same shape, from
/// the filter table. One column per filter (indexed; dates with the ID, for sorted pages), the
/// summary and the whole resource as JSON text, custom attributes in an indexed side table.
public enum StoreSchema {
    /// The filter columns of the first schema (frozen: later filters come by migration).
    public static let firstColumns: Set<String> = [
        "case_id", "customer_id", "status", "mode", "type", "assigned_to", "assigned_user_name", "queue_id", "created",
        "last_modified",
    ]

    /// The statements that create the first schema in `dialect`.
    public static func firstSchema(_ dialect: SQLDialect) -> [String] {
        let integer = dialect.columnType(.id)
        let filters = FixedFilter.allCases.filter { firstColumns.contains($0.spec.column) }
        let columns = ["id \(integer) PRIMARY KEY"] + filters.map { "\($0.spec.column) \(dialect.columnType($0.spec.kind))" }
            + ["summary TEXT NOT NULL", "resource TEXT NOT NULL"]
        return [
            "CREATE TABLE activity (\(columns.joined(separator: ", ")))",
            """
            CREATE TABLE custom_attribute (
                activity_id \(integer) NOT NULL REFERENCES activity(id) ON DELETE CASCADE,
                name \(dialect.columnType(.text)) NOT NULL,
                value \(dialect.columnType(.text)) NOT NULL)
            """,
        ] + filters.map { index($0, dialect) } + [
            "CREATE INDEX custom_attribute_lookup ON custom_attribute(name, value, activity_id)",
            "CREATE INDEX custom_attribute_activity ON custom_attribute(activity_id)",
        ]
    }

    /// The index of a filter's column. Dates are ordered with the ID, so that sorted pages read
    /// in order: SQLite keeps the row ID at the end of every index entry already (naming it would
    /// store it twice), PostgreSQL is given it.
    public static func index(_ filter: FixedFilter, _ dialect: SQLDialect = .sqlite) -> String {
        let column = filter.spec.column
        let key = filter.spec.kind == .date && dialect == .postgresql ? "\(column)\(dialect.nullsPlacement(descending: false)), id" : column
        return "CREATE INDEX activity_\(column) ON activity(\(key))"
    }

    /// The filters that came after the first schema: one migration each.
    public static var laterFilters: [FixedFilter] {
        FixedFilter.allCases.filter { !firstColumns.contains($0.spec.column) }
    }
}
