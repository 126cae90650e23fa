import ActivityQuery
import ArgumentParser
import Foundation

/// The exit codes of actq, documented in `--help` and README.
enum Exit {
    static let success: Int32 = 0
    static let runtimeFailure: Int32 = 1
    static let queryErrors: Int32 = 2
    static let backendUnavailable: Int32 = 3
    static let noMatches: Int32 = 4
    static let usage: Int32 = 64

    static let summary = """
        Exit codes:
          0   success (including no matches)
          1   a query failed at run time
          2   a query has errors (syntax or validation)
          3   backend unreachable or authentication failed
          4   no matches (with --fail-empty)
          64  bad command-line usage
        """
}

/// Failures a command reports with one line on stderr and an exit code. Mapped in one place.
enum CommandFailure: Error, CustomStringConvertible {
    case usage(String)
    case runtime(String)
    case backend(String)

    /// The message, inert for a terminal: it may quote file contents, data or a server.
    var description: String {
        switch self {
        case .usage(let message), .runtime(let message), .backend(let message): InertText.lines(message)
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage: Exit.usage
        case .runtime: Exit.runtimeFailure
        case .backend: Exit.backendUnavailable
        }
    }
}

enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
