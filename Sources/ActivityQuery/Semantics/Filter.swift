/// The filter parameters of the activity search that are not custom attributes, in the API's
/// canonical parameter order (custom attributes come after `lastModifiedDate`). The raw value is
/// the parameter's name in the API's spelling.
///
/// This enum and its `spec` are the one description of the filter set: the binder, the request
/// encoder and decoder, the planner, the store's SQL and schema, the activity reader, completion,
/// hover and `:help` all derive from them. Adding a field means a case here and its `spec`.
public enum FixedFilter: String, CaseIterable, Hashable, Sendable, Codable {
    case customer, `case`, status, mode, assignedTo, queue, createdDate, lastModifiedDate, assignedUserName, type

    /// Everything actq knows about the filter (described once, in `describe`).
    public var spec: FilterSpec { Self.specs[rank] }

    /// The kind of value the filter takes (read without copying the rest of the spec: every
    /// condition of every query asks).
    public var kind: Filter.ValueKind { Self.specs[rank].kind }

    /// Where the filter's value lies in a resource (read without copying the rest of the spec:
    /// every activity read asks, for every filter).
    public var resourcePath: [String] { Self.specs[rank].resourcePath }

    /// Every filter's spec, in canonical order: `describe` builds arrays and strings, and the
    /// binder and the planner ask for a spec several times per condition.
    private static let specs: [FilterSpec] = allCases.map(describe)

    /// What the filter is. The switch is exhaustive: a new case does not compile until it is
    /// described.
    private static func describe(_ filter: FixedFilter) -> FilterSpec {
        switch filter {
        case .customer:
            FilterSpec(kind: .id, column: "customer_id", resourcePath: ["customer"],
                       summary: "Customer ID (positive integer). Exact match: 1080 never matches 10801.")
        case .case:
            FilterSpec(kind: .id, column: "case_id", resourcePath: ["case"], summary: "Case ID (positive integer).")
        case .status:
            FilterSpec(kind: .code, column: "status", resourcePath: ["status"], knownValues: ["open", "completed"],
                       summary: "Status code, lower case: open or completed.")
        case .mode:
            FilterSpec(kind: .code, column: "mode", resourcePath: ["mode"], knownValues: ["inbound", "outbound"],
                       summary: "Mode code: inbound or outbound (others may exist).")
        case .assignedTo:
            FilterSpec(kind: .id, column: "assigned_to", resourcePath: ["assigned", "user"],
                       summary: "ID of the assigned user (positive integer).")
        case .queue:
            FilterSpec(kind: .id, column: "queue_id", resourcePath: ["queue"], summary: "Queue ID (positive integer).")
        case .createdDate:
            FilterSpec(kind: .date, column: "created", resourcePath: ["created", "date"],
                       summary: "When the activity was created. Dates, ranges and relative dates; bounds inclusive.")
        case .lastModifiedDate:
            FilterSpec(kind: .date, column: "last_modified", resourcePath: ["lastModified", "date"],
                       summary: "When the activity was last modified. Dates, ranges and relative dates; bounds inclusive.")
        case .assignedUserName:
            FilterSpec(kind: .text, column: "assigned_user_name", resourcePath: ["assigned", "user", "name"],
                       summary: "User name of the assigned user, matched exactly and case-sensitively.")
        case .type:
            // The API documents its four types as the whole set, and refuses a search by type alone.
            FilterSpec(kind: .code, column: "type", resourcePath: ["type"], knownValues: ["email", "chat", "task", "call_track"],
                       closedValues: true, needsAnotherFilter: true,
                       summary: "Activity type: email, chat, task or call_track. Needs at least one other filter.")
        }
    }

    /// The parameter name, in the API's spelling.
    public var name: String { rawValue }

