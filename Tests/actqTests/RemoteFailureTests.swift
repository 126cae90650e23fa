import ActqTestSupport
import Foundation
import Testing

/// What README promises of failures on the remote API, at the command line: the exit code, one
/// line on stderr, which failures are tried again, and a cut result that says it is one. The
/// server is a misbehaving one on 127.0.0.1 (`FaultServer`); actq is the built binary.
@Suite struct RemoteFailureTests {
    static let json = "Content-Type: application/json"
    static let password = "pw-for-remote-failures"

    /// Runs `actq -e QUERY` against `server` with its own state home, removed afterwards.
    static func run(_ server: FaultServer, _ arguments: [String]) throws -> ActqProcess.Result {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        return try ActqProcess.run(["--url", "http://127.0.0.1:\(server.port)/system", "--user", "jenny"] + arguments,
                                   environment: ["ACTQ_PASSWORD": password], home: home)
    }

    /// The searches the server saw (the login is a POST).
    static func searches(_ server: FaultServer) -> [String] { server.lines.filter { $0.hasPrefix("GET ") } }

    static func page(_ ids: ClosedRange<Int>, count: Int) -> String {
        FaultServer.response("200 OK", headers: [json], body: #"{"activity":["#
            + ids.map { #"{"id":\#($0),"status":{"value":"open"}}"# }.joined(separator: ",")
            + #"],"paginationInfo":{"count":\#(count)}}"#)
    }

    @Test func aServerErrorIsTriedThreeTimesThenExitsOne() throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("500 Internal Server Error", headers: [Self.json], body: #"{"code":"500-101","developerMessage":"database is down"}"#))
        })
        defer { server.stop() }
        let result = try Self.run(server, ["-e", "status = open"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("HTTP 500") && result.stderr.contains("database is down"), "\(result.stderr)")
        #expect(Self.searches(server).count == 3)
        #expect(!result.stderr.contains(Self.password) && !result.stderr.contains("FAULT-SESSION"))
    }

    @Test func anUnreadableAnswerExitsOne() throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response("200 OK", headers: [Self.json], body: #"{"activity":[{"id":1,"subject":"half"#))
        })
        defer { server.stop() }
        let result = try Self.run(server, ["-e", "status = open"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not valid JSON"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func noAnswerInTimeExitsThree() throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in .silent })
        defer { server.stop() }
        let result = try Self.run(server, ["--timeout", "0.5", "-e", "status = open"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("no answer within 0.5 s"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test(arguments: [
        ("400 Bad Request", "400-101"), ("404 Not Found", "404-101"), ("409 Conflict", "409-101"), ("429 Too Many Requests", "429-101"),
    ])
    func otherClientErrorsAreNeverRetried(_ status: String, _ code: String) throws {
        let server = try FaultServer(FaultServer.loggingIn { _, _ in
            .respond(FaultServer.response(status, headers: [Self.json], body: #"{"code":"\#(code)","developerMessage":"refused"}"#))
        })
        defer { server.stop() }
        let result = try Self.run(server, ["-e", "status = open"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("HTTP \(status.prefix(3))"), "\(result.stderr)")
        #expect(Self.searches(server).count == 1, "\(server.lines)")
    }

    @Test func aConnectionLostMidAnswerIsTriedAgain() throws {
        let whole = Self.page(1001...1002, count: 2)
        let server = try FaultServer(FaultServer.loggingIn { line, index in
            // The first search: half the body, then the connection closes.
            index == 1 ? .respondAndClose(String(whole.prefix(whole.utf8.count - 30))) : .respond(whole)
        })
        defer { server.stop() }
        let result = try Self.run(server, ["--format", "ndjson", "-e", "status = open"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(result.stdout.contains(#""id":1002"#))
        #expect(Self.searches(server).count == 2)
    }

    @Test func aResultCutShortSaysHowManyActivitiesWerePrinted() throws {
        let server = try FaultServer(FaultServer.loggingIn { line, _ in
            line.contains("$pagenum=1&")
                ? .respond(Self.page(1...75, count: 150))
                : .respond(FaultServer.response("503 Service Unavailable", headers: [Self.json], body: #"{"code":"503-101"}"#))
        })
        defer { server.stop() }
        let result = try Self.run(server, ["--all", "--format", "ndjson", "-e", "status = open"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 75)
        #expect(result.stderr.contains("the result is incomplete: 75 activities were printed before the failure"), "\(result.stderr)")
        // Page 2 three times: tried twice more.
        #expect(Self.searches(server).filter { $0.contains("$pagenum=2&") }.count == 3, "\(server.lines)")
    }
}
