import ActqTestSupport
import Foundation
import Testing

/// The commands on a PostgreSQL store, as a user runs them: `--db postgresql://…` or `ACTQ_DB`,
/// the password from `PGPASSWORD` (never printed), and answers equal to the SQLite store's.
@Suite struct PostgresCommandTests {
    static func database() throws -> (server: PostgresServer, url: String) {
        let server = try PostgresServer.shared.get()
        let (_, name) = try server.makeDatabase()
        return (server, server.url(database: name, withPassword: false))
    }

    @Test func importQueriesAndCountsAnswerAsTheSQLiteStoreDoes() throws {
        let (server, url) = try Self.database()
        let password = ["PGPASSWORD": server.password]
        let imported = try ActqProcess.run(["import", ActqProcess.fixtureJSON, "--db", url], environment: password)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("imported 40 activities"))
        #expect(!imported.stderr.contains(server.password))
        let sqlite = try ActqProcess.fixtureStore.get()
        for query in ["status = open sort by lastModifiedDate desc", "custom.region = EMEA or queue = 1000",
                      "customer = 1500 page 2 size 10", "status = open count by queue", "customer = 1500 show all"] {
            let expected = try ActqProcess.run(["--db", sqlite, "-e", query, "--format", "json"])
            let viaOption = try ActqProcess.run(["-e", query, "--format", "json", "--db", url], environment: password)
            let viaEnvironment = try ActqProcess.run(["-e", query, "--format", "json"], environment: password.merging(["ACTQ_DB": url]) { $1 })
            #expect(expected.status == 0 && !expected.stdout.isEmpty, "\(query): \(expected.stderr)")
            #expect(viaOption.stdout == expected.stdout, "\(query): \(viaOption.stderr)")
            #expect(viaEnvironment.stdout == expected.stdout, "\(query): \(viaEnvironment.stderr)")
        }
    }

    @Test func unreachableOrRefusedIsExitThreeWithTheReasonAndNoPassword() throws {
        let (server, url) = try Self.database()
        let wrong = try ActqProcess.run(["--db", url, "-e", "status = open"], environment: ["PGPASSWORD": "wrong-\(server.password)"])
        #expect(wrong.status == 3)
        #expect(wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("wrong-"))
        let inURL = try ActqProcess.run(["--db", server.url(database: "nosuchdb"), "-e", "status = open"])
        #expect(inURL.status == 3)
        #expect(inURL.stderr.contains("nosuchdb") && !inURL.stderr.contains(server.password), "\(inURL.stderr)")
        let closed = try ActqProcess.run(["--db", "postgresql://postgres@127.0.0.1:1/x?sslmode=disable", "-e", "status = open"])
        #expect(closed.status == 3)
        #expect(closed.stderr.contains("cannot connect to postgresql://postgres@127.0.0.1:1/x"), "\(closed.stderr)")
        let bad = try ActqProcess.run(["--db", "postgresql://h/db?sslmode=sometimes", "-e", "status = open"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("sslmode"))
        // An empty database is no store yet, and says how to make one.
        let empty = try ActqProcess.run(["--db", url, "-e", "status = open"], environment: ["PGPASSWORD": server.password])
        #expect(empty.status == 3)
        #expect(empty.stderr.contains("actq import FILE --db URL"), "\(empty.stderr)")
    }

    @Test func demoThenTwoEmulatorsShareTheirSessions() throws {
        let (server, url) = try Self.database()
        let home = try ActqProcess.temporaryDirectory()
        let environment = ["PGPASSWORD": server.password, "ACTQ_SERVE_PASSWORD": "pw-for-tests"]
        let demo = try ActqProcess.run(["demo", "--db", url, "--count", "300", "--until", "2024-06-01"], environment: environment, home: home)
        #expect(demo.status == 0, "\(demo.stderr)")
        let first = try ServeProcess(arguments: ["--db", url], environment: environment, home: home)
        defer { first.stop() }
        let second = try ServeProcess(arguments: ["--db", url], environment: environment, home: home)
        defer { second.stop() }
        #expect(first.stderr.contains("300 activities") && !first.stderr.contains(server.password))
        // Log in through the first; the second knows the session (ACTQ_SESSION: no new login).
        let login = try ActqProcess.run(["login", "--url", first.url, "--user", "demo"], environment: ["ACTQ_PASSWORD": "pw-for-tests"], home: home)
        #expect(login.status == 0, "\(login.stderr)")
        let sessions = try String(contentsOf: home.appendingPathComponent("state/actq/sessions.json"), encoding: .utf8)
        guard let range = sessions.range(of: #"[0-9A-F]{64}"#, options: .regularExpression) else {
            Issue.record("no session kept: \(sessions)")
            return
        }
        let session = String(sessions[range])
        let viaSecond = try ActqProcess.run(["--url", second.url, "--user", "demo", "-e", "status = open count"],
                                            environment: ["ACTQ_SESSION": session], home: home)
        #expect(viaSecond.status == 0, "\(viaSecond.stderr)")
        let local = try ActqProcess.run(["--db", url, "-e", "status = open count"], environment: environment, home: home)
        #expect(viaSecond.stdout == local.stdout && !local.stdout.isEmpty)
    }
}
