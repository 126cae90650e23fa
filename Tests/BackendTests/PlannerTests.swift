import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityStore
import Foundation
import HummingbirdTesting
import Testing

/// Queries with `or` and `in (…)` run as several requests: the merged result must be the union
/// of running each alternative alone — the same IDs, in the API's order, with the union's count —
/// on the local store (one SQL query) and through the emulator (concurrent requests, merged).
@Suite struct PlannerTests {
    static let seed: UInt64 = (ProcessInfo.processInfo.environment["ACTQ_TEST_SEED"].flatMap { UInt64($0) } ?? 20261129) &+ 7
    static let queryCount = 200

    /// Disjunctive queries: lists, `or` of conditions, and `or` distributed under `and`.
    struct DisjunctionMaker {
        var base: DifferentialTests.QueryMaker

        mutating func text() -> String {
            var random = base.random
            defer { base.random = random }
            let filter: String
            switch random.int(0...3) {
            case 0:
                let field = random.pick(["queue", "status", "assignedTo", "customer", "mode"])
                let values = (0..<random.int(2...4)).map { _ in base.condition(field).components(separatedBy: " = ")[1] }
                filter = "\(field) in (\(values.joined(separator: ", ")))" + (random.chance(0.5) ? " and " + base.condition("lastModifiedDate") : "")
            case 1:
                filter = (0..<random.int(2...3)).map { _ in base.condition(random.pick(["status", "queue", "assignedTo", "custom", "case"])) }
                    .joined(separator: " or ")
            case 2:
                filter = "(\(base.condition("status")) or \(base.condition("assignedUserName"))) and \(base.condition(random.pick(["queue", "mode", "createdDate"])))"
            default:
                filter = "\(base.condition("mode")) and (\(base.condition("queue")) or \(base.condition("custom"))) and type in (email, chat)"
            }
            var text = filter
            if random.chance(0.6) {
                text += " sort by " + random.pick(["id", "createdDate", "lastModifiedDate"]) + (random.chance(0.5) ? " desc" : "")
            }
            switch random.int(0...2) {
            case 0: text += " page \(random.int(1...3)) size \(random.int(1...40))"
            case 1: text += " range \(random.int(1...60)) size \(random.int(1...75))"
            default: break
            }
            return text
        }
    }

    /// The reference: each alternative alone (every page), united by ID, ordered as the API
    /// orders (the sort field with missing dates first, ties by ID ascending), then windowed.
    static func union(of plan: QueryPlan, on store: ActivityStore, all: Bool) throws -> Outcome {
        var activities: [Int64: Activity] = [:]
        for alternative in plan.alternatives {
            _ = try store.search(alternative, all: true) { row in
                let resource = try JSONParser.parse(Array(row.json.utf8)).objectValue ?? JSONObject()
                activities[row.id] = try Activity(resource: resource)
            }
        }
        let descending = plan.sort?.direction == .desc
        func key(_ activity: Activity) -> Int64? {
            switch plan.sort?.field {
            case nil, .id?: activity.id
            case .createdDate?: activity.created
            case .lastModifiedDate?: activity.lastModified
            }
        }
        let ordered = activities.values.sorted { lhs, rhs in
            let (a, b) = (key(lhs), key(rhs))
            if a == b { return lhs.id < rhs.id }
            let ascending = (a ?? .min) < (b ?? .min)
            return descending ? !ascending : ascending
        }
        var ids = ordered.map(\.id)
        if !all {
            let (offset, limit) = (plan.window ?? .page(number: 1, size: nil)).offsetAndLimit
            ids = Array(ids.dropFirst(offset).prefix(limit))
        }
        return Outcome(ids: ids, count: activities.count)
    }

    @Test func mergedResultsAreTheUnionOfTheAlternatives() async throws {
        var random = SeededGenerator(seed: Self.seed)
        let until: Int64 = 1_700_000_000_000 + Int64(random.int(0...100_000_000)) * 1000
        let path = temporaryStorePath()
        defer { removeStore(path) }
        try DemoData(seed: random.next(), until: until).populate(try ActivityStore(path: path), count: 800)
        let context = DateContext(now: until, timeZone: TimeZone(identifier: "UTC")!)
        var maker = DisjunctionMaker(base: DifferentialTests.QueryMaker(random: random, until: until))
        var cases: [(text: String, plan: QueryPlan, all: Bool)] = []
        var rejected = 0
        while cases.count < Self.queryCount {
            let text = maker.text()
            let compiled = QueryCompiler.compile(text, context: context)
            guard compiled.count == 1, let plan = compiled[0].plan else {
                rejected += 1
                continue
            }
            cases.append((text, plan, maker.base.random.chance(0.15)))
        }
        #expect(rejected < Self.queryCount / 3, "the generator should mostly make valid queries")
        #expect(cases.filter { $0.plan.alternatives.count > 1 }.count > Self.queryCount * 3 / 4)
        #expect(cases.contains { !$0.plan.isDisjoint } && cases.contains { $0.plan.isDisjoint && $0.plan.alternatives.count > 1 })

        let store = try ActivityStore(path: path, readOnly: true)
        let expected = try cases.map { try Self.union(of: $0.plan, on: store, all: $0.all) }
        let plans = cases.map { ($0.plan, $0.all) }
        for kind in BackendKind.allCases {
            let actual = try await withBackend(kind, storePath: path) { backend in
                try plans.map { plan, all in
                    let (outcome, summary) = try backend.outcome(plan, all: all)
                    if kind == .emulator || kind == .emulatorOnPostgres { #expect(summary.requests >= plan.alternatives.count) }
                    return outcome
                }
            }
            expectSameOutcomes(expected, actual, on: kind) { index in
                "seed \(Self.seed), '\(cases[index].text)'\(cases[index].all ? " --all" : "") (the union)"
            }
        }
        #expect(expected.filter { $0.ids.isEmpty }.count > 10)
        #expect(expected.filter { $0.ids.count > 5 }.count > 50)
    }

    @Test func listOfValuesIsOneRequestPerValue() throws {
        let compiled = QueryCompiler.compile("queue in (1000, 1001, 1002, 1003) and status = open page 2 size 10", context: fixtureContext)
        let plan = try #require(compiled[0].plan)
        #expect(plan.alternatives.map { $0[.fixed(.queue)] } == [1000, 1001, 1002, 1003].map(FilterValue.id))
        #expect(plan.isDisjoint)
        #expect(plan.neededPerAlternative == 20)
        #expect(compiled[0].requests.map(\.queryString) == [1000, 1001, 1002, 1003].map {
            "status=open&queue=\($0)&$pagenum=1&$pagesize=20"
        })
    }

    @Test func requestCapSaysHowManyItWouldTake() throws {
        let text = "queue in (1, 2, 3) and customer in (1, 2, 3)"
        let capped = QueryCompiler.compile(text, context: fixtureContext, options: PlanOptions(maxRequests: 8))
        let error = try #require(capped[0].diagnostics.first)
        #expect(error.code == .tooManyRequests)
        #expect(error.message.contains("9 API requests; the limit is 8"))
        #expect(QueryCompiler.compile(text, context: fixtureContext, options: PlanOptions(maxRequests: 9))[0].plan?.alternatives.count == 9)
    }
}
