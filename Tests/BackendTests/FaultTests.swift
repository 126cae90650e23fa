import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityServer
import ActivityStore
import ActqTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// The remote backend against servers that fail: each failure is one clear message of the right
/// kind, with no secret in it, and nothing is handed on as if it were a whole result.
@Suite struct FaultTests {
    static let json = "Content-Type: application/json"

    /// Every test here runs on both transports: actq's own HTTP/1.1 client (what http:// URLs
    /// use) and AsyncHTTPClient (what https:// URLs use), with the same expectations.
    static let transports = RemoteConfiguration.Transport.allCases

    static func backend(port: Int, transport: RemoteConfiguration.Transport, readTimeout: Double = 5, retries: Int = 2) throws -> RemoteBackend {
        try remoteBackend(port: port, transport: transport) { configuration in
            configuration.readTimeout = TestTime.seconds(readTimeout)
            configuration.connectTimeout = 2
            configuration.retries = retries
        }
    }

    /// Runs a search off the cooperative pool (the in-process servers of other tests need it)
    /// and returns its error and the rows it handed on before failing.
    static func failure(_ backend: RemoteBackend, _ text: String = "status = open", all: Bool = false) async throws -> (RemoteError?, Int) {
        return try await offCooperativePool { Self.blockingFailure(backend, text, all: all) }
    }

    static func blockingFailure(_ backend: RemoteBackend, _ text: String = "status = open", all: Bool = false) -> (RemoteError?, Int) {
        var rows = 0
        do {
            _ = try backend.search(query(text), all: all) { _ in rows += 1 }
            return (nil, rows)
        } catch let error as RemoteError {
            return (error, rows)
        } catch {
            Issue.record("not a RemoteError: \(error)")
            return (nil, rows)
        }
    }

    static func expectNoSecret(_ error: RemoteError?) {
        let text = error?.description ?? ""
        #expect(!text.contains(testPassword))
        #expect(!text.contains("FAULT-SESSION"))
    }

    @Test(arguments: transports) func serverNotRunning(transport: RemoteConfiguration.Transport) async throws {
        let port = FaultServer.closedPort()
        let (error, _) = try await Self.failure(try Self.backend(port: port, transport: transport))
        #expect(error?.kind == .unreachable)
        #expect(error?.description.contains("connection refused") == true, "\(String(describing: error))")
        #expect(error?.description.contains("kept trying for 2 s") == true)
        Self.expectNoSecret(error)
    }

    @Test(arguments: transports) func serverThatNeverAcceptsTimesOut(transport: RemoteConfiguration.Transport) async throws {
        let unanswered = try UnansweredPort()
        defer { unanswered.close() }
        let backend = try remoteBackend(port: unanswered.port, transport: transport) { configuration in
            configuration.connectTimeout = 0.5
            configuration.retries = 0
        }
        let (error, _) = try await Self.failure(backend)
        #expect(error?.kind == .unreachable)
        #expect(error?.description.contains("no connection within 0.5 s") == true, "\(String(describing: error))")
        Self.expectNoSecret(error)
    }

