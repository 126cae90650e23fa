import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityServer
import ActivityStore
import ActqTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// What the PostgreSQL store adds to the SQLite one (the semantics suites run on both): its
/// URL and password sources, all-or-nothing COPY imports, readers that never wait, versioned
/// migrations, and the emulator's sessions shared by every `actq serve` over one database.
@Suite struct PostgresTests {
    static func server() throws -> PostgresServer { try PostgresServer.shared.get() }

    // MARK: Locations

    @Test func urlFormsAndDefaults() throws {
        let environment = ["USER": "ann", "HOME": "/nonexistent"]
        let full = try PostgresLocation(url: "postgresql://bob:s%40cret@db.example:6543/team?sslmode=require", environment: environment)
        #expect(full.user == "bob" && full.password == "s@cret" && full.host == "db.example" && full.port == 6543)
        #expect(full.database == "team" && full.sslMode == .require)
        #expect(full.description == "postgresql://bob@db.example:6543/team")
        #expect(!full.description.contains("s@cret"))
        let short = try PostgresLocation(url: "postgres:///", environment: environment)
        #expect(short.user == "ann" && short.database == "ann" && short.host == "/var/run/postgresql" && short.port == 5432)
        #expect(short.sslMode == .prefer && short.password == nil)
        let socket = try PostgresLocation(url: "postgresql://ann@/db?host=/run/pg&port=5433", environment: environment)
        #expect(socket.isSocket && socket.host == "/run/pg" && socket.port == 5433)
        let fromEnvironment = try PostgresLocation(url: "postgresql://h/db", environment: ["PGUSER": "pat", "PGPASSWORD": "pw", "PGPORT": "7000"])
        #expect(fromEnvironment.user == "pat" && fromEnvironment.password == "pw" && fromEnvironment.port == 7000)
        for bad in ["postgresql://h:99999/db", "postgresql://h/db?sslmode=sometimes", "postgresql://h/db?options=-c", "mysql://h/db"] {
            #expect(throws: PostgresLocation.Problem.self, "\(bad)") { try PostgresLocation(url: bad, environment: environment) }
        }
        #expect(PostgresLocation.redacted("postgresql://u:hunter2@h/db") == "postgresql://u:***@h/db")
    }

