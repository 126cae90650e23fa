import ActqTestSupport
import Foundation
import Testing

/// The REPL's meta commands, history search, pager and fitting to the terminal, as README
/// describes them, in tmux on the demo store.
@Suite(.serialized) struct REPLCommandTests {
    /// Enters a line and waits until the prompt is back after it; returns the screen after the line.
    @discardableResult
    static func enter(_ session: TmuxSession, _ line: String, expecting text: String) throws -> String {
        try session.type(line)
        try session.press("Enter")
        func done(_ screen: String) -> Bool {
            guard let after = screen.components(separatedBy: "actq> " + line).last else { return false }
            return (text.isEmpty || after.contains(text)) && after.contains("actq>")
        }
        let screen = try session.wait(until: done)
        #expect(done(screen), "after \(line): no \(text.debugDescription) and prompt on the screen:\n\(screen)")
        return screen.components(separatedBy: "actq> " + line).last ?? ""
    }

    @Test(.enabled(if: REPLTests.runsTmuxTests)) func helpShowFormatBackendAndTiming() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        let help = try Self.enter(session, ":help", expecting: ":quit")
        for command in [":explain [query]", ":format NAME", ":backend", ":set NAME VALUE", ":show [NAME]", ":history [N]", ":timing"] {
            #expect(help.contains(command), "\(command) in :help")
        }
        let topic = try Self.enter(session, ":help dates", expecting: "-7d")
        #expect(!topic.contains(":history [N]"), "a topic is not the command list")

        let show = try Self.enter(session, ":show", expecting: "pager = ")
        for line in ["format = table", "pagesize = 25 (the API's default)", "timing = on", "pager = on"] {
            #expect(show.contains(line), "\(line) in :show")
        }
        let one = try Self.enter(session, ":show format", expecting: "format = ")
        #expect(one.contains("format = table") && !one.contains("timing ="))

        let backend = try Self.enter(session, ":backend", expecting: "activities)")
        #expect(backend.contains("local store \(session.home.path)/data/actq/demo.sqlite (5000 activities)"), "\(backend)")

        try Self.enter(session, ":format csv", expecting: "")
        #expect(try Self.enter(session, ":show format", expecting: "format = ").contains("format = csv"))
        let csv = try Self.enter(session, "customer = 1080 page 1 size 1", expecting: "of 6 activities")
        #expect(csv.contains("id,type,subtype"), "\(csv)")
        let bad = try Self.enter(session, ":format yaml", expecting: "formats:")
        #expect(bad.contains("formats: table, vertical, json, ndjson, csv, xml"), "\(bad)")

