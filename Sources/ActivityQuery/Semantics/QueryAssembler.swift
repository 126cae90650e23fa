/// Collects filters and modifiers from a front end (the language binder or the request decoder)
/// and applies the API's rules that concern the query as a whole, so that both front ends accept
/// and reject exactly the same queries.
struct QueryAssembler {
    typealias Value = FilterValue

    private(set) var query = ActivityQuery()
    private(set) var diagnostics: [Diagnostic] = []
    /// Where each filter was first set (a handful at most: a list beats a dictionary here).
    private var origins: [(filter: Filter, range: SourceRange)] = []
    private var dateOrigins: [(filter: Filter, range: SourceRange)] = []

    init() {
        origins.reserveCapacity(8)
        query.reserveCapacity(8)
    }
    private var windowOrigin: SourceRange?
    private(set) var failed = false
    /// Assembling one alternative of a plan: a field given two values, or an empty date range,
    /// means this alternative can never match (the planner leaves it out), not an error.
    var planning = false
    /// Why (and where) the alternative being planned can never match.
    private(set) var impossibility: (range: SourceRange, reason: String)?

    /// Ready for another query, keeping the room its lists had (a binder that checks query after
    /// query allocates them once).
    mutating func reset() {
        query.removeAll()
        diagnostics.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
        dateOrigins.removeAll(keepingCapacity: true)
        windowOrigin = nil
        failed = false
        planning = false
        impossibility = nil
    }

    mutating func report(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { failed = true }
        diagnostics.append(diagnostic)
    }

    /// Marks the query as unusable because of a problem that was reported elsewhere.
    mutating func fail() { failed = true }

    mutating func set(_ filter: Filter, _ value: Value, at range: SourceRange, display: @autoclosure () -> String) {
        if let existing = current(filter) {
            // A custom attribute may hold several values (`attribValues` is a list), so two
            // values of one attribute can both match: not "never", but a search the API cannot
            // send (one value per parameter). That stays an error in an alternative too.
            if planning, !(existing != value && filter.isCustom) {
                if existing != value, impossibility == nil {
                    impossibility = (range, "'\(filter.name)' would need two values at once")
                }
                return
            }
            let first = origin(of: filter)
            if existing == value {
                report(.warning(.duplicateFilter, at: range, "'\(filter.name)' is already set to \(display())",
                                notes: first.map { [DiagnosticNote("first set here", range: $0)] } ?? [],
                                fixIts: []))
            } else {
                report(.error(.conflictingValues, at: range,
                              "'\(filter.name)' is already set to another value; the API matches one value per filter",
                              notes: first.map { [DiagnosticNote("first set here", range: $0)] } ?? []))
            }
            return
        }
        origins.append((filter, range))
        query[filter] = value
    }

    private func origin(of filter: Filter) -> SourceRange? {
        origins.first { $0.filter == filter }?.range
    }

    /// The value set so far (date filters are narrowed by `constrain`, never set).
    private func current(_ filter: Filter) -> Value? {
        filter.valueKind == .date ? nil : query[filter]
    }

    /// Narrows a date filter; several conditions on one field intersect.
    mutating func constrain(_ filter: FixedFilter, to range: DateRange, at source: SourceRange) {
        dateOrigins.append((.fixed(filter), source))
        if origin(of: .fixed(filter)) == nil { origins.append((.fixed(filter), source)) }
        let narrowed = query.dateRange(of: filter)?.intersected(with: range) ?? range
        query[.fixed(filter)] = .dates(narrowed)
    }

    mutating func setAttributes(_ selection: AttributeSelection) { query.attributes = selection }
    mutating func setSort(_ sort: SortOrder) { query.sort = sort }

    /// Sets the result window after checking the API's limits; reports page/range mixing.
    mutating func setWindow(_ window: ResultWindow, at range: SourceRange, numberRange: SourceRange?, sizeRange: SourceRange?) {
        if let windowOrigin, let existing = query.window {
            let sameKind: Bool
            switch (existing, window) {
            case (.page, .page), (.range, .range): sameKind = true
            default: sameKind = false
            }
            if sameKind {
                report(.error(.duplicateModifier, at: range, "the result window is already given",
                              notes: [DiagnosticNote("first given here", range: windowOrigin)]))
            } else {
                report(.error(.pageAndRange, at: range,
                              "page and range parameters exclude each other: use one of them",
                              notes: [DiagnosticNote("the other one is here", range: windowOrigin)]))
            }
            return
        }
        windowOrigin = range
        let (first, size, firstName): (Int, Int?, String)
        switch window {
        case .page(let number, let pageSize): (first, size, firstName) = (number, pageSize, "page number")
        case .range(let start, let rangeSize): (first, size, firstName) = (start, rangeSize, "range start")
        }
        var valid = true
        if first < 1 {
            report(.error(.pageNumberOutOfRange, at: numberRange ?? range, "the \(firstName) must be 1 or more"))
            valid = false
        }
        if let size, !ResultWindow.sizeLimit.contains(size) {
            report(.error(.pageSizeOutOfRange, at: sizeRange ?? range,
                          "the size must be between 1 and 75 (the API's limit); it is \(size)"))
            valid = false
        }
        if valid { query.window = window }
    }

    /// Applies the whole-query rules and returns the query, or nil when it has errors.
    mutating func finish(queryRange: SourceRange) -> ActivityQuery? {
        // The date filters whose conditions leave no date (an array only when there is one).
        var empty: [FixedFilter] = []
        for entry in query.entries {
            if case .fixed(let filter) = entry.filter, case .dates(let range) = entry.value, range.isEmpty { empty.append(filter) }
        }
        if planning, impossibility == nil {
            for filter in empty {
                if let place = dateOrigins.first(where: { $0.filter == .fixed(filter) }) {
                    impossibility = (place.range, "the conditions on '\(filter.name)' leave no date")
                }
            }
        }
        if impossibility != nil { return nil }
        for filter in empty {
            let places = dateOrigins.filter { $0.filter == .fixed(filter) }.map(\.range)
            guard !places.isEmpty else { continue }
            report(.error(.emptyDateRange, at: places[0],
                          "the conditions on '\(filter.name)' leave no date: the range is empty",
                          notes: places.dropFirst().map { DiagnosticNote("intersected with this", range: $0) }))
        }
        // The whole-query rules speak of the filters that were given correctly: when one of them
        // failed, "type alone" or "no filter" would be misleading.
        if failed {
            return nil
        } else if !query.hasFilters {
            report(.error(.noFilter, at: queryRange, "a search needs at least one filter",
                          notes: [DiagnosticNote("for example: status = open")]))
        } else if query.filterCount == 1, let alone = query.filters[0].fixedFilter, alone.spec.needsAnotherFilter,
                  let place = origin(of: .fixed(alone)) {
            report(.error(.typeAlone, at: place, "'\(alone.name)' must be combined with at least one other filter",
                          notes: [DiagnosticNote("the API rejects a search by \(alone.name) alone; add e.g. 'queue = 1000 and'")]))
        }
        return failed ? nil : query
    }
}
