import ActivityModel
import ActivityQuery
import ActivityStore
import ArgumentParser
import Foundation
import LineEditor

/// The interactive prompt: libedit line editing, history, completion, multi-line queries, meta
/// commands, results fitted to the terminal, a pager for long output, Ctrl-C to cancel.
final class REPL {
    struct Settings {
        var format: ResultFormat = .table
        var timeZone: TimeZone = .current
        var pageSize: Int?
        var color = true
        var timing = true
        var pager = true
    }

    let global: GlobalOptions
    var settings = Settings()
    /// Parameters set with `:param`, over those of `--param`.
    var parameters: [String: ParameterValue] = [:]

    var planOptions: PlanOptions {
        var options = global.planOptions
        options.parameters.merge(parameters) { _, own in own }
        return options
    }
    let editor: LineEditor
    /// The backend, once opened. The SIGINT handler runs on another queue and reads it to
    /// interrupt a search, so it lives behind a lock.
    private let opened = BackendSlot()
    private var backend: (any ActivityBackend)? { opened.backend }
    private var lastPlan: QueryPlan?
    private var lastText: String?
    private var interruptSource: DispatchSourceSignal?
    private let cancelled = CancelFlag()
    private var values: StoreValues?

    static let secretPattern = try! NSRegularExpression(pattern: "password|passwd|secret|session|token", options: [.caseInsensitive])

    init(global: GlobalOptions, readStartupFile: Bool) throws {
        self.global = global
        settings.format = ResultFormat(rawValue: (global.format ?? .table).rawValue) ?? .table
        settings.timeZone = try global.timeZone()
        settings.color = global.useColor(for: .standardOutput)
        let historyPath = Locations.stateDirectory.appendingPathComponent("history").path
        editor = LineEditor(program: "actq", historyPath: historyPath)
        // Lines holding a password or a session never enter the history file.
        editor.historyFilter = { line in
            REPL.secretPattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil
        }
        if readStartupFile { runStartupFile() }
    }

