import ActivityStore
import ArgumentParser
import CBuildInfo

/// What this actq is: the one place its version number is written.
enum Version {
    static let number = "0.2.0"

    static var commit: String { String(cString: actq_build_commit()) }

    /// `actq 0.2.0 (commit 9a8c9b95d2a1, store schema 1)`.
    static var line: String {
        "actq \(number) (commit \(commit), store schema \(ActivityStore.schemaVersion))"
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, the commit it was built from and the store schema.")

    func run() throws {
        Output.write(Version.line + "\n")
    }
}
