import ActivityModel
import ActivityQuery
import Foundation
import Testing

/// Checking in pieces on several cores gives exactly what checking from start to end gives,
/// wherever the pieces are cut: in the middle of multi-line queries, after `;`, in comments.
@Suite struct ScriptCheckerTests {
    static let lines = [
        "status = open and queue = 5", "type = email", "customer = 1080 and", "  status = completed",
        "(queue = 1 and", " mode = inbound)", "createdDate in [2024-01-01 ..", " 2024-01-31]", "# comment \u{FFFD}",
        "", "stauts = open", "status = open; queue = 7; type = chat", "assignedUserName = \"Mary Ann\" page 2 size 10",
        "queue = (", "status = \"unterminated", "custom.x = 5 and", "", "and and", "lastModifiedDate >= -7d",
        // What the planner and the whole-query rules say, so that nothing of one query stays for
        // the next when the checker reuses its binder.
        "queue in (1, 2) or status = open", "status = open count by queue", "type = email",
        "createdDate >= 2024-01-01 count by createdDate per day", "status = open and status = open page 2",
        "customer = 1 and customer = 2 sort by createdDate desc", "queue = 1 page 0 size 99 range 3",
        "lastModifiedDate > 2024-02-01 and lastModifiedDate < 2024-01-01", "status = open count by lastModifiedDate",
        "(queue = 1 or queue = 1) and mode = inbound", "customer in (1, 1, 2) show all",
    ]

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func piecesGiveTheSameResultAsOnePass(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        while bytes.count < 300_000 {
            bytes += Array(Self.lines.randomElement(using: &random)!.utf8)
            if Int.random(in: 0..<500, using: &random) == 0 { bytes.append(0xFF) }  // invalid UTF-8 now and then
            bytes.append(UInt8(ascii: "\n"))
        }
        let source = SourceText(bytes: bytes)
        var sequentialQueries = 0
        var sequential: [Diagnostic] = []
        QueryCompiler.compile(source, context: frozenContext) { compiled in
            if !compiled.syntax.tokens.isEmpty { sequentialQueries += 1 }
            sequential += compiled.diagnostics
        }
        sequential.sort { $0.range.start < $1.range.start }
        for pieces in [1, 2, 3, 7] {
            let result = ScriptChecker.check(source, context: frozenContext, pieces: pieces)
            #expect(result.queries == sequentialQueries, "\(pieces) pieces")
            #expect(result.diagnostics.count == sequential.count, "\(pieces) pieces")
            #expect(Set(result.diagnostics) == Set(sequential), "\(pieces) pieces")
        }
    }
}
