import Foundation
import Testing

/// What a user of an installed actq sees: the version, usage lines with the names they type,
/// and completion scripts that know the values.
@Suite struct InstallTests {
    static let versionPattern = #"^actq \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(\+changes)?|unknown), store schema [1-9][0-9]*\)\n$"#

    @Test(arguments: [["--version"], ["version"]])
    func versionNamesTheCommitAndTheSchema(_ arguments: [String]) throws {
        let result = try ActqProcess.run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.range(of: Self.versionPattern, options: .regularExpression) != nil, "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    @Test(arguments: [["--bogus"], ["-e"], ["--format", "nope", "-e", "status = open"], ["--max-requests", "x"]])
    func mistakesOfTheDefaultCommandNameActqAsTyped(_ arguments: [String]) throws {
        let result = try ActqProcess.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains("Usage: actq [-e <query> ...] [<options>]"), "\(result.stderr)")
        #expect(result.stderr.contains("See 'actq --help'"), "\(result.stderr)")
        #expect(!result.stderr.contains("actq query"), "\(result.stderr)")
    }

    @Test func helpNeverNamesTheInternalCommand() throws {
        for arguments in [["--help"], ["help"], ["explain", "--help"]] {
            let result = try ActqProcess.run(arguments)
            #expect(result.status == 0)
            #expect(!result.stdout.contains("actq query"), "\(arguments)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsKnowFormatsAndAskForProfiles(_ shell: String) throws {
        let result = try ActqProcess.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        #expect(result.stdout.contains("ndjson"), "format values")
        #expect(result.stdout.contains("---completion"), "profiles are asked of actq")
    }

    @Test func profileCompletionListsTheConfiguredProfiles() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = home.appendingPathComponent("config/actq")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[profiles.staging]\nurl = \"http://s/system\"\n[profiles.prod]\nurl = \"http://p/system\"\n"
            .write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        // What the bash script runs when the cursor is after `actq run --profile `.
        let result = try ActqProcess.run(["---completion", "run", "--", "--profile", "2", "0"], home: home)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n") == ["prod", "staging"])
    }
}
