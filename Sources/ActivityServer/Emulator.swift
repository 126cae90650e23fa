import ActivityModel
import ActivityQuery
import ActivityStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The activity search API over a store: login, logout and search, with every status code
/// and error body of the API description. Incoming query strings go through `RequestDecoder`, the
/// same reader as `actq from-url`, and run on the store (SQLite or PostgreSQL), so the emulator
/// and the local backend share one definition of the semantics.
public final class Emulator: Sendable {
    public let users: UserDirectory
    public let sessions: any SessionRegistry
    /// The sessions, when they are held in memory (and so can be checked without waiting).
    let memorySessions: SessionTable?
    /// Searches answered on the event loop from what was kept (`KeptAnswerHandler`).
    let answeredOnEventLoop = Atomic<Int>(0)
    private let stores: StorePool
    let answers: KeptAnswers
    /// Where failures inside the emulator are told (the client gets a generic message).
    let logger: Logger

    /// An emulator over the stores `openStore` opens (one per store thread); searches asked
    /// again are answered from what is kept while the content version of the probe that
    /// `openVersionProbe` opens (after the stores) stays the same (nil, as for PostgreSQL:
    /// nothing is kept).
    public init(openStore: @escaping @Sendable () throws -> any ActivityStoring,
                openVersionProbe: (() throws -> ContentVersionProbe)? = nil, users: UserDirectory,
                sessions: any SessionRegistry = SessionTable(),
                logger: Logger = Logger(label: "actq.emulator", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        self.users = users
        self.sessions = sessions
        self.memorySessions = sessions as? SessionTable
        self.logger = logger
        self.stores = try StorePool(open: openStore)
        self.answers = KeptAnswers(probe: try openVersionProbe?())
    }

    /// An emulator over the SQLite store at `storePath`, read only.
    public convenience init(storePath: String, users: UserDirectory, sessions: any SessionRegistry = SessionTable(),
                            logger: Logger = Logger(label: "actq.emulator", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        try self.init(openStore: { try ActivityStore(path: storePath, readOnly: true, memoryMapped: true) },
                      openVersionProbe: { try ContentVersionProbe(path: storePath) },
                      users: users, sessions: sessions, logger: logger)
    }

    // MARK: Routing

    /// What one search may carry: bounded so that no request costs unbounded time or memory.
    public static let maximumQueryLength = 16 * 1024
    public static let maximumCustomAttributes = 100

    func methodNotAllowed(_ request: Request, allowed: String) -> Response {
        var response = failure(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allowed)", request)
        response.headers[.allow] = allowed
        return response
    }

    // MARK: Login and logout

    func login(_ request: Request) async -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 64 * 1024)
        } catch {
            return failure(.badLogin, "the login body is larger than 64 KB", request)
        }
        let credentials: LoginBody
        switch LoginBody.parse(Array(body.readableBytesView), contentType: request.headers[.contentType]) {
        case .success(let parsed): credentials = parsed
        case .failure(let problem): return failure(.badLogin, problem.message, request)
        }
        guard let user = users.authenticate(credentials.userName, password: credentials.password) else {
            return failure(.wrongCredentials, "invalid user name or password", request)
        }
        let force = Self.queryItem(API.forceLoginParameter, in: request.uri.query)?.lowercased() == "yes"
        let outcome: SessionTable.LoginResult
        do { outcome = try await sessions.login(user: user.name, force: force) } catch {
            logger.error("login failed: \(error)")
            return failure(.serverFailure, "the login failed on the server", request)
        }
        switch outcome {
        case .opened(let session):
            var headers = HTTPFields()
            headers[.egainSession] = session
            return Response(status: .noContent, headers: headers)
        case .tooManySessions:
            return failure(.tooManySessions,
                           "user \(user.name) already has \(sessions.limit) sessions; log in with forceLogin=yes to end the oldest",
                           request)
        }
    }

    func logout(_ request: Request) async -> Response {
        let ended: Bool
        do { ended = try await request.headers[.egainSession].asyncMap(sessions.logout) ?? false } catch {
            logger.error("logout failed: \(error)")
            return failure(.serverFailure, "the logout failed on the server", request)
        }
        guard ended else {
            return failure(.invalidSession, "the X-egain-session header is missing, invalid or expired", request)
        }
        return Response(status: .noContent)
    }

    // MARK: Search

    func search(_ request: Request) async -> Response {
        guard let wire = Wire.negotiate(request.headers[.accept]) else {
            return failure(.notAcceptable, "Accept must allow application/json or application/xml", request, wire: .json)
        }
        guard Self.languageSupported(request.headers[.acceptLanguage]) else {
            return failure(.notAcceptable, "Accept-Language must allow en or en-US", request, wire: wire)
        }
        let session = request.headers[.egainSession]
        let owner: String?
        do { owner = try await session.asyncMap(sessions.user(of:)) ?? nil } catch {
            logger.error("session check failed: \(error)")
            return failure(.serverFailure, "the search failed on the server", request, wire: wire)
        }
        guard let session, let userName = owner else {
            return failure(.invalidSession, "the X-egain-session header is missing, invalid or expired", request, wire: wire)
        }
        var headers = HTTPFields()
        headers[.egainSession] = session
        guard users.users[userName]?.canViewActivities ?? false else {
            return failure(.forbidden, "user \(userName) may not view activities (the 'View Agent Console' action is missing)",
                           request, wire: wire, headers: headers)
        }
        let queryString = request.uri.query ?? ""
        guard queryString.utf8.count <= Self.maximumQueryLength else {
            return failure(.badRequest, "the query string is longer than \(Self.maximumQueryLength / 1024) KiB", request,
                           wire: wire, headers: headers)
        }
        // The kept outcome of this query string, or the decoder's and the store's (on a store
        // thread): a search asked before costs neither a decoding nor SQLite nor a thread hop.
        // The version is read before the search: an answer kept under it is of that content
        // or of newer content, which a newer version then drops.
        let key = AnswerCache.Key(wire: wire, query: queryString)
        let version = answers.version()
        let outcome: SearchOutcome
        do {
            if let kept = answers.kept(key, version: version) {
                outcome = kept
            } else {
                outcome = try await stores.withStore { connection in try Self.outcome(of: queryString, wire: wire, on: connection.store) }
                answers.keep(key, version: version, outcome)
            }
        } catch {
            // What failed inside (SQL, file names) goes to the log, never to the client.
            logger.error("search failed: \(error)", metadata: ["query": .string(request.uri.query ?? "")])
            return failure(.serverFailure, "the search failed on the server", request, wire: wire, headers: headers)
        }
        switch outcome {
        case .refused(let errors):
            // Unknown and repeated parameters are the API's "unsupported query parameter(s)".
            let unsupported = errors.contains { $0.code == .unknownParameter || $0.code == .repeatedParameter }
            return failure(unsupported ? .unsupportedParameter : .badRequest,
                           unsupported ? "Unsupported query parameter(s) supplied" : errors.first?.message ?? "bad request",
                           request, wire: wire, headers: headers,
                           details: errors.map { ("parameter", $0.message) })
        case .tooManyCustomAttributes(let count):
            return failure(.badRequest, "a search may name at most \(Self.maximumCustomAttributes) custom attributes; this one names \(count)",
                           request, wire: wire, headers: headers)
        case .answered(let summary, let body):
            let status: HTTPResponse.Status = summary.returned > 0 ? .ok : .noContent
            let empty = summary.returned == 0 || request.method == .head
            return Response(status: status, headers: Self.answerFields(status, session: session, wire: wire),
                            body: empty ? ResponseBody() : ResponseBody(byteBuffer: body))
        }
    }

    /// The headers of a search's answer, 200 with its body or 204 (nothing matched) without.
    static func answerFields(_ status: HTTPResponse.Status, session: String, wire: Wire) -> HTTPFields {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .egainSession, value: session))
        if status == .ok { fields.append(HTTPField(name: .contentType, value: wire.mediaType)) }
        return fields
    }

    /// What a query string comes to on `store`: refused, or answered with the body in `wire`.
    static func outcome(of queryString: String, wire: Wire, on store: any ActivityStoring) throws -> SearchOutcome {
        let (query, diagnostics) = RequestDecoder.decode(queryString)
        guard let query else { return .refused(diagnostics.filter { $0.severity == .error }) }
        guard query.customAttributes.count <= maximumCustomAttributes else {
            return .tooManyCustomAttributes(query.customAttributes.count)
        }
        var body = ByteBuffer()
        switch wire {
        case .json:
            // The stored JSON goes into the body as it is, with the writer's framing.
            var writer = JSONResultWriter()
            body.writeString(writer.begin())
            let summary = try store.searchBytes(QueryPlan(query)) { json in
                body.writeString(writer.separator())
                body.writeBytes(json)
            }
            body.writeString(writer.end(summary))
            return .answered(summary, body)
        case .xml:
            var writer = XMLResultWriter()
            body.writeString(writer.begin())
            let summary = try store.search(QueryPlan(query), all: false) { row in body.writeString(try writer.row(json: row.json)) }
            body.writeString(writer.end(summary))
            return .answered(summary, body)
        }
    }

    // MARK: Errors

    func failure(
        _ error: APIError, _ message: String, _ request: Request, wire: Wire? = nil,
        headers: HTTPFields = HTTPFields(), details: [(String, String)] = []
    ) -> Response {
        let wire = wire ?? Wire.negotiate(request.headers[.accept]) ?? .json
        let userMessage = request.headers[.egainErrorMessage]?.lowercased() == "yes" ? error.userMessage : nil
        var headers = headers
        headers[.contentType] = wire.mediaType
        let body = wire == .json
            ? error.json(message, userMessage: userMessage, details: details)
            : error.xml(message, userMessage: userMessage, details: details)
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: Headers and parameters

    /// `Accept-Language`: English is what the emulator writes; `*` and no header are fine too.
    static func languageSupported(_ header: String?) -> Bool {
        guard let header, !HeaderList.isBlank(header) else { return true }
        return HeaderList.items(header).contains { tag, quality in
            quality > 0 && (tag == "*" || tag == "en" || tag.hasPrefix("en-"))
        }
    }

    static func queryItem(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1)
            if pair.first.map(String.init) == name { return pair.count > 1 ? String(pair[1]) : "" }
        }
        return nil
    }
}

