import ActivityModel
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