    @Test func passwordFileAsLibpqReadsIt() throws {
        let directory = try Scratch.makeDirectory("pgpass")
        let file = directory.appendingPathComponent("pgpass").path
        try """
            # comment
            other:5432:*:bob:wrong
            db.example:6543:team:bob:pa\\:ss
            *:*:*:*:fallback
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let environment = ["PGPASSFILE": file]
        #expect(try PostgresLocation(url: "postgresql://bob@db.example:6543/team", environment: environment).password == "pa:ss")
        #expect(try PostgresLocation(url: "postgresql://eve@elsewhere/x", environment: environment).password == "fallback")
        // Readable by others: ignored, as libpq does.
        chmod(file, 0o644)
        #expect(try PostgresLocation(url: "postgresql://bob@db.example:6543/team", environment: environment).password == nil)
    }

    @Test func wrongPasswordIsAClearErrorWithoutThePassword() throws {
        let server = try Self.server()
        let (url, _) = try server.makeDatabase()
        let wrong = url.replacingOccurrences(of: server.password, with: "not-the-password")
        do {
            _ = try PostgresStore(url: wrong)
            Issue.record("a wrong password was accepted")
        } catch let failure as PostgresFailure {
            #expect(failure.description.contains("password authentication failed"), "\(failure)")
            #expect(!failure.description.contains("not-the-password"))
        }
        do {
            _ = try PostgresStore(url: "postgresql://postgres@127.0.0.1:1/x?sslmode=disable")
            Issue.record("a closed port was reachable")
        } catch let failure as PostgresFailure {
            #expect(failure.description.hasPrefix("cannot connect to postgresql://postgres@127.0.0.1:1/x"), "\(failure)")
            #expect(failure.description.localizedCaseInsensitiveContains("refused"), "\(failure)")
        }
    }

    // MARK: Import

    @Test func importIsAllOrNothingAndNamesTheBadRecord() throws {
        let (url, _) = try Self.server().makeDatabase()
        let store = try PostgresStore(url: url)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        let before = try store.count()
        #expect(before == 40)
        let bad = Scratch.path("bad", ".ndjson")
        try """
            {"id": 9001, "status": {"value": "open"}}
            {"id": 9002, "status": {"value": "open"}, "customer": {"id": "not a number"}}
            """.write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { _ = try Importer.run(files: [fixtureJSON, bad], into: store) }
        #expect(try store.count() == before)
        #expect(try store.search(query("status = open"), all: true) { _ in }.total == 7)
        // U+0000 cannot be PostgreSQL text: refused with the activity's ID, nothing kept.
        let nul = Scratch.path("nul", ".ndjson")
        try #"{"id": 9003, "subject": "a\u0000b", "assigned": {"user": {"id": 1, "name": "x\u0000y"}}}"#.write(toFile: nul, atomically: true, encoding: .utf8)
        do {
            _ = try Importer.run(files: [nul], into: store)
            Issue.record("U+0000 was imported")
        } catch {
            #expect("\(error)".contains("activity 9003"), "\(error)")
        }
        #expect(try store.count() == before)
    }

    @Test func reimportReplacesAndTheLastOfARunWins() throws {
        let (url, _) = try Self.server().makeDatabase()
        let store = try PostgresStore(url: url)
        let file = Scratch.path("again", ".ndjson")
        try """
            {"id": 1, "status": {"value": "open"}, "customAttributes": {"customAttribute": [{"attribName": "region", "attribValues": {"attribValue": [{"value": "EMEA"}]}}]}}
            {"id": 1, "status": {"value": "completed"}, "customAttributes": {"customAttribute": [{"attribName": "region", "attribValues": {"attribValue": [{"value": "APAC"}]}}]}}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Importer.run(files: [file], into: store)
        #expect(try store.count() == 1)
        #expect(try store.ids(query("status = completed")).ids == [1])
        #expect(try store.ids(query("custom.region = APAC")).ids == [1])
        #expect(try store.ids(query("custom.region = EMEA")).ids == [])
        _ = try Importer.run(files: [fixtureJSON], into: store)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        #expect(try store.count() == 41)
        #expect(try store.customAttributeNames(limit: 10).sorted() == ["customer_rating", "region"])
    }

    @Test func readersDoNotWaitForAnImport() async throws {
        let (url, _) = try Self.server().makeDatabase()
        let store = try PostgresStore(url: url)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        let reader = try PostgresStore(url: url, readOnly: true)
        // The import's rows are in the table, not yet committed, while the reader reads (with a
        // statement timeout, so that a wait would fail rather than hang).
        try reader.connector.setting("SET statement_timeout = 2000")
        var during: [Int] = []
        try store.write(replacing: false, beforeCommit: {
            during.append(try reader.count())
            during.append(try reader.ids(query("status = open"), all: true).ids.count)
        }) { writer in
            try DemoData(seed: 3, until: 1_718_452_800_000).fill(writer, count: 500)
        }
        #expect(during == [40, 7])
        #expect(try reader.count() == 540)
    }

