import ActivityQuery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

extension Emulator {
    /// The emulator as a Hummingbird application on `host:port` (port 0: any free port; the
    /// port bound is handed to `onRunning`).
    public func application(
        host: String = "127.0.0.1", port: Int = 8080, limits: ConnectionLimits = ConnectionLimits(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(logger: logger),
            server: HTTPServerBuilder { responder in
                EmulatorHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: limits.http1), emulator: self, logger: logger)
            },
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: Self.serverName),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// The API's three resources, under `/system/ws/…` and `/ws/…`, each with the methods it
    /// allows; other methods get `405-101` with `Allow`, unknown paths `404-101`
    /// (`APIErrorBodies`), and every request is logged (`RequestLog`).
    func router(logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLog(logger: logger))
        router.add(middleware: APIErrorBodies(emulator: self))
        for prefix in Emulator.pathPrefixes {
            router.get(RouterPath(prefix + API.activityPath)) { request, _ in await self.search(request) }
            router.head(RouterPath(prefix + API.activityPath)) { request, _ in await self.search(request) }
            router.post(RouterPath(prefix + API.loginPath)) { request, _ in await self.login(request) }
            router.delete(RouterPath(prefix + API.logoutPath)) { request, _ in await self.logout(request) }
        }
        return router
    }

    /// What the API's paths may start with (`/system/ws/…` and `/ws/…`).
    static let pathPrefixes = ["", "/system"]

    /// The `Server` header of every answer.
    static let serverName = "actq-emulator"

    /// The method each resource allows (as the `Allow` header says it).
    static let allowedMethods = [API.activityPath: "GET", API.loginPath: "POST", API.logoutPath: "DELETE"]
}

/// Logs each request with its method, path, query, status and time; headers and bodies, which
/// hold sessions and passwords, never.
struct RequestLog: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now()
        let response = try await next(request, context)
        if logger.logLevel <= .info {
            Self.log(logger, method: request.method, path: request.uri.path, query: request.uri.query,
                     status: response.status, since: started)
        }
        return response
    }

    /// One request's line: method, path, status and time, with the query string as metadata.
    static func log(_ logger: Logger, method: HTTPRequest.Method, path: String, query: String?, status: HTTPResponse.Status,
                    since started: DispatchTime) {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        logger.info("\(method.rawValue) \(path) \(status.code) \(String(format: "%.2f", elapsed)) ms",
                    metadata: query.map { ["query": .string($0)] } ?? [:])
    }
}

/// The router's own "not found" as the API answers it: `405-101` for a known resource and a
/// method it does not allow, `404-101` for an unknown path, in JSON or XML.
struct APIErrorBodies: RouterMiddleware {
    let emulator: Emulator

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            var path = request.uri.path
            if path.hasPrefix("/system/") { path.removeFirst("/system".count) }
            if path.count > 1, path.hasSuffix("/") { path.removeLast() }
            if let allowed = Emulator.allowedMethods[path] { return emulator.methodNotAllowed(request, allowed: allowed) }
            return emulator.failure(.notFound, "no such resource: \(path)", request)
        }
    }
}

/// `StreamLogHandler`'s lines on standard error, with the metadata set on a logger kept as it is
/// until something is logged: `StreamLogHandler` formats its metadata whenever it changes, and
/// Hummingbird gives every request's logger a request ID, most of which never log a line.
public struct ServerLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(label: String, level: Logger.Level) {
        stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = level
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        // The same precedence as the stream's own: what the statement gives wins.
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        stream.log(event: event)
    }
}
