import ActivityQuery

/// What a search returned: how many activities match in all, and which slice was read.
public struct SearchSummary: Hashable, Sendable {
    /// All matches, as `paginationInfo.count` says.
    public var total: Int
    /// How many rows were handed out.
    public var returned: Int
    public var window: ResultWindow?
    /// How many API requests the result took (1 on the local store).
    public var requests: Int

    /// A summary of `returned` of `total` matches in `window`, from `requests` API requests.
    public init(total: Int, returned: Int, window: ResultWindow?, requests: Int = 1) {
        self.total = total
        self.returned = returned
        self.window = window
        self.requests = requests
    }
}

/// One activity of a result: its JSON text for the requested attributes, ready to print.
public struct ResultRow: Sendable {
    public var id: Int64
    /// The summary attributes, or the requested projection, as compact JSON.
    public var json: String

    /// A row of activity `id` with its JSON.
    public init(id: Int64, json: String) {
        self.id = id
        self.json = json
    }
}

/// A place activity searches run: the local store, or the API over HTTP. Every backend answers
/// an `ActivityQuery` with the API's semantics (the backend tests run one suite on each).
public protocol ActivityBackend: AnyObject {
    /// Runs a plan (one API query, or the union of several) and hands each activity of the
    /// requested window (or, with `all`, of the whole result) to `body` in order.
    func search(_ plan: QueryPlan, all: Bool, _ body: (ResultRow) throws -> Void) throws -> SearchSummary
    /// Distinct values of a filter field, most frequent first (for completion); empty when the
    /// backend cannot tell.
    func distinctValues(of filter: Filter, limit: Int) throws -> [String]
    func customAttributeNames(limit: Int) throws -> [String]
    /// Stops the running search from another thread: `search` throws.
    func interrupt()
    /// One line for `:backend`.
    var summary: String { get }
    /// The matches of a plan counted per value of `field` (nil: activities without one), most
    /// first; nil when the backend cannot group (the remote API has no such search).
    func groupCounts(_ plan: QueryPlan, by field: FixedFilter) throws -> [(value: String?, count: Int)]?
}

extension ActivityBackend {
    /// Grouping is the local store's: other backends count what they fetch.
    public func groupCounts(_ plan: QueryPlan, by field: FixedFilter) throws -> [(value: String?, count: Int)]? { nil }

    /// One API query, as a plan of one request.
    public func search(_ query: ActivityQuery, all: Bool = false, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        try search(QueryPlan(query), all: all, body)
    }
}
