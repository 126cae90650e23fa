import ActivityModel
import ActivityQuery
import ActivityRemote
@testable import ActivityServer
import ActivityStore
import ActqTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The client against servers that lie, and the emulator against requests that try too much.
@Suite struct ClientHardeningTests {
    /// A page of `ids` as the API writes it, with the count the server claims.
    static func page(_ ids: some Sequence<Int>, count: Int) -> String {
        let activities = ids.map { #"{"id":\#($0)}"# }.joined(separator: ",")
        return #"{"activity":[\#(activities)],"paginationInfo":{"count":\#(count)}}"#
    }

    static func pageNumber(_ requestLine: String) -> Int {
        guard let range = requestLine.range(of: #"\$pagenum=(\d+)"#, options: .regularExpression) else { return 1 }
        return Int(requestLine[range].dropFirst("$pagenum=".count)) ?? 1
    }

    @Test(arguments: FaultTests.transports) func aServerThatIgnoresThePageNumberDoesNotLoopForever(transport: RemoteConfiguration.Transport) async throws {
        // Every page is the first one again, and the count promises a million.
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [FaultTests.json], body: Self.page(1001...1075, count: 1_000_000)))
        })
        defer { server.stop() }
        let (error, rows) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: transport), all: true)
        #expect(error?.kind == .failed)
        #expect(error?.description.contains("sent activity 1001 again on page 2") == true, "\(String(describing: error))")
        #expect(rows == 75)
        #expect(server.requests <= 3)  // the login and two pages
    }

    @Test(arguments: FaultTests.transports) func aCountThatChangesBetweenPagesStopsAll(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { line, _ in
            let number = Self.pageNumber(line)
            let first = 1000 + (number - 1) * 75
            return .respond(FaultServer.response("200 OK", headers: [FaultTests.json],
                                                 body: Self.page(first..<(first + 75), count: number == 1 ? 500 : 900)))
        })
        defer { server.stop() }
        let (error, rows) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: transport), all: true)
        #expect(error?.description.contains("paginationInfo is inconsistent: page 1 counted 500 matches, page 2 counts 900") == true,
                "\(String(describing: error))")
        #expect(rows == 75)
    }

    @Test(arguments: FaultTests.transports) func moreActivitiesThanTheCountStopsAll(transport: RemoteConfiguration.Transport) async throws {
        let server = try FaultServer(FaultServer.loggingIn { line, _ in
            let first = 1000 + (Self.pageNumber(line) - 1) * 75
            return .respond(FaultServer.response("200 OK", headers: [FaultTests.json], body: Self.page(first..<(first + 75), count: 100)))
        })
        defer { server.stop() }
        let (error, _) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: transport), all: true)
        #expect(error?.description.contains("more activities (150) than its paginationInfo count (100)") == true, "\(String(describing: error))")
    }

    @Test(arguments: FaultTests.transports) func anAnswerLargerThanTheCapIsRefused(transport: RemoteConfiguration.Transport) async throws {
        let big = Self.page(1...1, count: 1).dropLast() + ",\"padding\":\"" + String(repeating: "x", count: 2 << 20) + "\"}"
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [FaultTests.json], body: String(big)))
        })
        defer { server.stop() }
        let backend = try remoteBackend(port: server.port, transport: transport) { configuration in
            configuration.maximumBodySize = 1 << 20
            configuration.retries = 0
        }
        let (error, rows) = try await FaultTests.failure(backend)
        #expect(error?.kind == .failed)
        #expect(error?.description.contains("larger than 1 MiB") == true, "\(String(describing: error))")
        #expect(rows == 0)
    }

    @Test(arguments: FaultTests.transports) func escapeSequencesInAServerMessageNeverReachTheTerminal(transport: RemoteConfiguration.Transport) async throws {
        let message = "bad \u{1B}]0;pwned\u{07} \u{9B}31m red \u{202E}desrever\u{202C}\nsecond line"
        let body = JSONWriter.string(["code": "400-102", "developerMessage": .string(message)])
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("400 Bad Request", headers: [FaultTests.json], body: body))
        })
        defer { server.stop() }
        let (error, _) = try await FaultTests.failure(try FaultTests.backend(port: server.port, transport: transport))
        let text = try #require(error?.description)
        #expect(text.contains("bad"))
        #expect(text.contains("second line"))
        #expect(!text.unicodeScalars.contains { InertText.isActive($0) }, "\(text.debugDescription)")
    }

    @Test func concurrentLoginsKeepEverySession() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("actq-sessions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = SessionStore(path: directory.appendingPathComponent("sessions.json").path)
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            try? store.save("SESSION-\(index)", url: "http://h/system", user: "user\(index)")
        }
        for index in 0..<16 {
            #expect(store.session(url: "http://h/system", user: "user\(index)") == "SESSION-\(index)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["sessions.json", "sessions.json.lock"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

@Suite struct SessionTableTests {
    @Test func idleTimeoutsBeyondTheClockNeverTrap() {
        // More nanoseconds than UInt64 holds: "never idle", where it used to overflow.
        let table = SessionTable(idleTimeout: .seconds(Int64.max), clock: { 5_000_000_000 })
        guard case .opened(let session) = table.login(user: "u", force: false) else {
            Issue.record("no session")
            return
        }
        #expect(table.user(of: session) == "u")
        #expect(table.user(of: "unknown") == nil)
    }
}

extension EmulatorTests {
    @Test(arguments: setups)
    func aSearchMayNameAtMost100CustomAttributes(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let hundred = (0..<100).map { "custom.a\($0)=1" }.joined(separator: "&")
            let allowed = try await Self.search(client, hundred, session: session)
            #expect(allowed.status == .noContent)
            let refused = try await Self.search(client, hundred + "&custom.b=1", session: session)
            #expect(refused.status == .badRequest)
            #expect(try Self.errorCode(refused) == "400-102")
            #expect(String(buffer: refused.body).contains("at most 100 custom attributes"))
        }
    }

    @Test(arguments: setups)
    func aQueryStringOver16KiBIsRefused(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let response = try await Self.search(client, "status=" + String(repeating: "o", count: 17 * 1024), session: session)
            #expect(response.status == .badRequest)
            #expect(try Self.errorCode(response) == "400-102")
        }
    }

    @Test func aServerFailureTellsTheClientNothingOfTheInside() async throws {
        try await withOwnStore(.router) { client, path, session in
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 4096
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(repeating: 0x41, count: size))
            try handle.close()
            let response = try await Self.search(client, "customer=1002", session: session)
            #expect(response.status == .internalServerError)
            let body = String(buffer: response.body)
            #expect(body.contains("the search failed on the server"))
            for inside in ["SQLite", "sqlite", "malformed", "SELECT", path] { #expect(!body.contains(inside), "\(body)") }
        }
    }

    @Test func aClientThatNeverSendsARequestIsDisconnected() async throws {
        var limits = ConnectionLimits()
        limits.headTimeout = .milliseconds(300)
        let app = try makeEmulator(storePath: try Self.storePath.get()).application(port: 0, limits: limits, logger: quietLogger)
        try await app.test(.live) { client in
            let port = client.port!
            let closed = try await offCooperativePool { Self.isClosedByPeer(port: port, sending: "GET /system/ws/v12/interaction/act") }
            #expect(closed, "a half-sent request line must not hold the connection open")
        }
    }

    /// The wait for a head restarts with each answer: a client that asks again within the
    /// timeout keeps its connection for as long as it asks, and one that stops halfway through
    /// its next request line is disconnected.
    @Test func theHeadTimeoutRestartsAfterEveryAnswer() async throws {
        var limits = ConnectionLimits()
        // The gaps between requests are a tenth of the timeout: a loaded two-core machine can
        // hold a thread back for hundreds of milliseconds, and that must not look like a
        // client that stopped asking.
        let timeout = 2_000 * TestTime.scale
        limits.headTimeout = .milliseconds(Int64(timeout))
        let app = try makeEmulator(storePath: try Self.storePath.get()).application(port: 0, limits: limits, logger: quietLogger)
        try await app.test(.live) { client in
            let port = client.port!
            let statuses = try await offCooperativePool { () -> [String] in
                let fd = try Self.connected(port: port)
                defer { close(fd) }
                var statuses: [String] = []
                // Twenty requests, each a tenth of the timeout after the answer before: twice
                // the timeout on one connection.
                for _ in 0..<20 {
                    guard let answer = Self.exchange(fd, "GET /system/ws/v12/nothing HTTP/1.1\r\nHost: x\r\n\r\n") else { break }
                    statuses.append(String(answer.prefix(12)))
                    usleep(useconds_t(timeout / 10 * 1_000))
                }
                _ = "GET /system/ws/v12/interaction/act".withCString { send(fd, $0, strlen($0), 0) }
                var byte: UInt8 = 0
                // Closed: an end of file, or a reset (the server may close before it has read
                // the half line, when its loop is slow on a loaded machine).
                let received = recv(fd, &byte, 1, 0)
                let failure = errno
                statuses.append(received == 0 || (received < 0 && failure == ECONNRESET) ? "closed"
                                : received < 0 ? "no answer (errno \(failure))" : "open")
                return statuses
            }
            #expect(statuses == Array(repeating: "HTTP/1.1 404", count: 20) + ["closed"], "\(statuses)")
        }
    }

    /// A socket connected to the emulator at `port`, with a 20 s guard (scaled) on every read.
    static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var limit = timeval(tv_sec: 20 * TestTime.scale, tv_usec: 0)  // a hang guard, not a measurement
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends one request and reads its answer (head and Content-Length bytes); nil when the
    /// connection ends first.
    static func exchange(_ fd: Int32, _ request: String) -> String? {
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { return text }
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            received += buffer[0..<count]
        }
    }

    /// Connects, sends `text`, and reads until the server closes (true) or 20 s pass (false).
    static func isClosedByPeer(port: Int, sending text: String) -> Bool {
        guard let fd = try? connected(port: port) else { return false }
        defer { close(fd) }
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }
}

