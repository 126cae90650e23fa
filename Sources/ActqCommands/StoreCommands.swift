import ActivityModel
import ActivityQuery
import ActivityStore
import ArgumentParser
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load activities (the API's JSON or XML, or NDJSON) into a store (a SQLite file or a PostgreSQL database).",
        discussion: """
            All or nothing: a bad record stops the import with its file and line, and nothing of \
            the run is kept. Re-importing an activity ID replaces it.
            """)

    @Argument(help: ArgumentHelp("Files to load.", valueName: "file"))
    var files: [String]

    @Option(name: .customLong("input-format"), help: "json, ndjson or xml (default: by file name and content).")
    var inputFormat: String?

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func validate() throws {
        if files.isEmpty { throw ValidationError("name the files to import") }
        if global.store == nil { throw ValidationError("--db (or ACTQ_DB) names the store to import into") }
        if let inputFormat, ActivityReader.Format(rawValue: inputFormat) == nil {
            throw ValidationError("--input-format is json, ndjson or xml")
        }
    }

    func run() throws {
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw CommandFailure.usage("cannot read \(file)")
        }
        let name = global.store!
        let store = try LocalBackend.openStore(name, readOnly: false)
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) != 0)
        let summary: Importer.Summary
        do {
            summary = try Importer.run(files: files, into: store, format: inputFormat.flatMap(ActivityReader.Format.init)) { count, file in
                progress.update("importing \(file): \(QueryRunner.grouped(count)) activities")
            }
        } catch let error as ImportError {
            progress.clear()
            throw CommandFailure.runtime("import failed, nothing was imported: \(error)")
        } catch {
            progress.clear()
            throw CommandFailure.runtime("import failed, nothing was imported: \(error)")
        }
        progress.clear()
        let rate = summary.seconds > 0 ? Double(summary.activities) / summary.seconds : 0
        Output.error("imported \(QueryRunner.grouped(summary.activities)) activities from \(summary.files) file\(summary.files == 1 ? "" : "s") into \(LocalBackend.displayName(name)) in \(String(format: "%.2f", summary.seconds)) s (\(QueryRunner.grouped(Int(rate))) activities/s)\n")
    }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a deterministic demo store.",
        discussion: "The same --count, --seed and --until always give the same activities.")

    @Option(help: "How many activities.")
    var count = LocalBackend.demoCount

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = LocalBackend.demoSeed

    @Option(help: ArgumentHelp("Newest date of the two years of activities (default: now).", valueName: "instant"))
    var until: String?

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func validate() throws {
        if count < 0 || count > 50_000_000 { throw ValidationError("--count is 0 to 50,000,000") }
    }

    func run() throws {
        var end = Int64(Date().timeIntervalSince1970 * 1000)
        end -= end % 60_000
        if let until {
            guard case .success(let literal) = APIDate.parseLiteral(Array(until.utf8)) else {
                throw ValidationError("--until takes a date such as 2026-01-01 or 2026-01-01T00:00:00Z")
            }
            if case .instant(let instant) = literal { end = instant } else {
                end = APIDate.evaluate(literal, in: DateContext(now: 0, timeZone: TimeZone(identifier: "UTC")!)).last
            }
            guard DemoData.untilRange.contains(end) else {
                throw ValidationError("--until is from \(APIDate.format(DemoData.untilRange.lowerBound).prefix(10)) to 9999-12-31: the demo's two years of activities lie in the years 1 to 9999")
            }
        }
        let path = global.store ?? Locations.demoStore.path
        let isDatabase = PostgresLocation.isURL(path)
        // The demo store replaces an earlier actq store at the path, never another kind of file.
        if !isDatabase, FileManager.default.fileExists(atPath: path) {
            _ = try LocalBackend.openStore(path, readOnly: true)
        }
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) != 0)
        let started = Date()
        let report = { (done: Int) in progress.update("generating: \(QueryRunner.grouped(done)) of \(QueryRunner.grouped(count))") }
        do {
            if isDatabase {
                try LocalBackend.writeDemoStore(at: path, count: count, seed: seed, until: end, progress: report)
            } else {
                try LocalBackend.writeDemoStore(at: URL(fileURLWithPath: path), count: count, seed: seed, until: end, progress: report)
            }
        } catch {
            progress.clear()
            throw error
        }
        progress.clear()
        Output.error("wrote \(QueryRunner.grouped(count)) demo activities to \(LocalBackend.displayName(path)) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s\n")
    }
}

/// A progress line on a terminal's stderr, redrawn in place; silent elsewhere.
final class ProgressLine {
    let enabled: Bool
    private var shown = false
    private var last = DispatchTime.now().uptimeNanoseconds

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard !shown || now - last > 100_000_000 else { return }
        last = now
        shown = true
        Output.error("\r\u{1B}[K" + text)
    }

    func clear() {
        guard enabled, shown else { return }
        Output.error("\r\u{1B}[K")
        shown = false
    }
}
