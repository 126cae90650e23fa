import ActivityQuery
import ArgumentParser
import Foundation

struct ExplainCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the exact API request(s) of queries: method, URL and headers (session masked).")

    @OptionGroup var inputArguments: QueryInputArguments
    @OptionGroup var globalArguments: GlobalArguments

    var action: Explain { Explain(inputs: inputArguments.inputs, global: globalArguments.options) }

    /// `actq explain`, given its options.
    struct Explain: CommandAction {
        var inputs: QueryInputs
        var global: GlobalOptions

        func run() throws {
            let format = try DiagnosticFormat(global.format, command: "explain")
            let context = try global.dateContext()
            let printer = DiagnosticPrinter(global: global)
            let wire = global.wire ?? .json
            var failed = false
            var blocks: [String] = []
            for source in try inputs.sources() {
                for compiled in QueryCompiler.compile(source, context: context, options: global.planOptions) {
                    if printer.report(compiled.diagnostics, in: source) { failed = true }
                    guard compiled.plan != nil else { continue }
                    switch format {
                    case .text:
                        blocks.append(RequestRendering.text(compiled.requests, wire: wire))
                    case .json:
                        let explained = ExplainedQuery(
                            source: source.text(compiled.range),
                            canonical: CanonicalPrinter.print(compiled.syntax, source: source.bytes),
                            requests: compiled.requests.map { ExplainedRequest($0, wire: wire) })
                        blocks.append(try JSONOutput.encode(explained))
                    }
                }
            }
            if !blocks.isEmpty {
                Output.write(blocks.joined(separator: format == .text ? "\n\n" : "\n") + "\n")
            }
            if failed { throw ExitCode(Exit.queryErrors) }
        }
    }
}

struct ExplainedRequest: Codable {
    var method: String
    var path: String
    var query: String
    var url: String
    var parameters: [QueryParameter]
    var headers: [String: String]

    init(_ request: SearchRequest, wire: Wire) {
        method = SearchRequest.method
        path = SearchRequest.path
        query = request.queryString
        url = request.pathAndQuery
        parameters = request.parameters
        headers = ["Accept": wire.mediaType, API.sessionHeader: RequestRendering.maskedSession]
    }
}

struct ExplainedQuery: Codable {
    var source: String
    var canonical: String
    var requests: [ExplainedRequest]
}
