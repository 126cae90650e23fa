import ActivityQuery
import ArgumentParser
import Foundation

struct FmtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Print queries in canonical form.",
        discussion: "Keeps comments and the order of conditions; a file with syntax errors is left as it is (exit 2).")

    @OptionGroup var inputs: QueryInputs
    @OptionGroup var global: GlobalOptions

    @Flag(help: "Rewrite the files in place instead of printing them.")
    var write = false

    func run() throws {
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
            let formatted = CanonicalPrinter.format(source, queries: parsed)
            if write {
                if formatted.utf8.elementsEqual(source.bytes) { continue }
                try Self.replace(source.name, with: formatted)
            } else {
                Output.write(formatted)
            }
        }
        if failed { throw ExitCode(Exit.queryErrors) }
    }

    /// Writes next to the file and renames over it, so a failure never leaves half a file.
    static func replace(_ path: String, with text: String) throws {
        let url = URL(fileURLWithPath: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).actq-fmt")
        do {
            try Data(text.utf8).write(to: temporary)
            if let permissions = attributes?[.posixPermissions] {
                try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary.path)
            }
            guard rename(temporary.path, path) == 0 else {
                throw CommandFailure.runtime("cannot replace \(path): \(String(cString: strerror(errno)))")
            }
        } catch let failure as CommandFailure {
            try? FileManager.default.removeItem(at: temporary)
            throw failure
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure.runtime("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