    /// The filter named `bytes` (ASCII case-insensitively), without making a string.
    static func lookup(_ bytes: ArraySlice<UInt8>) -> FixedFilter? {
        guard bytes.count < namesByLength.count else { return nil }
        return bytes.withUnsafeBufferPointer { input in
            for (name, filter) in namesByLength[input.count] {
                var index = 0
                while index < name.count, name[index] == ASCII.lowered(input[index]) { index += 1 }
                if index == name.count { return filter }
            }
            return nil
        }
    }

    /// Every filter's name in lower case, as bytes, by length: a field is compared with the one
    /// to three names of its length (made once: `allCases` and `rawValue` make new values at each
    /// use, and every field of every query is looked up).
    private static let namesByLength: [[([UInt8], FixedFilter)]] = {
        let names = allCases.map { (Array($0.rawValue.utf8).map(ASCII.lowered), $0) }
        var table = Array(repeating: [([UInt8], FixedFilter)](), count: (names.map(\.0.count).max() ?? 0) + 1)
        for entry in names { table[entry.0.count].append(entry) }
        return table
    }()
}

/// What the filter table says of one fixed filter.
public struct FilterSpec: Sendable {
    /// The kind of value, which says how it binds, how it is checked and how it is encoded.
    public let kind: Filter.ValueKind
    /// The column of the local store's `activity` table that holds the value (indexed; a date
    /// column's index is on `(column, id)` for sorting).
    public let column: String
    /// Where an activity resource holds the value: member names from the top level. An `.id`
    /// is read from `{"id": …}` or a bare ID, a `.code` from `{"value": …}` or a bare string.
    public let resourcePath: [String]
    /// Values the API documents; other codes are warned about (or, if `closedValues`, refused).
    public let knownValues: [String]
    public let closedValues: Bool
    /// Whether a search may not consist of this filter alone.
    public let needsAnotherFilter: Bool
    /// One line for completion, hover and `:help`.
    public let summary: String

    init(kind: Filter.ValueKind, column: String, resourcePath: [String], knownValues: [String] = [],
         closedValues: Bool = false, needsAnotherFilter: Bool = false, summary: String) {
        self.kind = kind
        self.column = column
        self.resourcePath = resourcePath
        self.knownValues = knownValues
        self.closedValues = closedValues
        self.needsAnotherFilter = needsAnotherFilter
        self.summary = summary
    }
}

/// A filter parameter of the activity search: a fixed one, or a custom attribute by name.
public enum Filter: Hashable, Sendable, Codable {
    case fixed(FixedFilter)
    /// `custom.<name>`; an activity may hold several values of one attribute.
    case custom(String)

    /// The kinds of value a filter takes.
    public enum ValueKind: Sendable {
        /// A positive integer ID.
        case id
        /// A lower-case code from a known set (more may exist on a deployment).
        case code
        /// Free text, matched exactly.
        case text
        /// An instant; conditions on it are inclusive ranges.
        case date
    }

    /// The fixed filters in canonical order.
    public static let allFixed: [Filter] = FixedFilter.allCases.map(Filter.fixed)

    /// Whether this is a custom attribute (`custom.<name>`), which an activity may hold with
    /// several values.
    public var isCustom: Bool {
        if case .custom = self { return true }
        return false
    }

    /// The fixed filter, if this is one.
    public var fixedFilter: FixedFilter? {
        if case .fixed(let filter) = self { return filter }
        return nil
    }

    /// The parameter name, in the API's spelling.
    public var name: String {
        switch self {
        case .fixed(let filter): filter.rawValue
        case .custom(let name): "custom.\(name)"
        }
    }

    public var valueKind: ValueKind { fixedFilter?.kind ?? .text }

    /// The fixed filter, if this is a date filter.
    public var dateFilter: FixedFilter? {
        if case .fixed(let filter) = self, filter.kind == .date { return filter }
        return nil
    }

    /// Values documented by the API; a code outside this set is warned about (or, for a closed
    /// set such as `type`'s, refused).
    public var knownValues: [String] { fixedFilter?.spec.knownValues ?? [] }

