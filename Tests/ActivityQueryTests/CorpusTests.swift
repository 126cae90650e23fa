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
        if ProcessInfo.processInfo.environment["ACTQ_BLESS"] == "1" {
            for file in files { try Corpus.bless(file) }
        }
    }

    @Test(arguments: Corpus.loadAll())
    func conformance(_ item: CorpusCase) {
        let actual = Corpus.evaluate(item)
        let expectsErrors = item.diagnostics?.contains { $0.hasPrefix("error") } ?? false
        #expect(item.requests != nil || expectsErrors, "a case states its requests or its errors")
        #expect(actual.diagnostics == (item.diagnostics ?? []), "diagnostics")
        if let canonical = item.canonical {
            #expect(actual.canonical == canonical, "canonical form")
        }
        if let requests = item.requests {
            #expect(actual.requests == requests, "requests")
        }
    }
}