    private func runStartupFile() {
        let path = Locations.configDirectory.appendingPathComponent("actqrc").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard trimmed.hasPrefix(":set ") else {
                Output.error("\(path):\(number + 1): only ':set NAME VALUE' lines belong in actqrc\n")
                continue
            }
            if let problem = set(String(trimmed.dropFirst(5))) { Output.error("\(path):\(number + 1): \(problem)\n") }
        }
    }

    var context: DateContext {
        var context = (try? global.dateContext()) ?? DateContext.current()
        context.timeZone = settings.timeZone
        return context
    }

    func run() throws -> Int32 {
        // A hang-up or a terminate request must end the REPL, and Ctrl-C must reach the query
        // canceller, even when the parent started us with those signals blocked (history is
        // saved after every entry, so a hang-up loses nothing).
        unblockTerminationSignals()
        installInterruptHandler()
        do { _ = try openBackend() } catch { Output.error("actq: \(error)\n") }
        editor.completer = { [weak self] text in self?.complete(text) ?? (0, []) }
        Output.error("actq \u{2014} type a query, :help for help, Ctrl-D to leave.\n")
        var pending = ""
        while true {
            editor.pendingText = pending.isEmpty ? "" : pending + "\n"
            guard let line = editor.readLine(prompt: prompt(continuation: !pending.isEmpty)) else { break }
            if editor.cancelled {
                pending = ""
                FileHandle.standardOutput.write(Data("\n".utf8))
                continue
            }
            if pending.isEmpty, line.trimmingCharacters(in: .whitespaces).hasPrefix(":") {
                editor.addHistory(line)
                editor.saveHistory()
                if !meta(line.trimmingCharacters(in: .whitespaces)) { break }
                continue
            }
            pending += pending.isEmpty ? line : "\n" + line
            if ContinuationRule.continues(pending) { continue }
            let entry = pending
            pending = ""
            guard !entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            editor.addHistory(entry.replacingOccurrences(of: "\n", with: " "))
            editor.saveHistory()
            execute(entry)
        }
        editor.saveHistory()
        FileHandle.standardOutput.write(Data("\n".utf8))
        return Exit.success
    }

    private func prompt(continuation: Bool) -> String {
        let text = continuation ? "  ...> " : "actq> "
        // Colour codes sit between \u{1} markers so that libedit measures the prompt right.
        return settings.color ? "\u{1}\u{1B}[1;36m\u{1}" + text + "\u{1}\u{1B}[0m\u{1}" : text
    }

    /// Ctrl-C while a query runs stops it and returns to the prompt.
    private func installInterruptHandler() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let flag = cancelled
        source.setEventHandler { [weak self] in
            flag.set()
            self?.opened.backend?.interrupt()
        }
        source.resume()
        interruptSource = source
    }

    // MARK: Queries

    func openBackend() throws -> any ActivityBackend {
        if let backend { return backend }
        let backend = try Backends.open(global)
        opened.backend = backend
        values = StoreValues(backend: backend)
        return backend
    }

    func execute(_ entry: String) {
        // A line that starts with `and`, `or` or a modifier continues the last query, as the next
        // line of a script would: `and status = open` narrows what ran before.
        var text = entry
        if let lastText, let first = Lexer.tokenize(Array(entry.utf8)).tokens.first(where: { !$0.kind.isTrivia && $0.kind != .newline }),
           ContinuationRule.continuesQuery(first) {
            text = Self.continued(lastText, with: entry)
            Output.error(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ") + "\n")
        }
        let source = SourceText(name: "<input>", text)
        let renderer = DiagnosticRenderer(useColor: settings.color)
        for compiled in QueryCompiler.compile(source, context: context, options: planOptions) {
            if !compiled.diagnostics.isEmpty { Output.error(renderer.render(compiled.diagnostics, in: source)) }
            guard var plan = compiled.plan else { continue }
            if plan.window == nil, let size = settings.pageSize { plan = plan.with(window: .page(number: 1, size: size)) }
            lastPlan = plan
            lastText = source.text(compiled.range)
            runQuery(plan)
        }
    }

    /// The last query continued by a line that starts with `and`, `or` or a modifier: conditions
    /// join its filter (before its modifiers), and a modifier replaces the last query's modifier
    /// of the same kind (`page 2` after `page 1 size 2`). When that does not make one clean query,
    /// the two are simply put together, and the diagnostics say what is wrong.
    static func continued(_ last: String, with entry: String) -> String {
        let lastSource = SourceText(name: "<input>", last)
        guard let lastSyntax = ScriptParser.parse(lastSource).first?.syntax, let lastFilter = lastSyntax.filter else {
            return last + "\n" + entry
        }
        let combinedSource = SourceText(name: "<input>", lastSource.text(lastFilter.range) + "\n" + entry)
        let parsed = ScriptParser.parse(combinedSource)
        guard parsed.count == 1, let filter = parsed[0].syntax.filter, !parsed[0].diagnostics.hasErrors else {
            return last + "\n" + entry
        }
        let modifiers = parsed[0].syntax.modifiers
        let given = Set(modifiers.compactMap(\.keyword.keyword))
        return ([combinedSource.text(filter.range)]
            + lastSyntax.modifiers.filter { !given.contains($0.keyword.keyword!) }.map { lastSource.text($0.range) }
            + modifiers.map { combinedSource.text($0.range) }).joined(separator: " ")
    }

    func runQuery(_ plan: QueryPlan) {
        let backend: any ActivityBackend
        do { backend = try openBackend() } catch {
            Output.error("actq: \(error)\n")
            return
        }
        let output = StandardOutput(capturing: true)
        cancelled.reset()
        let flag = cancelled
        var printer = ResultPrinter(format: settings.format, context: context, output: output)
        printer.autoVertical = true
        printer.isCancelled = { flag.isSet }
        let started = DispatchTime.now()
        do {
            let info = try printer.print(plan, all: global.all, backend: backend)
            show(output.take())
            // The summary line: count and page, and the time unless timing is off.
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
            Output.error(QueryRunner.summary(info, elapsed: settings.timing ? elapsed : nil) + "\n")
        } catch is Cancelled {
            Output.error("cancelled\n")
        } catch {
            if cancelled.isSet {
                Output.error("cancelled\n")
            } else {
                Output.error("actq: the query failed: \(error)\n")
            }
        }
    }

    /// Prints a result, through the pager when it is longer than the screen.
    func show(_ text: String) {
        guard !text.isEmpty else { return }
        let rows = REPL.terminalRows()
        let lines = text.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        let pagerCommand = Environment["PAGER"] ?? "less -FRX"
        if settings.pager, !pagerCommand.isEmpty, isatty(STDOUT_FILENO) != 0, lines > rows - 2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", pagerCommand]
            let pipe = Pipe()
            process.standardInput = pipe
            if (try? process.run()) != nil {
                pipe.fileHandleForWriting.write(Data(text.utf8))
                try? pipe.fileHandleForWriting.close()
                process.waitUntilExit()
                return
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func terminalRows() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return 24
    }

    // MARK: Completion

    func complete(_ text: String) -> (Int, [LineCompletion]) {
        if !text.contains("\n"), text.trimmingCharacters(in: .whitespaces).hasPrefix(":"), !text.contains(" ") {
            let word = text.trimmingCharacters(in: .whitespaces)
            let matches = REPL.commands.map(\.name).filter { $0.hasPrefix(word) }
            return (word.utf8.count, matches.map { LineCompletion(text: $0) })
        }
        if backend == nil { _ = try? openBackend() }
        let result = CompletionEngine.complete(text, values: values)
        let replacing = text.utf8.count - result.replaceFrom
        return (replacing, result.items.map { LineCompletion(text: $0.insertText, display: $0.label) })
    }

    // MARK: Meta commands

    /// A meta command: its name and other spellings, its usage and help (for `:help` and
    /// completion), and what it does with its argument (false: leave the REPL).
    struct MetaCommand: Sendable {
        let name: String
        var aliases: [String] = []
        let usage: String
        let help: String
        let run: @Sendable (REPL, String) -> Bool
    }

    /// Every meta command, in the order `:help` lists them.
    static let commands: [MetaCommand] = [
        MetaCommand(name: ":help", aliases: [":h", ":?"], usage: ":help [topic]", help: "this help; topics: language, fields, dates, modifiers, formats") {
            FileHandle.standardOutput.write(Data(REPL.help($1).utf8))
            return true
        },
        MetaCommand(name: ":explain", usage: ":explain [query]", help: "the exact request of a query (default: the last one)") {
            $0.explain($1)
            return true
        },
        MetaCommand(name: ":format", usage: ":format NAME", help: "output format: table, vertical, json, ndjson, csv, xml") {
            if let problem = $0.set("format " + $1) { Output.error(problem + "\n") }
            return true
        },
        MetaCommand(name: ":backend", usage: ":backend", help: "where queries run") { repl, _ in
            do {
                Output.write(try repl.openBackend().summary + "\n")
            } catch { Output.error("actq: \(error)\n") }
            return true
        },
        MetaCommand(name: ":set", usage: ":set NAME VALUE", help: "tz, format, pagesize, color (on/off), timing (on/off), pager (on/off)") {
            if let problem = $0.set($1) { Output.error(problem + "\n") }
            return true
        },
        MetaCommand(name: ":show", usage: ":show [NAME]", help: "current settings") {
            Output.write($0.showSettings($1))
            return true
        },
        MetaCommand(name: ":next", usage: ":next", help: "the next page of the last query") { repl, _ in
            repl.page(forward: true)
            return true
        },
        MetaCommand(name: ":prev", usage: ":prev", help: "the previous page of the last query") { repl, _ in
            repl.page(forward: false)
            return true
        },
        MetaCommand(name: ":save", usage: ":save NAME", help: "keep the last query under a name") {
            $0.save($1)
            return true
        },
        MetaCommand(name: ":run", usage: ":run NAME", help: "run a saved query") {
            $0.runSaved($1)
            return true
        },
        MetaCommand(name: ":queries", usage: ":queries", help: "the saved queries") { repl, _ in
            repl.listSaved()
            return true
        },
        MetaCommand(name: ":param", usage: ":param NAME [VALUE]", help: "give $NAME a value (the rest of the line); without one, forget it") {
            $0.setParameter($1)
            return true
        },
        MetaCommand(name: ":params", usage: ":params", help: "the parameters and their values") { repl, _ in
            let all = repl.planOptions.parameters
            if all.isEmpty { Output.write("no parameters; :param NAME VALUE gives one\n") }
            for name in all.keys.sorted() { Output.write("$\(name) = \(StringLiteral.literal(all[name]!.value))  (\(all[name]!.origin))\n") }
            return true
        },
        MetaCommand(name: ":watch", usage: ":watch QUERY", help: "run a query, then show what is new or modified every 30 s (Ctrl-C ends)") {
            $0.watch($1)
            return true
        },
        MetaCommand(name: ":history", usage: ":history [N]", help: "the last N entries of the history") {
            $0.showHistory($1)
            return true
        },
        MetaCommand(name: ":timing", usage: ":timing", help: "turn the time in the summary line on or off") { repl, _ in
            repl.settings.timing.toggle()
            Output.write("timing is \(repl.settings.timing ? "on" : "off")\n")
            return true
        },
        MetaCommand(name: ":quit", aliases: [":q", ":exit"], usage: ":quit", help: "leave (also Ctrl-D)") { _, _ in false },
    ]

    /// Runs a meta command; false means leave.
    func meta(_ line: String) -> Bool {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard let command = REPL.commands.first(where: { $0.name == parts[0] || $0.aliases.contains(parts[0]) }) else {
            let suggestion = Suggestions.closest(to: parts[0], among: REPL.commands.map(\.name))
            Output.error("unknown command \(parts[0])" + (suggestion.map { "; did you mean \($0)?" } ?? "; :help lists the commands") + "\n")
            return true
        }
        return command.run(self, argument)
    }

    func setParameter(_ argument: String) {
        let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
        var name = parts.first ?? ""
        if name.hasPrefix("$") { name.removeFirst() }
        guard Lexer.isParameterName(name) else {
            return Output.error("usage: :param NAME [VALUE] (a name of letters, digits and _)\n")
        }
        if parts.count > 1 {
            parameters[name] = ParameterValue(parts[1], origin: "from :param \(name)")
            Output.write("$\(name) = \(StringLiteral.literal(parts[1]))\n")
        } else {
            parameters[name] = nil
            Output.write("$\(name) is unset\n")
        }
    }

    /// `:watch QUERY`: the query's result, then its new and modified activities every 30 s
    /// (`:set watch` is not needed: Ctrl-C ends it and returns to the prompt).
    func watch(_ argument: String) {
        let source = SourceText(name: "<input>", argument.isEmpty ? (lastText ?? "") : argument)
        let compiled = QueryCompiler.compile(source, context: context, options: planOptions).filter { !$0.syntax.tokens.isEmpty }
        guard compiled.count == 1 else { return Output.error("usage: :watch QUERY (one query; without one, the last)\n") }
        if !compiled[0].diagnostics.isEmpty { Output.error(DiagnosticRenderer(useColor: settings.color).render(compiled[0].diagnostics, in: source)) }
        guard let plan = compiled[0].plan, plan.aggregation == nil else { return }
        let backend: any ActivityBackend
        do { backend = try openBackend() } catch { return Output.error("actq: \(error)\n") }
        cancelled.reset()
        Output.error("watching every 30 s; Ctrl-C ends\n")
        do {
            try Watcher(plan: plan, backend: backend, format: settings.format, context: context, interval: 30, stop: cancelled).run()
        } catch {
            Output.error("actq: watch: \(error)\n")
        }
        Output.error("stopped watching\n")
    }

    func showHistory(_ argument: String) {
        guard let count = argument.isEmpty ? 20 : Int(argument), count > 0 else {
            return Output.error("usage: :history [N], N a positive number of entries\n")
        }
        for (index, entry) in editor.entries.enumerated().suffix(count) {
            Output.write("\(String(repeating: " ", count: max(0, 5 - String(index + 1).count)))\(index + 1)  \(entry)\n")
        }
    }

    func explain(_ argument: String) {
        if argument.isEmpty {
            guard let lastPlan else { return Output.error("no query yet\n") }
            Output.write(explained(lastPlan.requests))
            return
        }
        let source = SourceText(name: "<input>", argument)
        for compiled in QueryCompiler.compile(source, context: context, options: planOptions) {
            Output.error(DiagnosticRenderer(useColor: settings.color).render(compiled.diagnostics, in: source))
            Output.write(explained(compiled.requests))
        }
    }

    /// The requests of a plan as `explain` shows them; several are counted first.
    private func explained(_ requests: [SearchRequest]) -> String {
        guard !requests.isEmpty else { return "" }
        return RequestRendering.text(requests, wire: global.wire ?? .json, counted: true) + "\n"
    }

    /// Applies `NAME VALUE`; returns a problem to report, or nil.
    func set(_ assignment: String) -> String? {
        let parts = assignment.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return "usage: :set NAME VALUE (names: tz, format, pagesize, color, timing, pager)" }
        let (name, value) = (parts[0], parts[1])
        func flag(_ apply: (Bool) -> Void) -> String? {
            switch value.lowercased() {
            case "on", "true", "yes", "1": apply(true)
            case "off", "false", "no", "0": apply(false)
            default: return "\(name) is on or off"
            }
            return nil
        }
        switch name {
        case "format":
            guard let format = ResultFormat(rawValue: value) else { return "formats: table, vertical, json, ndjson, csv, xml" }
            settings.format = format
        case "tz":
            guard let zone = TimeZoneParser.parse(value) else { return "unknown time zone '\(value)'" }
            settings.timeZone = zone
        case "pagesize":
            guard let size = Int(value), ResultWindow.sizeLimit.contains(size) else { return "pagesize is 1 to 75" }
            settings.pageSize = size
        case "color": return flag { settings.color = $0 }
        case "timing": return flag { settings.timing = $0 }
        case "pager": return flag { settings.pager = $0 }
        default: return "unknown setting '\(name)' (tz, format, pagesize, color, timing, pager)"
        }
        return nil
    }

    func showSettings(_ name: String) -> String {
        let all = [
            ("format", settings.format.rawValue), ("tz", settings.timeZone.identifier),
            ("pagesize", settings.pageSize.map(String.init) ?? "25 (the API's default)"),
            ("color", settings.color ? "on" : "off"), ("timing", settings.timing ? "on" : "off"),
            ("pager", settings.pager ? "on" : "off"),
        ]
        return all.filter { name.isEmpty || $0.0 == name }.map { "\($0.0) = \($0.1)\n" }.joined()
    }

    func page(forward: Bool) {
        guard let plan = lastPlan else { return Output.error("no query yet\n") }
        let next: ResultWindow
        switch plan.window {
        case .range(let start, let size)?:
            let step = size ?? ResultWindow.defaultSize
            if !forward, start <= 1 { return Output.error("already at the first result\n") }
            next = .range(start: max(1, start + (forward ? step : -step)), size: size)
        case .page(let number, let size)?:
            if !forward, number <= 1 { return Output.error("already at the first page\n") }
            next = .page(number: number + (forward ? 1 : -1), size: size)
        case nil:
            if !forward { return Output.error("already at the first page\n") }
            next = .page(number: 2, size: nil)
        }
        lastPlan = plan.with(window: next)
        runQuery(plan.with(window: next))
    }

    // MARK: Saved queries

    var savedDirectory: URL { Locations.dataDirectory.appendingPathComponent("queries") }

    func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    func save(_ name: String) {
        guard validName(name) else { return Output.error("usage: :save NAME (letters, digits, - and _)\n") }
        guard let lastText else { return Output.error("no query yet\n") }
        do {
            try FileManager.default.createDirectory(at: savedDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(Array((lastText + "\n").utf8), to: savedDirectory.appendingPathComponent(name + ".actq").path, mode: 0o644)
            Output.write("saved as \(name)\n")
        } catch let failure as AtomicFile.Failure {
            Output.error("actq: cannot save: \(failure.description)\n")
        } catch { Output.error("actq: cannot save: \(error.localizedDescription)\n") }
    }

    func runSaved(_ name: String) {
        guard validName(name) else { return Output.error("usage: :run NAME\n") }
        guard let text = try? String(contentsOf: savedDirectory.appendingPathComponent(name + ".actq"), encoding: .utf8) else {
            return Output.error("no saved query named \(name); :queries lists them\n")
        }
        Output.write(text)
        execute(text)
    }

    func listSaved() {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: savedDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".actq") }.sorted()
        if names.isEmpty { return Output.write("no saved queries (:save NAME keeps the last one)\n") }
        for name in names {
            let text = (try? String(contentsOf: savedDirectory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            Output.write("\(name.dropLast(5))\t\(text.trimmingCharacters(in: .whitespacesAndNewlines))\n")
        }
    }

    static func help(_ topic: String) -> String {
        switch topic {
        case "language", "":
            return """
                Queries: conditions joined by 'and', then modifiers. One query per line; a line ending
                in 'and' or an open bracket continues. Tab completes fields, operators and values.
                  status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc
                  queue = 1000 and type = email page 2 size 10
                Topics: :help fields, :help dates, :help modifiers, :help formats

                """ + (topic.isEmpty ? "Commands:\n" + commands.map { "  \($0.usage.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.help)\n" }.joined() : "")
        case "fields":
            return Filter.allFixed.map { "  \($0.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \($0.summary)\n" }.joined()
                + "  custom.<name>      \(Filter.custom("<name>").summary)\n"
        case "dates":
            return """
                Dates: 2024-01-15 (the whole day), 2024-01-15T10:30, 2024-01-15T10:30:00Z,
                relative now, today, yesterday, -7d, now-12h, today-1w (units m h d w).
                Operators: = >= <= > < and in [A .. B] (inclusive; either bound may be left out).

                """
        case "modifiers":
            return """
                show all | show a, b      attributes beyond the summary
                sort by id|createdDate|lastModifiedDate [asc|desc]
                page N [size M]           pages of M (1-75, default 25)
                range S [size M]          M results from the S-th

                """
        case "formats":
            return "table, vertical, json, ndjson, csv, xml (:format NAME)\n"
        default:
            return "no help on '\(topic)'; topics: language, fields, dates, modifiers, formats\n"
        }
    }
}

/// The REPL's backend, set on the main thread and read by the SIGINT handler's queue.
final class BackendSlot: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var value: (any ActivityBackend)?
    var backend: (any ActivityBackend)? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// A flag set from a signal handler's queue and read from the main thread.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    func reset() { lock.withLock { value = false } }
    var isSet: Bool { lock.withLock { value } }
}

/// The values a store knows, for completion; read once per field.
final class StoreValues: CompletionValueSource, @unchecked Sendable {
    let backend: any ActivityBackend
    private var cache: [Filter: [String]] = [:]
    private var names: [String]?

    init(backend: any ActivityBackend) { self.backend = backend }

    func values(for filter: Filter) -> [String] {
        if let cached = cache[filter] { return cached }
        let found = (try? backend.distinctValues(of: filter, limit: 50)) ?? []
        cache[filter] = found
        return found
    }

    func customAttributeNames() -> [String] {
        if let names { return names }
        let found = (try? backend.customAttributeNames(limit: 100)) ?? []
        names = found
        return found
    }
}
