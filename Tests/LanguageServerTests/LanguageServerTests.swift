import ActivityQuery
import Foundation
import LanguageServer
import Testing

@Suite struct LanguageServerTests {
    @Test func initializeAdvertisesCapabilitiesAndNegotiatesEncoding() throws {
        let client = try TestClient()
        #expect(client.server.encoding == .utf16, "UTF-16 unless the client offers another")
        let response = client.messages().first { ($0["id"] as? Int) == 1 }
        let capabilities = try #require((response?["result"] as? [String: Any])?["capabilities"] as? [String: Any])
        #expect(capabilities["positionEncoding"] as? String == "utf-16")
        #expect(capabilities["hoverProvider"] as? Bool == true)
        #expect((capabilities["textDocumentSync"] as? [String: Any])?["change"] as? Int == 2)
        #expect(try TestClient(encodings: ["utf-8", "utf-16"]).server.encoding == .utf8)
    }

    @Test func diagnosticsOnOpenWithCodeSeverityAndRange() throws {
        let client = try TestClient()
        let markers = client.open("file:///a.actq", "status = open\n1️⃣type = email2️⃣\nqueue = 3️⃣x")
        let diagnostics = client.lastDiagnostics("file:///a.actq")
        #expect(diagnostics.map { $0["code"] as? String } == ["V007", "V010"])
        #expect(diagnostics[0]["severity"] as? Int == 1)
        let range = diagnostics[0]["range"] as? [String: [String: Int]]
        #expect(range?["start"] == markers["1️⃣"])
        #expect(range?["end"] == markers["2️⃣"])
        #expect((diagnostics[1]["range"] as? [String: [String: Int]])?["start"] == markers["3️⃣"])
    }

    @Test func columnsAreUTF16ForNonASCIIText() throws {
        let client = try TestClient()
        let markers = client.open("file:///u.actq", "custom.x = \"😀é\" and 1️⃣stauts = open")
        let diagnostic = try #require(client.lastDiagnostics("file:///u.actq").first)
        let start = (diagnostic["range"] as? [String: [String: Int]])?["start"]
        #expect(start == markers["1️⃣"])
        #expect(start?["character"] == 21, "😀 counts as two UTF-16 units")
    }

    @Test func relatedInformationPointsAtTheOtherCondition() throws {
        let client = try TestClient()
        client.open("file:///r.actq", "status = open and status = completed")
        let diagnostic = try #require(client.lastDiagnostics("file:///r.actq").first)
        #expect(diagnostic["code"] as? String == "V008")
        let related = try #require(diagnostic["relatedInformation"] as? [[String: Any]])
        #expect(related.first?["message"] as? String == "first set here")
    }

