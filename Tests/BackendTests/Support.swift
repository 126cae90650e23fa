import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityServer
import ActivityStore
import ActqTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The backends every semantics test runs on: the SQLite store directly, the same activities in
/// a PostgreSQL store (a real server, see `PostgresServer`), and each of them behind the
/// emulator, reached over real HTTP on 127.0.0.1 through the remote backend.
enum BackendKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case local, emulator, postgres, emulatorOnPostgres
    var description: String { rawValue }
}

/// PostgreSQL copies of the tests' SQLite stores, made once per store (by its path).
private let postgresCopies = Locked<[String: String]>([:])

/// The URL of a PostgreSQL store holding exactly the activities of the SQLite store at `path`.
func postgresCopy(of path: String) throws -> String {
    try postgresCopies.withLock { copies in
        if let url = copies[path] { return url }
        let url = try PostgresServer.shared.get().makeDatabase().url
        let source = try ActivityStore(path: path, readOnly: true)
        var everything = ActivityQuery()
        everything.attributes = .all
        var resources: [Activity] = []
        _ = try source.search(QueryPlan(everything), all: true) { row in
            let value = try JSONParser.parse(Array(row.json.utf8))
            resources.append(try Activity(resource: value.objectValue ?? JSONObject()))
        }
        let copy = try PostgresStore(url: url)
        try copy.write { writer in for activity in resources { try writer.put(activity) } }
        try copy.close()
        copies[path] = url
        return url
    }
}

let fixtureJSON = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ActivityStoreTests/Fixtures/activities.json").path
/// 2024-06-15T12:00:00Z in UTC: the clock of the fixture's relative-date cases.
let fixtureContext = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!)

func temporaryStorePath() -> String {
    Scratch.path("backend", ".sqlite")
}

/// Removes a test's files when the test is done with them.
func removeStore(_ path: String) {
    for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

func query(_ text: String, context: DateContext = fixtureContext) -> ActivityQuery {
    let compiled = QueryCompiler.compile(text, context: context)
    precondition(compiled.count == 1 && compiled[0].query != nil, "not a valid query: \(text) \(compiled.flatMap(\.diagnostics).map(\.message))")
    return compiled[0].query!
}

let testUser = "tester"
let testPassword = "correct horse battery staple"

func makeEmulator(storePath: String, sessions: SessionTable = SessionTable()) throws -> Emulator {
    try Emulator(storePath: storePath, users: UserDirectory([
        UserDirectory.user(testUser, password: testPassword),
        UserDirectory.user("viewer-without-rights", password: "pw", canViewActivities: false),
    ]), sessions: sessions)
}

/// The emulator over a PostgreSQL store, its sessions in that database.
func makeEmulator(postgres url: String, idleTimeout: Duration = .seconds(30 * 60), extraUser: String? = nil) throws -> Emulator {
    let location = try PostgresLocation(url: url)
    return try Emulator(openStore: { try PostgresStore(location, readOnly: true) }, users: UserDirectory([
        UserDirectory.user(testUser, password: testPassword),
        UserDirectory.user("viewer-without-rights", password: "pw", canViewActivities: false),
    ] + (extraUser.map { [UserDirectory.user($0, password: testPassword)] } ?? [])), sessions: PostgresSessionTable(location, idleTimeout: idleTimeout))
}

/// Connection limits for test servers whose clients may be held back for many seconds between
/// requests on a loaded machine (every test of the run starts at once): a keep-alive connection
/// closed for waiting longer than the usual 30 s is a reset to HummingbirdTesting's client. The
/// tests of the limits themselves set their own.
let patientLimits: ConnectionLimits = {
    var limits = ConnectionLimits()
    limits.headTimeout = .seconds(Int64(TestTime.minutes(10) * 60))
    limits.idleTimeout = .seconds(Int64(TestTime.minutes(10) * 60))
    return limits
}()

var quietLogger: Logger {
    var logger = Logger(label: "actq.test")
    // Hummingbird logs the cancellation of a test server's connections as errors.
    logger.logLevel = .critical
    return logger
}

func remoteBackend(port: Int, transport: RemoteConfiguration.Transport = .automatic, wire: RemoteConfiguration.Wire = .json,
                   user: String = testUser, password: String = testPassword,
                   configure: (inout RemoteConfiguration) -> Void = { _ in }) throws -> RemoteBackend {
    var configuration = RemoteConfiguration(baseURL: "http://127.0.0.1:\(port)/system", user: user)
    configuration.transport = transport
    configuration.wire = wire
    configuration.retryDelay = 0.01
    configuration.readTimeout = TestTime.seconds(configuration.readTimeout)
    configure(&configuration)
    return try RemoteBackend(configuration: configuration, session: nil, password: { password })
}

/// Runs `body` with a backend of the given kind over the store at `storePath`.
func withBackend<T: Sendable>(
    _ kind: BackendKind, storePath: String, wire: RemoteConfiguration.Wire = .json,
    _ body: @escaping @Sendable (any ActivityBackend) throws -> T
) async throws -> T {
    switch kind {
    case .local:
        return try body(try ActivityStore(path: storePath, readOnly: true))
    case .postgres:
        let url = try await offCooperativePool { try postgresCopy(of: storePath) }
        return try await offCooperativePool { try body(try PostgresStore(url: url, readOnly: true)) }
    case .emulator, .emulatorOnPostgres:
        // Sessions over PostgreSQL outlive the emulator and count against the user's five:
        // each run logs in as a user of its own.
        let user = kind == .emulator ? testUser : "tester-\(UUID().uuidString.prefix(12))"
        let emulator = kind == .emulator
            ? try makeEmulator(storePath: storePath)
            : try makeEmulator(postgres: try await offCooperativePool { try postgresCopy(of: storePath) }, extraUser: user)
        let app = emulator.application(port: 0, limits: patientLimits, logger: quietLogger)
        return try await app.test(.live) { client in
            let port = client.port!
            return try await offCooperativePool { try body(try remoteBackend(port: port, wire: wire, user: user)) }
        }
    }
}

extension ActivityBackend {
    /// The IDs of a result and its total.
    func ids(_ query: ActivityQuery, all: Bool = false) throws -> (ids: [Int64], count: Int) {
        let outcome = try self.outcome(QueryPlan(query), all: all).outcome
        return (outcome.ids, outcome.count)
    }

    /// What the differential tests compare of a result, and the summary it came with.
    func outcome(_ plan: QueryPlan, all: Bool) throws -> (outcome: Outcome, summary: SearchSummary) {
        var ids: [Int64] = []
        let summary = try search(plan, all: all) { ids.append($0.id) }
        return (Outcome(ids: ids, count: summary.total), summary)
    }
}

/// Compares each outcome with the expected one; records the first few differences (described
/// by `describe(index)`) and expects none.
func expectSameOutcomes(_ expected: [Outcome], _ actual: [Outcome], on kind: BackendKind, describe: (Int) -> String) {
    var mismatches = 0
    for index in expected.indices where expected[index] != actual[index] {
        mismatches += 1
        if mismatches <= 5 { Issue.record("\(describe(index)): expected \(expected[index]), \(kind) \(actual[index])") }
    }
    #expect(mismatches == 0, "\(kind)")
}

/// A result as the differential tests compare it: IDs in order, and the count of all matches.
struct Outcome: Equatable, Sendable, CustomStringConvertible {
    var ids: [Int64]
    var count: Int
    var description: String { "\(ids.count) IDs \(ids.prefix(8))…, count \(count)" }
}

