import ActivityModel
import ActivityQuery
import Foundation
import Synchronization

/// `ActivityQuery.Wire`, which the struct of that name hides inside `RemoteConfiguration`.
public typealias QueryWire = Wire

/// How the remote backend talks to the API.
public struct RemoteConfiguration: Sendable {
    /// The one `Wire` of the project (`ActivityQuery`'s), as the configuration names it.
    public typealias Wire = QueryWire

    /// `https://HOST/system`: the part before `/ws/v12/…`.
    public var baseURL: String
    public var user: String
    public var wire: Wire = .json
    /// Accept any TLS certificate (for test servers with self-signed certificates).
    public var insecure = false
    /// Seconds to keep trying to connect, and to wait for the answer to a request.
    public var connectTimeout: Double = 5
    public var readTimeout: Double = 30
    /// Extra attempts after a 5xx answer or a connection lost mid-answer, with doubling delays.
    /// (Connecting is retried by the transport until `connectTimeout`.)
    public var retries = 2
    public var retryDelay: Double = 0.25
    /// Requests of one plan (`or`, `in (…)`) in flight at once.
    public var maxConcurrentRequests = 8
    /// The largest answer body read; a larger one is refused (no server answer needs more).
    public var maximumBodySize = 64 << 20
    /// How requests go out.
    public var transport = Transport.automatic

    /// The HTTP clients of the remote backend.
    public enum Transport: Sendable, CaseIterable {
        /// actq's own HTTP/1.1 client over a socket for `http://`, AsyncHTTPClient for `https://`.
        case automatic
        /// AsyncHTTPClient for every URL.
        case asyncHTTPClient
    }

    /// Timeouts a user may ask for, in seconds: up to a day, at least a millisecond.
    public static let timeoutRange: ClosedRange<Double> = 0.001...86_400

    /// Whether `seconds` is a timeout actq can wait for (finite, within `timeoutRange`).
    public static func isValidTimeout(_ seconds: Double) -> Bool {
        seconds.isFinite && timeoutRange.contains(seconds)
    }

    public init(baseURL: String, user: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.user = user
    }
}

/// The activity search API over HTTP: logs in when it has no session, re-logs in once on
/// `401-101`, retries connection errors and 5xx answers a bounded number of times, and reads
/// JSON or XML answers tolerantly (IDs as numbers or strings, `link` as an object or an array).
///
/// Calls block the calling thread (the CLI and the REPL are synchronous): plain http requests
/// go out on it (`SocketTransport`), https ones through AsyncHTTPClient's event loops.
public final class RemoteBackend: ActivityBackend, @unchecked Sendable {
    public let configuration: RemoteConfiguration
    private let endpoint: Endpoint
    private let transport: HTTPTransport
    private let password: () throws -> String
    private let sessionChanged: (String?) -> Void
    /// The current session; nil until the first login (or given by the caller). Requests of a
    /// plan run on several threads: the session is read under a lock, and logins one at a time.
    public var session: String? { sessionState.withLock { $0 } }
    private let sessionState: Locked<String?>
    private let loginLock = NSLock()
    /// Called after each page of an `--all` result: activities so far, total.
    public var progress: ((Int, Int) -> Void)?
    private let interrupted = Atomic<Bool>(false)

    public static let largestPage = 75

    /// - Parameters:
    ///   - session: a session from an earlier run, tried before logging in.
    ///   - password: asked only when a login is needed.
    ///   - sessionChanged: told about every new session (and nil after a logout), to keep it.
    public init(
        configuration: RemoteConfiguration, session: String?, password: @escaping () throws -> String,
        sessionChanged: @escaping (String?) -> Void = { _ in }
    ) throws {
        guard let endpoint = Endpoint(baseURL: configuration.baseURL) else {
            throw RemoteError(.failed, "'\(configuration.baseURL)' is not an http or https URL such as https://host/system")
        }
        for seconds in [configuration.connectTimeout, configuration.readTimeout] where !RemoteConfiguration.isValidTimeout(seconds) {
            throw RemoteError(.failed, "a timeout of \(seconds) seconds is out of range (0.001 to 86400)")
        }
        self.configuration = configuration
        self.endpoint = endpoint
        self.sessionState = Locked(session)
        self.password = password
        self.sessionChanged = sessionChanged
        if endpoint.scheme == .http, configuration.transport == .automatic {
            transport = SocketTransport(endpoint: endpoint, connectTimeout: configuration.connectTimeout,
                                        readTimeout: configuration.readTimeout, maximumBodySize: configuration.maximumBodySize)
        } else {
            transport = AsyncHTTPClientTransport(endpoint: endpoint, configuration: configuration)
        }
    }

