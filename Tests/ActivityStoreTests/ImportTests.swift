import ActivityModel
import ActivityQuery
@testable import ActivityStore
import ActqTestSupport
import Foundation
import GRDB
import Testing

@Suite struct ImportTests {
    func write(_ text: String, _ name: String) throws -> String {
        let path = Scratch.path("input", "-" + name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func writeBytes(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = Scratch.path("input", "-" + name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The fixture as the API's JSON, as NDJSON, as a bare array and as the API's XML: four
    /// imports, one store content.
    @Test func jsonNDJSONAndXMLGiveTheSameStore() throws {
        let reference = try fixtureStore()
        let resources = try reference.resources()
        #expect(resources.count == 40)

        var ndjson = ""
        var array: [JSONValue] = []
        var xml = XMLResultWriter()
        var xmlText = xml.begin()
        for resource in resources {
            ndjson += JSONWriter.string(resource) + "\n"
            array.append(resource)
            xmlText += try xml.row(json: JSONWriter.string(resource))
        }
        xmlText += xml.end(SearchSummary(total: 40, returned: 40, window: nil))
        let files = [
            try write(ndjson, "fixture.ndjson"),
            try write(JSONWriter.string(.array(array)), "fixture-array.json"),
            try write(xmlText, "fixture.xml"),
        ]
        for file in files {
            let store = try ActivityStore(path: temporaryStorePath())
            let summary = try Importer.run(files: [file], into: store)
            #expect(summary.activities == 40, "\(file)")
            #expect(try store.resources() == resources, "\(file)")
        }
    }

    @Test func xmlIsReadByNamespaceNotPrefix() throws {
        let xml = """
            <?xml version="1.0"?>
            <x:activities xmlns:x="http://bindings.egain.com/ws/model/v12/gen/interaction/activity"
                xmlns:c="http://bindings.egain.com/ws/model/v12/gen/common">
              <x:activity id="7">
                <x:status><c:value>open</c:value><c:displayValue>Open</c:displayValue></x:status>
                <x:customer id="1080"/>
                <x:customAttributes><x:customAttribute><x:attribName>tier</x:attribName>
                  <x:attribValues><x:attribValue><x:value>gold</x:value></x:attribValue></x:attribValues>
                </x:customAttribute></x:customAttributes>
              </x:activity>
            </x:activities>
            """
        let store = try ActivityStore(path: temporaryStorePath())
        _ = try Importer.run(files: [try write(xml, "prefixed.xml")], into: store)
        #expect(try store.ids("customer = 1080 and status = open and custom.tier = gold").ids == [7])

        let wrongNamespace = xml.replacingOccurrences(of: "gen/interaction/activity", with: "gen/other")
        #expect(throws: ImportError.self) {
            _ = try Importer.run(files: [try write(wrongNamespace, "wrong.xml")], into: store)
        }
    }

    @Test func reimportingAnIDReplacesIt() throws {
        let store = try ActivityStore(path: temporaryStorePath())
        _ = try Importer.run(files: [try write(#"[{"id": 5, "status": {"value": "open"}, "customer": {"id": 1}}]"#, "a.json")], into: store)
        _ = try Importer.run(files: [try write(#"{"id": "5", "status": {"value": "completed"}, "customer": {"id": 1}}"#, "b.ndjson")], into: store)
        #expect(try store.count() == 1)
        #expect(try store.ids("status = completed").ids == [5])
        #expect(try store.ids("status = open").ids == [])
    }

    /// Counts are cached per filter; a write on this connection or on another one must be seen.
    @Test func countsFollowWritesFromAnyConnection() throws {
        let path = temporaryStorePath()
        let reader = try ActivityStore(path: path)
        _ = try Importer.run(files: [try write(#"[{"id": 5, "status": {"value": "open"}}]"#, "a.json")], into: reader)
        #expect(try reader.ids("status = open page 2 size 1").count == 1)
        // Another connection (another process, as far as SQLite can tell) adds a match.
        _ = try Importer.run(files: [try write(#"[{"id": 6, "status": {"value": "open"}}]"#, "b.json")], into: try ActivityStore(path: path))
        #expect(try reader.ids("status = open page 2 size 1").count == 2)
        // This connection adds one more.
        _ = try Importer.run(files: [try write(#"[{"id": 7, "status": {"value": "open"}}]"#, "c.json")], into: reader)
        #expect(try reader.ids("status = open page 3 size 1").count == 3)
    }

    struct Corrupt: Sendable, CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var location: String
        var message: String
        var description: String { name }
    }

    static let corrupt: [Corrupt] = [
        Corrupt(name: "truncated.json", bytes: Array(#"{"activity": [{"id": 9001}, {"id": 9002, "status": {"val"#.utf8),
                location: ":1:", message: "truncated"),
        Corrupt(name: "wrongtype.json", bytes: Array("{\"activity\": [\n{\"id\": 9001},\n{\"id\": 9002, \"status\": 5}\n]}".utf8),
                location: "activity[1] (line 3)", message: "'status' must be an object"),
        Corrupt(name: "badid.ndjson", bytes: Array("{\"id\": 9001}\n{\"id\": -3}\n".utf8),
                location: ":2", message: "'id' must be a positive integer"),
        Corrupt(name: "duplicate.json", bytes: Array("[{\"id\": 9001, \"id\": 9002}]".utf8),
                location: ":1:", message: "duplicate key \"id\""),
        Corrupt(name: "utf8.json", bytes: Array("[{\"id\": 9001, \"subject\": \"a".utf8) + [0xC3, 0x28] + Array("\"}]".utf8),
                location: ":1:", message: "invalid UTF-8"),
        Corrupt(name: "noid.json", bytes: Array("[{\"id\": 9001}, {\"subject\": \"x\"}]".utf8),
                location: "activity[1]", message: "has no 'id'"),
        Corrupt(name: "garbage.xml", bytes: Array("<activities xmlns=\"http://bindings.egain.com/ws/model/v12/gen/interaction/activity\"><activity id=\"1\">".utf8),
                location: "garbage.xml", message: "XML"),
        Corrupt(name: "baddate.json", bytes: Array("[{\"id\": 9001, \"created\": {\"date\": \"yesterday\"}}]".utf8),
                location: "activity[0]", message: "ISO 8601"),
    ]

    /// A bad record is named by file and place, and nothing of the run is kept.
    @Test(arguments: corrupt)
    func corruptFileIsRejectedAndTheStoreIsUnchanged(_ item: Corrupt) throws {
        let store = try fixtureStore()
        let before = try store.resources()
        let good = try write(#"[{"id": 9500}]"#, "good.json")
        let bad = try writeBytes(item.bytes, item.name)
        do {
            _ = try Importer.run(files: [good, bad], into: store)
            Issue.record("the import of \(item.name) should have failed")
        } catch let error as ImportError {
            #expect(error.location.contains(item.location), "\(error)")
            #expect(error.description.contains(item.message), "\(error)")
            #expect(error.location.hasPrefix(bad), "\(error)")
        }
        #expect(try store.resources() == before)
        #expect(try store.ids("customer = 9500").ids.isEmpty)
        #expect(try store.count() == 40)
    }

    @Test func demoDataIsDeterministic() throws {
        let until = APIDate.days(year: 2026, month: 1, day: 1) * APIDate.millisPerDay
        let a = DemoData(seed: 7, until: until)
        let b = DemoData(seed: 7, until: until)
        let c = DemoData(seed: 8, until: until)
        #expect((0..<200).map { a.activity($0) } == (0..<200).map { b.activity($0) })
        #expect((0..<200).map { a.activity($0) } != (0..<200).map { c.activity($0) })
        let store = try ActivityStore(path: temporaryStorePath())
        try a.populate(store, count: 500)
        #expect(try store.count() == 500)
        let statuses = try store.distinctValues(of: .fixed(.status))
        #expect(Set(statuses) == ["open", "completed"])
        #expect(try store.distinctValues(of: .fixed(.type)).count == 4)
        // Two years of dates, none after `until`.
        #expect(try store.ids("lastModifiedDate > 2026-01-01T00:00:00Z").count == 0)
        #expect(try store.ids("createdDate < 2024-01-01T00:00:00Z").count == 0)
        #expect(try store.ids("createdDate < 2024-07-01T00:00:00Z").count > 0)
    }

    @Test func notAStoreIsAClearError() throws {
        let path = try write("this is not sqlite at all, just text that is long enough to be a header....", "not.sqlite")
        #expect(throws: ActivityStore.StoreError.self) { _ = try ActivityStore(path: path, readOnly: true) }
        #expect(throws: ActivityStore.StoreError.self) { _ = try ActivityStore(path: path) }
    }
}

/// The store's caches stay bounded whatever queries come (as hostile traffic on the emulator).
@Suite struct StoreBoundsTests {
    @Test func preparedStatementsAreBoundedWhateverTheFilters() throws {
        let store = try fixtureStore()
        defer { try? FileManager.default.removeItem(atPath: store.path) }
        for round in 0..<400 {
            // A different set of custom attributes each time: a different SQL text.
            let text = (0...(round % 40)).map { "custom.n\(round)_\($0) = 1" }.joined(separator: " and ")
            _ = try store.ids(text)
        }
        #expect(store.statements.count <= store.statements.capacity)
        #expect(store.statements.count > 0)
    }
}

/// The summary is stored once: the `resource` column keeps only the other members when the
/// summary's come first, and a search gives back every resource byte for byte as written.
@Suite struct StoredResourceTests {
    static let resources = [
        // The API's order: the summary's members, then the rest.
        #"{"id":1,"status":{"value":"open"},"subject":"a","payload":{"content":"x"},"attachments":{"count":0}}"#,
        // A rest member before a summary member: kept whole.
        #"{"id":2,"payload":{"content":"y"},"status":{"value":"open"},"subject":"b"}"#,
        // Only summary members.
        #"{"id":3,"status":{"value":"open"},"subject":"c \u00e9 \"q\""}"#,
        // Non-ASCII text on both sides of the split.
        #"{"id":4,"subject":"日本語","status":{"value":"open"},"payload":{"content":"ü, ß, 😀"}}"#,
    ]

    @Test func everyResourceReadsBackAsWrittenAndTheSummaryIsStoredOnce() throws {
        let path = Scratch.path("stored", ".sqlite")
        let store = try ActivityStore(path: path)
        let activities = try Self.resources.map { text in try Activity(resource: JSONParser.parse(Array(text.utf8)).objectValue!) }
        try store.write { writer in for activity in activities { try writer.put(activity) } }
        var read: [String] = []
        _ = try store.search(query("status = open sort by id show all"), all: true) { row in read.append(row.json) }
        #expect(read == activities.map { JSONWriter.string(.object($0.resource)) })
        try store.close()
        let queue = try DatabaseQueue(path: path)
        let stored = try queue.read { db in try String.fetchAll(db, sql: "SELECT resource FROM activity ORDER BY id") }
        #expect(stored == [#"+{"payload":{"content":"x"},"attachments":{"count":0}}"#, Self.resources[1], "+{}",
                           #"+{"payload":{"content":"ü, ß, 😀"}}"#])
    }
}

/// An import into an empty store builds the secondary indexes after its rows, in its own
/// transaction: afterwards the store has exactly the indexes it had, and a failed import
/// leaves them all in place.
@Suite struct BulkLoadTests {
    static func indexes(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        }
    }

    @Test func theIndexesComeBackAfterALoadAndStayAfterAFailedOne() throws {
        let path = Scratch.path("bulk", ".sqlite")
        let store = try ActivityStore(path: path)
        let before = try Self.indexes(path)
        // One per filter column, and the custom attributes' by activity (the table, keyed by
        // name and value, is their lookup).
        #expect(before.count == FixedFilter.allCases.count + 1)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        #expect(try Self.indexes(path) == before)
        #expect(try store.ids("customer = 1002").count > 0)

        let empty = Scratch.path("bulk-failed", ".sqlite")
        let failing = try ActivityStore(path: empty)
        let bad = Scratch.path("bad", ".ndjson")
        let good = try String(contentsOfFile: fixtureJSON, encoding: .utf8)
        let first = try JSONParser.parse(Array(good.utf8))["activity"]?.arrayValue?.first.map { JSONWriter.string($0) } ?? ""
        try (first + "\n{\"id\": \"not a number\"}\n").write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try Importer.run(files: [bad], into: failing) }
        #expect(try Self.indexes(empty) == before)
        #expect(try failing.count() == 0)
    }
}
