/// An inclusive range of instants in UTC milliseconds; a nil bound is open.
public struct DateRange: Hashable, Sendable, Codable {
    public var start: Int64?
    public var end: Int64?

    public init(start: Int64?, end: Int64?) {
        self.start = start
        self.end = end
    }

    /// Intersection with another range: the later start and the earlier end.
    public func intersected(with other: DateRange) -> DateRange {
        DateRange(
            start: [start, other.start].compactMap { $0 }.max(),
            end: [end, other.end].compactMap { $0 }.min())
    }

    public var isEmpty: Bool {
        if let start, let end { return start > end }
        return false
    }

    public func contains(_ instant: Int64) -> Bool {
        (start.map { instant >= $0 } ?? true) && (end.map { instant <= $0 } ?? true)
    }
}

public enum SortField: String, Hashable, Sendable, Codable, CaseIterable {
    case id
    case createdDate
    case lastModifiedDate
}

extension SortField {
    /// The sort field spelled in any case, from the bytes of a token.
    init?(caseInsensitive bytes: ArraySlice<UInt8>) {
        for field in SortField.allCases where field.rawValue.utf8.count == bytes.count {
            if zip(field.rawValue.utf8, bytes).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                self = field
                return
            }
        }
        return nil
    }
}

public enum SortDirection: String, Hashable, Sendable, Codable {
    case asc, desc
}

public struct SortOrder: Hashable, Sendable, Codable {
    public var field: SortField
    /// Nil when the query did not say; the API then sorts ascending and no `$order` is sent.
    public var direction: SortDirection?

    public init(field: SortField, direction: SortDirection? = nil) {
        self.field = field
        self.direction = direction
    }
}

/// `$attribute`: which attributes beyond the summary set the response carries.
public enum AttributeSelection: Hashable, Sendable, Codable {
    case all
    case named([String])
}

/// Which slice of the matches is returned. Page and range windows exclude each other.
public enum ResultWindow: Hashable, Sendable, Codable {
    case page(number: Int, size: Int?)
    case range(start: Int, size: Int?)

    public static let defaultSize = 25
    public static let sizeLimit = 1...75

    /// The 1-based position of the first result and the number of results.
    public var offsetAndLimit: (offset: Int, limit: Int) {
        switch self {
        case .page(let number, let size):
            let size = size ?? Self.defaultSize
            return ((number - 1) * size, size)
        case .range(let start, let size):
            return (start - 1, size ?? Self.defaultSize)
        }
    }
}

/// The API's filter model: everything an activity search request can say, typed. Built by the
/// binder from the language and by the request decoder from a URL; turned into the exact request
/// by `SearchRequest`.
public struct ActivityQuery: Hashable, Sendable, Codable {
    public var customer: Int64?
    public var caseID: Int64?
    public var status: String?
    public var mode: String?
    public var assignedTo: Int64?
    public var queue: Int64?
    public var createdDate: DateRange?
    public var lastModifiedDate: DateRange?
    /// `custom.<name>` filters, by attribute name as written.
    public var customAttributes: [String: String]
    public var assignedUserName: String?
    public var type: String?

    public var attributes: AttributeSelection?
    public var sort: SortOrder?
    public var window: ResultWindow?

    public init(
        customer: Int64? = nil, caseID: Int64? = nil, status: String? = nil, mode: String? = nil,
        assignedTo: Int64? = nil, queue: Int64? = nil, createdDate: DateRange? = nil,
        lastModifiedDate: DateRange? = nil, customAttributes: [String: String] = [:],
        assignedUserName: String? = nil, type: String? = nil, attributes: AttributeSelection? = nil,
        sort: SortOrder? = nil, window: ResultWindow? = nil
    ) {
        self.customer = customer
        self.caseID = caseID
        self.status = status
        self.mode = mode
        self.assignedTo = assignedTo
        self.queue = queue
        self.createdDate = createdDate
        self.lastModifiedDate = lastModifiedDate
        self.customAttributes = customAttributes
        self.assignedUserName = assignedUserName
        self.type = type
        self.attributes = attributes
        self.sort = sort
        self.window = window
    }

    /// How many filters are set.
    public var filterCount: Int {
        var count = customAttributes.count
        for isSet in [customer != nil, caseID != nil, status != nil, mode != nil, assignedTo != nil, queue != nil,
                      createdDate != nil, lastModifiedDate != nil, assignedUserName != nil, type != nil] where isSet {
            count += 1
        }
        return count
    }

    public var hasFilters: Bool {
        customer != nil || caseID != nil || status != nil || mode != nil || assignedTo != nil || queue != nil
            || createdDate != nil || lastModifiedDate != nil || !customAttributes.isEmpty
            || assignedUserName != nil || type != nil
    }

    /// The filters that are set, in the API's canonical parameter order.
    public var filters: [Filter] {
        var result: [Filter] = []
        if customer != nil { result.append(.customer) }
        if caseID != nil { result.append(.case) }
        if status != nil { result.append(.status) }
        if mode != nil { result.append(.mode) }
        if assignedTo != nil { result.append(.assignedTo) }
        if queue != nil { result.append(.queue) }
        if createdDate != nil { result.append(.createdDate) }
        if lastModifiedDate != nil { result.append(.lastModifiedDate) }
        for name in customAttributes.keys.sorted() { result.append(.custom(name)) }
        if assignedUserName != nil { result.append(.assignedUserName) }
        if type != nil { result.append(.type) }
        return result
    }

