/// Reads an activity search request (a URL, a path with a query, or a bare query string) back
/// into an `ActivityQuery`, with the same rules as the language. `actq from-url` and the emulator
/// both use it, so a request the emulator accepts is one the language can write, and vice versa.
/// Diagnostic ranges are byte offsets into the given text.
public enum RequestDecoder {
    /// Reads a query string (without `?`) as the query it asks for, with diagnostics that point into it.
    public static func decode(_ text: String) -> (query: ActivityQuery?, diagnostics: [Diagnostic]) {
        let bytes = Array(text.utf8)
        var assembler = QueryAssembler()
        var queryStart = 0
        if let mark = bytes.firstIndex(of: UInt8(ascii: "?")) {
            queryStart = mark + 1
            var pathEnd = mark
            if let hash = bytes[..<mark].firstIndex(of: UInt8(ascii: "#")) { pathEnd = hash }
            let path = String(decoding: bytes[..<pathEnd], as: UTF8.self)
            let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
            if !trimmed.isEmpty, !trimmed.hasSuffix(SearchRequest.path) {
                assembler.report(.error(.notAnActivitySearch, at: SourceRange(0, pathEnd),
                                        "not an activity search: the path must end in \(SearchRequest.path)"))
            }
        } else if !bytes.contains(UInt8(ascii: "=")) && !bytes.isEmpty {
            let path = String(decoding: bytes, as: UTF8.self)
            if !path.hasSuffix(SearchRequest.path) && !path.hasSuffix(SearchRequest.path + "/") {
                assembler.report(.error(.notAnActivitySearch, at: SourceRange(0, bytes.count),
                                        "not an activity search: the path must end in \(SearchRequest.path)"))
            }
            queryStart = bytes.count
        }
        var queryEnd = bytes.count
        if let hash = bytes[queryStart...].firstIndex(of: UInt8(ascii: "#")) { queryEnd = hash }

        var seen: [String: SourceRange] = [:]
        var page: (number: Int?, size: Int?, range: SourceRange?, numberRange: SourceRange?, sizeRange: SourceRange?) = (nil, nil, nil, nil, nil)
        var window: (start: Int?, size: Int?, range: SourceRange?, numberRange: SourceRange?, sizeRange: SourceRange?) = (nil, nil, nil, nil, nil)
        var sortField: SortField?
        var sortRange: SourceRange?
        var order: (SortDirection, SourceRange)?

        var cursor = queryStart
        while cursor <= queryEnd {
            var end = cursor
            while end < queryEnd, bytes[end] != UInt8(ascii: "&") { end += 1 }
            defer { cursor = end + 1 }
            if end == cursor { continue }
            let whole = SourceRange(cursor, end)
            let equals = bytes[cursor..<end].firstIndex(of: UInt8(ascii: "=")) ?? end
            let nameRange = SourceRange(cursor, equals)
            let valueRange = SourceRange(min(equals + 1, end), end)
            guard let name = PercentEncoding.decode(bytes[nameRange.start..<nameRange.end]) else {
                assembler.report(.error(.invalidPercentEncoding, at: nameRange, "malformed percent-encoding in a parameter name"))
                continue
            }
            guard let value = PercentEncoding.decode(bytes[valueRange.start..<valueRange.end]) else {
                assembler.report(.error(.invalidPercentEncoding, at: valueRange,
                                        "malformed percent-encoding in the value of '\(name)'"))
                continue
            }
            if let first = seen[name] {
                assembler.report(.error(.repeatedParameter, at: whole, "'\(name)' is given more than once",
                                        notes: [DiagnosticNote("first given here", range: first)]))
                continue
            }
            seen[name] = whole

            func number(_ what: String) -> Int? {
                if let number = Int(value), number <= 1_000_000_000 { return number }
                assembler.report(.error(.invalidParameterValue, at: valueRange, "'\(name)' takes a number (\(what)), not '\(value)'"))
                return nil
            }

            switch name {
            case API.Parameter.pageNumber: page.number = number("the page number"); page.range = page.range.map { $0.union(whole) } ?? whole; page.numberRange = valueRange
            case API.Parameter.pageSize: page.size = number("the page size"); page.range = page.range.map { $0.union(whole) } ?? whole; page.sizeRange = valueRange
            case API.Parameter.rangeStart: window.start = number("the first result"); window.range = window.range.map { $0.union(whole) } ?? whole; window.numberRange = valueRange
            case API.Parameter.rangeSize: window.size = number("the number of results"); window.range = window.range.map { $0.union(whole) } ?? whole; window.sizeRange = valueRange
            case API.Parameter.sort:
                if let field = SortField(rawValue: value) {
                    sortField = field
                    sortRange = whole
                } else {
                    assembler.report(.error(.unsortableField, at: valueRange, "the API cannot sort by '\(value)'",
                                            notes: [DiagnosticNote("sortable fields: id, createdDate, lastModifiedDate")]))
                }
            case API.Parameter.order:
                if let direction = SortDirection(rawValue: value) {
                    order = (direction, whole)
                } else {
                    assembler.report(.error(.unknownSortOrder, at: valueRange, "'$order' is asc or desc, not '\(value)'"))
                }
            case API.Parameter.attribute:
                let names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if value == "all" {
                    assembler.setAttributes(.all)
                } else if names.contains(where: { $0.isEmpty }) {
                    assembler.report(.error(.invalidParameterValue, at: valueRange, "'$attribute' needs 'all' or attribute names"))
                } else {
                    assembler.setAttributes(.named(names))
                }
            default:
                let filter: Filter? = if let attribute = Filter.customAttribute(ofParameter: name) {
                    attribute.isEmpty ? nil : .custom(attribute)
                } else {
                    FixedFilter(rawValue: name).map(Filter.fixed)
                }
                guard let filter else {
                    let known = FixedFilter.allCases.map(\.name) + API.Parameter.all
                    let suggestion = Suggestions.closest(to: name, among: known)
                    assembler.report(.error(.unknownParameter, at: nameRange,
                                            "unsupported query parameter '\(name)' (400-101)" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")))
                    continue
                }
                decodeFilter(filter, value: value, range: valueRange, whole: whole, into: &assembler)
            }
        }

        if let (_, orderRange) = order, sortField == nil {
            if sortRange == nil {
                assembler.report(.error(.orderWithoutSort, at: orderRange, "'$order' is only allowed together with '$sort'"))
            }
        }
        if let sortField { assembler.setSort(SortOrder(field: sortField, direction: order?.0)) }
        if let range = page.range {
            if page.numberRange == nil || page.number != nil, page.sizeRange == nil || page.size != nil {
                assembler.setWindow(.page(number: page.number ?? 1, size: page.size), at: range,
                                    numberRange: page.numberRange, sizeRange: page.sizeRange)
            } else {
                assembler.fail()
            }
        }
        if let range = window.range {
            if window.numberRange == nil || window.start != nil, window.sizeRange == nil || window.size != nil {
                assembler.setWindow(.range(start: window.start ?? 1, size: window.size), at: range,
                                    numberRange: window.numberRange, sizeRange: window.sizeRange)
            } else {
                assembler.fail()
            }
        }
        let query = assembler.finish(queryRange: SourceRange(queryStart, queryEnd))
        return (query, assembler.diagnostics)
    }

    private static func decodeFilter(
        _ filter: Filter, value: String, range: SourceRange, whole: SourceRange, into assembler: inout QueryAssembler
    ) {
        if value.isEmpty {
            assembler.report(.error(.emptyValue, at: whole, "'\(filter.name)' needs a value"))
            return
        }
        switch filter.valueKind {
        case .id:
            switch IDValue.parse(value) {
            case .success(let id): assembler.set(filter, .id(id), at: whole, display: value)
            case .failure(let problem): assembler.report(.error(.invalidID, at: range, problem.message(field: filter.name)))
            }
        case .code, .text:
            assembler.set(filter, .text(value), at: whole, display: value)
        case .date:
            switch parseRange(value) {
            case .success(let dates): if let date = filter.fixedFilter { assembler.constrain(date, to: dates, at: whole) }
            case .failure(let problem):
                assembler.report(.error(.invalidDateRange, at: range, "'\(filter.name)': \(problem.message)",
                                        notes: [DiagnosticNote("expected [start,end] with ISO 8601 instants, e.g. [2015-12-23T08:39:16.000Z,]")]))
            }
        }
    }

    /// `[start,end]` with instants that carry their zone; one side may be empty.
    static func parseRange(_ value: String) -> Result<DateRange, APIDate.ParseError> {
        let bytes = Array(value.utf8)
        func fail(_ message: String) -> Result<DateRange, APIDate.ParseError> {
            .failure(APIDate.ParseError(message: message, start: 0, end: bytes.count))
        }
        guard bytes.count >= 3, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else {
            return fail("a date range is written in brackets")
        }
        let inner = bytes[1..<bytes.count - 1]
        let parts = inner.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return fail("a date range has two bounds separated by one comma") }
        func instant(_ part: ArraySlice<UInt8>) -> Result<Int64?, APIDate.ParseError> {
            if part.isEmpty { return .success(nil) }
            switch APIDate.parseLiteral(Array(part)) {
            case .success(.instant(let instant)):
                guard instant >= APIDate.earliest, instant <= APIDate.latest else {
                    return .failure(APIDate.ParseError(message: "the date is outside the years 0001 to 9999", start: 0, end: 0))
                }
                return .success(instant)
            case .success:
                return .failure(APIDate.ParseError(message: "'\(String(decoding: part, as: UTF8.self))' needs a time and a zone, as in 2015-12-23T08:39:16.000Z", start: 0, end: 0))
            case .failure(let problem):
                return .failure(APIDate.ParseError(message: "'\(String(decoding: part, as: UTF8.self))': \(problem.message)", start: 0, end: 0))
            }
        }
        switch (instant(parts[0]), instant(parts[1])) {
        case (.success(let start), .success(let end)):
            if start == nil && end == nil { return fail("a date range needs at least one bound") }
            return .success(DateRange(start: start, end: end))
        case (.failure(let problem), _), (_, .failure(let problem)):
            return .failure(APIDate.ParseError(message: problem.message, start: 0, end: bytes.count))
        }
    }
}
