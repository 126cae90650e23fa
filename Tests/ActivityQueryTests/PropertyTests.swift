import ActivityQuery
import Foundation
import Testing

@Suite struct PropertyTests {
    /// Encoding a query into its request and decoding the request gives back the same query,
    /// whatever the values hold.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func requestRoundTrip(seed: UInt64) {
        var generator = QueryGenerator(random: SplitMix64(seed: seed))
        for _ in 0..<500 {
            let query = generator.query()
            let request = SearchRequest(query)
            let (decoded, diagnostics) = RequestDecoder.decode(request.pathAndQuery)
            #expect(!diagnostics.hasErrors, "\(request.pathAndQuery): \(diagnostics.map(\.message))")
            #expect(decoded == query, "\(request.pathAndQuery)")
            // No value can add or remove a parameter.
            let separators = request.queryString.split(separator: "&").count
            #expect(separators == request.parameters.count, "\(request.queryString)")
        }
    }

    /// The canonical text of a query compiles back to the same query.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func canonicalTextRoundTrip(seed: UInt64) {
        var generator = QueryGenerator(random: SplitMix64(seed: seed))
        for _ in 0..<500 {
            let query = generator.query()
            let text = CanonicalPrinter.print(query)
            let compiled = QueryCompiler.compile(text, context: frozenContext)
            #expect(compiled.count == 1, "\(text)")
            #expect(!compiled.flatMap(\.diagnostics).hasErrors, "\(text): \(compiled.flatMap(\.diagnostics).map(\.message))")
            #expect(compiled.first?.query == query, "\(text)")
        }
    }

    /// The canonical parameter order is the order of `FixedFilter`'s cases, with custom
    /// attributes after `lastModifiedDate`.
    @Test func canonicalOrderIsTheOrderOfTheCases() {
        let fixed = FixedFilter.allCases
        for (i, a) in fixed.enumerated() {
            for (j, b) in fixed.enumerated() {
                #expect(Filter.canonicallyPrecedes(.fixed(a), .fixed(b)) == (i < j), "\(a) before \(b)")
            }
            let beforeCustom = i <= fixed.firstIndex(of: .lastModifiedDate)!
            #expect(Filter.canonicallyPrecedes(.fixed(a), .custom("x")) == beforeCustom, "\(a) before custom.x")
            #expect(Filter.canonicallyPrecedes(.custom("x"), .fixed(a)) == !beforeCustom, "custom.x before \(a)")
        }
    }

    /// Every fixed field is found by its name in any ASCII case, and nothing else of a name's
    /// length is (the lookup compares only names of the same length).
    @Test func everyFixedFieldIsFoundByNameInAnyCase() {
        for filter in FixedFilter.allCases {
            let name = filter.name
            for spelling in [name, name.uppercased(), name.lowercased(), String(name.reversed())] {
                let expected: Filter? = spelling.lowercased() == name.lowercased() ? .fixed(filter)
                    : FixedFilter.allCases.first { $0.name.lowercased() == spelling.lowercased() }.map(Filter.fixed)
                #expect(Filter.named(spelling) == expected, "\(spelling)")
            }
            #expect(Filter.named(name + "x") == nil)
            #expect(Filter.named(String(name.dropLast())) == FixedFilter.allCases.first { $0.name == String(name.dropLast()) }.map(Filter.fixed))
        }
        #expect(Filter.named("") == nil)
        #expect(Filter.named(String(repeating: "a", count: 300)) == nil)
    }

    /// The line table holds the offset after every newline, wherever the newlines are.
    @Test(arguments: [5, 6, 7] as [UInt64])
    func lineStartsFollowEveryNewline(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                [UInt8(ascii: "\n"), UInt8(ascii: "a"), 0xC3, 0x00][Int.random(in: 0...3, using: &random)]
            }
            let expected = [0] + bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
            #expect(SourceText(bytes: bytes).lineStarts == expected)
        }
    }

    /// The tokens cover every byte of any input, in order, without gaps or overlaps.
    @Test func lexerIsLossless() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("status = open and ()[]..,;!=<>#\"\\ -7d 2024-01-15T10:30Z custom.x é😀\n\t'*".utf8) + [0, 0xFF, 0xC3, 0x80]
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...60, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            let (tokens, diagnostics) = Lexer.tokenize(bytes)
            var offset = 0
            for token in tokens.dropLast() {
                #expect(token.range.start == offset)
                #expect(token.range.end > token.range.start)
                offset = token.range.end
            }
            #expect(offset == bytes.count)
            #expect(tokens.last?.kind == .endOfFile)
            for diagnostic in diagnostics { #expect(diagnostic.range.end <= bytes.count) }
        }
    }
}
