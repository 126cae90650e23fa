/// How a query is compiled: how far the planner may go, and the values of its parameters.
public struct PlanOptions: Hashable, Sendable {
    /// The most API requests one query may become (`--max-requests`).
    public var maxRequests: Int
    /// The values of `$name` parameters, by name.
    public var parameters: [String: ParameterValue]

    /// A limit of `maxRequests` API requests per query, and the parameters' values.
    public init(maxRequests: Int = 32, parameters: [String: ParameterValue] = [:]) {
        self.maxRequests = maxRequests
        self.parameters = parameters
    }
}

/// The value of a parameter and where it was given (`--param`, `:param`), for diagnostics.
public struct ParameterValue: Hashable, Sendable {
    public var value: String
    public var origin: String

    /// `value`, given by `origin`.
    public init(_ value: String, origin: String) {
        self.value = value
        self.origin = origin
    }
}

/// Plans a bound query: its conditions (atoms), combined by `and` and `or` (and `in (…)`, one
/// alternative per value), become the disjunction of conjunctions the API can run, each an API
/// query checked against the API's rules on its own. Alternatives that can never match are left
/// out with a warning, repeated ones with another; beyond `maxRequests` the query is refused.
struct Planner {
    /// One condition with its value checked: an exact value, or a date range.
    enum Atom {
        /// `display` is the value as a diagnostic quotes it: the source text of a list item, or
        /// nil for the value as the language writes it (made only when a diagnostic needs it).
        case equal(Filter, QueryAssembler.Value, range: SourceRange, display: String?)
        case date(FixedFilter, DateRange, range: SourceRange)

        var range: SourceRange {
            switch self {
            case .equal(_, _, let range, _), .date(_, _, let range): range
            }
        }
    }

    /// The filter's logical shape over atoms: one atom (a condition), alternatives of one atom
    /// each (a list, one per value), and AND / OR of shapes. Not `indirect`: the arrays are
    /// indirection enough, and a box per condition is an allocation per condition.
    enum Shape {
        case atom(Int)
        case atoms([Int])
        case and([Shape])
        case or([Shape])
    }

    let atoms: [Atom]
    let options: PlanOptions
    /// Whether the plan of the usual query (one conjunction) is made, or only its diagnostics.
    var makesPlan = true

    /// The plan of `shape`; `assembler` holds the query's modifiers and the binder's diagnostics.
    /// It is the binder's own, lent rather than copied: a copy would share its arrays, and the
    /// first filter set would copy every one of them.
    /// `filterRange` is asked only for a diagnostic about the whole filter (the range of a
    /// filter is the union of its parts', worked out by walking the tree).
    func plan(_ shape: Shape, assembler: inout QueryAssembler, filterRange: () -> SourceRange, queryRange: SourceRange)
        -> (QueryPlan?, [Diagnostic])
    {
        let count = Self.alternativeCount(shape)
        if count > options.maxRequests {
            assembler.report(.error(
                .tooManyRequests, at: filterRange(),
                "this query would take \(count) API requests; the limit is \(options.maxRequests)",
                notes: [DiagnosticNote("raise it with --max-requests, or narrow the 'or' and 'in (…)' parts")]))
            return (nil, assembler.diagnostics)
        }
        if count == 1 {
            // One way to meet the filter (no 'or', no list: the usual query): its atoms in the
            // order written, without the normal form's arrays of arrays.
            Self.forEachAtom(in: shape) { apply(atoms[$0], to: &assembler) }
            let query = assembler.finish(queryRange: queryRange)
            return (makesPlan ? query.map(QueryPlan.init) : nil, assembler.diagnostics)
        }
        return planAlternatives(Self.expand(shape), base: assembler, filterRange: filterRange(), queryRange: queryRange)
    }

