import Foundation
import Testing

/// The REPL driven like a person would: in tmux, keys in, screen out.
@Suite(.serialized) struct REPLTests {
    /// Without tmux these tests cannot run; in CI (`CI` set) they run anyway and fail, so that a
    /// missing tmux is never a silent pass.
    static let runsTmuxTests = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
        || ProcessInfo.processInfo.environment["CI"] != nil

    func lastPrompt(_ screen: String) -> String {
        screen.split(separator: "\n").last { $0.hasPrefix("actq>") }.map(String.init) ?? ""
    }

    @Test(.enabled(if: runsTmuxTests)) func tabCompletesFieldOperatorAndValueFromTheStore() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.type("assignedUs")
        try session.press("Tab")
        // The screen drops trailing spaces: the next typed letter shows that one was inserted.
        try session.type("X")
        #expect(try session.wait(for: "actq> assignedUserName X").contains("actq> assignedUserName X"), "field completed")
        try session.press("BSpace")
        try session.press("Tab")
        try session.type("X")
        #expect(try session.wait(for: "actq> assignedUserName = X").contains("actq> assignedUserName = X"), "operator completed")
        try session.press("BSpace")
        try session.type("jo")
        try session.press("Tab")
        try session.type("and")
        // A value from the demo store's users.
        #expect(try session.wait(for: "actq> assignedUserName = jozef and").contains("actq> assignedUserName = jozef and"))
        try session.press("C-c")
        try session.type("lastModifiedDate ")
        try session.press("Tab")
        let operators = try session.wait { $0.contains(">=") && $0.contains("<=") }
        #expect(operators.contains(">=") && operators.contains("<=") && operators.contains("in"), "date operators are offered")
    }

    @Test(.enabled(if: runsTmuxTests)) func multiLineQueryAndErrorWithCaret() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.type("status = open and")
        try session.press("Enter")
        try session.wait(for: "...>")
        try session.type("queue = 1000 page 1 size 2")
        try session.press("Enter")
        let result = try session.wait(for: "(page 1 of")
        #expect(result.contains("2 of "))
        #expect(result.contains("| Support"))
        try session.type("status = open and queue = x")
        try session.press("Enter")
        let error = try session.wait(for: "error[V010]")
        #expect(error.contains("<input>:1:27: error[V010]"))
        let lines = error.split(separator: "\n").map(String.init)
        let caret = try #require(lines.last { $0.contains("^") })
        let source = try #require(lines.last { $0.contains("| status = open and queue = x") })
        #expect(caret.firstIndex(of: "^")?.utf16Offset(in: caret) == source.firstIndex(of: "x")?.utf16Offset(in: source))
    }

    @Test(.enabled(if: runsTmuxTests)) func plannedQueryPagesAndExplainsEveryRequest() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.type("queue in (1000, 1001) and status = open page 1 size 3")
        try session.press("Enter")
        let first = try session.wait(for: "(page 1 of")
        #expect(first.contains("3 of "))
        try session.type(":next")
        try session.press("Enter")
        try session.wait(for: "(page 2 of")
        try session.type(":explain")
        try session.press("Enter")
        let explained = try session.wait(for: "queue=1001&$pagenum=1&$pagesize=6")
        #expect(explained.contains("# 2 requests, merged by activity ID"))
        #expect(explained.contains("GET /ws/v12/interaction/activity?status=open&queue=1000&$pagenum=1&$pagesize=6"))
    }

    @Test(.enabled(if: runsTmuxTests)) func nextPagesTheLastQuery() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.type("status = open page 1 size 2")
        try session.press("Enter")
        try session.wait(for: "(page 1 of")
        try session.type(":next")
        try session.press("Enter")
        let screen = try session.wait(for: "(page 2 of")
        #expect(screen.contains("(page 2 of"))
        try session.type(":prev")
        try session.press("Enter")
        try session.type(":prev")
        try session.press("Enter")
        #expect(try session.wait(for: "already at the first page").contains("already at the first page"))
    }

    @Test(.enabled(if: runsTmuxTests)) func controlCCancelsARunningQueryAndTheREPLGoesOn() throws {
        // A store big enough that printing every activity takes a while.
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = home.appendingPathComponent("big.sqlite").path
        let made = try ActqProcess.run(["demo", "--count", "20000", "--seed", "3", "--until", "2024-06-01", "--db", store])
        #expect(made.status == 0)
        let session = try TmuxSession(arguments: ["--db", store, "--all"], home: home)
        try session.wait(for: "actq>")
        try session.type("lastModifiedDate >= 2000-01-01 show all")
        try session.press("Enter")
        // The only fixed pause: a running query shows nothing until it is done (the REPL keeps
        // a result to decide about the pager), so there is no sign on the screen to wait for.
        // Too short a pause cancels the typed line instead, and the test fails; it cannot pass.
        Thread.sleep(forTimeInterval: 0.3)
        try session.press("C-c")
        let screen = try session.wait(for: "cancelled", timeout: 30)
        #expect(screen.contains("cancelled"))
        #expect(!screen.contains("20,000 activities"))
        try session.type("customer = 1080")
        try session.press("Enter")
        let after = try session.wait { screen in
            screen.components(separatedBy: "cancelled").last?.contains(" activities, ") ?? false
        }
        #expect(after.components(separatedBy: "cancelled").last?.contains(" activities, ") ?? false, "the prompt works after a cancel")
        #expect(session.isRunning)
    }

    @Test(.enabled(if: runsTmuxTests)) func historySurvivesARestartWithMode0600AndNoSecrets() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        do {
            let session = try TmuxSession(home: home)
            try session.wait(for: "actq>")
            try session.type("customer = 1080 page 1 size 1")
            try session.press("Enter")
            try session.wait(for: "(page 1 of")
            try session.type("custom.password = hunter2")
            try session.press("Enter")
            // The line was submitted and ran (its summary line follows it), so it is the
            // history filter, not a line never entered, that keeps it out of the file.
            let ran = try session.wait(timeout: 10) { screen in
                screen.components(separatedBy: "hunter2").last.map { $0.contains("0 activities") && $0.contains("actq>") } ?? false
            }
            #expect(ran.contains("custom.password = hunter2"))
            try session.press("C-d")
            try session.wait(timeout: 10) { _ in !session.isRunning }
        }
        let history = home.appendingPathComponent("state/actq/history").path
        let attributes = try FileManager.default.attributesOfItem(atPath: history)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        #expect(!saved.contains("hunter2"))
        // libedit's format: spaces are written as \040.
        #expect(saved.contains("customer\\040=\\0401080"))

        let again = try TmuxSession(home: home)
        try again.wait(for: "actq>")
        try again.press("Up")
        #expect(try again.wait(for: "actq> customer = 1080 page 1 size 1").contains("customer = 1080"))
        try again.press("C-c")
        try again.type(":history")
        try again.press("Enter")
        #expect(try again.wait(for: "1  customer = 1080").contains("1  customer = 1080"))
    }

    @Test(.enabled(if: runsTmuxTests)) func controlDLeavesCleanly() throws {
        let session = try TmuxSession()
        try session.wait(for: "actq>")
        try session.press("C-d")
        try session.wait(timeout: 10) { _ in !session.isRunning }
        #expect(!session.isRunning)
    }

    @Test(.enabled(if: runsTmuxTests)) func startupFileAndSavedQueries() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = home.appendingPathComponent("config/actq")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try ":set format csv\n:set timing off\n".write(to: config.appendingPathComponent("actqrc"), atomically: true, encoding: .utf8)
        let session = try TmuxSession(home: home)
        try session.wait(for: "actq>")
        try session.type("customer = 1080 page 1 size 1")
        try session.press("Enter")
        let csv = try session.wait(for: "id,type,subtype")
        #expect(csv.contains("id,type,subtype"))
        try session.type(":save mine")
        try session.press("Enter")
        try session.wait(for: "saved as mine")
        try session.type(":queries")
        try session.press("Enter")
        #expect(try session.wait(for: "mine ").contains("customer = 1080 page 1 size 1"))
        let skipped = try TmuxSession(arguments: ["--no-rc"], home: home)
        try skipped.wait(for: "actq>")
        try skipped.type(":run mine")
        try skipped.press("Enter")
        #expect(try skipped.wait(for: "(page 1 of").contains("| "), "without the rc file the table format is back")
    }
}