    @Test(arguments: transports) func serverThatNeverAnswersTimesOut(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .silent })
        defer { server.stop() }
        let (error, _) = try await Self.failure(try Self.backend(port: server.port, transport: transport, readTimeout: 0.5))
        #expect(error?.kind == .unreachable)
        let waited = TestTime.scale == 1 ? "0.5 s" : "\(Int(TestTime.seconds(0.5))) s"
        #expect(error?.description.contains("no answer within \(waited)") == true, "\(String(describing: error))")
        Self.expectNoSecret(error)
    }

    @Test(arguments: transports) func serverFailureIsRetriedThenReported(transport: RemoteConfiguration.Transport) async throws {
        let body = #"{"code":"500-101","developerMessage":"database is down"}"#
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("500 Internal Server Error", headers: [Self.json], body: body))
        })
        defer { server.stop() }
        let (error, rows) = try await Self.failure(try Self.backend(port: server.port, transport: transport, retries: 2))
        #expect(error?.kind == .failed)
        #expect(error?.code == "500-101")
        #expect(error?.description.contains("HTTP 500") == true)
        #expect(error?.description.contains("database is down") == true)
        #expect(rows == 0)
        #expect(server.requests == 1 + 3)  // the login, then the search three times
        Self.expectNoSecret(error)
    }

    @Test(arguments: transports) func malformedJSON(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [Self.json], body: #"{"activity":[{"id":1,"subject":"half"#))
        })
        defer { server.stop() }
        let (error, rows) = try await Self.failure(try Self.backend(port: server.port, transport: transport))
        #expect(error?.kind == .failed, "\(String(describing: error))")
        #expect(error?.description.contains("not valid JSON") == true, "\(String(describing: error))")
        #expect(rows == 0)
    }

    @Test(arguments: transports) func truncatedBody(transport: RemoteConfiguration.Transport) async throws {
        let body = #"{"activity":[{"id":1001},{"id":1002}],"paginationInfo":{"count":2}}"#
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respondAndClose(FaultServer.response("200 OK", headers: [Self.json], body: String(body.prefix(20)), contentLength: body.utf8.count))
        })
        defer { server.stop() }
        let (error, rows) = try await Self.failure(try Self.backend(port: server.port, transport: transport, retries: 0))
        #expect(error != nil)
        #expect(error?.description.contains("cut short") == true || error?.description.contains("closed the connection") == true,
                "\(String(describing: error))")
        #expect(rows == 0)
    }

    @Test(arguments: transports) func htmlInsteadOfActivities(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: ["Content-Type: text/html"], body: "<html><body>Sign in</body></html>"))
        })
        defer { server.stop() }
        let (error, _) = try await Self.failure(try Self.backend(port: server.port, transport: transport))
        #expect(error?.kind == .failed)
        #expect(error?.description.contains("text/html") == true)
    }

    @Test(arguments: transports) func toleratesStringIDsAndLinkArrays(transport: RemoteConfiguration.Transport) async throws {
        let body = #"{"activity":[{"id":"1001","link":[{"rel":"self","href":"/a/1001"}]},{"id":1002,"link":{"rel":"self"}}],"paginationInfo":{"count":"7"}}"#
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [Self.json], body: body))
        })
        defer { server.stop() }
        let port = server.port
        let (ids, summary) = try await offCooperativePool {
            var ids: [Int64] = []
            let summary = try Self.backend(port: port, transport: transport).search(query("status = open"), all: false) { ids.append($0.id) }
            return (ids, summary)
        }
        #expect(ids == [1001, 1002])
        #expect(summary.total == 7)
    }

    @Test(arguments: transports) func wrongPassword(transport: RemoteConfiguration.Transport) async throws {
        let path = temporaryStorePath()
        defer { removeStore(path) }
        _ = try Importer.run(files: [fixtureJSON], into: try ActivityStore(path: path))
        let app = try makeEmulator(storePath: path).application(port: 0, limits: patientLimits, logger: quietLogger)
        let error = try await app.test(.live) { client in
            let port = client.port!
            return try await offCooperativePool { Self.blockingFailure(try remoteBackend(port: port, transport: transport, password: "wrong-\(testPassword)")).0 }
        }
        #expect(error?.kind == .authentication)
        #expect(error?.description.contains("invalid user name or password") == true)
        #expect(error?.description.contains("wrong-") == false)
        Self.expectNoSecret(error)
    }

    /// Sessions end after the first page of `--all`: the backend logs in again once and goes on,
    /// and the result is whole.
    @Test(arguments: transports) func sessionExpiringInTheMiddleOfAll(transport: RemoteConfiguration.Transport) async throws {
        let path = temporaryStorePath()
        defer { removeStore(path) }
        try DemoData(seed: 7, until: 1_718_452_800_000).populate(try ActivityStore(path: path), count: 400)
        let local = try ActivityStore(path: path, readOnly: true).ids(query("lastModifiedDate >= 2000-01-01"), all: true)
        let sessions = SessionTable()
        let emulator = try makeEmulator(storePath: path, sessions: sessions)
        let app = emulator.application(port: 0, limits: patientLimits, logger: quietLogger)
        let (ids, count, pages) = try await app.test(.live) { client in
            let port = client.port!
            return try await offCooperativePool {
                let backend = try remoteBackend(port: port, transport: transport)
                var pages = 0
                backend.progress = { _, _ in
                    pages += 1
                    if pages == 2 { sessions.endAll() }
                }
                var ids: [Int64] = []
                let summary = try backend.search(query("lastModifiedDate >= 2000-01-01"), all: true) { ids.append($0.id) }
                return (ids, summary.total, pages)
            }
        }
        #expect(pages == 6)  // 400 activities in pages of 75
        #expect(ids == local.ids)
        #expect(count == 400)
    }

    /// The same, when the second login fails: the search stops with an authentication error
    /// instead of presenting the pages it had as the result.
    @Test(arguments: transports) func sessionExpiringWhenLoginNoLongerWorks(transport: RemoteConfiguration.Transport) async throws {
        let path = temporaryStorePath()
        defer { removeStore(path) }
        try DemoData(seed: 7, until: 1_718_452_800_000).populate(try ActivityStore(path: path), count: 400)
        let sessions = SessionTable()
        let emulator = try makeEmulator(storePath: path, sessions: sessions)
        let app = emulator.application(port: 0, limits: patientLimits, logger: quietLogger)
        let (error, rows) = try await app.test(.live) { client in
            let port = client.port!
            return try await offCooperativePool {
                let logins = LoginCounter()
                var configuration = RemoteConfiguration(baseURL: "http://127.0.0.1:\(port)/system", user: testUser)
                configuration.retryDelay = 0.01
                configuration.readTimeout = TestTime.seconds(configuration.readTimeout)
                configuration.transport = transport
                let backend = try RemoteBackend(configuration: configuration, session: nil, password: {
                    logins.count += 1
                    return logins.count == 1 ? testPassword : "changed meanwhile"
                })
                backend.progress = { _, _ in sessions.endAll() }
                return Self.blockingFailure(backend, "lastModifiedDate >= 2000-01-01", all: true)
            }
        }
        #expect(error?.kind == .authentication)
        #expect(rows == 75)
        #expect(error?.description.contains("changed meanwhile") == false)
    }
}

private final class LoginCounter: @unchecked Sendable {
    var count = 0
}