/// Read-only connections to the store, each owned by a thread of its own. Store calls block
/// (SQLite's, and the PostgreSQL store's waits for its answers), so they never run on Swift's
/// cooperative threads (which would stall every other request): a request hands its search to
/// this pool and awaits the answer.
final class StorePool: Sendable {
    private let jobs = BlockingQueue<@Sendable (PooledStore) -> Void>()

    /// `threads` connections; searches beyond that wait their turn in arrival order.
    init(open: @Sendable () throws -> any ActivityStoring,
         threads: Int = max(2, min(8, ProcessInfo.processInfo.activeProcessorCount * 2))) throws {
        // Open every connection now: a missing or foreign store fails here, not per request.
        let stores = try (0..<threads).map { _ in PooledStore(try open()) }
        for store in stores {
            let jobs = jobs
            let thread = Thread {
                while let job = jobs.take() { job(store) }
            }
            thread.name = "actq-store"
            thread.start()
        }
    }

    deinit { jobs.close() }

    /// Runs `body` with a connection on a pool thread.
    func withStore<T: Sendable>(_ body: @escaping @Sendable (PooledStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.put { store in continuation.resume(with: Result { try body(store) }) }
        }
    }
}

/// A store connection, handed to the one thread that uses it from then on.
final class PooledStore: @unchecked Sendable {
    let store: any ActivityStoring
    init(_ store: any ActivityStoring) { self.store = store }
}

