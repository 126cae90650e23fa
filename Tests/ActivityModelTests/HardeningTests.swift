import ActivityModel
import ActivityQuery
import ActqTestSupport
import Foundation
import Testing

/// Inputs built to be slow or to break the output: each is handled in linear time and yields
/// well-formed, inert output. (The time limits are hang guards: these took minutes before.)
@Suite struct ModelHardeningTests {
    @Test(.timeLimit(.minutes(TestTime.minutes(1))))
    func anObjectOf200000KeysParsesAndRefusesARepeat() async throws {
        try await offCooperativePool { () throws in
            var text = #"{"id":1"#
            for index in 0..<200_000 { text += #","k\#(index)":\#(index)"# }
            let value = try JSONParser.parse(Array((text + "}").utf8))
            #expect(value.objectValue?.members.count == 200_001)
            #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array((text + #","k123456":0}"#).utf8)) }
            var found: [Activity] = []
            try ActivityReader.read(bytes: Array((text + "}").utf8), name: "wide.json", format: .json) { activity, _ in found.append(activity) }
            #expect(found.first?.resource.members.count == 200_001)
            #expect(throws: Error.self) {
                try ActivityReader.read(bytes: Array((text + #","k7":0}"#).utf8), name: "wide.json", format: .json) { _, _ in }
            }
        }
    }

    @Test(.timeLimit(.minutes(TestTime.minutes(1))))
    func anActivityOf100000RepeatedXMLChildrenReads() async throws {
        try await offCooperativePool { () throws in
            let xml = "<activities xmlns=\"\(ActivityXML.activityNamespace)\"><activity id=\"5\"><subject>s</subject>"
                + String(repeating: "<note>a</note>", count: 100_000) + String(repeating: "<attachment>b</attachment>", count: 3)
                + "</activity></activities>"
            var found: [Activity] = []
            try ActivityXML.read(data: Data(xml.utf8), file: "many.xml") { activity, _ in found.append(activity) }
            #expect(found.count == 1)
            #expect(found[0].resource["note"]?.arrayValue?.count == 100_000)
            #expect(found[0].resource["attachment"]?.arrayValue == ["b", "b", "b"])
            #expect(found[0].resource["subject"] == "s")
        }
    }

    @Test(arguments: ["a><b", "weird key", "", "1st", "xmlish", "XML", "a:b", "_x0041_", "_x", "tab\there", "ü-ok", "😀", "a&b\"c'", "-"])
    func anyKeyIsAValidXMLNameAndReadsBack(_ key: String) throws {
        #expect(XMLName.decode(XMLName.encode(key)) == key)
        let value: JSONValue = ["id": 7, "subject": "s", key: ["value": "v"]]
        let resource = try #require(value.objectValue)
        let xml = ActivityXML.rootOpening + ActivityXML.element(resource) + "</activities>"
        var read: [JSONObject] = []
        try ActivityXML.read(data: Data(xml.utf8), file: "keys.xml") { activity, _ in read.append(activity.resource) }
        #expect(read.count == 1)
        #expect(read.first?[key] == ["value": "v"], "\(xml)")
    }

    @Test func onlyDepartmentAndUserNamesAreInThePlatformNamespace() throws {
        let value: JSONValue = [
            "id": 7, "queue": ["id": 1001, "name": "Support"], "department": ["name": "Sales"],
            "assigned": ["user": ["id": 1, "name": "jenny", "firstName": "Jen", "lastName": "Ny"]],
            "customer": ["id": 1080, "name": "ACME"],
        ]
        let xml = ActivityXML.element(try #require(value.objectValue))
        #expect(xml.contains("<queue id=\"1001\"><name>Support</name></queue>"), "\(xml)")
        #expect(xml.contains("<customer id=\"1080\"><name>ACME</name></customer>"), "\(xml)")
        #expect(xml.contains("<department><platform:name>Sales</platform:name></department>"), "\(xml)")
        #expect(xml.contains("<platform:name>jenny</platform:name><platform:firstName>Jen</platform:firstName>"
                             + "<platform:lastName>Ny</platform:lastName>"), "\(xml)")
        // And the names read back by namespace, wherever they are.
        var read: [JSONObject] = []
        let document = ActivityXML.rootOpening + xml + "</activities>"
        try ActivityXML.read(data: Data(document.utf8), file: "names.xml") { activity, _ in read.append(activity.resource) }
        #expect(read.first?["queue"]?["name"] == "Support")
        #expect(read.first?["department"]?["name"] == "Sales")
        #expect(read.first?["assigned"]?["user"]?["lastName"] == "Ny")
    }

    @Test func namesThatAreAlreadyValidAreUntouched() {
        for name in ["activity", "customAttribute", "displayValue", "contactPointData", "a-b.c_d"] {
            #expect(XMLName.encode(name) == name)
        }
    }

    @Test func tablesAndVerticalViewsShowControlsAndBidiMarksAsStandIns() throws {
        let hostile = "ok\u{9B}31mred\u{1B}[2J\u{202E}gnp.exe\u{2066}x\u{2069}\u{85}end\u{2028}"
        let value: JSONValue = ["id": 1, "subject": .string(hostile), "customer": ["customerName": .string(hostile)]]
        let resource = try #require(value.objectValue)
        let table = TableLayout(headers: ActivityColumns.tableHeaders, rows: [ActivityColumns.tableValues(resource, context: .current())])
            .render(width: 400)
        var vertical = VerticalResultWriter(context: .current())
        let block = try vertical.row(json: JSONWriter.string(.object(resource)))
        for text in [table, block] {
            #expect(!text.unicodeScalars.contains { InertText.isActive($0) && $0 != "\n" }, "\(text.debugDescription)")
            #expect(text.contains("ok\u{FFFD}31mred\u{FFFD}[2J\u{FFFD}gnp.exe\u{FFFD}x\u{FFFD}\u{FFFD}end"))
        }
    }

    @Test func csvStaysByteExact() throws {
        // CSV is data for programs: nothing is stripped or mangled (no formula escaping either).
        let subject = "=cmd|' /C calc'!A0 \u{9B}\u{202E}\t\"q\""
        var writer = CSVResultWriter()
        let line = try writer.row(json: JSONWriter.string(["id": 1, "subject": .string(subject)]))
        #expect(line.contains("\"=cmd|' /C calc'!A0 \u{9B}\u{202E}\t\"\"q\"\"\""))
    }

    @Test func atomicWritesReplaceWithTheModeAndLeaveNothingBehind() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("actq-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("f").path
        try AtomicFile.write(Array("one".utf8), to: path, mode: 0o600)
        try AtomicFile.write(Array("two".utf8), to: path, mode: 0o640)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["f"])
        #expect(throws: AtomicFile.Failure.self) { try AtomicFile.write([], to: directory.appendingPathComponent("no/such/dir/f").path, mode: 0o600) }
    }
}

/// Found by fuzzing the XML reader: inputs on which Foundation's XMLParser (actq's XML reader
/// before `XMLReader`) trapped or crashed. Each is now an error with a place, or reads.
@Suite struct XMLFuzzFindingTests {
    static let root = "<activities xmlns=\"\(ActivityXML.activityNamespace)\">"

