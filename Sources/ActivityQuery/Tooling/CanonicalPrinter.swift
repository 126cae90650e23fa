/// The canonical text of queries: what `actq fmt` prints and what `actq from-url` produces.
public enum CanonicalPrinter {
    // MARK: From the filter model

    /// The query in the language, filters in the API's parameter order, dates as UTC instants.
    public static func print(_ query: ActivityQuery) -> String {
        var parts: [String] = []
        for entry in query.entries {
            switch entry.value {
            case .dates(let range): parts.append(entry.filter.name + " " + dateCondition(range))
            case .id(let id): parts.append("\(entry.filter.name) = \(id)")
            case .text(let text): parts.append("\(entry.filter.spelling) = \(StringLiteral.literal(text))")
            }
        }
        var text = parts.joined(separator: " and ")
        for modifier in modifiers(query) { text += " " + modifier }
        return text
    }

    private static func dateCondition(_ range: DateRange) -> String {
        switch (range.start, range.end) {
        case (let start?, let end?) where start == end: "= \(APIDate.format(start))"
        case (let start?, let end?): "in [\(APIDate.format(start)) .. \(APIDate.format(end))]"
        case (let start?, nil): ">= \(APIDate.format(start))"
        case (nil, let end?): "<= \(APIDate.format(end))"
        case (nil, nil): "in [..]"
        }
    }

    private static func modifiers(_ query: ActivityQuery) -> [String] {
        var result: [String] = []
        switch query.attributes {
        case .all?: result.append("show all")
        case .named(let names)?: result.append("show " + names.joined(separator: ", "))
        case nil: break
        }
        if let sort = query.sort {
            result.append("sort by \(sort.field.rawValue)" + (sort.direction.map { " \($0.rawValue)" } ?? ""))
        }
        switch query.window {
        case .page(let number, let size)?: result.append("page \(number)" + (size.map { " size \($0)" } ?? ""))
        case .range(let start, let size)?: result.append("range \(start)" + (size.map { " size \($0)" } ?? ""))
        case nil: break
        }
        return result
    }

    // MARK: From the syntax tree

    /// One query in canonical form, keeping the user's order of conditions and their date
    /// expressions (relative dates stay relative). Valid only for a tree without syntax errors.
    public static func print(_ syntax: QuerySyntax, source: [UInt8]) -> String {
        var printer = TreePrinter(source: source)
        if let filter = syntax.filter { printer.filter(filter, parentIsAnd: false) }
        let order: [Keyword] = [.show, .sort, .page, .range, .count]
        let sorted = syntax.modifiers.enumerated().sorted { lhs, rhs in
            let l = order.firstIndex(of: lhs.element.keyword.keyword!) ?? 0
            let r = order.firstIndex(of: rhs.element.keyword.keyword!) ?? 0
            return l == r ? lhs.offset < rhs.offset : l < r
        }
        for (_, modifier) in sorted { printer.modifier(modifier) }
        return printer.output
    }

    /// One query in canonical form within `width` characters where it can be: a longer query
    /// is broken before each top-level `and` (or `or`) and each modifier, the continuation lines
    /// indented by two spaces (leading operators, which read back as the same query).
    public static func print(_ syntax: QuerySyntax, source: [UInt8], width: Int?) -> String {
        let line = print(syntax, source: source)
        guard let width, line.count > width else { return line }
        var lines: [String] = []
        let (parts, joiner): ([FilterSyntax], String) = switch syntax.filter {
        case .and(let parts, _)?: (parts, "and")
        case .or(let parts, _)?: (parts, "or")
        case let filter?: ([filter], "")
        case nil: ([], "")
        }
        for (index, part) in parts.enumerated() {
            var printer = TreePrinter(source: source)
            printer.filter(part, parentIsAnd: joiner == "and")
            lines.append(index == 0 ? printer.output : "  \(joiner) " + printer.output)
        }
        let order: [Keyword] = [.show, .sort, .page, .range, .count]
        let sorted = syntax.modifiers.enumerated().sorted { lhs, rhs in
            let l = order.firstIndex(of: lhs.element.keyword.keyword!) ?? 0
            let r = order.firstIndex(of: rhs.element.keyword.keyword!) ?? 0
            return l == r ? lhs.offset < rhs.offset : l < r
        }
        for (_, modifier) in sorted {
            var printer = TreePrinter(source: source)
            printer.modifier(modifier)
            lines.append(lines.isEmpty ? printer.output : "  " + printer.output)
        }
        return lines.joined(separator: "\n")
    }

