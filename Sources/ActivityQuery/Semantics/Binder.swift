import Foundation

/// Binds a query's syntax tree to the API's filter model, checking every field, operator and
/// value against the API's rules; the `Planner` then turns its conditions, combined by `and`
/// and `or`, into the API queries of a plan.
public struct Binder {
    private let source: [UInt8]
    private let context: DateContext
    private let options: PlanOptions
    private var assembler = QueryAssembler()
    /// The conditions of the query, bound; the shape refers to them by index.
    private var atoms: [Atom] = []
    /// The `count` modifier, checked once the query is planned (buckets need its date ranges).
    private var countModifier: (keyword: Token, field: Token?, unit: Token?)?
    /// Whether the plan is wanted (a `Checker` wants the diagnostics alone).
    private var makesPlan = true

    typealias Atom = Planner.Atom
    typealias Shape = Planner.Shape

    /// Binds and plans one query's syntax tree; nil plan when the query has errors (the diagnostics say why).
    public static func bind(_ syntax: QuerySyntax, source: [UInt8], context: DateContext, options: PlanOptions = PlanOptions())
        -> (plan: QueryPlan?, diagnostics: [Diagnostic])
    {
        var binder = Binder(source: source, context: context, options: options)
        return binder.run(syntax)
    }

    /// Binds query after query for their diagnostics alone (`actq check`): one binder, whose
    /// lists are emptied for each query and keep their room, and no plan made that nothing reads
    /// (unless `count` needs it to check its buckets). The same diagnostics as `bind`.
    struct Checker {
        private var binder: Binder

        init(source: [UInt8], context: DateContext, options: PlanOptions) {
            binder = Binder(source: source, context: context, options: options)
            binder.makesPlan = false
        }

        mutating func diagnostics(_ syntax: QuerySyntax) -> [Diagnostic] {
            binder.atoms.removeAll(keepingCapacity: true)
            binder.assembler.reset()
            binder.countModifier = nil
            return binder.run(syntax).1
        }
    }

    private init(source: [UInt8], context: DateContext, options: PlanOptions) {
        self.source = source
        self.context = context
        self.options = options
        atoms.reserveCapacity(8)  // a query's conditions, without growing one at a time
    }

    private func text(_ token: Token) -> String {
        String(decoding: source[token.range.start..<token.range.end], as: UTF8.self)
    }

    private mutating func run(_ syntax: QuerySyntax) -> (QueryPlan?, [Diagnostic]) {
        let (plan, diagnostics) = planned(syntax)
        guard let count = countModifier else { return (plan, diagnostics) }
        var problems: [Diagnostic] = []
        let aggregation = self.aggregation(count, syntax: syntax, plan: plan, problems: &problems)
        let all = (diagnostics + problems).sorted { $0.range.start < $1.range.start }
        guard var plan, let aggregation, !problems.contains(where: { $0.severity == .error }) else { return (nil, all) }
        plan.aggregation = aggregation
        return (plan, all)
    }

    private mutating func planned(_ syntax: QuerySyntax) -> (QueryPlan?, [Diagnostic]) {
        let shape = syntax.filter.flatMap { bindFilter($0) }
        bindModifiers(syntax.modifiers)
        let makesPlan = makesPlan || countModifier != nil
        guard let filter = syntax.filter, let shape, !assembler.failed else {
            if syntax.filter != nil { assembler.fail() }
            let query = assembler.finish(queryRange: syntax.range)
            return (makesPlan ? query.map(QueryPlan.init) : nil, assembler.diagnostics)
        }
        var planner = Planner(atoms: atoms, options: options)
        planner.makesPlan = makesPlan
        return planner.plan(shape, assembler: &assembler, filterRange: { filter.range }, queryRange: syntax.range)
    }

    // MARK: Counting

