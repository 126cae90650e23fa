import Foundation
import Testing

/// Queries run end to end on a local store.
@Suite struct RunTests {
    func ids(_ stdout: String) throws -> [Int64] {
        try stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["id"] as? NSNumber)?.int64Value ?? -1
        }
    }

    static let expectedExampleIDs: [String: [Int64]] = [
        "01-by-customer.actq": [2001, 2002],
        "02-by-case-paged.actq": [2014, 2015],
        "03-by-custom-attribute-range.actq": [2016, 2018],
        "04-by-status-and-last-modified.actq": [2020, 2021],
        "05-by-assigned-user-sorted.actq": [2026, 2027, 2025, 2028],
        "06-by-queue-and-created-date.actq": [2029, 2032],
        "07-by-mode-and-last-modified.actq": [2033],
        "08-by-status-user-name-and-last-modified.actq": [2036],
        "09-by-queue-and-type.actq": [2029, 2030, 2040],
    ]

    /// The nine documented searches, on the fixture store, with the IDs they must find.
    @Test(arguments: expectedExampleIDs.keys.sorted())
    func exampleFindsItsActivities(_ name: String) throws {
        let store = try ActqProcess.fixtureStore.get()
        let file = ActqProcess.packageRoot.appendingPathComponent("examples/\(name)").path
        let result = try ActqProcess.run(["run", file, "--db", store, "--format", "ndjson", "--tz", "UTC"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try ids(result.stdout) == Self.expectedExampleIDs[name])
    }

    @Test func examplesRunOnTheDemoStore() throws {
        let directory = ActqProcess.packageRoot.appendingPathComponent("examples")
        for name in Self.expectedExampleIDs.keys.sorted() {
            let result = try ActqProcess.run(["run", directory.appendingPathComponent(name).path, "--format", "json"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(object?["activity"] is [Any], "\(name)")
        }
        // The demo store was created on first use, where XDG says.
        #expect(FileManager.default.fileExists(atPath: ActqProcess.scratchHome.appendingPathComponent("data/actq/demo.sqlite").path))
    }

    @Test func jsonOutputHasPaginationInfo() throws {
        let store = try ActqProcess.fixtureStore.get()
        let result = try ActqProcess.run(["-e", "case = 1001 page 2 size 10", "--db", store, "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let info = try #require(object["paginationInfo"] as? [String: Int])
        #expect(info == ["count": 12, "pagenum": 2, "pagesize": 10])
        #expect((object["activity"] as? [Any])?.count == 2)
    }

    @Test func noMatchesIsSuccessUnlessFailEmpty() throws {
        let store = try ActqProcess.fixtureStore.get()
        let query = "customer = 424242"
        let plain = try ActqProcess.run(["-e", query, "--db", store, "--format", "json"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("\"count\":0"))
        #expect(try ActqProcess.run(["--fail-empty", "-e", query, "--db", store]).status == 4)
    }

    @Test func scriptsMixGoodAndBadQueries() throws {
        let store = try ActqProcess.fixtureStore.get()
        let result = try ActqProcess.run(["--db", store, "--format", "ndjson"],
                                         stdin: Data("customer = 1002\ntype = email\ncase = 1001 page 2 size 10\n".utf8))
        #expect(result.status == 2)
        #expect(try ids(result.stdout) == [2001, 2002, 2014, 2015])
        #expect(result.stderr.hasPrefix("<stdin>:2:1: error[V007]"))
    }

    @Test func tableAndCSVAndXML() throws {
        let store = try ActqProcess.fixtureStore.get()
        let table = try ActqProcess.run(["-e", "customer = 1002", "--db", store])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("id "))
        #expect(lines[2].hasPrefix("2001 "))
        let csv = try ActqProcess.run(["-e", "customer = 1002", "--db", store, "--format", "csv"])
        #expect(csv.stdout.hasPrefix("id,type,subtype,status"))
        #expect(csv.stdout.contains("\"Zoë's \"\"quoted\"\", comma\""))
        let xml = try ActqProcess.run(["-e", "customer = 1002", "--db", store, "--format", "xml"])
        #expect(xml.stdout.contains("<activity id=\"2001\">"))
        #expect(xml.stdout.contains("xmlns=\"http://bindings.egain.com/ws/model/v12/gen/interaction/activity\""))
        let vertical = try ActqProcess.run(["-e", "customer = 1002", "--db", store, "--format", "vertical"])
        #expect(vertical.stdout.contains("-[ activity 1 ]"))
    }

    @Test func missingStoreIsBackendUnavailable() throws {
        let result = try ActqProcess.run(["-e", "status = open", "--db", "/nonexistent/store.sqlite"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("no store at /nonexistent/store.sqlite"))
    }

    @Test func corruptImportKeepsTheStoreAndSaysWhere() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("s.sqlite").path
        #expect(try ActqProcess.run(["import", ActqProcess.fixtureJSON, "--db", store]).status == 0)
        let bad = directory.appendingPathComponent("bad.ndjson")
        try "{\"id\": 1}\n{\"id\": 2, \"status\": 7}\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["import", bad.path, "--db", store])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.ndjson:2: 'status' must be an object"))
        #expect(result.stderr.contains("nothing was imported"))
        let count = try ActqProcess.run(["-e", "customer = 1500", "--db", store, "--format", "json", "--all"])
        #expect(count.stdout.contains("\"count\":37"))
        #expect(try ActqProcess.run(["-e", "customer >= 1", "--db", store]).status == 2)
    }

    @Test func demoCommandIsDeterministic() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var outputs: [String] = []
        for name in ["a", "b"] {
            let store = directory.appendingPathComponent("\(name).sqlite").path
            let made = try ActqProcess.run(["demo", "--count", "300", "--seed", "9", "--until", "2026-01-01", "--db", store])
            #expect(made.status == 0, "\(made.stderr)")
            outputs.append(try ActqProcess.run(["-e", "status = open", "--all", "--db", store, "--format", "ndjson"]).stdout)
        }
        #expect(outputs[0] == outputs[1])
        #expect(!outputs[0].isEmpty)
        // Again with fewer activities into the same file: the store is replaced, not topped up.
        let store = directory.appendingPathComponent("a.sqlite").path
        #expect(try ActqProcess.run(["demo", "--count", "10", "--seed", "9", "--until", "2026-01-01", "--db", store]).status == 0)
        let all = try ActqProcess.run(["-e", "lastModifiedDate >= 2000-01-01", "--all", "--db", store, "--format", "json"])
        #expect(all.stdout.contains("\"count\":10"))
        // Never over a file that is not an actq store.
        let other = directory.appendingPathComponent("notes.txt")
        try "my notes, not a store. my notes, not a store. my notes, not a store.".write(to: other, atomically: true, encoding: .utf8)
        let refused = try ActqProcess.run(["demo", "--count", "10", "--db", other.path])
        #expect(refused.status == 3)
        #expect(try String(contentsOf: other, encoding: .utf8).hasPrefix("my notes"))
    }
}