    @Test func incrementalAndFullChanges() throws {
        let client = try TestClient()
        client.open("file:///c.actq", "status = opne")
        #expect(client.lastDiagnostics("file:///c.actq").map { $0["code"] as? String } == ["V011"])
        // Replace "opne" (characters 9..13) with "open".
        client.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///c.actq", "version": 2],
            "contentChanges": [["range": ["start": ["line": 0, "character": 9], "end": ["line": 0, "character": 13]], "text": "open"]],
        ])
        #expect(client.lastDiagnostics("file:///c.actq").isEmpty)
        client.notify("textDocument/didChange", [
            "textDocument": ["uri": "file:///c.actq", "version": 3], "contentChanges": [["text": "type = chat"]],
        ])
        #expect(client.lastDiagnostics("file:///c.actq").map { $0["code"] as? String } == ["V007"])
    }

    @Test func completionOffersFieldsOperatorsAndValues() throws {
        let client = try TestClient()
        let markers = client.open("file:///k.actq", "sta1️⃣\nlastModifiedDate 2️⃣\nstatus = 3️⃣")
        func labels(_ marker: String) throws -> [String] {
            let response = try client.request("textDocument/completion", ["textDocument": ["uri": "file:///k.actq"], "position": markers[marker]!])
            return (response["result"] as? [[String: Any]])?.compactMap { $0["label"] as? String } ?? []
        }
        #expect(try labels("1️⃣") == ["status"])
        #expect(try Set(labels("2️⃣")) == [">=", "<=", ">", "<", "=", "in"])
        #expect(try labels("3️⃣").starts(with: ["open", "completed"]))
        let response = try client.request("textDocument/completion", ["textDocument": ["uri": "file:///k.actq"], "position": markers["1️⃣"]!])
        let edit = (response["result"] as? [[String: Any]])?.first?["textEdit"] as? [String: Any]
        #expect((edit?["range"] as? [String: [String: Int]])?["start"] == ["line": 0, "character": 0], "the edit replaces the typed prefix")
    }

    @Test func hoverShowsFieldDocumentationAndTheRequest() throws {
        let client = try TestClient()
        let markers = client.open("file:///h.actq", "cust1️⃣omer = 1080 and status = open")
        let response = try client.request("textDocument/hover", ["textDocument": ["uri": "file:///h.actq"], "position": markers["1️⃣"]!])
        let value = ((response["result"] as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(value.contains("**customer**"))
        #expect(value.contains("GET /ws/v12/interaction/activity?customer=1080&status=open"))
    }

    @Test func formattingSemanticTokensAndSymbols() throws {
        let client = try TestClient()
        client.open("file:///f.actq", "STATUS=open  # c\nqueue=5 page 2")
        let format = try client.request("textDocument/formatting", ["textDocument": ["uri": "file:///f.actq"], "options": ["tabSize": 2, "insertSpaces": true]])
        let edits = try #require(format["result"] as? [[String: Any]])
        #expect(edits.first?["newText"] as? String == "status = open  # c\nqueue = 5 page 2\n")
        let tokens = try client.request("textDocument/semanticTokens/full", ["textDocument": ["uri": "file:///f.actq"]])
        let data = try #require((tokens["result"] as? [String: Any])?["data"] as? [Int])
        #expect(data.count % 5 == 0 && data.count >= 5 * 8)
        #expect(Array(data[0..<5]) == [0, 0, 6, 1, 0], "STATUS is a field (property) at 0:0, six long")
        let symbols = try client.request("textDocument/documentSymbol", ["textDocument": ["uri": "file:///f.actq"]])
        #expect((symbols["result"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["STATUS=open", "queue=5 page 2"])
    }

    @Test func unknownMethodsMalformedMessagesAndCancellation() throws {
        let client = try TestClient()
        let unknown = try client.request("textDocument/unknownThing", [:])
        #expect((unknown["error"] as? [String: Any])?["code"] as? Int == -32601)
        client.server.handle(Data("{not json".utf8))
        #expect(client.messages().contains { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 })
        // A cancellation seen before its request is handled.
        client.server.noteCancellation(try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 99]]))
        client.send(["jsonrpc": "2.0", "id": 99, "method": "textDocument/documentSymbol", "params": ["textDocument": ["uri": "x"]]])
        #expect(client.messages().contains { ($0["id"] as? Int) == 99 && ($0["error"] as? [String: Any])?["code"] as? Int == -32800 })
        // Still serving.
        client.open("file:///ok.actq", "queue = 1")
        #expect(client.lastDiagnostics("file:///ok.actq").isEmpty)
        _ = try client.request("shutdown", [:])
        client.notify("exit", [:])
        #expect(client.server.exitCode == 0)
    }

    @Test func hugeDocumentAndRapidEdits() throws {
        let client = try TestClient()
        let line = "status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc\n"
        client.open("file:///big.actq", String(repeating: line, count: 10_000) + "type = email\n")
        #expect(client.lastDiagnostics("file:///big.actq").map { $0["code"] as? String } == ["V007"])
        for version in 2...20 {
            client.notify("textDocument/didChange", [
                "textDocument": ["uri": "file:///big.actq", "version": version],
                "contentChanges": [["range": ["start": ["line": 10_000, "character": 0], "end": ["line": 10_000, "character": 0]], "text": "x"]],
            ])
        }
        let diagnostics = client.lastDiagnostics("file:///big.actq")
        #expect(diagnostics.first?["code"] as? String == "V001", "the line now starts with an unknown field")
    }
}
