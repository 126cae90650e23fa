import ActivityQuery
import ArgumentParser
import Foundation

struct FromURLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "from-url",
        abstract: "Turn an API URL or query string back into a query.",
        discussion: "Accepts a full URL, a path with a query string, or a bare query string; '-' reads one per line from standard input.")

    @Argument(help: ArgumentHelp("API URLs or query strings.", valueName: "url"))
    var urls: [String] = []

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func run() throws {
        var inputs = urls.filter { $0 != "-" }
        if urls.isEmpty || urls.contains("-") {
            let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            inputs += text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        }
        let printer = DiagnosticPrinter(global: global)
        var failed = false
        var output = ""
        for url in inputs {
            let (query, diagnostics) = RequestDecoder.decode(url)
            if printer.report(diagnostics, in: SourceText(name: "<url>", url)) { failed = true }
            if let query { output += CanonicalPrinter.print(query) + "\n" }
        }
        Output.write(output)
        if failed { throw ExitCode(Exit.queryErrors) }
    }
}
