/// What a query runs as: one API request, or — for `or` and `in (…)` — several, whose results are
/// merged by activity ID. The API only ANDs exact matches, so the planner rewrites a query into a
/// disjunction of conjunctions the API can express (distributing AND over OR, a list into one
/// alternative per value), and each conjunction is one request.
public struct QueryPlan: Hashable, Sendable {
    /// The API queries whose union is the result, in the order written; each carries the plan's
    /// sort and attributes. With one alternative, it also carries the window.
    public var alternatives: [ActivityQuery]
    /// The window of the merged result.
    public var window: ResultWindow?
    /// With `count`: what is counted instead of listing activities.
    public var aggregation: Aggregation?

    /// A plan of one API query.
    public init(_ query: ActivityQuery) {
        alternatives = [query]
        window = query.window
    }

    /// A plan of several API queries (a union), whose merged result `window` slices.
    public init(alternatives: [ActivityQuery], window: ResultWindow?) {
        precondition(!alternatives.isEmpty, "a plan has at least one alternative")
        self.alternatives = alternatives.map { query in
            var query = query
            query.window = alternatives.count == 1 ? window : nil
            return query
        }
        self.window = window
    }

    /// The same plan with another window (the REPL's `:next` and `:prev`).
    public func with(window: ResultWindow?) -> QueryPlan {
        var plan = QueryPlan(alternatives: alternatives, window: window)
        plan.aggregation = aggregation
        return plan
    }

    /// The plans a count runs, each counted with a one-activity page: the whole plan (`count`),
    /// each value of the query's own list (`count by FIELD`), or the plan narrowed to each time
    /// bucket (`count by DATE per UNIT`). Nil groups for `count by FIELD` without a list: the
    /// backend groups (the local store), or every match is fetched. A nil plan counts 0 (a
    /// bucket no alternative's range reaches).
    public var countingPlans: [(group: String?, plan: QueryPlan?)] {
        func counting(_ alternatives: [ActivityQuery]) -> QueryPlan {
            QueryPlan(alternatives: alternatives, window: .page(number: 1, size: 1))
        }
        switch aggregation {
        case nil, .total?:
            return [(nil, counting(alternatives))]
        case .byValue(let field)?:
            var groups: [(String, [ActivityQuery])] = []
            for query in alternatives {
                guard let value = query[.fixed(field)]?.parameter else { return [(nil, counting(alternatives))] }
                if let index = groups.firstIndex(where: { $0.0 == value }) { groups[index].1.append(query) } else { groups.append((value, [query])) }
            }
            return groups.map { ($0.0, counting($0.1)) }
        case .byTime(let field, _, let buckets)?:
            return buckets.map { bucket in
                let narrowed = alternatives.compactMap { query -> ActivityQuery? in
                    var query = query
                    let range = (query.dateRange(of: field) ?? bucket).intersected(with: bucket)
                    if range.isEmpty { return nil }
                    query[.fixed(field)] = .dates(range)
                    return query
                }
                return (bucket.start.map(APIDate.format), narrowed.isEmpty ? nil : counting(narrowed))
            }
        }
    }

    /// The query, when the plan is one request.
    public var single: ActivityQuery? { alternatives.count == 1 ? alternatives[0] : nil }

    public var sort: SortOrder? { alternatives[0].sort }
    public var attributes: AttributeSelection? { alternatives[0].attributes }

    /// Whether no activity can satisfy two alternatives: then their counts add up and their
    /// results never overlap (`queue in (1000, 1001)`), so only the needed pages are fetched.
    public var isDisjoint: Bool {
        for (index, first) in alternatives.enumerated() {
            for second in alternatives[(index + 1)...] where !first.excludes(second) { return false }
        }
        return true
    }

    /// How many activities each alternative must deliver (from its first) so that the merged
    /// window is exact; nil for all of them.
    public var neededPerAlternative: Int? {
        guard alternatives.count > 1, isDisjoint else { return nil }
        let (offset, limit) = (window ?? .page(number: 1, size: nil)).offsetAndLimit
        return offset + limit
    }

    /// The requests as sent: the query itself, or for several alternatives the first page of
    /// each (pages of up to 75 follow while the merge needs more).
    public var requests: [SearchRequest] {
        if aggregation != nil {
            return countingPlans.flatMap { counting in
                (counting.plan?.alternatives ?? []).map { query in
                    var query = query
                    query.window = .page(number: 1, size: 1)
                    return SearchRequest(query)
                }
            }
        }
        guard alternatives.count > 1 else { return [SearchRequest(alternatives[0])] }
        let size = min(ResultWindow.sizeLimit.upperBound, neededPerAlternative ?? ResultWindow.sizeLimit.upperBound)
        return alternatives.map { query in
            var first = query
            first.window = .page(number: 1, size: size)
            return SearchRequest(first)
        }
    }
}

extension ActivityQuery {
    /// Whether no activity can match both queries: one field has two different exact values, or
    /// one date field two ranges that do not meet. (Not custom attributes: an activity may hold
    /// several values of one.)
    public func excludes(_ other: ActivityQuery) -> Bool {
        for entry in entries where !entry.filter.isCustom {
            guard let theirs = other[entry.filter] else { continue }
            switch (entry.value, theirs) {
            case (.dates(let lhs), .dates(let rhs)): if lhs.intersected(with: rhs).isEmpty { return true }
            default: if entry.value != theirs { return true }
            }
        }
        return false
    }
}

/// What a query with `count` answers.
public enum Aggregation: Hashable, Sendable {
    /// `count`: the number of matches.
    case total
    /// `count by FIELD`: one count per value of an ID, code or name field.
    case byValue(FixedFilter)
    /// `count by DATE per UNIT`: one count per bucket of the query's own range on the field, in
    /// the session's time zone (empty buckets count 0).
    case byTime(FixedFilter, unit: TimeUnit, buckets: [DateRange])
}

/// The buckets of `count by DATE per UNIT`.
public enum TimeUnit: String, Hashable, Sendable, CaseIterable {
    case day, week, month
}