    @Test(arguments: [
        (Data(root.utf8) + Data([0x3C, 0x6C, 0x69, 0x6E, 0x6B, 0xE0, 0x8D, 0x9A, 0x3E]), "not valid UTF-8 (byte 0xE0)", ":1:"),
        (Data("<?xm?>*g?>".utf8), "text before the root element", ":1:7"),
        // A "declaration" whose "?>" is a later processing instruction's, without data: the
        // parser read a null pointer (the fuzzer's input, then a short form of it).
        (Data(base64Encoded: "PD94bWwKCm08bTw/eG1sCgp4bTxhY3Rpdml0aWVzP3htbG5zPSJiaW5kaW5ncy48YWN0aXZpdGdlbi9jb21tb24iPjxhY3Rpdml0eSBpZD0iMjAwMyI+Tk5OTk5OTk5OTk5OTk48bGluayByZWw9InNlbGYiIGhyZWY9bmFtZT48L2RlcGFydG1lbnQ+PHR5cGU+PGM6dmFsdWU+dGFzaz08L2M6djw/eG1sPz5sCgptAAAAAHM6cGRpbGF5VmFsdWU+VGFzazwvYzpkaXNwbGF5VmFlZ2Fpbi5jb2xheVZhZT48L3N1YnN0YXR1cz48L3N0YXR1aHJlZnM+PHN1YgBkPTAwMjA=")!,
         "the control character U+0000", ":7:2"),
        (Data("<?xml\n<activities><?xml?></activities>".utf8), "expected version in the XML declaration", ":2:1"),
        (Data(("<!DOCTYPE a [<!ENTITY x \"xx\">]>" + root + "</activities>").utf8), "DTDs", ":1:1"),
        (Data((root + "<?xml version=\"1.0\"?></activities>").utf8), "may only open the document", ":1:"),
    ])
    func refusedWithAPlace(_ data: Data, _ message: String, _ place: String) {
        do {
            try ActivityXML.read(data: data, file: "bad.xml") { _, _ in }
            Issue.record("no error")
        } catch let error as ImportError {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.location.hasPrefix("bad.xml" + place), "\(error)")
        } catch {
            Issue.record("not an ImportError: \(error)")
        }
    }

    @Test func processingInstructionsAreSkippedAsXMLAllows() throws {
        var ids: [Int64] = []
        let xml = "<?xml version=\"1.0\"?><?style sheet?>" + Self.root + "\n<?pi?><activity id=\"3\"><?x data?><subject>s</subject></activity></activities><?end?>"
        try ActivityXML.read(data: Data(xml.utf8), file: "pi.xml") { activity, _ in ids.append(activity.id) }
        #expect(ids == [3])
    }

    @Test func aDeclarationAndOtherEncodingsStillRead() throws {
        var count = 0
        let declared = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Self.root + "<activity id=\"1\"><subject>é</subject></activity></activities>"
        try ActivityXML.read(data: Data(declared.utf8), file: "ok.xml") { _, _ in count += 1 }
        let latin1 = Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\(Self.root)<activity id=\"2\"><subject>".utf8) + Data([0xE9])
            + Data("</subject></activity></activities>".utf8)
        var subject: String?
        try ActivityXML.read(data: latin1, file: "latin1.xml") { activity, _ in
            count += 1
            subject = activity.resource["subject"]?.stringValue
        }
        #expect(count == 2)
        #expect(subject == "é")
    }
}