    deinit {
        transport.shutdown()
    }

    public var summary: String { "remote API \(configuration.baseURL) as \(configuration.user)" }

    public func interrupt() { interrupted.store(true, ordering: .relaxed) }

    public func distinctValues(of filter: Filter, limit: Int) throws -> [String] { [] }
    public func customAttributeNames(limit: Int) throws -> [String] { [] }

    // MARK: Sessions

    /// Logs in and keeps the new session; `force` ends the user's oldest session when all of
    /// theirs are in use.
    @discardableResult
    public func login(force: Bool = false) throws -> String {
        loginLock.lock()
        defer { loginLock.unlock() }
        return try loginHoldingLock(force: force)
    }

    private func loginHoldingLock(force: Bool) throws -> String {
        let secret = try password()
        var request = HTTPRequestMessage(.POST, Self.loginPath + (force ? "?" + API.forceLoginQuery : ""))
        switch configuration.wire {
        case .json:
            request.addHeader("Content-Type", Wire.json.mediaType)
            request.body = Array(JSONWriter.string(.object(JSONObject([
                JSONMember("userName", .string(configuration.user)), JSONMember("password", .string(secret)),
            ]))).utf8)
        case .xml:
            request.addHeader("Content-Type", Wire.xml.mediaType)
            request.body = Array(("<login xmlns=\"\(ActivityXML.platformNamespace)\"><userName>\(ActivityXML.escape(configuration.user))"
                                  + "</userName><password>\(ActivityXML.escape(secret))</password></login>").utf8)
        }
        request.addHeader("Accept", accept)
        let response = try execute(request)
        guard response.status == 204 || response.status == 200 else {
            let problem = ErrorBody(response)
            let reason = problem.message ?? "HTTP \(response.status)"
            throw RemoteError(response.status == 401 || response.status == 403 ? .authentication : .failed,
                              "login to \(configuration.baseURL) as \(configuration.user) failed: \(reason)"
                              + (problem.code.map { " (\($0))" } ?? ""), code: problem.code)
        }
        guard let session = response.header(API.sessionHeader), !session.isEmpty else {
            throw RemoteError(.authentication, "login to \(configuration.baseURL) answered \(response.status) without an \(API.sessionHeader) header")
        }
        sessionState.withLock { $0 = session }
        sessionChanged(session)
        return session
    }

    /// Ends the session on the server. A session the server no longer knows counts as ended.
    public func logout() throws {
        guard let session else { return }
        var request = HTTPRequestMessage(.DELETE, Self.logoutPath)
        request.addHeader(API.sessionHeader, session)
        request.addHeader("Accept", accept)
        let response = try execute(request)
        guard response.status == 204 || response.status == 200 || response.status == 401 else {
            let problem = ErrorBody(response)
            throw RemoteError(.failed, "logout failed: \(problem.message ?? "HTTP \(response.status)")", code: problem.code)
        }
        sessionState.withLock { $0 = nil }
        sessionChanged(nil)
    }

    // MARK: Searching

    public func search(_ plan: QueryPlan, all: Bool, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        interrupted.store(false, ordering: .relaxed)
        if let query = plan.single { return try search(single: query, all: all, body) }
        return try searchMerged(plan, all: all, body)
    }

