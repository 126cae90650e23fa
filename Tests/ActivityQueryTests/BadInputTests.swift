import ActivityQuery
import ActqTestSupport
import Foundation
import Testing

@Suite struct BadInputTests {
    func diagnostics(_ bytes: [UInt8]) -> [Diagnostic] {
        QueryCompiler.compile(SourceText(bytes: bytes), context: frozenContext).flatMap(\.diagnostics)
    }

    @Test func emptyInputHasNoQueriesAndNoDiagnostics() {
        #expect(QueryCompiler.compile("", context: frozenContext).isEmpty)
        #expect(QueryCompiler.compile("   \n\n  # only a comment\n", context: frozenContext).isEmpty)
    }

    @Test func megabyteLineIsDiagnosedWithARange() {
        let value = String(repeating: "x", count: 1 << 20)
        let text = "status = open and custom.big = \(value) and queue = 0"
        let found = diagnostics(Array(text.utf8))
        #expect(found.map(\.code) == [.invalidID])
        #expect(found[0].range.start == text.utf8.count - 1)
        let rendered = DiagnosticRenderer().render(found, in: SourceText(text))
        #expect(rendered.utf8.count < 1000, "a long line is shown as a window around the problem")
        #expect(rendered.contains("^"))
    }

    @Test func tenThousandNestedParenthesesDoNotOverflowTheStack() {
        let text = String(repeating: "(", count: 10_000) + "status = open" + String(repeating: ")", count: 10_000)
        let found = diagnostics(Array(text.utf8))
        #expect(found.map(\.code) == [.nestingTooDeep])
        #expect(found[0].range.start == Parser64.depth)
        let unclosed = String(repeating: "(", count: 10_000)
        #expect(diagnostics(Array(unclosed.utf8)).contains { $0.code == .nestingTooDeep })
        let nots = String(repeating: "not ", count: 10_000) + "status = open"
        #expect(diagnostics(Array(nots.utf8)).contains { $0.code == .nestingTooDeep })
    }

    @Test func invalidUTF8IsDiagnosedWhereItIs() {
        let bytes = Array("status = op".utf8) + [0xFF, 0xFE] + Array("en".utf8)
        let found = diagnostics(bytes)
        #expect(found.contains { $0.code == .invalidUTF8 && $0.range == SourceRange(11, 12) })
        let inString = Array("assignedUserName = \"a".utf8) + [0xC3] + Array("\"".utf8)
        #expect(diagnostics(inString).contains { $0.code == .invalidUTF8 && $0.range == SourceRange(21, 22) })
    }

    @Test func nulBytesAreDiagnosed() {
        let bytes = Array("status = open".utf8) + [0] + Array(" and queue = 1".utf8)
        let found = diagnostics(bytes)
        #expect(found.map(\.code) == [.nulCharacter])
        #expect(found[0].range == SourceRange(13, 14))
    }

    @Test func loneQuoteIsAnUnterminatedString() {
        let found = diagnostics(Array("\"".utf8))
        #expect(found.contains { $0.code == .unterminatedString && $0.range == SourceRange(0, 1) })
    }

    @Test func markedPositions() {
        let (text, markers) = extractMarkers("status = open and 1️⃣stauts = open and queue =2️⃣")
        let found = diagnostics(Array(text.utf8))
        #expect(found.map(\.code) == [.unknownField, .expectedValue])
        #expect(found[0].range.start == markers["1️⃣"])
        #expect(found[0].fixIts.first?.replacement == "status")
        #expect(found[1].range.start == markers["2️⃣"])
    }
}

/// The nesting limit as the first diagnostic sees it: the 65th '(' is where it is reported.
enum Parser64 {
    static let depth = 64
}

/// Numbers and text from outside, at their extremes.
@Suite struct ExtremeValueTests {
    @Test(arguments: [Int64.min, -62_135_596_800_001, -1, APIDate.latest + 1, Int64.max])
    func instantsOutsideTheAPIYearsFormatWithoutTrapping(_ instant: Int64) {
        let text = APIDate.format(instant)
        #expect(text.hasSuffix("Z"))
        #expect(text.first == "-" || text.first == "+" || text.first == "1" || text.first == "0", "\(text)")
    }

    @Test func instantsInsideTheAPIYearsKeepTheirForm() {
        #expect(APIDate.format(APIDate.earliest) == "0001-01-01T00:00:00.000Z")
        #expect(APIDate.format(APIDate.latest) == "9999-12-31T23:59:59.999Z")
        #expect(APIDate.format(-1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func activeCharactersAreMadeInert() {
        #expect(InertText.line("a\u{1B}[31mb\u{9B}c\u{202E}d\u{2067}e\nf") == "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}d\u{FFFD}e f")
        #expect(InertText.lines("one\u{85}\ntwo") == "one\u{FFFD}\ntwo")
        #expect(InertText.line("plain ü 😀 عربي") == "plain ü 😀 عربي")
        // Quoted values in canonical text escape them too, so completions and fmt are inert.
        #expect(StringLiteral.quote("x\u{202E}y") == "\"x\\u{202E}y\"")
    }
}
