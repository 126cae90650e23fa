import Foundation

/// One directory per test process for every file a test makes (stores, inputs, homes),
/// removed when the process exits, so that no run leaves anything behind, whatever its tests
/// forget or however they fail.
public enum Scratch {
    public static let directory: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("actq-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.directory) }
        return directory
    }()

    /// A path in the scratch directory: `prefix`, a unique part, then `suffix`.
    public static func path(_ prefix: String, _ suffix: String = "") -> String {
        directory.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)").path
    }

    /// A new, empty directory in the scratch directory.
    public static func makeDirectory(_ prefix: String) throws -> URL {
        let url = URL(fileURLWithPath: path(prefix))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