    private func search(single query: ActivityQuery, all: Bool, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        guard all else {
            let page = try fetch(query)
            for row in page.rows { try body(row) }
            let window = query.window ?? .page(number: 1, size: nil)
            if page.rows.isEmpty, window.offsetAndLimit.offset > 0 {
                // A page past the end is a 204 without a count: ask for the first activity to learn it.
                var probe = query
                probe.window = .page(number: 1, size: 1)
                return SearchSummary(total: try fetch(probe).total, returned: 0, window: window, requests: 2)
            }
            return SearchSummary(total: page.total, returned: page.rows.count, window: window)
        }
        // Every page, as large as the API allows, until the count `paginationInfo` gave is reached.
        var returned = 0
        let (total, requests) = try pages(of: query, size: Self.largestPage, upTo: nil) { page, total in
            for row in page.rows { try body(row) }
            returned += page.rows.count
            progress?(returned, max(total, returned))
        }
        return SearchSummary(total: max(total, returned), returned: returned, window: nil, requests: requests)
    }

    /// Pages of `size` activities of one query, in order, handed to `body` with the count the
    /// first page gave, until `need` activities (all of them for nil) have come.
    private func pages(of query: ActivityQuery, size: Int, upTo need: Int?,
                       _ body: (Page, _ total: Int) throws -> Void) throws -> (total: Int, requests: Int) {
        var paged = query
        var number = 1
        var total = 0
        var received = 0
        var seen = Set<Int64>()
        while true {
            if interrupted.load(ordering: .relaxed) { throw RemoteError(.failed, "cancelled") }
            paged.window = .page(number: number, size: size)
            let page = try fetch(paged)
            if number == 1 {
                total = page.total
            } else if page.total != total && !page.rows.isEmpty {
                // Pages of one result must agree on its size; a server that changes it mid-way
                // (or counts at random) would make "every page" a guess.
                throw RemoteError(.failed, "the server's paginationInfo is inconsistent: page 1 counted \(total) matches, page \(number) counts \(page.total); try again, or without --all")
            }
            for row in page.rows where !seen.insert(row.id).inserted {
                // A server that ignores $pagenum would send the same page forever.
                throw RemoteError(.failed, "the server sent activity \(row.id) again on page \(number); it does not page this result consistently")
            }
            if received + page.rows.count > total {
                throw RemoteError(.failed, "the server sent more activities (\(received + page.rows.count)) than its paginationInfo count (\(total))")
            }
            try body(page, total)
            received += page.rows.count
            if page.rows.count < size || received >= min(total, need ?? .max) { return (total, number) }
            number += 1
        }
    }

    struct Page {
        var rows: [ResultRow]
        var total: Int
        /// `created` and `lastModified` of each row (UTC ms), for merging sorted results.
        var dates: [(created: Int64?, lastModified: Int64?)] = []
    }

    // MARK: Plans of several requests

    /// The alternatives run concurrently (at most `maxConcurrentRequests` at once), each as far as
    /// the merged window needs; the rows are merged by activity ID, sorted as the API sorts (ties
    /// by ID ascending), and windowed. The count is the size of the union: the sum of the counts
    /// when the alternatives exclude each other, else counted from every row of every alternative.
    private func searchMerged(_ plan: QueryPlan, all: Bool, _ body: (ResultRow) throws -> Void) throws -> SearchSummary {
        let need = all ? nil : plan.neededPerAlternative
        let fetched = try Self.concurrently(plan.alternatives, limit: configuration.maxConcurrentRequests) { query in
            try self.collect(query, upTo: need)
        }
        var seen = Set<Int64>()
        var merged: [MergeItem] = []
        for result in fetched {
            for (index, row) in result.rows.enumerated() where seen.insert(row.id).inserted {
                merged.append(MergeItem(row: row, dates: result.dates[index]))
            }
        }
        let order = MergeOrder(field: plan.sort?.field, descending: plan.sort?.direction == .desc)
        merged.sort(by: order.precedes)
        let total = plan.isDisjoint ? fetched.reduce(0) { $0 + $1.total } : merged.count
        let window = all ? nil : (plan.window ?? .page(number: 1, size: nil))
        var slice = merged[...]
        if let window {
            let (offset, limit) = window.offsetAndLimit
            slice = merged.dropFirst(offset).prefix(limit)
        }
        for item in slice { try body(item.row) }
        return SearchSummary(total: total, returned: slice.count, window: window,
                             requests: fetched.reduce(0) { $0 + $1.requests })
    }