    /// What `count` counts, or nil after reporting why it cannot.
    private func aggregation(_ count: (keyword: Token, field: Token?, unit: Token?), syntax: QuerySyntax, plan: QueryPlan?,
                             problems: inout [Diagnostic]) -> Aggregation? {
        if let window = syntax.modifiers.first(where: { $0.keyword.keyword == .page || $0.keyword.keyword == .range }) {
            problems.append(.error(.countWithWindow, at: window.range, "'count' counts every match: 'page' and 'range' do not apply",
                                   notes: [DiagnosticNote("the count", range: count.keyword.range)]))
            return nil
        }
        guard let fieldToken = count.field else { return .total }
        let name = text(fieldToken)
        guard let filter = Filter.named(name) else {
            let suggestion = Suggestions.closest(to: name, among: FixedFilter.allCases.map(\.name))
            problems.append(.error(.unknownField, at: fieldToken.range, "unknown field '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                                   fixIts: suggestion.map { [FixIt(range: fieldToken.range, replacement: $0)] } ?? []))
            return nil
        }
        guard case .fixed(let field) = filter else {
            problems.append(.error(.countField, at: fieldToken.range, "counting by a custom attribute is not supported: an activity may hold several values"))
            return nil
        }
        guard field.kind == .date else {
            if let unit = count.unit {
                problems.append(.error(.countField, at: unit.range, "'per' applies to date fields; '\(field.name)' is counted by value"))
                return nil
            }
            return .byValue(field)
        }
        guard let unitToken = count.unit else {
            problems.append(.error(.countField, at: fieldToken.range, "count by \(field.name) needs 'per day', 'per week' or 'per month'",
                                   fixIts: [FixIt(range: .at(fieldToken.range.end), replacement: " per day")]))
            return nil
        }
        guard let unit = TimeUnit(rawValue: text(unitToken).lowercased()) else {
            let suggestion = Suggestions.closest(to: text(unitToken), among: TimeUnit.allCases.map(\.rawValue))
            problems.append(.error(.countField, at: unitToken.range, "expected day, week or month after 'per'"
                                    + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                                   fixIts: suggestion.map { [FixIt(range: unitToken.range, replacement: $0)] } ?? []))
            return nil
        }
        guard let plan else { return nil }
        // The buckets span the query's own range on the field (an open end is now).
        var starts: [Int64] = []
        var ends: [Int64] = []
        for query in plan.alternatives {
            guard let range = query.dateRange(of: field), let start = range.start else {
                problems.append(.error(.unboundedCount, at: fieldToken.range,
                                       "count by \(field.name) per \(unit.rawValue) needs a range on \(field.name) with a start",
                                       notes: [DiagnosticNote("for example: \(field.name) in [2024-01-01 .. 2024-01-31] or \(field.name) >= -7d")]))
                return nil
            }
            starts.append(start)
            ends.append(range.end ?? context.now)
        }
        let limit = options.maxRequests
        guard let buckets = Self.buckets(from: starts.min()!, to: ends.max()!, unit: unit, in: context.timeZone,
                                         limit: max(1, limit / max(1, plan.alternatives.count))) else {
            problems.append(.error(.tooManyRequests, at: count.keyword.range,
                                   "this count would take more than \(limit) API requests (one per \(unit.rawValue) and alternative)",
                                   notes: [DiagnosticNote("raise it with --max-requests, count per a longer unit, or narrow the range")]))
            return nil
        }
        return .byTime(field, unit: unit, buckets: buckets)
    }

    /// The day, week (from Monday) or month buckets that cover `start...end` in `zone`, each
    /// the whole unit; nil when there would be more than `limit`.
    static func buckets(from start: Int64, to end: Int64, unit: TimeUnit, in zone: TimeZone, limit: Int) -> [DateRange]? {
        guard start <= end else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        calendar.firstWeekday = 2
        let component: Calendar.Component = switch unit {
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
        func instant(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        guard var cursor = calendar.dateInterval(of: component, for: Date(timeIntervalSince1970: Double(start) / 1000))?.start else { return nil }
        var buckets: [DateRange] = []
        while instant(cursor) <= end {
            guard buckets.count < limit, let next = calendar.date(byAdding: component, value: 1, to: cursor) else { return nil }
            buckets.append(DateRange(start: instant(cursor), end: instant(next) - 1))
            cursor = next
        }
        return buckets
    }

    private mutating func atom(_ atom: Atom) -> Int {
        atoms.append(atom)
        return atoms.count - 1
    }

    // MARK: Filters

    private mutating func bindFilter(_ filter: FilterSyntax) -> Shape? {
        switch filter {
        case .condition(let condition):
            return bindCondition(condition)
        case .and(let parts, _):
            return bindParts(parts).map(Shape.and)
        case .group(_, let inner, _):
            return bindFilter(inner)
        case .or(let parts, _):
            return bindParts(parts).map(Shape.or)
        case .not(let op, var operand):
            assembler.report(.error(
                .notUnsupported, at: op.range,
                "the API cannot negate a filter: '\(text(op))' is not supported",
                notes: [DiagnosticNote("the API matches exact values only")]))
            // One diagnostic for a chain such as `not not x`.
            while case .not(_, let inner) = operand { operand = inner }
            _ = bindFilter(operand)
            return nil
        case .missing:
            assembler.fail()
            return nil
        }
    }

    /// The shapes of `parts`, every one bound (so that each reports its problems), or nil when
    /// one of them fails.
    private mutating func bindParts(_ parts: [FilterSyntax]) -> [Shape]? {
        var shapes: [Shape] = []
        shapes.reserveCapacity(parts.count)
        var failed = false
        for part in parts {
            if let shape = bindFilter(part) { shapes.append(shape) } else { failed = true }
        }
        return failed ? nil : shapes
    }

    private mutating func lookupField(_ token: Token) -> Filter? {
        if token.range.length > 7, source[token.range.start + 7] == UInt8(ascii: "\"") {
            let problems = StringLiteral.decode(source[(token.range.start + 7)..<token.range.end]).diagnostics
            for problem in problems { assembler.report(problem) }
            if !problems.isEmpty { return nil }
        }
        if let filter = Filter.lookup(source[token.range.start..<token.range.end]) {
            if case .custom(let attribute) = filter, attribute.isEmpty {
                assembler.report(.error(.emptyCustomName, at: token.range,
                                        "'custom.' needs an attribute name, as in custom.customer_rating"))
                return nil
            }
            return filter
        }
        let name = text(token)
        let candidates = FixedFilter.allCases.map(\.name) + ["custom"]
        var fixIts: [FixIt] = []
        var message = "unknown field '\(name)'"
        if let suggestion = Suggestions.closest(to: name, among: candidates) {
            if suggestion == "custom" {
                message += "; custom attributes are written custom.<name>"
            } else {
                message += "; did you mean '\(suggestion)'?"
                fixIts = [FixIt(range: token.range, replacement: suggestion)]
            }
        }
        assembler.report(.error(.unknownField, at: token.range, message,
                                notes: [DiagnosticNote("fields: " + candidates.dropLast().joined(separator: ", ") + ", custom.<name>")],
                                fixIts: fixIts))
        return nil
    }

    private mutating func bindCondition(_ condition: ConditionSyntax) -> Shape? {
        let field = lookupField(condition.field)
        guard let op = condition.op else {
            assembler.fail()  // reported by the parser
            return nil
        }
        let range = condition.range
        if case .missing = condition.value {
            assembler.fail()  // reported by the parser
            return nil
        }
        if case .list(_, let items, _) = condition.value {
            guard op.keyword == .in else {
                assembler.fail()  // the parser reported the missing 'in'
                return nil
            }
            guard let field else { return nil }
            // `field in (a, b)` is `field = a or field = b`: one alternative per value.
            var indices: [Int] = []
            for item in items {
                if let dateField = field.dateFilter {
                    guard let date = dateValue(item) else { continue }
                    indices.append(atom(.date(dateField, DateRange(start: date.first, end: date.last), range: item.range)))
                } else {
                    guard let value = value(of: item, for: field) else { continue }
                    indices.append(atom(.equal(field, value, range: item.range, display: text(item))))
                }
            }
            return indices.count == items.count && !items.isEmpty ? .atoms(indices) : nil
        }
        guard let field else {
            if case .single(let token) = condition.value, token.kind == .string { _ = stringValue(token) }
            return nil
        }
        if op.kind == .notEqual {
            assembler.report(.error(.notEqualUnsupported, at: op.range,
                                    "the API matches exact values only: '!=' is not supported",
                                    notes: [DiagnosticNote("use '=' with the value you want")]))
            return nil
        }
        if let dateField = field.dateFilter {
            guard let dates = bindDateCondition(field, op: op, value: condition.value) else { return nil }
            return .atom(atom(.date(dateField, dates, range: range)))
        }
        guard op.kind == .equal else {
            let what = op.keyword == .in ? "'in [ .. ]'" : "'\(text(op))'"
            assembler.report(.error(.operatorNotForField, at: op.range,
                                    "\(what) applies to date fields only; '\(field.name)' takes '='",
                                    fixIts: [FixIt(range: op.range, replacement: "=")]))
            return nil
        }
        guard case .single(let token) = condition.value else {
            assembler.fail()
            return nil
        }
        guard let value = value(of: token, for: field) else { return nil }
        return .atom(atom(.equal(field, value, range: range, display: nil)))
    }

    /// The value of a string token, or nil after reporting its bad escapes.
    private mutating func stringValue(_ token: Token) -> String? {
        let (value, problems) = StringLiteral.decode(source[token.range.start..<token.range.end])
        for problem in problems { assembler.report(problem) }
        return problems.isEmpty ? value : nil
    }

    /// The value of a token for a non-date field, or nil after reporting why it does not fit.
    private mutating func value(of token: Token, for field: Filter) -> QueryAssembler.Value? {
        if token.kind == .parameter {
            // A value given outside the query: taken as the field's value, never read as syntax.
            guard let parameter = parameter(token) else { return nil }
            let name = text(token)
            switch field.valueKind {
            case .id:
                switch IDValue.parse(parameter.value) {
                case .success(let id): return .id(id)
                case .failure(let problem):
                    assembler.report(.error(.invalidParameter, at: token.range,
                                            "\(name) is '\(parameter.value)' (\(parameter.origin)): " + problem.message(field: field.name)))
                    return nil
                }
            case .code, .text:
                if parameter.value.isEmpty {
                    assembler.report(.error(.invalidParameter, at: token.range,
                                            "\(name) is empty (\(parameter.origin)); '\(field.name)' needs a non-empty value"))
                    return nil
                }
                if field.valueKind == .code { checkCode(parameter.value, for: field, at: token.range) }
                return .text(parameter.value)
            case .date:
                return nil
            }
        }
        switch field.valueKind {
        case .id:
            if token.kind == .number, let id = IDValue.parse(digits: source[token.range.start..<token.range.end]) {
                return .id(id)  // the common case, without making a string
            }
            guard let raw = token.kind == .string ? stringValue(token) : text(token) else { return nil }
            switch IDValue.parse(raw) {
            case .success(let id): return .id(id)
            case .failure(let problem):
                assembler.report(.error(.invalidID, at: token.range, problem.message(field: field.name)))
                return nil
            }
        case .code, .text:
            let value: String
            if token.kind == .string {
                guard let decoded = stringValue(token) else { return nil }
                value = decoded
            } else {
                value = text(token)
                if (token.range.start..<token.range.end).contains(where: { source[$0] == UInt8(ascii: "*") }) {
                    assembler.report(.error(
                        .wildcardUnsupported, at: token.range,
                        "the API matches exact values only: wildcards are not supported",
                        notes: [DiagnosticNote("to match a literal '*', quote the value")],
                        fixIts: [FixIt(range: token.range, replacement: StringLiteral.quote(value))]))
                    return nil
                }
            }
            if value.isEmpty {
                assembler.report(.error(.emptyValue, at: token.range, "'\(field.name)' needs a non-empty value"))
                return nil
            }
            if field.valueKind == .code { checkCode(value, for: field, at: token.range) }
            return .text(value)
        case .date:
            return nil
        }
    }

    private mutating func checkCode(_ value: String, for field: Filter, at range: SourceRange) {
        let known = field.knownValues
        if known.contains(value) { return }
        let lowered = value.lowercased()
        if lowered != value, known.contains(lowered) {
            assembler.report(.warning(.valueCase, at: range,
                                      "\(field.name) codes are lower case: this matches nothing unless the deployment has '\(value)'",
                                      fixIts: [FixIt(range: range, replacement: lowered)]))
            return
        }
        var message = "unknown \(field.name) '\(value)'"
        var fixIts: [FixIt] = []
        if let suggestion = Suggestions.closest(to: value, among: known) {
            message += "; did you mean '\(suggestion)'?"
            fixIts = [FixIt(range: range, replacement: suggestion)]
        }
        let notes = [DiagnosticNote("known values: " + known.joined(separator: ", "))]
        if field.fixedFilter?.spec.closedValues == true {
            assembler.report(.error(.unknownValue, at: range, message, notes: notes, fixIts: fixIts))
        } else {
            assembler.report(.warning(.unknownValue, at: range, message, notes: notes, fixIts: fixIts))
        }
    }

    // MARK: Dates

    private mutating func bindDateCondition(_ field: Filter, op: Token, value: ValueSyntax) -> DateRange? {
        if op.keyword == .in {
            guard case .dateRange(_, let lower, _, let upper, let close) = value else {
                assembler.fail()
                return nil
            }
            if lower == nil && upper == nil {
                assembler.report(.error(.emptyDateRange, at: value.range,
                                        "a date range needs at least one bound, as in [2024-01-01 ..]"))
                return nil
            }
            let start = lower.flatMap { dateValue($0) }
            let end = upper.flatMap { dateValue($0) }
            guard (lower == nil || start != nil), (upper == nil || end != nil), close != nil else {
                assembler.fail()
                return nil
            }
            return DateRange(start: start?.first, end: end?.last)
        }
        guard case .single(let token) = value else {
            assembler.fail()
            return nil
        }
        guard let date = dateValue(token) else { return nil }
        switch op.kind {
        case .equal: return DateRange(start: date.first, end: date.last)
        case .greaterEqual: return DateRange(start: date.first, end: nil)
        case .greater: return DateRange(start: date.last + 1, end: nil)
        case .lessEqual: return DateRange(start: nil, end: date.last)
        case .less: return DateRange(start: nil, end: date.first - 1)
        default:
            assembler.fail()
            return nil
        }
    }

    /// Evaluates a date token, or reports why it is not a date.
    /// The value of a `$name` token, or nil after reporting that it has none.
    private mutating func parameter(_ token: Token) -> ParameterValue? {
        let name = String(text(token).dropFirst())
        if let value = options.parameters[name] { return value }
        let known = options.parameters.keys.sorted()
        var message = "the parameter $\(name) has no value: give it with --param \(name)=VALUE (or :param \(name) VALUE in the REPL)"
        if let suggestion = Suggestions.closest(to: name, among: known) { message += "; did you mean $\(suggestion)?" }
        assembler.report(.error(.unsetParameter, at: token.range, message))
        return nil
    }

    private mutating func dateValue(_ token: Token) -> DateValue? {
        if token.kind == .parameter {
            guard let parameter = parameter(token) else { return nil }
            let bytes = Array(parameter.value.trimmingCharacters(in: .whitespaces).utf8)
            if case .success(let literal) = APIDate.parseLiteral(ArraySlice(bytes)) { return APIDate.evaluate(literal, in: context) }
            if let relative = APIDate.parseRelative(ArraySlice(bytes.map(ASCII.lowered))) { return APIDate.evaluate(relative, in: context) }
            assembler.report(.error(.invalidParameter, at: token.range,
                                    "\(text(token)) is '\(parameter.value)' (\(parameter.origin)), not a date such as 2024-01-15 or -7d"))
            return nil
        }
        let bytes = source[token.range.start..<token.range.end]
        let result: DateValue
        switch token.kind {
        case .date:
            switch APIDate.parseLiteral(bytes) {
            case .success(let literal):
                result = APIDate.evaluate(literal, in: context)
            case .failure(let problem):
                let start = token.range.start + problem.start
                assembler.report(.error(.invalidDate, at: SourceRange(start, token.range.start + problem.end),
                                        problem.message))
                return nil
            }
        case .relativeDate:
            guard let relative = APIDate.parseRelative(bytes) else {
                assembler.report(.error(.invalidDate, at: token.range, "relative date out of range"))
                return nil
            }
            result = APIDate.evaluate(relative, in: context)
        default:
            var message = "expected a date, such as 2024-01-15, 2024-01-15T10:30:00Z, today or -7d"
            var fixIts: [FixIt] = []
            if token.kind == .word,
                let suggestion = Suggestions.closest(to: text(token), among: ["now", "today", "yesterday"]) {
                message += "; did you mean '\(suggestion)'?"
                fixIts = [FixIt(range: token.range, replacement: suggestion)]
            }
            assembler.report(.error(.expectedDate, at: token.range, message, fixIts: fixIts))
            return nil
        }
        guard result.first >= APIDate.earliest, result.last <= APIDate.latest else {
            assembler.report(.error(.invalidDate, at: token.range, "the date is outside the years 0001 to 9999"))
            return nil
        }
        return result
    }

    // MARK: Modifiers

    private mutating func bindModifiers(_ modifiers: [ModifierSyntax]) {
        var seenShow: Token?
        var seenSort: Token?
        for modifier in modifiers {
            switch modifier {
            case .show(let keyword, let all, let names):
                if let seenShow {
                    assembler.report(.error(.duplicateModifier, at: modifier.range, "'show' is given twice",
                                            notes: [DiagnosticNote("first given here", range: seenShow.range)]))
                    continue
                }
                seenShow = keyword
                if all != nil {
                    if !names.isEmpty {
                        assembler.report(.error(.showAllWithNames, at: names[0].range.union(names[names.count - 1].range),
                                                "'show all' already includes every attribute"))
                    }
                    assembler.setAttributes(.all)
                } else if !names.isEmpty {
                    assembler.setAttributes(.named(names.map(text)))
                } else {
                    assembler.fail()
                }
            case .sort(let keyword, let by, let field, let direction):
                if let seenSort {
                    assembler.report(.error(.duplicateModifier, at: modifier.range, "'sort by' is given twice",
                                            notes: [DiagnosticNote("first given here", range: seenSort.range)]))
                    continue
                }
                seenSort = keyword
                guard by != nil, let field else {
                    assembler.fail()
                    continue
                }
                guard let sortField = sortField(field) else { continue }
                var order: SortDirection?
                if let direction {
                    switch direction.keyword {
                    case .asc?: order = .asc
                    case .desc?: order = .desc
                    default:
                        let word = text(direction)
                        let suggestion = Suggestions.closest(to: word, among: ["asc", "desc"])
                            ?? (word.lowercased().hasPrefix("desc") ? "desc" : word.lowercased().hasPrefix("asc") ? "asc" : nil)
                        assembler.report(.error(
                            .unknownSortOrder, at: direction.range,
                            "expected 'asc' or 'desc' after the sort field" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                            fixIts: suggestion.map { [FixIt(range: direction.range, replacement: $0)] } ?? []))
                        continue
                    }
                }
                assembler.setSort(SortOrder(field: sortField, direction: order))
            case .count(let keyword, let by, let field, let per, let unit):
                if let seen = countModifier {
                    assembler.report(.error(.duplicateModifier, at: modifier.range, "'count' is given twice",
                                            notes: [DiagnosticNote("first given here", range: seen.keyword.range)]))
                    continue
                }
                if (by != nil && field == nil) || (per != nil && unit == nil) {
                    assembler.fail()  // the parser reported what is missing
                    continue
                }
                countModifier = (keyword, field, unit)
            case .page(_, let number, let size), .range(_, let number, let size):
                guard let number else {
                    assembler.fail()
                    continue
                }
                guard let first = windowNumber(number) else { continue }
                var count: Int?
                if let size {
                    guard let value = windowNumber(size) else { continue }
                    count = value
                }
                let window: ResultWindow
                if case .page = modifier {
                    window = .page(number: first, size: count)
                } else {
                    window = .range(start: first, size: count)
                }
                assembler.setWindow(window, at: modifier.range, numberRange: number.range, sizeRange: size?.range)
            }
        }
    }

    private mutating func sortField(_ token: Token) -> SortField? {
        if let field = SortField(caseInsensitive: source[token.range.start..<token.range.end]) { return field }
        let name = text(token)
        let sortable = SortField.allCases.map(\.rawValue)
        var message = "the API cannot sort by '\(name)'"
        var fixIts: [FixIt] = []
        if Filter.named(name) == nil, let suggestion = Suggestions.closest(to: name, among: sortable) {
            message += "; did you mean '\(suggestion)'?"
            fixIts = [FixIt(range: token.range, replacement: suggestion)]
        }
        assembler.report(.error(.unsortableField, at: token.range, message,
                                notes: [DiagnosticNote("sortable fields: " + sortable.joined(separator: ", "))],
                                fixIts: fixIts))
        return nil
    }

    /// A page number, range start or size: a plain integer (limits are checked by the assembler).
    private mutating func windowNumber(_ token: Token) -> Int? {
        var raw = text(token)
        if token.kind == .parameter {
            guard let parameter = parameter(token) else { return nil }
            guard let value = Int(parameter.value.trimmingCharacters(in: .whitespaces)) else {
                assembler.report(.error(.invalidParameter, at: token.range,
                                        "\(raw) is '\(parameter.value)' (\(parameter.origin)), not a number"))
                return nil
            }
            raw = String(value)
        }
        if let value = Int(raw), value <= 1_000_000_000 { return value }
        assembler.report(.error(.pageNumberOutOfRange, at: token.range, "'\(raw)' is too large"))
        return nil
    }
}

/// IDs: positive integers that fit the API's 64-bit IDs.
public enum IDValue {
    /// Why a text is not a valid ID.
    public enum Problem: Error, Sendable {
        case notANumber(String), notPositive(String), tooLarge(String)

        /// The problem as a sentence about `field`.
        public func message(field: String) -> String {
            switch self {
            case .notANumber(let text): "'\(field)' takes an ID (a positive integer), not '\(text)'"
            case .notPositive(let text): "'\(field)' takes an ID, which is a positive integer; '\(text)' is not"
            case .tooLarge(let text): "'\(text)' is too large for an ID"
            }
        }
    }

    /// A plain run of digits that is a valid ID, or nil (then `parse(_:)` says why).
    public static func parse(digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value > 0 ? value : nil
    }

    /// The ID a text spells (digits, at most the largest 64-bit value, not 0), or why not.
    public static func parse(_ text: String) -> Result<Int64, Problem> {
        let utf8 = text.utf8
        guard !utf8.isEmpty else { return .failure(.notANumber(text)) }
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(.notANumber(text))
        }
        guard let value = Int64(digits) else { return .failure(negative ? .notPositive(text) : .tooLarge(text)) }
        if negative || value == 0 || text.hasPrefix("+") { return .failure(.notPositive(text)) }
        return .success(value)
    }
}
