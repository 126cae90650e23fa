import ActivityModel
import ActivityQuery
import ArgumentParser
import Foundation

/// `actq watch -e Q [--every 30s]`: runs Q, then each interval prints only the activities that are
/// new or whose `lastModifiedDate` changed since the round before, asking the backend only for
/// `lastModifiedDate >=` the last round.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run a query, then print the activities that are new or modified since, every interval.",
        discussion: """
            Each round asks only for lastModifiedDate >= the round before (one request when nothing \
            changed). --format ndjson gives {"change":"new"|"modified","activity":…} per line. Ctrl-C ends it; \
            failures are retried with backoff.
            """)

    @OptionGroup var inputArguments: QueryInputArguments
    var inputs: QueryInputs { inputArguments.inputs }
    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    @Option(help: ArgumentHelp("How often to look: seconds, or 30s, 5m, 1h (at least 1 s).", valueName: "interval"))
    var every: String = "30s"

    /// The interval in seconds: a number with an optional unit s, m or h.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            return Double(trimmed.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(trimmed)
    }

    func run() throws {
        guard let interval = Self.seconds(every), interval.isFinite, interval <= 86_400 * 365 else {
            throw ValidationError("--every is an interval such as 30s, 5m or 1h, not '\(every)'")
        }
        let sources = try inputs.sources()
        let context = try global.dateContext()
        let compiled = sources.flatMap { QueryCompiler.compile($0, context: context, options: global.planOptions) }
            .filter { !$0.syntax.tokens.isEmpty }
        guard compiled.count == 1 else { throw ValidationError("watch takes one query; \(compiled.count) were given") }
        let printer = DiagnosticPrinter(global: global)
        if printer.report(compiled[0].diagnostics, in: sources[0]) { throw ExitCode(Exit.queryErrors) }
        guard let plan = compiled[0].plan, plan.aggregation == nil else {
            throw ValidationError("watch lists activities: a query with 'count' cannot be watched")
        }
        let format = ResultFormat(rawValue: (global.format ?? .table).rawValue) ?? .table
        let backend = try Backends.open(global)
        let watcher = Watcher(plan: plan, backend: backend, format: format, context: context, interval: max(1, interval))
        let stop = watcher.stopFlag
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources_ = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                stop.set()
                backend.interrupt()
            }
            source.resume()
            return source
        }
        defer { sources_.forEach { $0.cancel() } }
        try watcher.run()
    }
}

/// The rounds of a watch.
final class Watcher {
    let plan: QueryPlan
    let backend: any ActivityBackend
    let format: ResultFormat
    let context: DateContext
    let interval: Double
    let stopFlag: CancelFlag
    private let output = StandardOutput()
    /// The `lastModified` of every activity seen, by ID.
    private var seen: [Int64: Int64?] = [:]

    init(plan: QueryPlan, backend: any ActivityBackend, format: ResultFormat, context: DateContext, interval: Double,
         stop: CancelFlag = CancelFlag()) {
        self.stopFlag = stop
        self.plan = plan
        self.backend = backend
        self.format = format
        self.context = context
        self.interval = interval
    }

    func run() throws {
        var watermark = Self.now()
        // Round one: the query's result, as it is.
        let first = try retrying { try collect(plan, all: true) }
        guard let first else { return }
        for (id, modified, _) in first { seen[id] = modified }
        print(first.map { (nil, $0.2) })
        while !stopFlag.isSet {
            guard pause(interval) else { break }
            let started = Self.now()
            // Only what changed since the last round: lastModifiedDate >= then (a second of slack
            // for a clock that differs from the server's).
            let since = plan.narrowed(lastModifiedFrom: watermark - 1000)
            guard let rows = try retrying({ try collect(since, all: true) }) else { break }
            var changes: [(String?, String)] = []
            for (id, modified, json) in rows {
                if let before = seen[id] {
                    if before != modified { changes.append(("modified", json)) }
                } else {
                    changes.append(("new", json))
                }
                seen[id] = modified
            }
            if !changes.isEmpty { print(changes) }
            watermark = started
        }
        output.flush()
    }

    /// Every matching activity of a plan: ID, lastModified, JSON.
    private func collect(_ plan: QueryPlan, all: Bool) throws -> [(Int64, Int64?, String)] {
        var rows: [(Int64, Int64?, String)] = []
        _ = try backend.search(plan.with(window: nil), all: all) { row in
            let modified = (try? JSONParser.parse(Array(row.json.utf8))).flatMap { json -> Int64? in
                guard case .object(let resource) = json, case .integer(let instant)? = try? Activity.value(of: .lastModifiedDate, in: resource)
                else { return nil }
                return instant
            }
            rows.append((row.id, modified, row.json))
        }
        return rows
    }

    /// Runs `body`, trying again after failures with a growing pause (up to the interval);
    /// nil when stopped.
    private func retrying<T>(_ body: () throws -> T) throws -> T? {
        var delay = 1.0
        while !stopFlag.isSet {
            do {
                return try body()
            } catch {
                if stopFlag.isSet { return nil }
                Output.error("actq: watch: \(error); trying again in \(Int(delay)) s\n")
                guard pause(delay) else { return nil }
                delay = min(delay * 2, max(1, interval))
            }
        }
        return nil
    }

    /// Waits `seconds` unless stopped; false when stopped.
    private func pause(_ seconds: Double) -> Bool {
        output.flush()
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stopFlag.isSet { return false }
            Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow)))
        }
        return !stopFlag.isSet
    }

    /// A round's activities, each with its change (nil in the first round).
    private func print(_ rows: [(change: String?, json: String)]) {
        switch format {
        case .ndjson:
            for row in rows {
                if let change = row.change {
                    output.write("{\"change\":\"\(change)\",\"activity\":\(row.json)}\n")
                } else {
                    output.write(row.json + "\n")
                }
            }
        case .json:
            for row in rows {
                output.write("{\"change\":" + (row.change.map { "\"\($0)\"" } ?? "null") + ",\"activity\":\(row.json)}\n")
            }
        case .csv, .xml, .table, .vertical:
            if rows.first?.change != nil {
                let counts = Dictionary(grouping: rows, by: { $0.change ?? "" }).mapValues(\.count)
                let stamp = APIDate.format(Self.now())
                Output.error("\(stamp): " + ["new", "modified"].compactMap { key in counts[key].map { "\($0) \(key)" } }.joined(separator: ", ") + "\n")
            }
            var table: [[String]] = []
            for row in rows {
                guard case .object(let resource)? = try? JSONParser.parse(Array(row.json.utf8)) else { continue }
                table.append([row.change ?? ""] + ActivityColumns.tableValues(resource, context: context))
            }
            guard !table.isEmpty else { return }
            let layout = TableLayout(headers: ["change"] + ActivityColumns.tableHeaders, rows: table)
            output.write(layout.render(width: ResultPrinter.terminalWidth))
        }
        output.flush()
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

extension QueryPlan {
    /// The plan with every alternative's `lastModifiedDate` narrowed to start at `instant`.
    func narrowed(lastModifiedFrom instant: Int64) -> QueryPlan {
        let narrowed = alternatives.map { query -> ActivityQuery in
            var query = query
            let range = (query.dateRange(of: .lastModifiedDate) ?? DateRange(start: nil, end: nil))
                .intersected(with: DateRange(start: instant, end: nil))
            query[.fixed(.lastModifiedDate)] = .dates(range)
            return query
        }
        var plan = QueryPlan(alternatives: narrowed, window: nil)
        plan.aggregation = aggregation
        return plan
    }
}
