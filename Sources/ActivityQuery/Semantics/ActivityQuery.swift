/// An inclusive range of instants in UTC milliseconds; a nil bound is open.
public struct DateRange: Hashable, Sendable, Codable {
    public var start: Int64?
    public var end: Int64?

    /// A range from `start` to `end`, both inclusive; nil is open.
    public init(start: Int64?, end: Int64?) {
        self.start = start
        self.end = end
    }

    /// Intersection with another range: the later start and the earlier end.
    public func intersected(with other: DateRange) -> DateRange {
        DateRange(start: Self.bound(start, other.start, by: max), end: Self.bound(end, other.end, by: min))
    }

    /// `pick` of two bounds when both are given, else the one that is.
    private static func bound(_ a: Int64?, _ b: Int64?, by pick: (Int64, Int64) -> Int64) -> Int64? {
        guard let a else { return b }
        guard let b else { return a }
        return pick(a, b)
    }

    public var isEmpty: Bool {
        if let start, let end { return start > end }
        return false
    }

    /// Whether `instant` lies in the range (bounds included).
    public func contains(_ instant: Int64) -> Bool {
        (start.map { instant >= $0 } ?? true) && (end.map { instant <= $0 } ?? true)
    }
}

/// What a search can be sorted by (`$sort`).
public enum SortField: String, Hashable, Sendable, Codable, CaseIterable {
    case id
    case createdDate
    case lastModifiedDate

    /// The date filter sorted by (nil for the activity ID).
    public var filter: FixedFilter? { FixedFilter(rawValue: rawValue) }
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

/// The direction of a sort (`$order`).
public enum SortDirection: String, Hashable, Sendable, Codable {
    case asc, desc
}

/// A sort: a field and, if the query gave one, a direction.
public struct SortOrder: Hashable, Sendable, Codable {
    public var field: SortField
    /// Nil when the query did not say; the API then sorts ascending and no `$order` is sent.
    public var direction: SortDirection?

    /// A sort by `field`, in `direction` or the API's default.
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

/// The value a query gives a filter.
public enum FilterValue: Hashable, Sendable, Codable {
    /// An ID filter's value.
    case id(Int64)
    /// A code's or a text's value (a custom attribute's too).
    case text(String)
    /// A date filter's range: every condition on the field, intersected.
    case dates(DateRange)

    /// The value as the API receives it (dates as `[start,end]`).
    public var parameter: String {
        switch self {
        case .id(let id): String(id)
        case .text(let text): text
        case .dates(let range): APIDate.rangeParameter(range)
        }
    }
}

/// The API's filter model: everything an activity search request can say, typed. Built by the
/// binder from the language and by the request decoder from a URL; turned into the exact request
/// by `SearchRequest`.
public struct ActivityQuery: Hashable, Sendable, Codable {
    /// The filters that are set and their values, in the API's canonical parameter order.
    public private(set) var entries: [Entry] = []

    public var attributes: AttributeSelection?
    public var sort: SortOrder?
    public var window: ResultWindow?

    /// One filter and its value.
    public struct Entry: Hashable, Sendable, Codable {
        public let filter: Filter
        public let value: FilterValue
    }

    /// A query without filters, with the given modifiers; filters are set by subscript.
    public init(attributes: AttributeSelection? = nil, sort: SortOrder? = nil, window: ResultWindow? = nil) {
        self.attributes = attributes
        self.sort = sort
        self.window = window
    }

    /// The value of a filter; setting nil removes it.
    public subscript(filter: Filter) -> FilterValue? {
        get { entries.first { $0.filter == filter }?.value }
        set {
            // One entry per filter, in canonical order: replaced in place when it is set already.
            if let existing = entries.firstIndex(where: { $0.filter == filter }) {
                if let newValue {
                    entries[existing] = Entry(filter: filter, value: newValue)
                } else {
                    entries.remove(at: existing)
                }
                return
            }
            guard let newValue else { return }
            let index = entries.firstIndex { Filter.canonicallyPrecedes(filter, $0.filter) } ?? entries.endIndex
            entries.insert(Entry(filter: filter, value: newValue), at: index)
        }
    }

    /// Room for `count` filters without growing (a query being assembled grows one at a time).
    mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

    /// No filters and no modifiers again, keeping the room the filters had.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        attributes = nil
        sort = nil
        window = nil
    }

    /// The date range of a date filter, if it is set.
    public func dateRange(of filter: FixedFilter) -> DateRange? {
        if case .dates(let range)? = self[.fixed(filter)] { return range }
        return nil
    }

    /// `custom.<name>` filters, by attribute name as written.
    public var customAttributes: [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            if case .custom(let name) = entry.filter, case .text(let value) = entry.value { result[name] = value }
        }
        return result
    }

    /// How many filters are set.
    public var filterCount: Int { entries.count }

    public var hasFilters: Bool { !entries.isEmpty }

    /// The filters that are set, in the API's canonical parameter order.
    public var filters: [Filter] { entries.map(\.filter) }

    /// The value of a filter as the API receives it (dates as `[start,end]`).
    public func parameterValue(of filter: Filter) -> String? { self[filter]?.parameter }
}