    @Test func concurrentImportersOfOverlappingActivitiesBothLand() async throws {
        let (url, _) = try Self.server().makeDatabase()
        _ = try PostgresStore(url: url)
        // The same 2,000 IDs, in the same order and reversed, from two importers at once.
        let demo = DemoData(seed: 5, until: 1_718_452_800_000)
        let activities = (0..<2_000).map(demo.activity)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for order in [activities, activities.reversed()] {
                group.addTask {
                    try await offCooperativePool {
                        let store = try PostgresStore(url: url)
                        try store.write { writer in for activity in order { try writer.put(activity) } }
                    }
                }
            }
            try await group.waitForAll()
        }
        let store = try PostgresStore(url: url, readOnly: true)
        #expect(try store.count() == 2_000)
        let sqlite = temporaryStorePath()
        defer { removeStore(sqlite) }
        try ActivityStore(path: sqlite).write { writer in for activity in activities { try writer.put(activity) } }
        let expected = try ActivityStore(path: sqlite, readOnly: true).ids(query("status = open"), all: true)
        #expect(try store.ids(query("status = open"), all: true) == expected)
    }

    // MARK: Schema

    @Test func migrationsAreVersionedAndANewerStoreIsRefused() throws {
        let server = try Self.server()
        let (url, name) = try server.makeDatabase()
        // An empty database is no store to read.
        #expect(throws: PostgresFailure.self) { _ = try PostgresStore(url: url, readOnly: true) }
        _ = try PostgresStore(url: url)
        _ = try PostgresStore(url: url)  // a second open changes nothing
        try server.psql("INSERT INTO actq_migration (name) VALUES ('column from a later actq')", database: name)
        do {
            _ = try PostgresStore(url: url, readOnly: true)
            Issue.record("a store of a newer actq was opened")
        } catch let failure as PostgresFailure {
            #expect(failure.description.contains("newer actq"))
        }
        // Someone else's database.
        let (other, otherName) = try server.makeDatabase()
        try server.psql("CREATE TABLE activity (x int)", database: otherName)
        #expect(throws: PostgresFailure.self) { _ = try PostgresStore(url: other) }
    }

    @Test func concurrentFirstOpensMigrateOnce() async throws {
        let (url, _) = try Self.server().makeDatabase()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await offCooperativePool { _ = try PostgresStore(url: url) } } }
            try await group.waitForAll()
        }
        #expect(try PostgresStore(url: url).count() == 0)
    }

    // MARK: Shared sessions

    /// Two emulators over one database, as two `actq serve` behind a load balancer.
    func twoEmulators(idleTimeout: Duration = .seconds(600),
                      _ body: @escaping @Sendable (_ first: any TestClientProtocol, _ second: any TestClientProtocol, _ database: String) async throws -> Void) async throws {
        let (url, database) = try Self.server().makeDatabase()
        let store = try PostgresStore(url: url)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        let first = try makeEmulator(postgres: url, idleTimeout: idleTimeout).application(port: 0, limits: patientLimits, logger: quietLogger)
        let second = try makeEmulator(postgres: url, idleTimeout: idleTimeout).application(port: 0, limits: patientLimits, logger: quietLogger)
        try await first.test(.live) { one in
            try await second.test(.live) { two in try await body(one, two, database) }
        }
    }

    static func search(_ client: any TestClientProtocol, _ session: String) async throws -> HTTPResponse.Status {
        try await EmulatorTests.search(client, "customer=1002", session: session).status
    }

    @Test func aSessionFromOneInstanceWorksOnAnotherAndLogoutEndsItEverywhere() async throws {
        try await twoEmulators { first, second, _ in
            let session = try await EmulatorTests.session(first)
            #expect(try await Self.search(second, session) == .ok)
            #expect(try await Self.search(first, session) == .ok)
            let logout = try await second.execute(uri: "/system" + API.logoutPath, method: .delete,
                                                  headers: [EmulatorTests.sessionHeader: session])
            #expect(logout.status == .noContent)
            #expect(try await Self.search(first, session) == .unauthorized)
            #expect(try await Self.search(second, session) == .unauthorized)
        }
    }

    @Test func fiveSessionsPerUserAcrossInstancesEvenWhenLoginsRace() async throws {
        try await twoEmulators { first, second, _ in
            let outcomes = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<12 {
                    let client = index % 2 == 0 ? first : second
                    group.addTask { try await EmulatorTests.login(client).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .noContent }.count == 5, "\(outcomes)")
            #expect(outcomes.filter { $0 == .unauthorized }.count == 7, "\(outcomes)")
            // forceLogin ends the oldest, wherever it was opened.
            #expect(try await EmulatorTests.login(second, force: true).status == .noContent)
            #expect(try await EmulatorTests.login(first).status == .unauthorized)
        }
    }

    /// Idle time is the database clock's: a session last used 11 minutes ago (its time moved
    /// back in the table, rather than waited for) has expired on every instance, at a 10-minute
    /// timeout; one used 5 minutes ago has not (a wide margin: a loaded machine is slow).
    @Test func idleSessionsExpireOnTheDatabaseClock() async throws {
        try await twoEmulators(idleTimeout: .seconds(600)) { first, second, database in
            let session = try await EmulatorTests.session(first)
            #expect(try await Self.search(second, session) == .ok)
            try Self.server().psql("UPDATE actq_session SET last_used = last_used - 300000", database: database)
            #expect(try await Self.search(first, session) == .ok)  // 5 minutes idle, and now used again
            try Self.server().psql("UPDATE actq_session SET last_used = last_used - 660000", database: database)
            #expect(try await Self.search(second, session) == .unauthorized)
            #expect(try await Self.search(first, session) == .unauthorized)
        }
    }
}
