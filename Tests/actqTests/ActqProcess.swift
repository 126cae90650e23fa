import ActqTestSupport
import Foundation

/// Runs the built `actq` executable as a user would, capturing stdout, stderr and the exit code.
struct ActqProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `actq` built next to the test bundle.
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("actq")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/actq")
    }()

    /// The home of runs that name none (in the scratch directory, removed at exit).
    static let scratchHome = URL(fileURLWithPath: Scratch.path("home"))

    static let fixtureJSON = packageRoot.appendingPathComponent("Tests/ActivityStoreTests/Fixtures/activities.json").path

    /// A store imported from the fixture, made once per test run.
    static let fixtureStore: Swift.Result<String, Error> = Swift.Result {
        let path = scratchHome.appendingPathComponent("fixture.sqlite").path
        try FileManager.default.createDirectory(at: scratchHome, withIntermediateDirectories: true)
        let result = try run(["import", fixtureJSON, "--db", path])
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": result.stderr]) }
        return path
    }

    /// The environment of every run: a frozen clock, UTC, and a scratch home, so that data,
    /// state and config never touch the user's own files.
    static func environment(_ extra: [String: String] = [:], home: URL = scratchHome) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["ACTQ_NOW"] = "2024-06-15T12:00:00Z"
        env["TZ"] = "UTC"
        env["XDG_DATA_HOME"] = home.appendingPathComponent("data").path
        env["XDG_STATE_HOME"] = home.appendingPathComponent("state").path
        env["XDG_CONFIG_HOME"] = home.appendingPathComponent("config").path
        for key in ["NO_COLOR", "ACTQ_URL", "ACTQ_USER", "ACTQ_PASSWORD", "ACTQ_SESSION", "ACTQ_SERVE_PASSWORD"] {
            env.removeValue(forKey: key)
        }
        for (key, value) in extra { env[key] = value }
        return env
    }

    static func run(
        _ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:], home: URL = scratchHome
    ) throws -> Result {
        let env = Self.environment(environment, home: home)
        let scratch = URL(fileURLWithPath: Scratch.path("run"))
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("stdin")
        let output = scratch.appendingPathComponent("stdout")
        let errors = scratch.appendingPathComponent("stderr")
        try stdin.write(to: input)
        let status = try spawnAndWait(executable.path, arguments, environment: env, stdin: input.path,
                                      stdout: output.path, stderr: errors.path)
        return Result(
            status: status,
            stdout: String(decoding: try Data(contentsOf: output), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errors), as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        try Scratch.makeDirectory("test")
    }
}