    public var summary: String {
        switch self {
        case .fixed(let filter): filter.spec.summary
        case .custom(let name): "Value of the custom attribute '\(name)', matched exactly as text."
        }
    }

    /// Sorts filters into the API's parameter order: the fixed ones as `FixedFilter` lists them,
    /// custom attributes by name right after `lastModifiedDate`.
    public static func canonicallyPrecedes(_ lhs: Filter, _ rhs: Filter) -> Bool {
        switch (lhs, rhs) {
        case (.custom(let a), .custom(let b)): a < b
        case (.fixed(let a), .fixed(let b)): a.rank < b.rank
        case (.fixed(let a), .custom): a.rank <= FixedFilter.lastModifiedDate.rank
        case (.custom, .fixed(let b)): b.rank > FixedFilter.lastModifiedDate.rank
        }
    }

    /// `named(_:)` on the bytes of a token, without making a string for the fixed fields.
    public static func lookup(_ bytes: ArraySlice<UInt8>) -> Filter? {
        if let filter = FixedFilter.lookup(bytes) { return .fixed(filter) }
        guard bytes.count >= 7 else { return nil }
        return named(String(decoding: bytes, as: UTF8.self))
    }

    /// Looks a field up by name, case-insensitively; `custom.<name>` keeps `<name>` as written,
    /// and `custom."<name>"` is the quoted form for names that are not plain words.
    public static func named(_ text: String) -> Filter? {
        let utf8 = text.utf8
        if utf8.count >= 7, utf8.prefix(7).elementsEqual("custom.".utf8, by: { ASCII.lowered($0) == $1 }) {
            let name = text.utf8.dropFirst(7)
            if name.first == UInt8(ascii: "\"") {
                return .custom(StringLiteral.decode(ArraySlice(name)).value)
            }
            return .custom(String(decoding: name, as: UTF8.self))
        }
        return FixedFilter.lookup(ArraySlice(utf8)).map(Filter.fixed)
    }

    /// The attribute of an API parameter `custom.<name>` (the prefix in lower case, as the API
    /// reads it; the name may be empty), or nil for any other parameter. Split by bytes:
    /// `hasPrefix` and `dropFirst` count characters, and an attribute that starts with a
    /// combining mark (`custom.\u{32B}a`) joins the mark to the dot.
    static func customAttribute(ofParameter name: String) -> String? {
        guard name.utf8.starts(with: "custom.".utf8) else { return nil }
        return String(decoding: name.utf8.dropFirst(7), as: UTF8.self)
    }

    /// The field as the language writes it: `status`, `custom.rating`, `custom."two words"`.
    public var spelling: String {
        guard case .custom(let name) = self else { return self.name }
        return Filter.isPlainCustomName(name) ? "custom." + name : "custom." + StringLiteral.quote(name)
    }

    static func isPlainCustomName(_ name: String) -> Bool {
        let bytes = Array(("custom." + name).utf8)
        let (tokens, diagnostics) = Lexer.tokenize(bytes)
        return !name.isEmpty && diagnostics.isEmpty && tokens.count == 2 && tokens[0].kind == .word
            && tokens[0].range.end == bytes.count && bytes.last != UInt8(ascii: "\"")
    }
}

extension FixedFilter {
    /// The position in canonical order (the order of the cases, as `allCases` lists them; a
    /// test holds the two together). A switch: filters are ranked each time one is added to a query.
    var rank: Int {
        switch self {
        case .customer: 0
        case .case: 1
        case .status: 2
        case .mode: 3
        case .assignedTo: 4
        case .queue: 5
        case .createdDate: 6
        case .lastModifiedDate: 7
        case .assignedUserName: 8
        case .type: 9
        }
    }
}

/// ASCII case folding on bytes (the language's keywords and field names are ASCII).
enum ASCII {
    @inline(__always)
    static func lowered(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
