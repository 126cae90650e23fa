import ActivityQuery
import Foundation
import Testing

/// Valid queries with tokens deleted, duplicated and swapped: the parser must never crash, and
/// every diagnostic must point inside the input.
@Suite struct MutationTests {
    static let seeds = [
        "status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc",
        "customer = 1002 show all",
        "case = 1001 page 2 size 10",
        "custom.customer_rating = 5 range 1 size 20",
        "status = open and lastModifiedDate in [2024-01-01 .. 2024-01-31]",
        "queue = 1000 and createdDate >= 2024-03-01T09:00:00Z",
        "status = open and assignedUserName = \"jenny\" and lastModifiedDate < today",
        "(queue = 1000 and type = email) or not (status = open)",
        "queue in (1000, 1001) and custom.x = \"a\\\"b\"",
    ]

    @Test(arguments: [101, 202, 303] as [UInt64])
    func mutatedQueriesAreDiagnosedInRange(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<1500 {
            let base = Array(Self.seeds.randomElement(using: &random)!.utf8)
            let (tokens, _) = Lexer.tokenize(base)
            var pieces = tokens.dropLast().map { Array(base[$0.range.start..<$0.range.end]) }
            for _ in 0..<Int.random(in: 1...3, using: &random) where !pieces.isEmpty {
                let index = Int.random(in: 0..<pieces.count, using: &random)
                switch Int.random(in: 0...3, using: &random) {
                case 0: pieces.remove(at: index)
                case 1: pieces.insert(pieces[index], at: index)
                case 2:
                    let other = Int.random(in: 0..<pieces.count, using: &random)
                    pieces.swapAt(index, other)
                default:
                    let cut = Int.random(in: 0...pieces[index].count, using: &random)
                    pieces[index] = Array(pieces[index].prefix(cut))
                }
            }
            let bytes = pieces.flatMap { $0 }
            let source = SourceText(bytes: bytes)
            let compiled = QueryCompiler.compile(source, context: frozenContext)
            for query in compiled {
                for diagnostic in query.diagnostics {
                    #expect(diagnostic.range.start >= 0 && diagnostic.range.end <= bytes.count,
                            "\(String(decoding: bytes, as: UTF8.self)): \(diagnostic.message)")
                    for fixIt in diagnostic.fixIts { #expect(fixIt.range.end <= bytes.count) }
                }
                // A query is either usable or explained by at least one error.
                if query.plan == nil, !query.syntax.tokens.isEmpty {
                    #expect(query.diagnostics.hasErrors, "\(String(decoding: bytes, as: UTF8.self))")
                }
                // Rendering never fails either.
                _ = DiagnosticRenderer().render(query.diagnostics, in: source)
            }
        }
    }
}