    struct Collected {
        var rows: [ResultRow] = []
        var dates: [(created: Int64?, lastModified: Int64?)] = []
        var total = 0
        var requests = 0
    }

    /// The first `need` activities of one alternative (all of them for nil), page by page.
    private func collect(_ query: ActivityQuery, upTo need: Int?) throws -> Collected {
        var collected = Collected()
        (collected.total, collected.requests) = try pages(of: query, size: min(Self.largestPage, need ?? Self.largestPage),
                                                          upTo: need) { page, _ in
            collected.rows += page.rows
            collected.dates += page.dates
        }
        return collected
    }

    struct MergeItem {
        var row: ResultRow
        var dates: (created: Int64?, lastModified: Int64?)
    }

    /// The API's order: the sort field (missing dates first, as SQLite orders NULL), ties and
    /// the default by ID ascending.
    struct MergeOrder {
        var field: SortField?
        var descending: Bool

        init(field: SortField?, descending: Bool) {
            self.field = field
            self.descending = descending
        }

        func precedes(_ lhs: MergeItem, _ rhs: MergeItem) -> Bool {
            let keys: (Int64?, Int64?)
            switch field {
            case nil, .id?: return descending ? lhs.row.id > rhs.row.id : lhs.row.id < rhs.row.id
            case .createdDate?: keys = (lhs.dates.created, rhs.dates.created)
            case .lastModifiedDate?: keys = (lhs.dates.lastModified, rhs.dates.lastModified)
            }
            if keys.0 == keys.1 { return lhs.row.id < rhs.row.id }
            func less(_ a: Int64?, _ b: Int64?) -> Bool {
                guard let b else { return false }
                guard let a else { return true }
                return a < b
            }
            return descending ? less(keys.1, keys.0) : less(keys.0, keys.1)
        }
    }

    /// Runs `work` on each item with at most `limit` at once (on threads of their own: the work
    /// blocks on the network), in the items' order; the first error is thrown.
    static func concurrently<Item, Result>(_ items: [Item], limit: Int, _ work: @escaping (Item) throws -> Result) throws -> [Result] {
        let board = WorkBoard(items: items, work: work)
        let group = DispatchGroup()
        for _ in 0..<min(max(1, limit), items.count) {
            group.enter()
            Thread.detachNewThread {
                board.drain()
                group.leave()
            }
        }
        group.wait()
        return try board.results.map { try $0!.get() }
    }

    /// One request of a search, logged in as needed.
    func fetch(_ query: ActivityQuery) throws -> Page {
        let pathAndQuery = Self.escaped(SearchRequest(query).pathAndQuery)
        let response = try authenticated { session in
            var request = HTTPRequestMessage(.GET, pathAndQuery)
            request.addHeader(API.sessionHeader, session)
            request.addHeader("Accept", accept)
            return request
        }
        switch response.status {
        case 200:
            return try ResponseReader.page(response.body, wire: configuration.wire, contentType: response.header("Content-Type"))
        case 204:
            return Page(rows: [], total: 0)
        default:
            let problem = ErrorBody(response)
            let kind: RemoteError.Kind = response.status == 401 || response.status == 403 ? .authentication : .failed
            let what = response.status >= 500 ? "the server failed" : "the server refused the search"
            throw RemoteError(kind, "\(what) (HTTP \(response.status)\(problem.code.map { ", \($0)" } ?? "")): "
                              + (problem.message ?? response.reason), code: problem.code)
        }
    }

    /// Runs a request with the current session; on `401-101` logs in once more and retries.
    private func authenticated(_ make: (String) throws -> HTTPRequestMessage) throws -> HTTPAnswer {
        let (session, fresh) = try currentSessionOrLogin()
        let response = try execute(try make(session))
        guard response.status == 401, !fresh, ErrorBody(response).code ?? "401-101" == "401-101" else {
            return response
        }
        return try execute(try make(try renew(replacing: session)))
    }

    private func currentSessionOrLogin() throws -> (session: String, fresh: Bool) {
        loginLock.lock()
        defer { loginLock.unlock() }
        if let session { return (session, false) }
        return (try loginHoldingLock(force: false), true)
    }

