import ActivityModel
import Foundation

/// Loads activity files into a store: all or nothing per run, reading each file as a stream.
public enum Importer {
    public struct Summary: Sendable {
        public var files: Int
        public var activities: Int
        public var seconds: Double
    }

    /// Imports every file in one transaction. A bad record aborts the run with its location and
    /// leaves the store as it was. `progress` gets the running count and the current file's bytes
    /// read (for a progress bar).
    public static func run(
        files: [String], into store: any ActivityStoring, format: ActivityReader.Format? = nil,
        progress: ((Int, String) -> Void)? = nil
    ) throws -> Summary {
        let start = Date()
        let count = try store.write { writer -> Int in
            for file in files {
                try ActivityReader.readRecords(path: file, format: format) { record, _ in
                    try writer.put(record)
                    if writer.written % 4096 == 0 { progress?(writer.written, file) }
                }
            }
            return writer.written
        }
        return Summary(files: files.count, activities: count, seconds: Date().timeIntervalSince(start))
    }
}
