import ActivityQuery
import ArgumentParser
import Foundation

/// How ArgumentParser reads where a command's queries come from (`QueryInputs`).
struct QueryInputArguments: ParsableArguments {
    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("A query to use (repeatable).", valueName: "query"))
    var expressions: [String] = []

    @Argument(help: ArgumentHelp("Files of queries ('-' for standard input).", valueName: "file"))
    var files: [String] = []

    /// The values read.
    var inputs: QueryInputs { QueryInputs(expressions: expressions, files: files) }
}

/// Where a command's queries come from: files, `-e` expressions, or standard input.
struct QueryInputs {
    var expressions: [String] = []
    var files: [String] = []

    /// The sources in the order given: `-e` expressions first, then files; standard input when
    /// neither is given.
    func sources() throws -> [SourceText] {
        var sources = expressions.map { SourceText(name: "<expr>", $0) }
        for file in files {
            sources.append(try Self.read(file))
        }
        if sources.isEmpty { sources.append(try Self.read("-")) }
        return sources
    }

    static func read(_ path: String) throws -> SourceText {
        if path == "-" {
            return SourceText(name: "<stdin>", bytes: Array(FileHandle.standardInput.readDataToEndOfFile()))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure.usage(
                exists ? (isDirectory.boolValue ? "\(path) is a directory" : "cannot read \(path): permission denied")
                    : "no such file: \(path)")
        }
        return SourceText(name: path, bytes: Array(data))
    }
}
