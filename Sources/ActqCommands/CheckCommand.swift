import ActivityQuery
import ArgumentParser
import Foundation

struct CheckCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check queries for errors without running them.",
        discussion: "Exits 0 when no query has an error (warnings allowed), 2 otherwise. --format json prints the diagnostics as JSON.")

    @OptionGroup var inputArguments: QueryInputArguments
    @OptionGroup var globalArguments: GlobalArguments

    var action: Check { Check(inputs: inputArguments.inputs, global: globalArguments.options) }

    /// `actq check`, given its options.
    struct Check: CommandAction {
        var inputs: QueryInputs
        var global: GlobalOptions

        func run() throws {
            let format = try DiagnosticFormat(global.format, command: "check")
            let context = try global.dateContext()
            let renderer = DiagnosticRenderer(useColor: global.useColor(for: .standardError))
            var collected: [DiagnosticRenderer.JSONDiagnostic] = []
            var errors = 0
            var warnings = 0
            var text = ""
            var queries = 0
            for source in try inputs.sources() {
                let result = ScriptChecker.check(source, context: context, options: global.planOptions)
                queries += result.queries
                for diagnostic in result.diagnostics {
                    if diagnostic.severity == .error { errors += 1 } else if diagnostic.severity == .warning { warnings += 1 }
                    switch format {
                    case .json: collected.append(DiagnosticRenderer.json(diagnostic, in: source))
                    case .text:
                        text += renderer.render(diagnostic, in: source)
                        if text.utf8.count > 1 << 16 {
                            Output.error(text)
                            text = ""
                        }
                    }
                }
            }
            switch format {
            case .json:
                let report = CheckReport(queries: queries, errors: errors, warnings: warnings, diagnostics: collected)
                Output.write(try JSONOutput.encode(report) + "\n")
            case .text:
                Output.error(text)
            }
            if errors > 0 { throw ExitCode(Exit.queryErrors) }
        }
    }
}

struct CheckReport: Codable {
    var queries: Int
    var errors: Int
    var warnings: Int
    var diagnostics: [DiagnosticRenderer.JSONDiagnostic]
}

enum DiagnosticFormat {
    case text, json

    init(_ format: OutputFormat?, command: String) throws {
        switch format {
        case nil, .table?, .vertical?: self = .text
        case .json?: self = .json
        case let other?: throw ValidationError("'\(command)' prints text or json, not \(other.rawValue)")
        }
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Prints the diagnostics of queries to stderr; returns whether any was an error.
struct DiagnosticPrinter {
    let renderer: DiagnosticRenderer

    init(global: GlobalOptions) {
        renderer = DiagnosticRenderer(useColor: global.useColor(for: .standardError))
    }

    @discardableResult
    func report(_ diagnostics: [Diagnostic], in source: SourceText) -> Bool {
        if !diagnostics.isEmpty { Output.error(renderer.render(diagnostics, in: source)) }
        return diagnostics.hasErrors
    }
}