    /// A whole script in canonical form: one query per line (or, past `width`, one condition
    /// and one modifier per line), comments and single blank lines kept.
    public static func format(_ source: SourceText, queries: [ParsedQuery], width: Int? = nil) -> String {
        let (tokens, _) = Lexer.tokenize(source.bytes)
        let ordered = queries.filter { !$0.syntax.tokens.isEmpty }
        var lines: [String] = []
        var current: String?
        var newlines = 0
        var queryIndex = 0
        var index = 0
        func startLine() {
            if let line = current { lines.append(line) }
            current = nil
            if newlines >= 2, !lines.isEmpty, lines.last != "" { lines.append("") }
            newlines = 0
        }
        while index < tokens.count {
            let token = tokens[index]
            if queryIndex < ordered.count, token.range.start == ordered[queryIndex].syntax.range.start, !token.kind.isTrivia,
                token.kind != .newline {
                let query = ordered[queryIndex].syntax
                var inner: [String] = []
                index += 1
                while index < tokens.count, tokens[index].range.start < query.range.end {
                    if tokens[index].kind == .comment { inner.append(trimmed(tokens[index])) }
                    index += 1
                }
                startLine()
                lines += inner
                current = print(query, source: source.bytes, width: width)
                // A query after another that begins with `and`, `or` or a modifier (it followed a
                // ';') would continue the one above on a line of its own: the ';' stays.
                if queryIndex > 0, let first = query.tokens.first, ContinuationRule.continuesQuery(first) {
                    current = "; " + (current ?? "")
                }
                queryIndex += 1
                continue
            }
            switch token.kind {
            case .comment:
                if let line = current {
                    current = line + "  " + trimmed(token)
                } else {
                    startLine()
                    current = trimmed(token)
                }
            case .newline:
                if let line = current {
                    lines.append(line)
                    current = nil
                }
                newlines += 1
            default:
                break
            }
            index += 1
        }
        if let line = current { lines.append(line) }
        while lines.last == "" { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"

        func trimmed(_ token: Token) -> String {
            var text = source.text(token.range)
            while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
            return text
        }
    }
}

private struct TreePrinter {
    let source: [UInt8]
    var output = ""

    init(source: [UInt8]) { self.source = source }

    func text(_ token: Token) -> String {
        String(decoding: source[token.range.start..<token.range.end], as: UTF8.self)
    }

    mutating func filter(_ filter: FilterSyntax, parentIsAnd: Bool) {
        switch filter {
        case .condition(let condition):
            self.condition(condition)
        case .and(let parts, _):
            for (index, part) in parts.enumerated() {
                if index > 0 { output += " and " }
                self.filter(part, parentIsAnd: true)
            }
        case .or(let parts, _):
            // `or` binds looser than `and`; inside an `and` it keeps its parentheses from the source.
            for (index, part) in parts.enumerated() {
                if index > 0 { output += " or " }
                self.filter(part, parentIsAnd: false)
            }
        case .not(_, let operand):
            output += "not "
            self.filter(operand, parentIsAnd: true)
        case .group(_, let inner, _):
            output += "("
            self.filter(inner, parentIsAnd: false)
            output += ")"
        case .missing:
            break
        }
    }

    mutating func condition(_ condition: ConditionSyntax) {
        let name = text(condition.field)
        if let field = Filter.named(name) {
            output += field.spelling
        } else {
            output += name
        }
        if let op = condition.op {
            output += " " + (op.keyword == .in ? "in" : text(op)) + " "
        }
        switch condition.value {
        case .single(let token):
            output += value(token)
        case .dateRange(_, let lower, _, let upper, _):
            output += "[" + (lower.map { value($0) + " " } ?? "") + ".." + (upper.map { " " + value($0) } ?? "") + "]"
        case .list(_, let items, _):
            output += "(" + items.map { value($0) }.joined(separator: ", ") + ")"
        case .missing:
            break
        }
    }

    func value(_ token: Token) -> String {
        switch token.kind {
        case .string:
            return StringLiteral.literal(StringLiteral.decode(source[token.range.start..<token.range.end]).value)
        case .relativeDate:
            return text(token).lowercased()
        default:
            return text(token)
        }
    }

    mutating func modifier(_ modifier: ModifierSyntax) {
        if !output.isEmpty { output += " " }
        switch modifier {
        case .show(_, let all, let names):
            output += "show " + ((all.map { _ in ["all"] } ?? []) + names.map(text)).joined(separator: ", ")
        case .sort(_, _, let field, let direction):
            let name = field.map(text) ?? ""
            let canonical = SortField.allCases.first { $0.rawValue.lowercased() == name.lowercased() }?.rawValue ?? name
            output += "sort by " + canonical + (direction.map { " " + text($0).lowercased() } ?? "")
        case .page(_, let number, let size):
            output += "page " + (number.map(text) ?? "") + (size.map { " size " + text($0) } ?? "")
        case .range(_, let start, let size):
            output += "range " + (start.map(text) ?? "") + (size.map { " size " + text($0) } ?? "")
        case .count(_, let by, let field, let per, let unit):
            output += "count"
            if by != nil, let field {
                let name = text(field)
                output += " by " + (Filter.named(name)?.spelling ?? name)
                if per != nil, let unit { output += " per " + text(unit).lowercased() }
            }
        }
    }
}