    /// Each conjunction is an API query of its own, checked with the API's rules; those that can
    /// never match are left out with a warning, repeated ones with another.
    private func planAlternatives(_ conjunctions: [[Int]], base assembler: QueryAssembler, filterRange: SourceRange,
                                  queryRange: SourceRange)
        -> (QueryPlan?, [Diagnostic])
    {
        var diagnostics = assembler.diagnostics
        var reported = Set(diagnostics)
        func report(_ diagnostic: Diagnostic) {
            if reported.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
        }
        var alternatives: [ActivityQuery] = []
        var failed = false
        for conjunction in conjunctions {
            var part = QueryAssembler()
            part.planning = true
            if let sort = assembler.query.sort { part.setSort(sort) }
            if let attributes = assembler.query.attributes { part.setAttributes(attributes) }
            for index in conjunction { apply(atoms[index], to: &part) }
            let query = part.finish(queryRange: queryRange)
            let written = conjunction.map { atoms[$0].range }.reduce(atoms[conjunction[0]].range) { $0.union($1) }
            if let impossible = part.impossibility {
                report(.warning(.alternativeNeverMatches, at: impossible.range,
                                "this alternative can never match: \(impossible.reason); it is left out",
                                notes: [DiagnosticNote("the alternative", range: written)]))
                continue
            }
            for diagnostic in part.diagnostics { report(diagnostic) }
            guard let query else {
                failed = true
                continue
            }
            if alternatives.contains(query) {
                report(.warning(.duplicateAlternative, at: written, "this alternative repeats an earlier one; it is sent once"))
                continue
            }
            alternatives.append(query)
        }
        if !failed, alternatives.isEmpty {
            report(.error(.noAlternativeMatches, at: filterRange, "no alternative of this query can match"))
            failed = true
        }
        diagnostics.sort { $0.range.start < $1.range.start }
        guard !failed else { return (nil, diagnostics) }
        return (QueryPlan(alternatives: alternatives, window: assembler.query.window), diagnostics)
    }

    private func apply(_ atom: Atom, to assembler: inout QueryAssembler) {
        switch atom {
        case .equal(let filter, let value, let range, let display):
            assembler.set(filter, value, at: range, display: display ?? Self.written(value))
        case .date(let filter, let dates, let range): assembler.constrain(filter, to: dates, at: range)
        }
    }

    /// How many conjunctions a shape expands to (saturating, so that a huge query cannot overflow).
    static func alternativeCount(_ shape: Shape) -> Int {
        switch shape {
        case .atom: return 1
        case .atoms(let indices): return indices.count
        case .or(let parts): return parts.reduce(0) { min(Int.max / 2, $0 + alternativeCount($1)) }
        case .and(let parts):
            return parts.reduce(1) { product, part in
                let count = alternativeCount(part)
                return product > (Int.max / 2) / max(count, 1) ? Int.max / 2 : product * count
            }
        }
    }

    /// Every atom of a shape, in the order written: the one conjunction of a shape whose
    /// `alternativeCount` is 1.
    static func forEachAtom(in shape: Shape, _ body: (Int) -> Void) {
        switch shape {
        case .atom(let index): body(index)
        case .atoms(let indices): indices.forEach(body)
        case .and(let parts), .or(let parts): for part in parts { forEachAtom(in: part, body) }
        }
    }

    /// A value as the language writes it.
    static func written(_ value: QueryAssembler.Value) -> String {
        switch value {
        case .id(let id): String(id)
        case .text(let text): StringLiteral.literal(text)
        case .dates(let range): APIDate.rangeParameter(range)
        }
    }

    /// The disjunctive normal form: AND distributed over OR, in the order written.
    static func expand(_ shape: Shape) -> [[Int]] {
        switch shape {
        case .atom(let index): return [[index]]
        case .atoms(let indices): return indices.map { [$0] }
        case .or(let parts): return parts.flatMap(expand)
        case .and(let parts):
            var combinations: [[Int]] = [[]]
            for part in parts {
                let next = expand(part)
                if next.count == 1 {
                    // One way to meet this part (a plain condition, the usual case): extend each
                    // combination in place instead of making every one anew.
                    for index in combinations.indices { combinations[index] += next[0] }
                } else {
                    combinations = combinations.flatMap { prefix in next.map { prefix + $0 } }
                }
            }
            return combinations
        }
    }
}
