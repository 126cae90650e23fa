import ActivityModel
import ActivityQuery
import ActivityStore
import ActqTestSupport
import Foundation
import Testing

/// Every backend against the oracle (`Oracle` in the test support: api.md in plain Swift, no
/// actq code): seeded random queries with `or` and lists, millisecond bounds, custom
/// attributes, sorts with ties, pages, ranges and `--all`, over a store made of the hard cases.
@Suite struct OracleTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["ACTQ_TEST_SEED"].flatMap { UInt64($0) } ?? 20261201
    static let queryCount = 1_000
    static let context = DateContext(now: OracleCases.start, timeZone: TimeZone(identifier: "UTC")!)

    struct Case {
        var query: Oracle.Query
        var plan: QueryPlan
        var expected: (ids: [Int64], count: Int)
    }

    static func cases() throws -> (path: String, cases: [Case], rejected: Int) {
        var random = OracleRandom(seed: seed)
        let store = try OracleCases.store(&random, count: 900)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("actq-oracle-\(UUID().uuidString).ndjson")
        try store.ndjson.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // ACTQ_ORACLE_DUMP=DIR keeps the store's activities there, to replay a failure with actq.
        if let dump = ProcessInfo.processInfo.environment["ACTQ_ORACLE_DUMP"] {
            try store.ndjson.write(toFile: dump + "/oracle.ndjson", atomically: true, encoding: .utf8)
        }
        let path = temporaryStorePath()
        _ = try Importer.run(files: [file.path], into: try ActivityStore(path: path))
        var cases: [Case] = []
        var rejected = 0
        while cases.count < queryCount {
            let query = OracleCases.query(&random, instants: store.instants)
            let compiled = QueryCompiler.compile(query.text, context: context, options: PlanOptions(maxRequests: 32))
            guard compiled.count == 1, let plan = compiled[0].plan else {
                rejected += 1
                continue
            }
            cases.append(Case(query: query, plan: plan, expected: Oracle.evaluate(query, over: store.activities)))
        }
        return (path, cases, rejected)
    }

    @Test(arguments: BackendKind.allCases)
    func agreesWithTheOracle(_ kind: BackendKind) async throws {
        let (path, cases, rejected) = try Self.cases()
        defer { removeStore(path) }
        // Only what the API cannot do is refused (type alone in an alternative, one field with
        // two values): the rest is checked.
        #expect(rejected < Self.queryCount / 2, "\(rejected) generated queries were refused")
        let pairs = cases.map { ($0.plan, $0.query.all) }
        let outcomes = try await withBackend(kind, storePath: path) { backend in
            try pairs.map { try backend.outcome($0, all: $1).outcome }
        }
        var mismatches = 0
        for (index, item) in cases.enumerated() where outcomes[index].ids != item.expected.ids || outcomes[index].count != item.expected.count {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("""
                    seed \(Self.seed), query \(index) '\(item.query.text)'\(item.query.all ? " --all" : "") on \(kind): \
                    got \(outcomes[index]), the oracle says \(item.expected.ids.count) IDs \(item.expected.ids.prefix(8))…, count \(item.expected.count)
                    """)
            }
        }
        #expect(mismatches == 0)
        // The set must exercise matches and misses, ors and long results, or it proves little.
        #expect(cases.filter { $0.expected.count == 0 }.count > 50)
        #expect(cases.filter { $0.expected.count > 0 }.count > 300)
        #expect(cases.filter { $0.plan.alternatives.count > 1 }.count > 100)
        #expect(cases.filter { $0.expected.count > 25 }.count > 50)
    }
}
