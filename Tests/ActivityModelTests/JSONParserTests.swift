import ActivityModel
import ActqTestSupport
import Foundation
import Testing

@Suite struct JSONParserTests {
    @Test func keepsMemberOrderAndNumberText() throws {
        let value = try JSONParser.parse(Array(#"{"z": 1, "a": [1.50, -0, 2e10, true, null], "m": "é\u00e9\ud83d\ude00"}"#.utf8))
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["a"] == [.number("1.50"), .number("-0"), .number("2e10"), true, nil])
        #expect(value["m"] == "éé😀")
        #expect(JSONWriter.string(value) == #"{"z":1,"a":[1.50,-0,2e10,true,null],"m":"éé😀"}"#)
    }

    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", "duplicate key"),
        ("[1, 2", "truncated"),
        ("{\"a\" 1}", "expected ':'"),
        ("[01]", "leading zero"),
        ("\"\\ud800\"", "lone surrogate"),
        ("\"a\tb\"", "control character"),
        ("[1] x", "unexpected text"),
        ("tru", "invalid literal"),
    ])
    func rejectsMalformedJSON(_ input: String, _ message: String) {
        do {
            _ = try JSONParser.parse(Array(input.utf8))
            Issue.record("accepted \(input)")
        } catch let error as JSONSyntaxError {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.line >= 1 && error.column >= 1)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rejectsInvalidUTF8WithItsPosition() {
        let bytes = Array("[\n\"ok\",\n\"a".utf8) + [0xFF] + Array("\"]".utf8)
        #expect {
            _ = try JSONParser.parse(bytes)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.line == 3 && error.message.contains("UTF-8")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse(deep) }
    }

    @Test func writerEscapesWhatJSONNeeds() throws {
        let text = "quote\" backslash\\ newline\n tab\t nul\u{0} bell\u{07} é 😀"
        let written = JSONWriter.string(.string(text))
        #expect(try JSONParser.parse(Array(written.utf8)) == .string(text))
        let viaFoundation = try JSONSerialization.jsonObject(with: Data(written.utf8), options: .fragmentsAllowed) as? String
        #expect(viaFoundation == text)
    }
}

/// A file is read in chunks: values, line numbers and error places must not depend on where a
/// chunk ends (inside whitespace, a line break, a string's plain run or an escape).
@Suite struct ChunkedJSONTests {
    static let document = "{\n  \"a\" :\t[1, -2.5e3,\r\n \"plain text here\", \"esc\\\"aped \\u00e9\", true],\n\n  \"b\": {\"é\": null}   \n}\n"

    static func parse(_ text: String, chunkSize: Int) throws -> JSONValue {
        let path = Scratch.path("chunked", ".json")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        let parser = JSONParser(ByteInput(handle: handle, chunkSize: chunkSize))
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.input.atEnd else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    @Test func anyChunkSizeReadsTheSameValue() throws {
        let whole = try JSONParser.parse(Array(Self.document.utf8))
        for size in 1...12 {
            #expect(try Self.parse(Self.document, chunkSize: size) == whole, "chunks of \(size)")
        }
    }

    @Test func anyChunkSizePlacesAnErrorAlike() throws {
        let broken = Self.document.replacingOccurrences(of: "true]", with: "true x]")
        var expected: JSONSyntaxError?
        do { _ = try JSONParser.parse(Array(broken.utf8)) } catch let error as JSONSyntaxError { expected = error }
        let place = try #require(expected)
        #expect(place.line == 3)
        for size in 1...12 {
            do {
                _ = try Self.parse(broken, chunkSize: size)
                Issue.record("no error with chunks of \(size)")
            } catch let error as JSONSyntaxError {
                #expect(error == place, "chunks of \(size)")
            }
        }
    }
}
