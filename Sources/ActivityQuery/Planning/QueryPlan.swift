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
        QueryPlan(alternatives: alternatives, window: window)
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
