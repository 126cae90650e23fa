import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityStore
import Foundation
import HummingbirdTesting
import Testing

/// Random valid queries over a random store: the local backend and the remote backend through
/// the emulator must return the same IDs in the same order, the same counts and the same
/// "no results".
@Suite struct DifferentialTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["ACTQ_TEST_SEED"].flatMap { UInt64($0) } ?? 20261129
    static let queryCount = 1_000

    /// Queries in the language, drawn from the values the store really holds (so most match
    /// something) and from values it does not (so "no results" is covered too).
    struct QueryMaker {
        var random: SeededGenerator
        let until: Int64

        mutating func text() -> String {
            var filters: [String] = []
            let wanted = random.int(1...3)
            var used = Set<String>()
            while filters.count < wanted {
                let field = random.pick(["customer", "case", "status", "mode", "assignedTo", "queue", "createdDate",
                                         "lastModifiedDate", "custom", "assignedUserName", "type"])
                guard used.insert(field).inserted else { continue }
                filters.append(condition(field))
            }
            if filters.count == 1, used.contains("type") { filters.append(condition("queue")) }
            var text = filters.joined(separator: " and ")
            if random.chance(0.4) {
                text += " sort by " + random.pick(["id", "createdDate", "lastModifiedDate"])
                if random.chance(0.7) { text += random.chance(0.5) ? " asc" : " desc" }
            }
            switch random.int(0...3) {
            case 0: text += " page \(random.int(1...4)) size \(random.int(1...75))"
            case 1: text += " range \(random.int(1...120)) size \(random.int(1...75))"
            case 2: text += " page \(random.int(1...3))"
            default: break
            }
            if random.chance(0.1) { text += random.chance(0.5) ? " show all" : " show payload" }
            return text
        }

        mutating func condition(_ field: String) -> String {
            switch field {
            case "customer": return "customer = \(random.int(1002...1620))"
            case "case": return "case = \(random.int(1001...1720))"
            case "status": return "status = " + random.pick(["open", "completed", "open", "closed"])
            case "mode": return "mode = " + random.pick(["inbound", "outbound"])
            case "assignedTo": return "assignedTo = \(random.pick([1002, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1099]))"
            case "queue": return "queue = \(random.int(1000...1005))"
            case "assignedUserName": return "assignedUserName = " + random.pick(["frank", "jenny", "maryann", "\"lina\"", "Jenny", "nobody"])
            case "type": return "type = " + random.pick(["email", "chat", "task", "call_track"])
            case "custom":
                switch random.int(0...2) {
                case 0: return "custom.customer_rating = \(random.int(1...6))"
                case 1: return "custom.priority = " + random.pick(["low", "medium", "high"])
                default: return "custom.region = " + random.pick(["EMEA", "APAC", "AMER", "emea"])
                }
            default:
                // A date window somewhere in the store's two years, open on one side at times.
                let start = until - Int64(random.int(0...760)) * APIDate.millisPerDay - Int64(random.int(0...86_399_999))
                let end = start + Int64(random.int(0...200)) * APIDate.millisPerDay + Int64(random.int(0...86_399_999))
                switch random.int(0...3) {
                case 0: return "\(field) >= \(APIDate.format(start))"
                case 1: return "\(field) <= \(APIDate.format(end))"
                case 2: return "\(field) = \(APIDate.format(start).prefix(10))"
                default: return "\(field) in [\(APIDate.format(start)) .. \(APIDate.format(end))]"
                }
            }
        }
    }

    @Test func everyBackendAgreesOnRandomQueries() async throws {
        var random = SeededGenerator(seed: Self.seed)
        let until: Int64 = 1_700_000_000_000 + Int64(random.int(0...100_000_000)) * 1000
        let path = temporaryStorePath()
        defer { removeStore(path) }
        try DemoData(seed: random.next(), until: until).populate(try ActivityStore(path: path), count: 1_500)

        let context = DateContext(now: until, timeZone: TimeZone(identifier: "UTC")!)
        var maker = QueryMaker(random: random, until: until)
        var queries: [(text: String, query: ActivityQuery, all: Bool)] = []
        var rejected = 0
        while queries.count < Self.queryCount {
            let text = maker.text()
            let compiled = QueryCompiler.compile(text, context: context)
            guard compiled.count == 1, let query = compiled[0].query else {
                rejected += 1
                continue
            }
            queries.append((text, query, maker.random.chance(0.1)))
        }
        #expect(rejected < Self.queryCount / 10, "the generator should mostly make valid queries")

        let pairs = queries.map { (QueryPlan($0.query), $0.all) }
        let expected = try await withBackend(.local, storePath: path) { store in try pairs.map { try store.outcome($0, all: $1).outcome } }
        for kind in [BackendKind.emulator, .postgres, .emulatorOnPostgres] {
            let actual = try await withBackend(kind, storePath: path) { backend in try pairs.map { try backend.outcome($0, all: $1).outcome } }
            expectSameOutcomes(expected, actual, on: kind) { index in
                "seed \(Self.seed), query \(index) '\(queries[index].text)'\(queries[index].all ? " --all" : "") (local)"
            }
        }
        // The generated set must exercise both outcomes, or the comparison proves little.
        #expect(expected.filter { $0.ids.isEmpty }.count > 50)
        #expect(expected.filter { !$0.ids.isEmpty }.count > 300)
    }
}
