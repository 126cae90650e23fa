import ActivityModel
import ActivityQuery
import ActivityRemote
import ActqTestSupport
import Foundation
import Testing

/// The remote backend's HTTP: how answers are framed (RFC 9112), how connections are kept and
/// replaced, and what is refused — on actq's own client and on AsyncHTTPClient alike.
@Suite struct HTTPClientTests {
    static let json = FaultTests.json

    /// The IDs a search returned, and its count; or the error it ended with.
    static func search(_ server: FaultServer, _ transport: RemoteConfiguration.Transport, all: Bool = false,
                       configure: @escaping @Sendable (inout RemoteConfiguration) -> Void = { _ in }) async throws -> ([Int64], Int) {
        let port = server.port
        return try await offCooperativePool {
            let backend = try remoteBackend(port: port, transport: transport) { configuration in
                configuration.retries = 0
                configure(&configuration)
            }
            var ids: [Int64] = []
            let summary = try backend.search(query("status = open"), all: all) { ids.append($0.id) }
            return (ids, summary.total)
        }
    }

    static func chunked(_ body: String, size: Int) -> String {
        var text = "HTTP/1.1 200 OK\r\n\(json)\r\nTransfer-Encoding: chunked\r\n\r\n"
        var rest = Substring(body)
        var index = 0
        while !rest.isEmpty {
            let piece = rest.prefix(size)
            rest = rest.dropFirst(piece.count)
            // Sizes in either case, one with an extension: all of it is the chunk syntax.
            let hex = String(piece.utf8.count, radix: 16, uppercase: index % 2 == 0)
            text += (index == 1 ? "\(hex);name=value" : hex) + "\r\n" + piece + "\r\n"
            index += 1
        }
        return text + "0\r\nX-Trailer: ignored\r\n\r\n"
    }

