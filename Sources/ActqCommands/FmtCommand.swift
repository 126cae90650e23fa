import ActivityModel
import ActivityQuery
import ArgumentParser
import Foundation

struct FmtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Print queries in canonical form.",
        discussion: "Keeps comments and the order of conditions; a file with syntax errors is left as it is (exit 2).")

    @OptionGroup var inputArguments: QueryInputArguments
    var inputs: QueryInputs { inputArguments.inputs }
    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    @Flag(help: "Rewrite the files in place instead of printing them.")
    var write = false

    @Option(help: ArgumentHelp("Break queries longer than N characters: one condition per line, each after a leading 'and'.",
                               valueName: "n"))
    var width: Int?

    func run() throws {
        if let width, width < 1 { throw ValidationError("--width is a number of characters, 1 or more") }
        if write, inputs.files.isEmpty || inputs.files.contains("-") || !inputs.expressions.isEmpty {
            throw ValidationError("--write rewrites files: name the files to format")
        }
        let printer = DiagnosticPrinter(global: global)
        var failed = false
        for source in try inputs.sources() {
            let parsed = ScriptParser.parse(source)
            let syntaxProblems = parsed.flatMap(\.diagnostics)
            if syntaxProblems.hasErrors {
                printer.report(syntaxProblems, in: source)
                failed = true
                continue
            }
            let formatted = CanonicalPrinter.format(source, queries: parsed, width: width)
            if write {
                if formatted.utf8.elementsEqual(source.bytes) { continue }
                try Self.replace(source.name, with: formatted)
            } else {
                Output.write(formatted)
            }
        }
        if failed { throw ExitCode(Exit.queryErrors) }
    }

    /// Writes next to the file and renames over it (`AtomicFile`), keeping the file's mode, so a
    /// failure never leaves half a file and the text is never exposed with other permissions.
    static func replace(_ path: String, with text: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw CommandFailure.runtime("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: path, mode: status.st_mode & 0o7777)
        } catch let failure as AtomicFile.Failure {
            throw CommandFailure.runtime(failure.description)
        }
    }
}