/// The emulator's kept outcomes stay within their bounds, whatever the traffic.
@Suite struct AnswerCacheTests {
    static func answer(_ bytes: Int) -> SearchOutcome {
        .answered(SearchSummary(total: 1, returned: 1, window: nil), ByteBuffer(repeating: 0x61, count: bytes))
    }

    static let version = StoreContentVersion(external: 1)

    @Test func distinctSearchesNeverHoldMoreThanTheLimits() {
        let cache = AnswerCache(entryLimit: 50, byteLimit: 64 * 1024)
        for index in 0..<5_000 {
            let key = AnswerCache.Key(wire: .json, query: "custom.a\(index)=\(index)")
            _ = cache.outcome(key, version: Self.version) { Self.answer(64 + index % 2_000) }
            #expect(cache.footprint.entries <= 50)
            #expect(cache.footprint.bytes <= 64 * 1024)
        }
        #expect(cache.footprint.entries > 0)
    }

    @Test func aKeptAnswerIsReusedUntilTheContentChanges() {
        let cache = AnswerCache()
        let key = AnswerCache.Key(wire: .json, query: "customer=1")
        var produced = 0
        for version in [Self.version, Self.version, StoreContentVersion(external: 2),
                        StoreContentVersion(external: 3), StoreContentVersion(external: 3)] {
            _ = cache.outcome(key, version: version) { produced += 1; return Self.answer(10) }
        }
        #expect(produced == 3)
        // The other format is another answer.
        _ = cache.outcome(AnswerCache.Key(wire: .xml, query: "customer=1"), version: StoreContentVersion(external: 3)) {
            produced += 1
            return Self.answer(10)
        }
        #expect(produced == 4)
    }

    @Test func storesThatCannotTellTheirVersionKeepNothing() {
        let cache = AnswerCache()
        var produced = 0
        for _ in 0..<3 {
            _ = cache.outcome(AnswerCache.Key(wire: .json, query: "customer=1"), version: nil) { produced += 1; return Self.answer(10) }
        }
        #expect(produced == 3)
        #expect(cache.footprint.entries == 0)
    }

    @Test func anAnswerLargerThanAnEighthOfTheBudgetIsNotKept() {
        let cache = AnswerCache(entryLimit: 10, byteLimit: 8_000)
        _ = cache.outcome(AnswerCache.Key(wire: .json, query: "q"), version: Self.version) { Self.answer(1_200) }
        #expect(cache.footprint.entries == 0)
        _ = cache.outcome(AnswerCache.Key(wire: .json, query: "q"), version: Self.version) { Self.answer(900) }
        #expect(cache.footprint.entries == 1)
    }
}
