import ActivityQuery
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        if let bytes = readFile(path) { return SourceText(name: path, bytes: bytes) }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure.usage(
                exists ? (isDirectory.boolValue ? "\(path) is a directory" : "cannot read \(path): permission denied")
                    : "no such file: \(path)")
        }
        return SourceText(name: path, bytes: Array(data))
    }

    /// A regular file's bytes, read straight into the array that keeps them (Foundation's
    /// `contents(atPath:)` reads into a `Data` first, which the array then copies: twice the
    /// memory touched, a page fault per 4 KiB each time); nil for anything else, which
    /// Foundation reads.
    static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size < Int.max / 2 else { return nil }
        let size = Int(status.st_size)
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let got = Glibc.read(descriptor, buffer.baseAddress! + count, size - count)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { break }
                count += got
            }
            // Not more than its size said either (a file that grew meanwhile).
            var probe: UInt8 = 0
            complete = count == size && Glibc.read(descriptor, &probe, 1) == 0
        }
        // A file that changed size while it was read: Foundation reads it as it is now.
        return complete ? bytes : nil
    }
}
