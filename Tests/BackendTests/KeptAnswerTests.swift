import ActivityModel
import ActivityQuery
@testable import ActivityServer
import ActivityStore
import ActqTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Searches asked again are answered on the event loop (`KeptAnswerHandler`), and must be
/// answered exactly as the router answers them: the same bytes, in the order asked, logged the
/// same, and never for a session that has ended. Over real HTTP on 127.0.0.1, byte by byte.
@Suite struct KeptAnswerTests {
    /// A connection that reads answers one at a time, keeping what comes after an answer (the
    /// next answers of pipelined requests) for the next read.
    final class Connection {
        let fd: Int32
        private var pending: [UInt8] = []

        /// RFC 9110's preferred date form, such as `Thu, 03 Dec 2026 17:42:04 GMT`.
        static var imfFixdate: Regex<AnyRegexOutput> { try! Regex(#"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"#) }

        init(port: Int) throws { fd = try EmulatorTests.connected(port: port) }
        deinit { close(fd) }

        func send(_ text: String) {
            _ = text.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        }

        /// The next answer: its head (with the `Date` header's value replaced by its form when it
        /// is an IMF-fixdate, as the value changes each second) and body; nil when the connection
        /// ends first.
        func answer(forHead: Bool = false) -> (head: String, body: [UInt8])? {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                    let length = forHead ? 0 : head.split(separator: "\r\n").lazy
                        .compactMap { line -> Int? in
                            let parts = line.split(separator: ":", maxSplits: 1)
                            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                            return Int(parts[1].trimmingCharacters(in: .whitespaces))
                        }.first ?? 0
                    if pending.count - end.upperBound >= length {
                        let body = Array(pending[end.upperBound..<end.upperBound + length])
                        pending.removeFirst(end.upperBound + length)
                        let shown = head.split(separator: "\r\n", omittingEmptySubsequences: false)
                            .map { line in
                                guard line.lowercased().hasPrefix("date: "),
                                      line.dropFirst(6).wholeMatch(of: Self.imfFixdate) != nil else { return String(line) }
                                return "date: <IMF-fixdate>"
                            }
                        return (shown.joined(separator: "\r\n"), body)
                    }
                }
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { return nil }
                pending += buffer[0..<count]
            }
        }

        /// Sends one request and reads its answer.
        func exchange(_ request: String) -> (head: String, body: [UInt8])? {
            send(request)
            return answer(forHead: request.hasPrefix("HEAD "))
        }
    }

    static func search(_ query: String, session: String, accept: String = "application/json", method: String = "GET") -> String {
        "\(method) /system/ws/v12/interaction/activity\(query.isEmpty ? "" : "?" + query) HTTP/1.1\r\nHost: x\r\n"
            + "Accept: \(accept)\r\nX-egain-session: \(session)\r\n\r\n"
    }

    /// Runs `body` with a live emulator over the fixture store, its port and a session.
    func withLiveEmulator(logger: Logger = quietLogger,
                          _ body: @escaping @Sendable (Emulator, Int, String) throws -> Void) async throws {
        let emulator = try makeEmulator(storePath: try EmulatorTests.storePath.get())
        try await emulator.application(port: 0, limits: patientLimits, logger: logger).test(.live) { client in
            let session = try await EmulatorTests.session(client)
            let port = client.port!
            try await offCooperativePool { try body(emulator, port, session) }
        }
    }

