import ActivityQuery
import Foundation
import Testing

@Suite struct RoundTripTests {
    static let validInputs: [CorpusCase] = Corpus.loadAll().filter { item in
        item.kind == .query && item.requests != nil && !(item.requests?.isEmpty ?? true)
    }

    /// `fmt` is idempotent: formatting the canonical form changes nothing.
    @Test(arguments: validInputs)
    func formatIsIdempotent(_ item: CorpusCase) {
        let once = format(item.input)
        #expect(format(once) == once)
        // And formatting never changes what the query means.
        #expect(queries(once, item.context) == queries(item.input, item.context))
    }

    /// `from-url(explain(q))` gives back the query: the same filter model, and for a query already
    /// in canonical form with UTC instants, the same text as `fmt`.
    @Test(arguments: validInputs)
    func fromURLOfExplainGivesBackTheQuery(_ item: CorpusCase) {
        let compiled = QueryCompiler.compile(item.input, context: item.context)
        // A count is not a search the API can express; its counting requests read back as
        // searches (CorpusTests checks every request of the corpus that way).
        for query in compiled where query.query != nil && query.plan?.aggregation == nil {
            let request = SearchRequest(query.query!)
            let (decoded, diagnostics) = RequestDecoder.decode(request.pathAndQuery)
            #expect(!diagnostics.hasErrors)
            #expect(decoded == query.query)
            let text = CanonicalPrinter.print(decoded!)
            #expect(format(text) == text + "\n", "from-url output is in canonical form")
            #expect(queries(text, item.context) == [query.plan])
        }
    }

    /// A query that begins with `and`, `or` or a modifier after a ';' keeps the ';' (on a line of
    /// its own it would continue the query above). Found by fuzzing the script target: `fmt`
    /// turned two queries into one.
    @Test func aQueryStartingLikeAContinuationKeepsItsSemicolon() {
        for (input, expected) in [
            ("type =email; sort by id page 2", "type = email\n; sort by id page 2\n"),
            ("status = open;\n\nsort by id desc page 2", "status = open\n\n; sort by id desc page 2\n"),
            ("queue = 1;show all", "queue = 1\n; show all\n"),
        ] {
            let once = format(input)
            #expect(once == expected)
            #expect(format(once) == once)
            #expect(ScriptParser.parse(SourceText(once)).filter { !$0.syntax.tokens.isEmpty }.count
                    == ScriptParser.parse(SourceText(input)).filter { !$0.syntax.tokens.isEmpty }.count)
        }
    }

    /// A custom attribute whose name starts with a combining mark: the language took it, but
    /// `from-url` read `custom.` + U+032B as no `custom.` prefix (String's `hasPrefix` compares
    /// characters, and the mark joins the dot) and refused the request (400-101). Found by fuzzing
    /// the script target.
    @Test func aCustomNameStartingWithACombiningMarkReadsBack() throws {
        for text in ["custom.\u{32B}a-b_.d = 1", "custom.\u{301} = x", "customer = 5 and custom.\u{20DD}z = 2"] {
            let query = try #require(compileOne(text).query, "\(text) compiles")
            let path = SearchRequest(query).pathAndQuery
            #expect(path.contains("custom.%"), "the attribute name is encoded after the dot: \(path)")
            let (decoded, diagnostics) = RequestDecoder.decode(path)
            #expect(!diagnostics.hasErrors, "\(path): \(diagnostics.map(\.message))")
            #expect(decoded == query)
        }
    }

    @Test func fromURLOfExplainEqualsFmtForCanonicalQueries() {
        let canonical = [
            "customer = 1002 show all",
            "case = 1001 page 2 size 10",
            "status = open and lastModifiedDate in [2024-01-01T00:00:00.000Z .. 2024-01-31T23:59:59.999Z]",
            "queue = 1000 and createdDate >= 2024-03-01T09:00:00.000Z",
            "customer = 5 and custom.a = \"x y\" and custom.b = 2 and assignedUserName = jenny and type = email sort by id desc range 3 size 4",
        ]
        for text in canonical {
            let query = compileOne(text).query!
            let back = CanonicalPrinter.print(RequestDecoder.decode(SearchRequest(query).pathAndQuery).query!)
            #expect(back + "\n" == format(text))
        }
    }

    func format(_ text: String) -> String {
        let source = SourceText(text)
        return CanonicalPrinter.format(source, queries: ScriptParser.parse(source))
    }

    func queries(_ text: String, _ context: DateContext) -> [QueryPlan?] {
        QueryCompiler.compile(text, context: context).map(\.plan)
    }
}
