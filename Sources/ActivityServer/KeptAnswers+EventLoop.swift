import ActivityQuery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// HTTP/1.1 for the emulator: Hummingbird's channel, with `KeptAnswerHandler` in its pipeline so
/// that a search asked before is answered on the event loop that read it.
struct EmulatorHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let emulator: Emulator
    let logger: Logger

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let emulator = emulator
        let requestLogger = self.logger
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // After Hummingbird's connection state handler, which must see every request and
            // answer (its idle timeout, its graceful shutdown), and before the channel's way into
            // Swift concurrency, which is what the kept answers skip.
            let pipeline = channel.pipeline.syncOperations
            let state = try pipeline.context(handlerType: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(KeptAnswerHandler(emulator: emulator, logger: requestLogger), position: .after(state.handler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

/// Answers a search whose outcome is kept (`KeptAnswers`) right where its head is read, on the
/// connection's event loop: no task, no router, no hop to a store thread. Whatever it cannot
/// answer at once (another resource, a first search, a failure, a session kept in PostgreSQL) it
/// passes on to the router, which answers it as it always does; so does a request that arrives
/// while the router is still answering an earlier one on the connection, so that answers leave
/// in the order their requests came.
final class KeptAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let emulator: Emulator
    private let logger: Logger
    /// Requests passed on to the router whose answers have not ended.
    private var passedOn = 0
    /// In the rest (body, end) of a request answered here.
    private var discarding = false
    /// Answers written since the last flush.
    private var unflushed = false
    private var date = HTTPDate()
    /// The head last written here, for the next answer that would have the same (a client
    /// polling one search asks with the same session, and the date changes once a second).
    private var lastHead: (answer: KeptAnswer.Head, date: String, response: HTTPResponse)?

    init(emulator: Emulator, logger: Logger) {
        self.emulator = emulator
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let started = DispatchTime.now()
            if passedOn == 0, let answer = emulator.keptAnswer(head) {
                discarding = true
                let now = date.now()
                let response: HTTPResponse
                if let last = lastHead, last.answer == answer.head, last.date == now {
                    response = last.response
                } else {
                    response = answer.head.response(date: now)
                    lastHead = (answer.head, now, response)
                }
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                unflushed = true
                if logger.logLevel <= .info, let (path, query) = head.path.flatMap(Emulator.pathAndQuery) {
                    // As the router's answers are logged.
                    RequestLog.log(logger, method: head.method, path: String(path), query: String(query), status: response.status,
                                   since: started)
                }
            } else {
                passedOn += 1
                context.fireChannelRead(data)
            }
        case .body, .end:
            if discarding {
                if case .end = unwrapInboundIn(data) { discarding = false }
            } else {
                context.fireChannelRead(data)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One flush for every answer of a read (pipelined requests come in one).
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn = max(0, passedOn - 1) }
        context.write(data, promise: promise)
    }
}

/// A search answered from what is kept: its head's parts, and its body (nil: none, a 204).
struct KeptAnswer {
    struct Head: Equatable {
        let status: HTTPResponse.Status
        let session: String
        let wire: Wire
        let contentLength: Int

        /// The head as the router's answer has it, with what Hummingbird adds (length, date,
        /// server).
        func response(date: String) -> HTTPResponse {
            var fields = Emulator.answerFields(status, session: session, wire: wire)
            fields.append(HTTPField(name: .contentLength, value: String(contentLength)))
            fields.append(HTTPField(name: .date, value: date))
            fields.append(HTTPField(name: .server, value: Emulator.serverName))
            return HTTPResponse(status: status, headerFields: fields)
        }
    }

    let head: Head
    let body: ByteBuffer?
}

extension Emulator {
    /// The answer to a search whose outcome is kept for the store's content as it is now, when
    /// everything it needs is at hand without waiting: a GET of the activity resource, a session
    /// held in memory, the API's checks passed. Nil when it must go the long way (the router).
    func keptAnswer(_ head: HTTPRequest) -> KeptAnswer? {
        guard head.method == .get, let table = memorySessions, let (path, query) = head.path.flatMap(Self.pathAndQuery),
              Self.activityPaths.contains(where: { $0 == path }), let headers = SearchHeaders(head.headerFields),
              let wire = Wire.negotiate(headers.accept), Self.languageSupported(headers.acceptLanguage),
              let session = headers.session, let user = table.user(of: session),
              users.users[user]?.canViewActivities ?? false, query.utf8.count <= Self.maximumQueryLength,
              case .answered(let summary, let body)? = answers.kept(AnswerCache.Key(wire: wire, query: String(query)),
                                                                    version: answers.version())
        else { return nil }
        answeredOnEventLoop.add(1, ordering: .relaxed)
        let found = summary.returned > 0
        return KeptAnswer(head: .init(status: found ? .ok : .noContent, session: session, wire: wire,
                                      contentLength: found ? body.readableBytes : 0),
                          body: found ? body : nil)
    }

    /// The request headers a search's answer depends on, read in one pass (each lookup by name
    /// in `HTTPFields` would first build an index of the fields). Nil, to leave the request to
    /// the router, when one of them is repeated (the router reads the values joined) or when
    /// the request has a `Connection` header (the router acts on `close`).
    struct SearchHeaders {
        var accept: String?
        var acceptLanguage: String?
        var session: String?

        init?(_ fields: HTTPFields) {
            for field in fields {
                switch field.name {
                case .accept:
                    guard accept == nil else { return nil }
                    accept = field.value
                case .acceptLanguage:
                    guard acceptLanguage == nil else { return nil }
                    acceptLanguage = field.value
                case .egainSession:
                    guard session == nil else { return nil }
                    session = field.value
                case .connection:
                    return nil
                default:
                    continue
                }
            }
        }
    }

    /// The activity resource under each of the API's prefixes, as the router has it.
    static let activityPaths = pathPrefixes.map { $0 + API.activityPath }

    /// The path and query string (empty when there is none) of a request target in origin form
    /// (`/path?query`), as Hummingbird's `URI` reads them; nil for any other form, and for a
    /// target with a fragment.
    static func pathAndQuery(_ target: String) -> (path: Substring, query: Substring)? {
        let bytes = target.utf8
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        var mark: String.Index?
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "#"): return nil
            case UInt8(ascii: "?") where mark == nil: mark = index
            default: continue
            }
        }
        guard let mark else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }
}

/// The `Date` header's value (RFC 9110's IMF-fixdate), made once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        var seconds = time(nil)
        guard seconds != second else { return text }
        second = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return text
    }
}
