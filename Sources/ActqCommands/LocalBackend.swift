import ActivityModel
import ActivityQuery
import ActivityStore
import Foundation

/// Opens the store the options name, or the bundled demo store (created on first use).
enum LocalBackend {
    static let demoCount = 5_000
    static let demoSeed: UInt64 = 1

    static func open(_ global: GlobalOptions) throws -> any ActivityStoring {
        if let name = global.store {
            guard PostgresLocation.isURL(name) || FileManager.default.fileExists(atPath: name) else {
                throw CommandFailure.backend("no store at \(name): create one with 'actq import FILE --db \(name)' or 'actq demo --db \(name)'")
            }
            return try openStore(name)
        }
        let demo = Locations.demoStore
        if !FileManager.default.fileExists(atPath: demo.path) { try createDemoStore(at: demo) }
        return try openStore(demo.path)
    }

    /// The store `name` names: a `postgresql://` URL, or the path of a SQLite file.
    static func openStore(_ name: String, readOnly: Bool = true) throws -> any ActivityStoring {
        if PostgresLocation.isURL(name) { return try postgres(name, readOnly: readOnly) }
        do {
            return try ActivityStore(path: name, readOnly: readOnly)
        } catch let error as ActivityStore.StoreError {
            throw CommandFailure.backend(error.description)
        }
    }

    /// A PostgreSQL store; no connection, a refused login or a database that is not a store
    /// means the backend is unavailable (exit 3).
    static func postgres(_ url: String, readOnly: Bool) throws -> PostgresStore {
        do { return try PostgresStore(location(url), readOnly: readOnly) } catch let failure as PostgresFailure {
            throw CommandFailure.backend(failure.description)
        }
    }

    /// A PostgreSQL store's location; a URL that cannot be used is a usage error.
    static func location(_ url: String) throws -> PostgresLocation {
        do { return try PostgresLocation(url: url) } catch let problem as PostgresLocation.Problem {
            throw CommandFailure.usage("--db: \(problem.description)")
        }
    }

    /// A store's name as actq prints it: a URL without its password.
    static func displayName(_ name: String) -> String {
        PostgresLocation.isURL(name) ? PostgresLocation.redacted(name) : name
    }

    /// Replaces a PostgreSQL store's activities with demo data, in one transaction.
    static func writeDemoStore(at url: String, count: Int, seed: UInt64, until: Int64, progress: ((Int) -> Void)? = nil) throws {
        let store = try postgres(url, readOnly: false)
        try store.write(replacing: true) { writer in
            try DemoData(seed: seed, until: until).fill(writer, count: count, progress: progress)
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