extension Optional {
    /// `map` with an asynchronous transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

extension Wire {
    /// The format an `Accept` header allows, by quality then order; XML when any will do
    /// (the API's default). Nil when it allows neither.
    static func negotiate(_ header: String?) -> Wire? {
        guard let header, !HeaderList.isBlank(header) else { return .xml }
        // What clients send, as it comes (actq's own client, curl's scripts).
        if header == "application/json" { return .json }
        if header == "application/xml" { return .xml }
        var best: (wire: Wire, quality: Double)?
        for (type, quality) in HeaderList.items(header) {
            let wire: Wire?
            switch type {
            case "application/json": wire = .json
            case "application/xml", "text/xml", "application/*", "text/*", "*/*": wire = .xml
            default: wire = nil
            }
            if let wire, quality > 0, quality > (best?.quality ?? 0) { best = (wire, quality) }
        }
        return best?.wire
    }
}

/// A header of weighted items, such as `Accept: application/xml;q=0.5, application/json`. Read
/// as bytes: every search negotiates its format, and Foundation's trimming and Unicode case
/// mapping cost more than the rest of a request's header handling (45,000 instructions for
/// `Accept: application/json`). HTTP's optional whitespace is spaces and tabs; the tokens
/// compared are ASCII.
enum HeaderList {
    /// Each item lower-cased, with its quality (`q`, 1 when not given).
    static func items(_ header: String) -> [(value: String, quality: Double)] {
        header.utf8.split(separator: UInt8(ascii: ",")).compactMap { item in
            let parts = item.split(separator: UInt8(ascii: ";")).map(trimmed)
            guard let first = parts.first else { return nil }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1).map(trimmed)
                if pair.count == 2, lowered(pair[0]) == "q" {
                    quality = Double(String(decoding: pair[1], as: UTF8.self)) ?? 0
                    break
                }
            }
            return (lowered(first), quality)
        }
    }

    /// Whether a header holds nothing but optional whitespace.
    static func isBlank(_ header: String) -> Bool { trimmed(Substring(header).utf8).isEmpty }

    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes.removeFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        return bytes
    }

    static func lowered(_ bytes: Substring.UTF8View) -> String {
        String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

extension HTTPField.Name {
    static let egainSession = HTTPField.Name(API.sessionHeader)!
    static let egainErrorMessage = HTTPField.Name("X-egain-error-message")!
}
