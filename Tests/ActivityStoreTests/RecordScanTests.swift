import ActivityModel
import ActivityQuery
import ActivityStore
import ActqTestSupport
import Foundation
import Testing

/// The importer's scan (`ActivityReader.readRecords`: filter members parsed, the rest checked
/// and kept as bytes) is held to the tree reader (`read`, then `ActivityRecord.init`): the same
/// records, the same errors at the same places, however the input is spelt or broken.
@Suite struct RecordScanTests {
    /// What reading `bytes` gives: every record, or the error that stopped the read.
    enum Outcome: Equatable, CustomStringConvertible {
        case records([ActivityRecord])
        case failure(String)

        var description: String {
            switch self {
            case .records(let records): "\(records.count) records"
            case .failure(let message): message
            }
        }
    }

    static func scanned(_ bytes: [UInt8], _ format: ActivityReader.Format) -> Outcome {
        var records: [ActivityRecord] = []
        do {
            try ActivityReader.readRecords(bytes: bytes, name: "in", format: format) { record, _ in records.append(record) }
        } catch { return .failure("\(error)") }
        return .records(records)
    }

    static func parsed(_ bytes: [UInt8], _ format: ActivityReader.Format) -> Outcome {
        var records: [ActivityRecord] = []
        do {
            try ActivityReader.read(bytes: bytes, name: "in", format: format) { activity, _ in records.append(ActivityRecord(activity)) }
        } catch { return .failure("\(error)") }
        return .records(records)
    }

    static let demo = (0..<120).map { DemoData(seed: 11, until: 1_718_452_800_000).activity($0) }
    static let compact = demo.map { JSONWriter.string(.object($0.resource)) }

