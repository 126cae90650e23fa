import ActivityQuery
import Foundation

/// The conformance corpus in `grammar/corpus/*.txt`: data files any implementation can load.
///
///     @clock 2024-06-15T12:00:00Z      frozen "now" for relative dates
///     @tz Europe/Berlin                time zone for dates without an offset
///     @param name=value                a value for $name (as --param gives it)
///     === name                         a query case (=== url: name for a request to decode)
///     status = open                    the input, one or more lines
///     --- canonical                    what `actq fmt` prints (or, for a URL, `actq from-url`)
///     status = open
///     --- request                      the query string of each request, one per line
///     status=open
///     --- diagnostics                  severity CODE line:col-line:col, one per line
///     error V007 1:1-1:13
///
/// Columns are 1-based and count Unicode scalars; ranges are half-open.
struct CorpusCase: Sendable, CustomStringConvertible {
    enum Kind: Sendable { case query, url }

    var file: String
    var name: String
    var kind: Kind
    var input: String
    var canonical: String?
    var requests: [String]?
    var diagnostics: [String]?
    var context: DateContext
    var parameters: [String: ParameterValue] = [:]
    var line: Int

    var description: String { "\(file):\(line) \(name)" }
}

struct CorpusResult: Equatable {
    var canonical: String?
    var requests: [String]
    var diagnostics: [String]
}

enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("grammar/corpus")

    static func files() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().map { directory.appendingPathComponent($0) }
    }

    static func loadAll() -> [CorpusCase] {
        files().flatMap { (try? load($0)) ?? [] }
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ url: URL) throws -> [CorpusCase] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        var clock: Int64?
        var zone: TimeZone?
        var parameters: [String: ParameterValue] = [:]
        var cases: [CorpusCase] = []
        var current: CorpusCase?
        var section = "input"
        var buffer: [String] = []

        func flush() throws {
            guard var item = current else { return }
            while buffer.last == "" { buffer.removeLast() }
            switch section {
            case "input": item.input = buffer.joined(separator: "\n")
            case "canonical": item.canonical = buffer.joined(separator: "\n")
            case "request": item.requests = buffer
            case "diagnostics": item.diagnostics = buffer
            default: throw FormatError(description: "\(url.lastPathComponent): unknown section '\(section)'")
            }
            current = item
            buffer = []
        }

        for (index, line) in lines.enumerated() {
            // Directives apply to the cases after them.
            if line.hasPrefix("@clock ") {
                guard case .success(.instant(let now)) = APIDate.parseLiteral(Array(line.dropFirst(7).utf8)) else {
                    throw FormatError(description: "\(url.lastPathComponent):\(index + 1): bad @clock")
                }
                clock = now
                continue
            }
            if line.hasPrefix("@param ") {
                let assignment = line.dropFirst(7)
                guard let equals = assignment.firstIndex(of: "=") else {
                    throw FormatError(description: "\(url.lastPathComponent):\(index + 1): bad @param")
                }
                let name = String(assignment[..<equals])
                parameters[name] = ParameterValue(String(assignment[assignment.index(after: equals)...]), origin: "from --param \(name)")
                continue
            }
            if line.hasPrefix("@tz ") {
                zone = TimeZone(identifier: String(line.dropFirst(4)))
                guard zone != nil else { throw FormatError(description: "\(url.lastPathComponent):\(index + 1): bad @tz") }
                continue
            }
            if line.hasPrefix("=== ") {
                try flush()
                if let done = current { cases.append(done) }
                guard let clock, let zone else {
                    throw FormatError(description: "\(url.lastPathComponent): @clock and @tz must come before the first case")
                }
                var name = String(line.dropFirst(4))
                var kind = CorpusCase.Kind.query
                if name.hasPrefix("url: ") {
                    kind = .url
                    name = String(name.dropFirst(5))
                }
                current = CorpusCase(file: url.lastPathComponent, name: name, kind: kind, input: "",
                                     context: DateContext(now: clock, timeZone: zone), parameters: parameters, line: index + 1)
                section = "input"
                continue
            }
            if line.hasPrefix("--- "), current != nil {
                try flush()
                section = String(line.dropFirst(4))
                continue
            }
            if current == nil {
                continue  // the file's own comments
            }
            buffer.append(line)
        }
        try flush()
        if let done = current { cases.append(done) }
        return cases
    }

    static func describe(_ diagnostic: Diagnostic, in source: SourceText) -> String {
        let start = source.location(of: diagnostic.range.start)
        let end = source.location(of: diagnostic.range.end)
        return "\(diagnostic.severity.rawValue) \(diagnostic.code.rawValue) \(start.line):\(start.column)-\(end.line):\(end.column)"
    }

    static func evaluate(_ item: CorpusCase) -> CorpusResult {
        let source = SourceText(name: item.name, item.input)
        switch item.kind {
        case .query:
            let compiled = QueryCompiler.compile(source, context: item.context, options: PlanOptions(parameters: item.parameters))
            let diagnostics = compiled.flatMap(\.diagnostics)
            let canonical: String? = compiled.allSatisfy(\.isWellFormed)
                ? String(CanonicalPrinter.format(source, queries: ScriptParser.parse(source)).dropLast())
                : nil
            let requests = diagnostics.hasErrors ? [] : compiled.flatMap(\.requests).map(\.queryString)
            return CorpusResult(canonical: canonical, requests: requests,
                                diagnostics: diagnostics.map { describe($0, in: source) })
        case .url:
            let (query, diagnostics) = RequestDecoder.decode(item.input)
            return CorpusResult(canonical: query.map { CanonicalPrinter.print($0) },
                                requests: query.map { [SearchRequest($0).queryString] } ?? [],
                                diagnostics: diagnostics.map { describe($0, in: source) })
        }
    }

    /// Rewrites a corpus file with the actual results (`make bless`), for review with git diff.
    static func bless(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var header: [String] = []
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("=== ") { break }
            header.append(line)
        }
        while header.last == "" { header.removeLast() }
        var output = header.joined(separator: "\n") + "\n"
        for item in try load(url) {
            let result = evaluate(item)
            output += "\n=== \(item.kind == .url ? "url: " : "")\(item.name)\n\(item.input)\n"
            let hasErrors = result.diagnostics.contains { $0.hasPrefix("error") }
            if !hasErrors {
                if let canonical = result.canonical { output += "--- canonical\n\(canonical)\n" }
                output += "--- request\n" + result.requests.map { $0 + "\n" }.joined()
            }
            if !result.diagnostics.isEmpty {
                output += "--- diagnostics\n" + result.diagnostics.map { $0 + "\n" }.joined()
            }
        }
        try output.write(to: url, atomically: true, encoding: .utf8)
    }
}
