import ActivityQuery
import ActivityStore
import ArgumentParser
import Foundation
import LanguageServer

struct LspCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the language server (LSP 3.17 over stdio).",
        discussion: "Completion offers the values of the store given with --db (or the demo store, if it exists).")

    @OptionGroup var globalArguments: GlobalArguments

    var action: Lsp { Lsp(global: globalArguments.options) }

    /// `actq lsp`, given its options.
    struct Lsp: CommandAction {
        var global: GlobalOptions

        func run() throws {
            let server = LanguageServer(context: try global.dateClock()) { data in
                FileHandle.standardOutput.write(data)
            }
            server.options = global.planOptions
            if let name = global.store ?? (FileManager.default.fileExists(atPath: Locations.demoStore.path) ? Locations.demoStore.path : nil),
                let store = try? LocalBackend.openStore(name) {
                server.values = StoreValues(backend: store)
            }
            if let code = server.run(input: .standardInput) { throw ExitCode(code) }
        }
    }
}