    /// The demo activities spelt as a pretty printer spells them: whitespace everywhere,
    /// `\/` for `/`, members in another order (summary and other members interleaved).
    static let pretty: [String] = compact.map { text in
        let object = try! JSONSerialization.jsonObject(with: Data(text.utf8))
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]), as: UTF8.self)
    }

    @Test(arguments: [ActivityReader.Format.json, .ndjson])
    func demoActivitiesGiveTheSameRecordsHoweverTheyAreSpelt(_ format: ActivityReader.Format) throws {
        for texts in [Self.compact, Self.pretty] {
            let bytes: [UInt8] = switch format {
            case .ndjson: Array(texts.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n").utf8)
            default: Array(("{\"activity\": [\n" + texts.joined(separator: ",\n") + "\n], \"paginationInfo\": {\"count\": 1}}").utf8)
            }
            let scanned = Self.scanned(bytes, format)
            #expect(scanned == Self.parsed(bytes, format))
            guard case .records(let records) = scanned else {
                Issue.record("the demo activities should read: \(scanned)")
                continue
            }
            #expect(records.map(\.id) == Self.demo.map(\.id))
            // However it was spelt, a record holds the canonical text of the activity.
            #expect(records.map { String(decoding: $0.json, as: UTF8.self) } == texts.map {
                JSONWriter.string(try! JSONParser.parse(Array($0.utf8)))
            })
        }
        // The canonical spelling is kept byte for byte, its summary first and whole.
        guard case .records(let records) = Self.scanned(Array(Self.compact.joined(separator: "\n").utf8), .ndjson) else {
            Issue.record("the compact demo activities should read")
            return
        }
        #expect(records.map { String(decoding: $0.json, as: UTF8.self) } == Self.compact)
        #expect(records.allSatisfy { $0.restJSON != nil })
    }

    /// Shapes the API's answers do not have but a file may: each reads the same both ways,
    /// or fails the same way.
    static let oddShapes: [String] = [
        #"{"id":"1234"}"#,
        #"{"id":12,"subject":"caf\u00e9 \/ \u2028 \ud83d\ude00","status":{"value":"open"}}"#,
        "{\"id\":13,\"subject\":\"raw \u{2028} separator\"}",
        #"{"payload":{"content":"x"},"id":14,"status":{"value":"open"},"links":[{"rel":"self","href":"/a"}],"subject":"s"}"#,
        #"{"id":15,"customAttributes":{"attribute":[{"name":"tier","value":"gold"},{"name":"vip","value":"yes"}]}}"#,
        #"{"id":16,"unknown":[1,2.50,-3e2,true,false,null,{"a":[[]]}],"status":{"value":"open"}}"#,
        #"{"id":17,"status":"open"}"#,
        #"{"id":18,"created":{"date":"yesterday"}}"#,
        #"{"id":19,"nested":{"a":1,"a":2}}"#,
        #"{"id":20,"id":21}"#,
        #"{"id":22,"blob":"\x"}"#,
        #"{"id":23,"blob":"\ud800"}"#,
        #"{"id":24,"n":01}"#,
        #"{"id":25,"n":1.}"#,
        #"{"id":26,"n":-}"#,
        #"{"id":27,"deep":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}",
        #"{"id":28,"deep":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
        "[1]",
        "\"activity\"",
        #"{"id":29,"t":tru}"#,
        #"{"id":30,"t":nul}"#,
        #"{"id":31 "t":1}"#,
        #"{"id":32,}"#,
        #"{"id":33,"a":{"b":1,}}"#,
        "{\"id\":34,\"tab\":\"a\tb\"}",
        "{\"id\":35}\u{FEFF}",
        // Inside the members the filters read, the parts they do not read are only checked.
        #"{"id":36,"status":{"value":"open","substatus":{"a":1,"a":2}}}"#,
        #"{"id":37,"status":{"displayValue":"Open","value":"open","extra":[1,{"b":[]}]}}"#,
        #"{"id":38,"created":{"user":{"id":"x"},"date":"2024-01-02T03:04:05.000Z"}}"#,
        #"{"id":39,"assigned":"x"}"#,
        #"{"id":40,"assigned":{"user":5}}"#,
        #"{"id":41,"assigned":{"user":{"id":5,"name":7}}}"#,
        #"{"id":42,"customer":"12","status":["open"]}"#,
        #"{"id":43,"customer":{"customerName":"x","id":null}}"#,
        #"{"id":44,"status":{"value":"open","value":"completed"}}"#,
        #"{"id":45,"status":{"displayValue":"\x"}}"#,
        #"{"id":46,"lastModified":{"date":"2024-01-02T03:04:05.000Z","user":"# + String(repeating: "[", count: 520)
            + String(repeating: "]", count: 520) + "}}",
    ]

    @Test func oddShapesReadTheSameBothWays() {
        for text in Self.oddShapes {
            for format in [ActivityReader.Format.ndjson, .json] {
                let bytes = Array((format == .json ? "[" + text + "]" : text).utf8)
                #expect(Self.scanned(bytes, format) == Self.parsed(bytes, format), "\(format): \(text)")
            }
        }
        let badUTF8 = Array(#"{"id":40,"blob":"a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(Self.scanned(badUTF8, .ndjson) == Self.parsed(badUTF8, .ndjson))
        if case .failure(let message) = Self.scanned(badUTF8, .ndjson) {
            #expect(message.contains("invalid UTF-8"), "\(message)")
        } else {
            Issue.record("invalid UTF-8 in a member no filter reads must still be an error")
        }
    }

    /// Every prefix of an activity, and every byte of it replaced by a few that break JSON in
    /// different ways: both readers agree on the records or on the error and its place.
    @Test func truncatedAndMutatedInputsFailTheSameBothWays() {
        let source = Array((Self.compact[3] + "\n" + Self.pretty[4].replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
        var disagreements: [String] = []
        func compare(_ bytes: [UInt8], _ what: @autoclosure () -> String) {
            let scanned = Self.scanned(bytes, .ndjson)
            let parsed = Self.parsed(bytes, .ndjson)
            if scanned != parsed { disagreements.append("\(what()): scan \(scanned), parse \(parsed)") }
        }
        for end in 0..<source.count { compare(Array(source[..<end]), "prefix \(end)") }
        let replacements: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "]"), UInt8(ascii: "\\"), UInt8(ascii: ","), UInt8(ascii: "1"), 0x0A, 0xFF]
        for index in source.indices {
            for replacement in replacements where replacement != source[index] {
                var bytes = source
                bytes[index] = replacement
                compare(bytes, "byte \(index) as \(replacement)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(3))")
    }

    /// `isCanonical` is true exactly when writing the parsed text out again gives the same bytes.
    @Test func canonicalIsWhatTheWriterWrites() {
        var texts = Self.compact.prefix(20) + Self.pretty.prefix(20) + Self.oddShapes
        texts += [#"{"a":"\n\t\r\"\\"}"#, #"{"a":"\b"}"#, #"{"a":"\u0001"}"#, "{\"a\":\"\u{2029}\"}", #"{"a":1.50}"#, #"{ "a":1}"#]
        for text in texts {
            let bytes = Array(text.utf8)
            guard let value = try? JSONParser.parse(bytes) else { continue }
            var written: [UInt8] = []
            JSONWriter.write(value, into: &written)
            #expect(JSONWriter.isCanonical(bytes) == (written == bytes), "\(text)")
        }
    }
}
