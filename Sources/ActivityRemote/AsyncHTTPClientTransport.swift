import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Requests through AsyncHTTPClient: for `https://` base URLs (TLS by swift-nio-ssl, the system's
/// trust roots, `--insecure` for self-signed test servers), and for any URL when asked for
/// (`RemoteConfiguration.Transport.asyncHTTPClient`).
final class AsyncHTTPClientTransport: HTTPTransport, @unchecked Sendable {
    let endpoint: Endpoint
    let configuration: RemoteConfiguration
    private let client: HTTPClient

    init(endpoint: Endpoint, configuration: RemoteConfiguration) {
        self.endpoint = endpoint
        self.configuration = configuration
        let timeout = HTTPClient.Configuration.Timeout(
            connect: .milliseconds(Int64(configuration.connectTimeout * 1000)),
            read: .milliseconds(Int64(configuration.readTimeout * 1000)))
        var http = configuration.insecure
            ? HTTPClient.Configuration(certificateVerification: .none, redirectConfiguration: .disallow, timeout: timeout)
            : HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout)
        // No tracing (actq bootstraps no tracer): without this, every request starts a span on the
        // no-op tracer, whose first casts and "\(method)" cost a one-shot query 1.9 M instructions.
        http.tracing.tracer = nil
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    deinit { shutdown() }

    func shutdown() {
        try? client.syncShutdown()
    }

    func send(_ request: HTTPRequestMessage, isCancelled: @escaping @Sendable () -> Bool) throws -> HTTPAnswer {
        guard let url = URL(string: endpoint.baseURL + request.pathAndQuery, encodingInvalidCharacters: false) else {
            throw TransportFailure("cannot make a URL of \(endpoint.baseURL) and the request", .failed)
        }
        var http: HTTPClient.Request
        do {
            http = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: request.method.rawValue))
        } catch {
            throw describe(error)
        }
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { http.body = .bytes(request.body) }
        let deadline = NIODeadline.now() + .milliseconds(Int64((configuration.connectTimeout + configuration.readTimeout) * 1000))
        do {
            let accumulator = ResponseAccumulator(request: http, maxBodySize: configuration.maximumBodySize)
            let response = try client.execute(request: http, delegate: accumulator, deadline: deadline).futureResult.wait()
            return HTTPAnswer(status: Int(response.status.code), reason: response.status.reasonPhrase,
                              headers: response.headers.map { ($0.name, $0.value) },
                              body: response.body.map { Array($0.readableBytesView) } ?? [])
        } catch {
            throw describe(error)
        }
    }

    /// A transport error in words, and whether trying again may help.
    private func describe(_ error: Error) -> TransportFailure {
        let connectTimeout = TransportFailure.seconds(configuration.connectTimeout)
        let readTimeout = TransportFailure.seconds(configuration.readTimeout)
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return TransportFailure("no connection within \(connectTimeout)", .unreachable)
            case .readTimeout, .deadlineExceeded: return TransportFailure("no answer within \(readTimeout)", .unreachable)
            case .remoteConnectionClosed: return TransportFailure("the server closed the connection before the answer was complete", .failed, retry: true)
            case .bodyLengthMismatch: return TransportFailure("the answer was cut short (fewer bytes than its Content-Length)", .failed, retry: true)
            case .invalidURL, .emptyHost, .emptyScheme: return TransportFailure("not a valid URL", .failed)
            default: return TransportFailure("\(error)", .unreachable)
            }
        }
        if error is ResponseAccumulator.ResponseTooBigError {
            return TransportFailure("the answer is larger than \(TransportFailure.size(configuration.maximumBodySize)); no search answer is that large", .failed)
        }
        if let error = error as? HTTPParserError {
            if case .invalidEOFState = error {
                return TransportFailure("the answer was cut short (the connection closed before the whole body arrived)", .failed, retry: true)
            }
            return TransportFailure("the server's answer is not valid HTTP (\(error))", .failed)
        }
        // AsyncHTTPClient itself keeps trying to connect until the connect timeout.
        let waited = " (kept trying for \(connectTimeout))"
        if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return TransportFailure("cannot resolve the host name", .unreachable)
            }
            if let first = error.connectionErrors.first?.error as? IOError {
                return TransportFailure("cannot connect: \(TransportFailure.words(errno: first.errnoCode))" + waited, .unreachable)
            }
            return TransportFailure("cannot connect" + waited, .unreachable)
        }
        if let error = error as? IOError {
            return TransportFailure("connection failed: \(TransportFailure.words(errno: error.errnoCode))" + waited, .unreachable)
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout:
                return TransportFailure("no connection within \(connectTimeout)", .unreachable)
            case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .eof:
                // A kept-alive connection the server closed as the request went out (servers end
                // idle connections): a search is safe to send again, on a new connection.
                return TransportFailure("the server closed the connection before the request was sent", .failed, retry: true)
            default:
                break
            }
        }
        let text = "\(error)"
        if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") {
            return TransportFailure("TLS failed (\(text)); for a test server with a self-signed certificate, use --insecure", .unreachable)
        }
        return TransportFailure(text, .unreachable)
    }
}
