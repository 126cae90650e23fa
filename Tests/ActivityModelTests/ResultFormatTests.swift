import ActivityModel
import ActivityQuery
import Foundation
import Testing

/// Each output format is checked by reading it back.
@Suite struct ResultFormatTests {
    static let resources: [JSONObject] = [
        ["id": 1, "type": ["value": "email"], "status": ["value": "open", "substatus": ["value": "assigned"]],
         "subject": "Comma, \"quote\" and\nnewline", "customer": ["id": 1080, "customerName": "Zoë Ångström"],
         "lastModified": ["date": "2024-01-15T10:30:00.000Z"], "queue": ["id": 1000, "name": "Support"]],
        ["id": 2, "type": ["value": "chat"], "subject": "山田 😀 wide", "customer": ["id": 7, "customerName": "محمد"]],
    ].map { (value: JSONValue) in value.objectValue! }

    func render<W: ResultWriter>(_ writer: W) throws -> String {
        var writer = writer
        var text = writer.begin()
        for resource in Self.resources { text += try writer.row(json: JSONWriter.string(.object(resource))) }
        return text + writer.end(SearchSummary(total: 10, returned: 2, window: .page(number: 1, size: 2)))
    }

    @Test func jsonHasTheAPIShape() throws {
        let text = try render(JSONResultWriter())
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value["activity"]?.arrayValue == Self.resources.map(JSONValue.object))
        #expect(value["paginationInfo"] == ["count": 10, "pagenum": 1, "pagesize": 2])
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
    }

    @Test func ndjsonIsOneActivityPerLine() throws {
        let lines = try render(NDJSONResultWriter()).split(separator: "\n")
        #expect(try lines.map { try JSONParser.parse(Array($0.utf8)) } == Self.resources.map(JSONValue.object))
    }

    @Test func csvIsRFC4180() throws {
        let records = parseCSV(try render(CSVResultWriter()))
        #expect(records[0] == ActivityColumns.csvHeaders)
        #expect(records.count == 3)
        #expect(records[1] == ActivityColumns.csvValues(Self.resources[0]))
        #expect(records[1][ActivityColumns.csvHeaders.firstIndex(of: "subject")!] == "Comma, \"quote\" and\nnewline")
        #expect(records[2][ActivityColumns.csvHeaders.firstIndex(of: "customerName")!] == "محمد")
    }

    @Test func tableColumnsLineUpInTerminalCells() {
        let layout = TableLayout(headers: ["id", "subject"], rows: [["1", "山田 😀 wide"], ["22", "plain"], ["3", "tab\there"]])
        let lines = layout.render(width: nil).split(separator: "\n").map(String.init)
        let bar = lines.map { line in DisplayWidth.of(String(line.prefix { $0 != "|" && $0 != "+" })) }
        #expect(Set(bar).count == 1, "the separators line up: \(lines)")
        #expect(!lines.joined().contains("\t"))
    }

    @Test func tableFitsTheWidthAndMarksTruncation() {
        let long = String(repeating: "long text ", count: 20)
        let layout = TableLayout(headers: ["id", "subject", "customer"], rows: [["1", long, "山田 太郎 さん"]])
        for line in layout.render(width: 40).split(separator: "\n") {
            #expect(DisplayWidth.of(String(line)) <= 40, "\(line)")
        }
        #expect(layout.render(width: 40).contains("…"))
        #expect(layout.render(width: nil).contains(long.trimmingCharacters(in: .whitespaces)))
    }

    @Test func truncateCountsWideCharacters() {
        #expect(TableLayout.truncate("山田太郎", to: 5) == "山田…")
        #expect(DisplayWidth.of(TableLayout.truncate("😀😀😀😀", to: 6)) <= 6)
        #expect(TableLayout.truncate("short", to: 10) == "short")
    }

    /// A small RFC 4180 reader for the test.
    func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.unicodeScalars.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r", characters.first == "\n" {
                characters.removeFirst()
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.unicodeScalars.append(character)
            }
        }
        return records
    }
}
