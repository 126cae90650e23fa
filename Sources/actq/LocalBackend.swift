import ActivityModel
import ActivityQuery
import ActivityStore
import Foundation

/// Opens the store the options name, or the bundled demo store (created on first use).
enum LocalBackend {
    static let demoCount = 5_000
    static let demoSeed: UInt64 = 1

    static func open(_ global: GlobalOptions) throws -> ActivityStore {
        if global.backend == .remote {
            throw CommandFailure.backend("the remote backend is not available in this build; use --backend local")
        }
        if let path = global.db {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure.backend("no store at \(path): create one with 'actq import FILE --db \(path)' or 'actq demo --db \(path)'")
            }
            return try openStore(path)
        }
        let demo = Locations.demoStore
        if !FileManager.default.fileExists(atPath: demo.path) { try createDemoStore(at: demo) }
        return try openStore(demo.path)
    }

    static func openStore(_ path: String, readOnly: Bool = true) throws -> ActivityStore {
        do {
            return try ActivityStore(path: path, readOnly: readOnly)
        } catch let error as ActivityStore.StoreError {
            throw CommandFailure.backend(error.description)
        }
    }

    /// Builds the demo store beside its final place and renames it there, so that a concurrent
    /// first use never sees half a store.
    static func createDemoStore(at url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".demo-\(getpid()).sqlite")
        try? FileManager.default.removeItem(at: temporary)
        do {
            let store = try ActivityStore(path: temporary.path)
            // Dates run up to now, so that "lastModifiedDate >= -7d" finds something.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try DemoData(seed: demoSeed, until: now - now % 60_000).populate(store, count: demoCount)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure.runtime("cannot create the demo store at \(url.path): \(error)")
        }
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            if !FileManager.default.fileExists(atPath: url.path) {
                throw CommandFailure.runtime("cannot create the demo store at \(url.path): \(String(cString: strerror(errno)))")
            }
        } else if isatty(STDERR_FILENO) != 0 {
            Output.error("actq: created the demo store at \(url.path) (\(demoCount) activities)\n")
        }
    }
}