        // The summary line has the time, unless :timing turned it off.
        let timed = try Self.enter(session, "customer = 1080 page 1 size 1", expecting: "(page 1 of 6)")
        #expect(timed.range(of: #"1 of 6 activities \(page 1 of 6\), [0-9.]+ ms"#, options: .regularExpression) != nil, "\(timed)")
        #expect(try Self.enter(session, ":timing", expecting: "timing is").contains("timing is off"))
        let untimed = try Self.enter(session, "customer = 1080 page 1 size 1", expecting: "(page 1 of 6)")
        #expect(untimed.contains("1 of 6 activities (page 1 of 6)\n") && !untimed.contains(" ms"), "\(untimed)")
        #expect(try Self.enter(session, ":timing", expecting: "timing is").contains("timing is on"))
    }

    @Test(.enabled(if: REPLTests.runsTmuxTests)) func historyOfNAndControlRSearch() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try Self.enter(session, "customer = 1080 page 1 size 1", expecting: "activities")
        try Self.enter(session, "status = open page 1 size 1", expecting: "activities")
        try Self.enter(session, "queue = 1000 page 1 size 1", expecting: "activities")
        let two = try Self.enter(session, ":history 2", expecting: ":history 2")
        #expect(two.contains("queue = 1000 page 1 size 1"))
        #expect(!two.contains("status = open page 1 size 1") && !two.contains("customer = 1080"), "\(two)")
        let all = try Self.enter(session, ":history", expecting: ":history\n")
        #expect(all.contains("customer = 1080") && all.contains("status = open page 1 size 1"))
        #expect(try Self.enter(session, ":history 0", expecting: "actq>").contains("positive"))

        // Ctrl-R, then part of an earlier line: that line comes back, and Enter runs it.
        try session.press("C-r")
        try session.type("1080")
        try session.wait(for: "actq> customer = 1080 page 1 size 1\nbck:1080")
        try session.press("Enter")
        let ran = try session.wait { $0.components(separatedBy: "bck:1080").last?.contains("of 6 activities") ?? false }
        #expect(ran.components(separatedBy: "bck:1080").last?.contains("1 of 6 activities") == true, "\(ran)")
    }

    @Test(.enabled(if: REPLTests.runsTmuxTests)) func wideTablesTurnVerticalOnANarrowTerminal() throws {
        let wide = try TmuxSession(width: 160)
        try wide.wait(for: "actq>")
        let table = try Self.enter(wide, "customer = 1080 page 1 size 2", expecting: "(page 1 of 3)")
        #expect(table.contains("id   | type"), "\(table)")

        let narrow = try TmuxSession(width: 60)
        try narrow.wait(for: "actq>")
        let vertical = try Self.enter(narrow, "customer = 1080 page 1 size 2", expecting: "(page 1 of 3)")
        #expect(vertical.contains("-[ activity 1 ]") && vertical.contains("-[ activity 2 ]"), "\(vertical)")
        #expect(!vertical.contains("id   | type"))
    }

    /// Output longer than the screen goes through $PAGER; shorter output, or `:set pager off`,
    /// does not.
    @Test(.enabled(if: REPLTests.runsTmuxTests)) func longOutputGoesThroughThePager() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let paged = home.appendingPathComponent("paged.txt").path
        let session = try TmuxSession(environment: ["PAGER": "cat > \(TmuxSession.quote(paged)); echo '[paged]'"], home: home, height: 20)
        try session.wait(for: "actq>")
        try Self.enter(session, "status = open page 1 size 2", expecting: "activities")
        #expect(!FileManager.default.fileExists(atPath: paged), "two rows fit the screen")

        let long = try Self.enter(session, "status = open page 1 size 30", expecting: "[paged]")
        #expect(long.contains("30 of "), "the summary line is still on the screen")
        let text = try String(contentsOfFile: paged, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 32, "header, rule and 30 rows went to the pager: \(text)")
        try FileManager.default.removeItem(atPath: paged)

        try Self.enter(session, ":set pager off", expecting: "")
        let direct = try Self.enter(session, "status = open page 2 size 30", expecting: "(page 2 of")
        #expect(!direct.contains("[paged]"))
        #expect(!FileManager.default.fileExists(atPath: paged))
    }

    /// `actq -e` on a terminal: the summary line goes to the screen (stderr); piped, stdout has
    /// the data only and stderr has no summary.
    @Test(.enabled(if: REPLTests.runsTmuxTests)) func theSummaryLineIsForTerminalsOnly() throws {
        let session = try TmuxSession(arguments: ["-e", "customer = 1080 page 1 size 2"], thenWait: true)
        let screen = try session.wait(for: "[exited]")
        #expect(screen.range(of: #"2 of 6 activities \(page 1 of 3\), [0-9.]+ ms"#, options: .regularExpression) != nil, "\(screen)")
        let piped = try ActqProcess.run(["-e", "customer = 1080 page 1 size 2"])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("activities"), "\(piped.stderr)")
        #expect(!piped.stdout.contains("of 6 activities"))
        #expect(piped.stdout.contains("| "))
    }

    /// A line that starts with `and` (or a modifier) continues the last query.
    @Test(.enabled(if: REPLTests.runsTmuxTests)) func aLeadingAndNarrowsTheLastQuery() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try Self.enter(session, "customer = 1080 page 1 size 2", expecting: "of 6 activities")
        let narrowed = try Self.enter(session, "  and status = open", expecting: "activities")
        #expect(narrowed.contains("customer = 1080 and status = open page 1 size 2"), "\(narrowed)")
        #expect(!narrowed.contains("error["), "\(narrowed)")
        let local = try ActqProcess.run(["--format", "ndjson", "-e", "customer = 1080 and status = open"], home: session.home)
        let count = local.stdout.split(separator: "\n").count
        #expect(count >= 2 && narrowed.contains("\(count) activities (page 1 of"), "\(narrowed)")
        // A modifier replaces the one of its kind.
        let next = try Self.enter(session, "  page 2 size 1", expecting: "activities")
        #expect(next.contains("customer = 1080 and status = open page 2 size 1"), "\(next)")
        #expect(next.contains("1 of \(count) activities (page 2 of \(count))"), "\(next)")
    }

    @Test(.enabled(if: REPLTests.runsTmuxTests)) func parametersInTheREPL() throws {
        let session = try TmuxSession(arguments: ["--param", "c=1080"])
        try session.wait(for: "actq>")
        let first = try Self.enter(session, "customer = $c page 1 size 1", expecting: "activities")
        #expect(first.contains("1 of 6 activities"), "\(first)")
        #expect(try Self.enter(session, ":param s open", expecting: "$s =").contains("$s = open"))
        let both = try Self.enter(session, "customer = $c and status = $s page 1 size 1", expecting: "activities")
        #expect(!both.contains("error["), "\(both)")
        let listed = try Self.enter(session, ":params", expecting: "$s")
        #expect(listed.contains("$c = 1080  (from --param c)") && listed.contains("$s = open  (from :param s)"), "\(listed)")
        #expect(try Self.enter(session, ":param s", expecting: "unset").contains("$s is unset"))
        #expect(try Self.enter(session, "status = $s", expecting: "V040").contains("error[V040]"))
    }

    /// `:watch` shows the query's result, then waits for changes; Ctrl-C ends it and the prompt
    /// is back.
    @Test(.enabled(if: REPLTests.runsTmuxTests)) func watchRunsUntilControlC() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.type(":watch customer = 1080")
        try session.press("Enter")
        let watching = try session.wait { $0.contains("watching every 30 s") && $0.contains("| Ωmega Ltd") }
        #expect(watching.contains("change") && watching.contains("| Ωmega Ltd"), "\(watching)")
        try session.press("C-c")
        let stopped = try session.wait { $0.components(separatedBy: "stopped watching").count > 1 && $0.hasSuffix("actq>\n") || $0.contains("stopped watching\nactq>") }
        #expect(stopped.contains("stopped watching"), "\(stopped)")
        let after = try Self.enter(session, "customer = 1080 page 1 size 1", expecting: "of 6 activities")
        #expect(after.contains("1 of 6 activities"))
    }
}
