import ActivityModel
import ActivityQuery
import Foundation
@testable import LanguageServer
import Testing

/// Re-checking only what an edit touches must give exactly what checking everything gives.
@Suite struct IncrementalTests {
    static let lines = [
        "status = open and queue = 5", "type = email", "customer = 1080 and", "  status = completed",
        "(queue = 1 and", " mode = inbound)", "createdDate in [2024-01-01 ..", " 2024-01-31]", "# comment",
        "", "stauts = open", "status = open; queue = 7", "assignedUserName = \"Mary Ann\" page 2 size 10",
    ]
    static let insertions = [" and", "(", ")", "\n", "x", " = ", "type = chat", "\"", "[", "]", ";", "page 0", " or "]

    @Test(arguments: [1, 2, 3] as [UInt64])
    func incrementalEqualsFullAnalysis(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let context = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!)
        var text = (0..<40).map { _ in Self.lines.randomElement(using: &random)! }.joined(separator: "\n")
        let document = LanguageServer.Document(text: Array(text.utf8), version: 1, context: context)
        for step in 0..<300 {
            var bytes = Array(text.utf8)
            let start = Int.random(in: 0...bytes.count, using: &random)
            let end = min(bytes.count, start + Int.random(in: 0...6, using: &random))
            let replacement = Int.random(in: 0...3, using: &random) == 0 ? "" : Self.insertions.randomElement(using: &random)!
            bytes.replaceSubrange(start..<end, with: Array(replacement.utf8))
            // Only edits that keep UTF-8 intact (the fixture is ASCII).
            text = String(decoding: bytes, as: UTF8.self)
            document.replace(start, end, with: Array(replacement.utf8), context: context)
            let full = LanguageServer.Document(text: bytes, version: 1, context: context)
            #expect(document.text == bytes)
            #expect(document.diagnostics == full.diagnostics, "step \(step): \(text.debugDescription)")
            if document.diagnostics != full.diagnostics { return }
        }
    }
}
