import Foundation
import Testing

/// Scripts: queries from files or a pipe, results on stdout, diagnostics on stderr.
@Suite struct ScriptModeTests {
    let script = "customer = 1002\nqueue = x\ncase = 1001 page 2 size 10\n"

    @Test func allQueriesRunAndTheExitCodeIsTheWorst() throws {
        let store = try ActqProcess.fixtureStore.get()
        let result = try ActqProcess.run(["--db", store, "--format", "ndjson"], stdin: Data(script.utf8))
        #expect(result.status == 2)
        #expect(result.stdout.split(separator: "\n").count == 4)
        #expect(result.stderr.hasPrefix("<stdin>:2:9: error[V010]"))
        #expect(!result.stdout.contains("error"))
        #expect(!result.stderr.contains("\u{1B}["), "no colours when not on a terminal")
    }

    @Test func bailStopsAtTheFirstFailure() throws {
        let store = try ActqProcess.fixtureStore.get()
        let result = try ActqProcess.run(["run", "-", "--bail", "--db", store, "--format", "ndjson"], stdin: Data(script.utf8))
        #expect(result.status == 2)
        #expect(result.stdout.split(separator: "\n").count == 2, "only the first query's results")
    }

    @Test func echoPrintsEachQueryBeforeItsResult() throws {
        let store = try ActqProcess.fixtureStore.get()
        let result = try ActqProcess.run(["run", "-", "--echo", "--db", store, "--format", "ndjson"],
                                         stdin: Data("customer = 1002\ncase = 1001 page 2 size 10\n".utf8))
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "customer = 1002")
        #expect(lines[3] == "case = 1001 page 2 size 10")
        #expect(lines.count == 6)
    }

    @Test func filesMixingGoodAndBadQueries() throws {
        let store = try ActqProcess.fixtureStore.get()
        let directory = try ActqProcess.temporaryDirectory()
        let file = directory.appendingPathComponent("mixed.actq")
        try "# a comment\ncustomer = 1002 and\n  status = completed\ntype = email\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["run", file.path, "--db", store, "--format", "csv"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("\(file.path):4:1: error[V007]"))
        #expect(result.stdout.hasPrefix("id,type"))
        #expect(result.stdout.contains("2001,task"))
    }
}