    /// A new session after `stale` was refused, unless another request already made one. The
    /// refused session is forgotten first, so that a failed login does not leave it kept.
    private func renew(replacing stale: String) throws -> String {
        loginLock.lock()
        defer { loginLock.unlock() }
        if let session, session != stale { return session }
        sessionState.withLock { $0 = nil }
        sessionChanged(nil)
        return try loginHoldingLock(force: false)
    }

    // MARK: HTTP

    static let loginPath = API.loginPath
    static let logoutPath = API.logoutPath

    private var accept: String { configuration.wire.mediaType }

    /// The path and query as a URL holds them. The language writes `[ ] , :` unencoded, as the
    /// API's own clients do; a URL cannot hold `[` and `]` in its query (Foundation, meeting them,
    /// re-encoded the whole string — `%` included, so that `5%20` went out as `5%2520`). Bytes a
    /// URL cannot hold are escaped here, and nothing that is already an escape is touched.
    static func escaped(_ pathAndQuery: String) -> String {
        var text = ""
        text.reserveCapacity(pathAndQuery.utf8.count + 16)
        for byte in pathAndQuery.utf8 {
            if queryCharacters.contains(byte) {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return text
    }

    /// What RFC 3986 allows in a path and query as it is: unreserved, sub-delims, `: @ / ? %`.
    static let queryCharacters: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%".utf8))

    /// Sends a request; connection errors and 5xx answers are tried again after a pause.
    private func execute(_ request: HTTPRequestMessage) throws -> HTTPAnswer {
        var attempt = 0
        var delay = configuration.retryDelay
        while true {
            do {
                let response = try transport.send(request) { [self] in interrupted.load(ordering: .relaxed) }
                if response.status >= 500, attempt < configuration.retries {
                    attempt += 1
                    Thread.sleep(forTimeInterval: delay)
                    delay *= 2
                    continue
                }
                if (300..<400).contains(response.status) {
                    let location = response.header("Location") ?? "elsewhere"
                    let path = request.pathAndQuery.prefix { $0 != "?" }
                    throw RemoteError(.failed, "the server redirected \(request.method.rawValue) \(endpoint.basePath)\(path) to \(location); is the base URL right (e.g. https://host/system)?")
                }
                return response
            } catch let failure as TransportFailure {
                if failure.retry, attempt < configuration.retries {
                    attempt += 1
                    Thread.sleep(forTimeInterval: delay)
                    delay *= 2
                    continue
                }
                let tries = attempt > 0 ? " (tried \(attempt + 1) times)" : ""
                throw RemoteError(failure.kind, "\(configuration.baseURL): \(failure.reason)\(tries)")
            }
        }
    }
}

/// The API's error body, JSON or XML: `code` and `developerMessage`, when present.
struct ErrorBody {
    var code: String?
    var message: String?

    init(_ response: HTTPAnswer) {
        let bytes = response.body
        if case .object(let object)? = try? JSONParser.parse(bytes) {
            if case .string(let code)? = object["code"] { self.code = code }
            if case .string(let message)? = object["developerMessage"] { self.message = message }
            return
        }
        let fields = XMLFields.read(bytes, names: ["code", "developerMessage"]).texts
        code = fields["code"]
        message = fields["developerMessage"]
    }
}

/// The shared state of `RemoteBackend.concurrently`: workers take the next item under a lock.
private final class WorkBoard<Item, Result>: @unchecked Sendable {
    private let lock = NSLock()
    private let items: [Item]
    private let work: (Item) throws -> Result
    private var next = 0
    private(set) var results: [Swift.Result<Result, Error>?]

    init(items: [Item], work: @escaping (Item) throws -> Result) {
        self.items = items
        self.work = work
        results = Array(repeating: nil, count: items.count)
    }

    func drain() {
        while true {
            let index: Int? = lock.withLock {
                guard next < items.count else { return nil }
                defer { next += 1 }
                return next
            }
            guard let index else { return }
            let outcome = Swift.Result { try work(items[index]) }
            lock.withLock { results[index] = outcome }
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