    @Test func aSearchAskedAgainIsAnsweredOnTheEventLoopWithTheRoutersBytes() async throws {
        try await withLiveEmulator { emulator, port, session in
            let connection = try Connection(port: port)
            // Matches (200) and none (204), in both formats, on a connection of their own each time.
            for accept in ["application/json", "application/xml"] {
                for query in ["customer=1002", "customer=424242", "status=open&$pagesize=3&$pagenum=2"] {
                    let request = Self.search(query, session: session, accept: accept)
                    let before = emulator.answeredOnEventLoop.load(ordering: .relaxed)
                    let first = try #require(connection.exchange(request))
                    #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == before, "\(query): a first search goes to the router")
                    for again in [connection, try Connection(port: port)] {
                        let kept = try #require(again.exchange(request))
                        #expect(kept.head == first.head, "\(query) \(accept)")
                        #expect(kept.body == first.body, "\(query) \(accept)")
                    }
                    #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == before + 2, "\(query): asked again, it is kept")
                    #expect(first.head.hasPrefix(query == "customer=424242" ? "HTTP/1.1 204" : "HTTP/1.1 200"), "\(first.head)")
                    #expect(first.head.contains("\r\ndate: <IMF-fixdate>\r\n"), "\(first.head)")
                }
            }
            // HEAD, refusals and other resources always go to the router.
            let before = emulator.answeredOnEventLoop.load(ordering: .relaxed)
            let head = try #require(connection.exchange(Self.search("customer=1002", session: session, method: "HEAD")))
            #expect(head.head.hasPrefix("HTTP/1.1 200"))
            for _ in 0..<2 {
                let refused = try #require(connection.exchange(Self.search("customer=1002&colour=red", session: session)))
                #expect(refused.head.hasPrefix("HTTP/1.1 400"))
            }
            #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == before)
        }
    }

