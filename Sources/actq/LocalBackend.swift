import ActivityModel
import ActivityQuery
import ActivityStore
import Foundation

/// Opens the store the options name, or the bundled demo store (created on first use).
enum LocalBackend {
    static let demoCount = 5_000
    static let demoSeed: UInt64 = 1

    static func open(_ global: GlobalOptions) throws -> ActivityStore {
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

    /// Builds a demo store beside its final place and renames it over that place, so that a
    /// concurrent reader never sees half a store and the same options always give the same store.
    static func writeDemoStore(
        at url: URL, count: Int, seed: UInt64, until: Int64, progress: ((Int) -> Void)? = nil
    ) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).demo-\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        do {
            let store = try ActivityStore(path: temporary.path)
            try DemoData(seed: seed, until: until).populate(store, count: count, progress: progress)
            // Closing folds the WAL into the file: what is renamed is the whole store.
            try store.close()
            // An earlier store's WAL must not outlive it beside the new file: fold it in first.
            if FileManager.default.fileExists(atPath: url.path) { try ActivityStore(path: url.path).checkpoint() }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure.runtime("cannot write the demo store at \(url.path): \(error)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure.runtime("cannot write the demo store at \(url.path): \(reason)")
        }
    }

    /// The bundled demo store, on first use. Its dates run up to now, so that
    /// "lastModifiedDate >= -7d" finds something.
    static func createDemoStore(at url: URL) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            try writeDemoStore(at: url, count: demoCount, seed: demoSeed, until: now - now % 60_000)
        } catch where FileManager.default.fileExists(atPath: url.path) {
            return  // another actq made it first
        }
        if isatty(STDERR_FILENO) != 0 {
            Output.error("actq: created the demo store at \(url.path) (\(demoCount) activities)\n")
        }
    }
}
