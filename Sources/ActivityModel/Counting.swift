import ActivityQuery

/// What a plan with `count` counts: the groups (one, unnamed, for a plain `count`), their sum and
/// the requests it took. Shared by the command line, the REPL and the MCP tool.
public struct Counting: Sendable {
    public var groups: [(value: String?, count: Int)]
    /// Whether the counts are per value or per time bucket (`count by`), not one total.
    public var grouped: Bool
    public var requests: Int

    public var total: Int { groups.reduce(0) { $0 + $1.count } }

    /// A `count by FIELD` without the values on a backend that cannot group, and without `all`.
    public struct NeedsValues: Error, CustomStringConvertible {
        public let field: FixedFilter
        public var description: String {
            "count by \(field.name) on the remote API needs the values: write '\(field.name) in (a, b, …) and … count by \(field.name)', "
                + "or give --all to fetch every match and count them"
        }
    }

    /// Counts a plan on a backend: each counting plan with a one-activity page; `count by FIELD`
    /// without a list grouped by the backend, or (with `all`) by fetching every match.
    public static func run(_ plan: QueryPlan, all: Bool, backend: any ActivityBackend) throws -> Counting {
        var groups: [(value: String?, count: Int)] = []
        var requests = 0
        func count(_ counted: QueryPlan?) throws -> Int {
            guard let counted else { return 0 }
            let summary = try backend.search(counted, all: false) { _ in }
            requests += summary.requests
            return summary.total
        }
        switch plan.aggregation {
        case .byValue(let field)?:
            let counting = plan.countingPlans
            if counting.count == 1, counting[0].group == nil {
                let whole = counting[0].plan ?? plan
                if let counts = try backend.groupCounts(whole, by: field) {
                    return Counting(groups: counts, grouped: true, requests: 1)
                }
                guard all else { throw NeedsValues(field: field) }
                var tally: [String?: Int] = [:]
                var order: [String?] = []
                let summary = try backend.search(whole.with(window: nil), all: true) { row in
                    let value = (try? JSONParser.parse(Array(row.json.utf8))).flatMap { json -> String? in
                        guard case .object(let resource) = json, let found = try? Activity.value(of: field, in: resource) else { return nil }
                        switch found {
                        case .integer(let number): return String(number)
                        case .text(let text): return text
                        }
                    }
                    if tally[value] == nil { order.append(value) }
                    tally[value, default: 0] += 1
                }
                return Counting(groups: order.map { ($0, tally[$0]!) }.sorted { $0.count > $1.count }, grouped: true,
                                requests: summary.requests)
            }
            for (group, counted) in counting { groups.append((group, try count(counted))) }
            return Counting(groups: groups, grouped: true, requests: requests)
        case .byTime?:
            for (group, counted) in plan.countingPlans { groups.append((group, try count(counted))) }
            return Counting(groups: groups, grouped: true, requests: requests)
        case .total?, nil:
            let total = try count(plan.countingPlans[0].plan ?? plan)
            return Counting(groups: [(nil, total)], grouped: false, requests: requests)
        }
    }
}