    /// Pipelined requests, some answered on the event loop and some by the router, are answered
    /// in the order they came: a kept search behind one the router is answering waits its turn.
    @Test func pipelinedRequestsAreAnsweredInOrderWhoeverAnswersThem() async throws {
        try await withLiveEmulator { emulator, port, session in
            let kept = Self.search("customer=1002", session: session)
            let requests = [
                Self.search("customer=1080", session: session),  // not yet asked: the router's
                kept,
                "GET /system/ws/v12/nothing HTTP/1.1\r\nHost: x\r\n\r\n",
                kept,
                Self.search("customer=1080&status=open", session: session, accept: "application/xml"),
                kept,
                kept,
            ]
            // Each answer alone, the first time (kept ones twice: the second from the event loop).
            let alone = try Connection(port: port)
            var expected: [(head: String, body: [UInt8])] = []
            for request in requests { expected.append(try #require(alone.exchange(request))) }
            #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == 3)

            // All at once, in one write, on a new connection: now every search is kept.
            let together = try Connection(port: port)
            together.send(requests.joined())
            for (index, answer) in expected.enumerated() {
                let got = try #require(together.answer(), "answer \(index) never came")
                #expect(got.head == answer.head, "answer \(index)")
                #expect(got.body == answer.body, "answer \(index)")
            }
            // The 404 goes to the router; the kept searches before it are answered at once,
            // the ones after it wait for it (and are passed on to the router).
            #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) > 3)
        }
    }

    @Test func anEndedSessionIsNeverAnsweredFromWhatIsKept() async throws {
        try await withLiveEmulator { emulator, port, session in
            let connection = try Connection(port: port)
            let request = Self.search("customer=1002", session: session)
            _ = try #require(connection.exchange(request))
            #expect(try #require(connection.exchange(request)).head.hasPrefix("HTTP/1.1 200"))
            let out = try #require(connection.exchange("DELETE /system/ws/v12/authentication/user/logout HTTP/1.1\r\nHost: x\r\nX-egain-session: \(session)\r\n\r\n"))
            #expect(out.head.hasPrefix("HTTP/1.1 204"))
            let after = try #require(connection.exchange(request))
            #expect(after.head.hasPrefix("HTTP/1.1 401"), "\(after.head)")
            #expect(String(decoding: after.body, as: UTF8.self).contains("401-"))
            // A user without the right to view activities is refused, whatever is kept.
            let login = #"{"userName":"viewer-without-rights","password":"pw"}"#
            let opened = try #require(connection.exchange(
                "POST /system/ws/v12/authentication/user/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(login.utf8.count)\r\n\r\n" + login))
            let viewer = try #require(opened.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-egain-session:") }?
                .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces))
            let forbidden = try #require(connection.exchange(Self.search("customer=1002", session: viewer)))
            #expect(forbidden.head.hasPrefix("HTTP/1.1 403"), "\(forbidden.head)")
            #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == 1)
        }
    }

    /// Log lines as the emulator writes them.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    struct CapturingLogHandler: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let query = event.metadata?["query"].map { " query=\($0)" } ?? ""
            lines.add("\(event.level) \(event.message)\(query)")
        }
    }

    @Test func keptAnswersAreLoggedAsTheRoutersAre() async throws {
        let lines = Lines()
        var logger = Logger(label: "actq.test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .info
        try await withLiveEmulator(logger: logger) { emulator, port, session in
            let connection = try Connection(port: port)
            for _ in 0..<2 { _ = try #require(connection.exchange(Self.search("customer=1002", session: session))) }
            #expect(emulator.answeredOnEventLoop.load(ordering: .relaxed) == 1)
        }
        let searches = lines.all.filter { $0.contains("/interaction/activity") }
        #expect(searches.count == 2, "\(lines.all)")
        for line in searches {
            #expect(line.hasPrefix("info GET /system/ws/v12/interaction/activity 200 "), "\(line)")
            #expect(line.hasSuffix(" ms query=customer=1002"), "\(line)")
            #expect(!line.contains(testPassword))
        }
    }
}

/// The content version kept answers depend on: it changes with every commit and every other
/// write to the file, and it is never waited for.
@Suite struct ContentVersionProbeTests {
    @Test func theVersionChangesWithCommitsAndWithWritesBehindSQLitesBack() throws {
        let path = temporaryStorePath()
        defer { removeStore(path) }
        _ = try Importer.run(files: [fixtureJSON], into: try ActivityStore(path: path))
        let probe = try ContentVersionProbe(path: path)
        let first = try #require(probe.version())
        #expect(probe.version() == first, "nothing changed")

        // A commit by another connection (WAL: the file itself is not written).
        let resource = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: fixtureJSON))))
        guard case .array(let activities)? = resource["activity"], case .object(var added)? = activities.first else {
            Issue.record("the fixture has no activities")
            return
        }
        added["id"] = 987_655
        try ActivityStore(path: path).write { try $0.put(try Activity(resource: added)) }
        let committed = try #require(probe.version())
        #expect(committed != first)

        // The same bytes written over the file's first page: no commit, but a write.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let page = try handle.read(upToCount: 4096) ?? Data()
        usleep(10_000)  // a modification time that differs on file systems with coarse clocks
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: page)
        try handle.close()
        #expect(try #require(probe.version()) != committed)
    }

    @Test func aWriterHoldingARollbackJournalStoreMakesTheVersionUnknownAtOnce() throws {
        let directory = URL(fileURLWithPath: temporaryStorePath()).deletingLastPathComponent()
        let path = directory.appendingPathComponent("journal-\(UUID().uuidString).sqlite").path
        let marker = path + ".locked"
        defer { removeStore(path); try? FileManager.default.removeItem(atPath: marker) }
        let environment = ProcessInfo.processInfo.environment
        #expect(try spawnAndWait("sqlite3", [path, "PRAGMA journal_mode = DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);"],
                                 environment: environment) == 0)
        let probe = try ContentVersionProbe(path: path)
        #expect(probe.version() != nil)

        // Another process holds the exclusive lock (a commit being written) for a minute.
        let script = path + ".sql"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try """
            BEGIN EXCLUSIVE;
            INSERT INTO t VALUES (2);
            .shell touch \(marker)
            .shell sleep 60
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let writer = try spawn("sqlite3", [path, ".read \(script)"], environment: environment)
        defer {
            kill(writer, SIGKILL)
            _ = waitForExit(writer)
        }
        let deadline = Date().addingTimeInterval(TestTime.seconds(30))
        while !FileManager.default.fileExists(atPath: marker), Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: marker), "the writer never took its lock")
        // Nil, not a wait of a minute (the test would be stopped by its writer's end otherwise).
        #expect(probe.version() == nil)
        kill(writer, SIGKILL)
        _ = waitForExit(writer)
        // The killed writer's journal is rolled back by the next connection that writes; the
        // probe (read only) reads again once it is gone.
        #expect(try spawnAndWait("sqlite3", [path, "SELECT count(*) FROM t;"], environment: environment) == 0)
        #expect(probe.version() != nil)
    }
}