    /// The value of a filter as the API receives it (dates as `[start,end]`).
    public func parameterValue(of filter: Filter) -> String? {
        switch filter {
        case .customer: customer.map(String.init)
        case .case: caseID.map(String.init)
        case .status: status
        case .mode: mode
        case .assignedTo: assignedTo.map(String.init)
        case .queue: queue.map(String.init)
        case .createdDate: createdDate.map(APIDate.rangeParameter)
        case .lastModifiedDate: lastModifiedDate.map(APIDate.rangeParameter)
        case .custom(let name): customAttributes[name]
        case .assignedUserName: assignedUserName
        case .type: type
        }
    }
}

/// A filter parameter of the activity search.
public enum Filter: Hashable, Sendable, Codable {
    case customer, `case`, status, mode, assignedTo, queue, createdDate, lastModifiedDate
    case custom(String)
    case assignedUserName, type

    public enum ValueKind: Sendable {
        /// A positive integer ID.
        case id
        /// A lower-case code from a known set (more may exist on a deployment).
        case code
        /// Free text, matched exactly.
        case text
        case date
    }

    /// Whether this is a custom attribute (`custom.<name>`), which an activity may hold with
    /// several values.
    public var isCustom: Bool {
        if case .custom = self { return true }
        return false
    }

    /// The fixed (non-custom) filters in canonical order.
    public static let fixed: [Filter] = [
        .customer, .case, .status, .mode, .assignedTo, .queue, .createdDate, .lastModifiedDate,
        .assignedUserName, .type,
    ]

    /// The parameter name, in the API's spelling.
    public var name: String {
        switch self {
        case .customer: "customer"
        case .case: "case"
        case .status: "status"
        case .mode: "mode"
        case .assignedTo: "assignedTo"
        case .queue: "queue"
        case .createdDate: "createdDate"
        case .lastModifiedDate: "lastModifiedDate"
        case .custom(let name): "custom.\(name)"
        case .assignedUserName: "assignedUserName"
        case .type: "type"
        }
    }

    public var valueKind: ValueKind {
        switch self {
        case .customer, .case, .assignedTo, .queue: .id
        case .status, .mode, .type: .code
        case .custom, .assignedUserName: .text
        case .createdDate, .lastModifiedDate: .date
        }
    }

    /// Values documented by the API; a code outside this set is warned about (or, for `type`,
    /// rejected, since the API documents its four types as the whole set).
    public var knownValues: [String] {
        switch self {
        case .status: ["open", "completed"]
        case .mode: ["inbound", "outbound"]
        case .type: ["email", "chat", "task", "call_track"]
        default: []
        }
    }

    public var summary: String {
        switch self {
        case .customer: "Customer ID (positive integer). Exact match: 1080 never matches 10801."
        case .case: "Case ID (positive integer)."
        case .status: "Status code, lower case: open or completed."
        case .mode: "Mode code: inbound or outbound (others may exist)."
        case .assignedTo: "ID of the assigned user (positive integer)."
        case .queue: "Queue ID (positive integer)."
        case .createdDate: "When the activity was created. Dates, ranges and relative dates; bounds inclusive."
        case .lastModifiedDate: "When the activity was last modified. Dates, ranges and relative dates; bounds inclusive."
        case .custom(let name): "Value of the custom attribute '\(name)', matched exactly as text."
        case .assignedUserName: "User name of the assigned user, matched exactly and case-sensitively."
        case .type: "Activity type: email, chat, task or call_track. Needs at least one other filter."
        }
    }

    private static let lowercasedNames: [(bytes: [UInt8], filter: Filter)] = fixed.map {
        (Array($0.name.lowercased().utf8), $0)
    }

    /// `named(_:)` on the bytes of a token, without making a string for the fixed fields (and
    /// without reading a shared table, which threads checking in parallel would contend for).
    public static func lookup(_ bytes: ArraySlice<UInt8>) -> Filter? {
        func matches(_ name: StaticString) -> Bool {
            guard name.utf8CodeUnitCount == bytes.count else { return false }
            let pointer = name.utf8Start
            var index = 0
            for byte in bytes {
                let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                let expected = pointer[index]
                if folded != (expected >= 0x41 && expected <= 0x5A ? expected | 0x20 : expected) { return false }
                index += 1
            }
            return true
        }
        switch bytes.count {
        case 4: if matches("case") { return .case }; if matches("mode") { return .mode }; if matches("type") { return .type }
        case 5: if matches("queue") { return .queue }
        case 6: if matches("status") { return .status }
        case 8: if matches("customer") { return .customer }
        case 10: if matches("assignedTo") { return .assignedTo }
        case 11: if matches("createdDate") { return .createdDate }
        case 16:
            if matches("lastModifiedDate") { return .lastModifiedDate }
            if matches("assignedUserName") { return .assignedUserName }
        default: break
        }
        guard bytes.count >= 7 else { return nil }
        return named(String(decoding: bytes, as: UTF8.self))
    }

    /// Looks a field up by name, case-insensitively; `custom.<name>` keeps `<name>` as written,
    /// and `custom."<name>"` is the quoted form for names that are not plain words.
    public static func named(_ text: String) -> Filter? {
        let utf8 = text.utf8
        if utf8.count >= 7, utf8.prefix(7).elementsEqual("custom.".utf8, by: { $0 | 0x20 == $1 | 0x20 }) {
            let name = text.utf8.dropFirst(7)
            if name.first == UInt8(ascii: "\"") {
                return .custom(StringLiteral.decode(ArraySlice(name)).value)
            }
            return .custom(String(decoding: name, as: UTF8.self))
        }
        let lowered = Array(text.lowercased().utf8)
        return lowercasedNames.first { $0.bytes == lowered }?.filter
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