    @Test(arguments: FaultTests.transports)
    func theRequestLineIsTheAPIsPath(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [Self.json], body: ClientHardeningTests.page([1001], count: 1)))
        })
        defer { server.stop() }
        _ = try await Self.search(server, transport)
        #expect(server.lines == ["POST /system/ws/v12/authentication/user/login HTTP/1.1",
                                 "GET /system/ws/v12/interaction/activity?status=open HTTP/1.1"])
        for head in server.heads {
            #expect(head.lowercased().contains("\r\nhost: 127.0.0.1:\(server.port)\r\n"), "\(head)")
        }
    }

    @Test(arguments: FaultTests.transports)
    func chunkedAnswersAreReadWhole(transport: RemoteConfiguration.Transport) async throws {
        let body = ClientHardeningTests.page(1001...1030, count: 30)
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respond(Self.chunked(body, size: 7)) })
        defer { server.stop() }
        let (ids, total) = try await Self.search(server, transport)
        #expect(ids == Array(1001...1030))
        #expect(total == 30)
    }

    @Test(arguments: FaultTests.transports)
    func anAnswerEndedByClosingIsReadWhole(transport: RemoteConfiguration.Transport) async throws {
        let body = ClientHardeningTests.page(1001...1003, count: 3)
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respondAndClose("HTTP/1.1 200 OK\r\n\(Self.json)\r\n\r\n" + body) })
        defer { server.stop() }
        let (ids, _) = try await Self.search(server, transport)
        #expect(ids == [1001, 1002, 1003])
    }

    @Test(arguments: FaultTests.transports)
    func interimAnswersComeBeforeTheAnswer(transport: RemoteConfiguration.Transport) async throws {
        let answer = FaultServer.response("200 OK", headers: [Self.json], body: ClientHardeningTests.page([1001], count: 1))
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respond("HTTP/1.1 100 Continue\r\n\r\n" + answer) })
        defer { server.stop() }
        let (ids, _) = try await Self.search(server, transport)
        #expect(ids == [1001])
    }

    /// Pages of an `--all` result go out on the connection the login used.
    @Test func oneKeptConnectionCarriesEveryRequest() async throws {
        let server = try FaultServer(FaultServer.loggingIn { line, _ in
            let first = 1000 + (ClientHardeningTests.pageNumber(line) - 1) * 75
            return .respond(FaultServer.response("200 OK", headers: [Self.json],
                                                 body: ClientHardeningTests.page(first..<min(first + 75, 1200), count: 200)))
        })
        defer { server.stop() }
        let (ids, _) = try await Self.search(server, .automatic, all: true)
        #expect(ids == Array(1000..<1200))
        #expect(server.requests == 4)
        #expect(server.connectionsAccepted == 1)
    }

    /// A server that closes every connection after its answer (without saying so): each next
    /// request finds its kept connection closed and goes out on a new one — not a retry.
    /// (AsyncHTTPClient may send on such a connection before it sees the close, and leaves the
    /// failure to the backend's retries.)
    @Test func aKeptConnectionTheServerClosedIsReplaced() async throws {
        let transport = RemoteConfiguration.Transport.automatic
        let server = try FaultServer { line, _ in
            if line.hasPrefix("POST ") { return .respondAndClose(FaultServer.response("204 No Content", headers: ["X-egain-session: S"])) }
            let first = 1000 + (ClientHardeningTests.pageNumber(line) - 1) * 75
            return .respondAndClose(FaultServer.response("200 OK", headers: [Self.json],
                                                         body: ClientHardeningTests.page(first..<min(first + 75, 1200), count: 200)))
        }
        defer { server.stop() }
        let (ids, _) = try await Self.search(server, transport, all: true)
        #expect(ids == Array(1000..<1200))
        #expect(server.requests == 4)
        #expect(server.connectionsAccepted == 4)
    }

    @Test(arguments: FaultTests.transports)
    func anAnswerThatClosesTheConnectionIsNotKept(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { line, _ in
            let first = 1000 + (ClientHardeningTests.pageNumber(line) - 1) * 75
            return .respond(FaultServer.response("200 OK", headers: [Self.json, "Connection: close"],
                                                 body: ClientHardeningTests.page(first..<min(first + 75, 1100), count: 100)))
        })
        defer { server.stop() }
        let (ids, _) = try await Self.search(server, transport, all: true)
        #expect(ids == Array(1000..<1100))
        // The login and the first page on one connection, the second page on another: none was
        // used after its `Connection: close`.
        #expect(server.connectionsAccepted == 2)
    }

    static let badHeads: [(String, String)] = [
        ("a status that is not a number", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"),
        ("two Content-Lengths that disagree", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{}"),
        ("a Content-Length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n{}"),
        ("not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n\r\n"),
        ("a chunk size that is not hexadecimal", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
    ]

    @Test(arguments: FaultTests.transports, badHeads.indices)
    func answersThatAreNotHTTPAreRefused(transport: RemoteConfiguration.Transport, index: Int) async throws {
        let (what, answer) = Self.badHeads[index]
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respondAndClose(answer) })
        defer { server.stop() }
        let (error, rows) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: transport, retries: 0))
        #expect(error?.kind == .failed, "\(what): \(String(describing: error))")
        #expect(error?.description.contains("not valid HTTP") == true, "\(what): \(String(describing: error))")
        #expect(rows == 0)
    }

    /// The head's limit: a header of 100 KiB is not read into memory without end.
    @Test func aHeadLargerThanTheLimitIsRefused() async throws {
        let answer = "HTTP/1.1 200 OK\r\nX-Padding: " + String(repeating: "x", count: 100 << 10) + "\r\nContent-Length: 2\r\n\r\n{}"
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respondAndClose(answer) })
        defer { server.stop() }
        let (error, _) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: .automatic, retries: 0))
        #expect(error?.description.contains("not valid HTTP (a head longer than 64 KiB)") == true, "\(String(describing: error))")
    }

    @Test(arguments: FaultTests.transports)
    func aChunkedAnswerLargerThanTheCapIsRefused(transport: RemoteConfiguration.Transport) async throws {
        let big = ClientHardeningTests.page(1...1, count: 1).dropLast() + ",\"padding\":\"" + String(repeating: "x", count: 2 << 20) + "\"}"
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .respond(Self.chunked(String(big), size: 64 << 10)) })
        defer { server.stop() }
        let (error, rows) = try await FaultTests.failure(try remoteBackend(port: server.port, transport: transport) { configuration in
            configuration.maximumBodySize = 1 << 20
            configuration.retries = 0
        })
        #expect(error?.kind == .failed)
        #expect(error?.description.contains("larger than 1 MiB") == true, "\(String(describing: error))")
        #expect(rows == 0)
    }

    /// Ctrl-C in the REPL interrupts the backend: a request waiting for its answer stops then,
    /// not when the read timeout (a minute here) runs out.
    @Test func anInterruptStopsARequestThatIsWaiting() async throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .silent })
        defer { server.stop() }
        let backend = try FaultTests.backend(port: server.port, transport: .automatic, readTimeout: 60, retries: 0)
        let done = Locked(false)
        let interrupter = Thread {
            while !done.withLock({ $0 }) {
                if server.requests >= 2 { backend.interrupt() }
                usleep(20_000)
            }
        }
        interrupter.start()
        let (error, _) = try await FaultTests.failure(backend)
        done.withLock { $0 = true }
        #expect(error?.description.hasSuffix("cancelled") == true, "\(String(describing: error))")
    }
}
