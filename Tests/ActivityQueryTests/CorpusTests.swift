import ActivityQuery
import Foundation
import Testing

@Suite struct CorpusTests {
    @Test func corpusHasEnoughCases() throws {
        let files = Corpus.files()
        #expect(!files.isEmpty)
        var total = 0
        for file in files { total += try Corpus.load(file).count }
        #expect(total >= 200, "the conformance corpus needs at least 200 cases, has \(total)")
    }

    /// `make bless` (and only it) rewrites the corpus with the actual results, for review with
    /// git diff: never a side effect of running the tests.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ACTQ_BLESS"] == "1"))
    func blessTheCorpus() throws {
        for file in Corpus.files() { try Corpus.bless(file) }
    }

    @Test(arguments: Corpus.loadAll())
    func conformance(_ item: CorpusCase) {
        let actual = Corpus.evaluate(item)
        let expectsErrors = item.diagnostics?.contains { $0.hasPrefix("error") } ?? false
        #expect(item.requests != nil || expectsErrors, "a case states its requests or its errors")
        #expect(actual.diagnostics == (item.diagnostics ?? []), "diagnostics")
        if !expectsErrors {
            #expect(item.canonical != nil, "a valid case states its canonical form")
        }
        if let canonical = item.canonical {
            #expect(actual.canonical == canonical, "canonical form")
        }
        if let requests = item.requests {
            #expect(actual.requests == requests, "requests")
            // Each request reads back (from-url, the emulator's reader) as the same request.
            for request in requests where !request.isEmpty {
                let (decoded, problems) = RequestDecoder.decode(request)
                #expect(decoded.map { SearchRequest($0).queryString } == request,
                        "from-url round trip of \(request): \(problems.map(\.message))")
            }
        }
    }
}
