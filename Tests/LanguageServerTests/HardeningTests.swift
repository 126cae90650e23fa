import ActivityQuery
import ActqTestSupport
import Foundation
import LanguageServer
import Testing

/// Inputs that used to take the server minutes: handled in linear time, with the right answers.
/// (The time limits are hang guards only: a debug build takes over a minute for the 20,000
/// requests alone, and up to seven beside the rest of the suite on a loaded two-core machine; a
/// quadratic server would take hours.)
@Suite struct LanguageServerHardeningTests {
    static func frame(_ object: [String: Any]) -> Data {
        MessageFraming.frame(try! JSONSerialization.data(withJSONObject: object))
    }

    /// Runs the server's own loop over `input`, delivered in chunks as a pipe would.
    static func serve(_ input: Data) -> (exit: Int32?, output: Data) {
        final class Sink: @unchecked Sendable { var data = Data() }
        let sink = Sink()
        let server = LanguageServer(context: { DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!) }) {
            sink.data.append($0)
        }
        var offset = 0
        let framing = MessageFraming(read: {
            guard offset < input.count else { return Data() }
            let chunk = input[offset..<min(input.count, offset + 65_536)]
            offset += chunk.count
            return Data(chunk)
        })
        return (server.run(framing), sink.data)
    }

    static func responses(_ output: Data) -> [[String: Any]] {
        var result: [[String: Any]] = []
        var index = output.startIndex
        let separator = Data("\r\n\r\n".utf8)
        while let headerEnd = output.range(of: separator, in: index..<output.endIndex) {
            let header = String(decoding: output[index..<headerEnd.lowerBound], as: UTF8.self)
            let length = Int(header.replacingOccurrences(of: "Content-Length: ", with: ""))!
            let body = output[headerEnd.upperBound..<(headerEnd.upperBound + length)]
            result.append(try! JSONSerialization.jsonObject(with: body) as! [String: Any])
            index = headerEnd.upperBound + length
        }
        return result
    }

    static let start = frame(["jsonrpc": "2.0", "id": 0, "method": "initialize", "params": ["capabilities": [:]]])
        + frame(["jsonrpc": "2.0", "method": "initialized", "params": [:]])
    static let end = frame(["jsonrpc": "2.0", "id": -1, "method": "shutdown"]) + frame(["jsonrpc": "2.0", "method": "exit"])

    @Test(.timeLimit(.minutes(TestTime.minutes(10))))
    func twentyThousandPipelinedRequestsAreAnsweredInOrder() async {
        await offCooperativePool {
            var input = Self.start + Self.frame(["jsonrpc": "2.0", "method": "textDocument/didOpen", "params": [
                "textDocument": ["uri": "file:///a.actq", "languageId": "actq", "version": 1, "text": "status = open"]]])
            for id in 1...20_000 {
                input += Self.frame(["jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": [
                    "textDocument": ["uri": "file:///a.actq"], "position": ["line": 0, "character": 2]]])
            }
            // A cancellation read ahead of the request it cancels.
            input += Self.frame(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 20_002]])
            input += Self.frame(["jsonrpc": "2.0", "id": 20_002, "method": "textDocument/hover", "params": [
                "textDocument": ["uri": "file:///a.actq"], "position": ["line": 0, "character": 2]]])
            let (exit, output) = Self.serve(input + Self.end)
            #expect(exit == 0)
            let answers = Self.responses(output).compactMap { $0["id"] as? Int }
            #expect(answers.count == 20_003, "\(answers.suffix(4))")  // initialize, 20,000 hovers, the cancelled one, shutdown
            #expect(Array(answers.prefix(20_001)) == Array(0...20_000))
            let cancelled = Self.responses(output).first { $0["id"] as? Int == 20_002 }
            #expect((cancelled?["error"] as? [String: Any])?["code"] as? Int == -32800)
        }
    }

    @Test(.timeLimit(.minutes(TestTime.minutes(10))))
    func aOneLineDocumentOf50000QueriesGetsItsDiagnosticsAndTokens() async {
        await offCooperativePool {
            // 25,000 good queries and 25,000 with a missing value, all on one line.
            let text = String(repeating: "queue = 5; status = ; ", count: 25_000)
            let input = Self.start
                + Self.frame(["jsonrpc": "2.0", "method": "textDocument/didOpen", "params": [
                    "textDocument": ["uri": "file:///b.actq", "languageId": "actq", "version": 1, "text": text]]])
                + Self.frame(["jsonrpc": "2.0", "id": 7, "method": "textDocument/semanticTokens/full", "params": [
                    "textDocument": ["uri": "file:///b.actq"]]])
                + Self.end
            let (_, output) = Self.serve(input)
            let messages = Self.responses(output)
            let published = messages.first { $0["method"] as? String == "textDocument/publishDiagnostics" }
            let diagnostics = (published?["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? []
            #expect(diagnostics.count == 25_000)
            let last = diagnostics.last.flatMap { ($0["range"] as? [String: Any])?["start"] as? [String: Any] }
            // At the end of the last "status =" (each repetition is 22 characters).
            #expect(last?["line"] as? Int == 0)
            #expect(last?["character"] as? Int == 24_999 * 22 + 19, "\(String(describing: last))")
            let tokens = (messages.first { $0["id"] as? Int == 7 }?["result"] as? [String: Any])?["data"] as? [Int] ?? []
            #expect(tokens.count == 25_000 * 5 * 5)  // queue = 5 and status =, five numbers a token
        }
    }

    @Test func cancellationsOfRequestsThatNeverComeStayBounded() {
        // 10,000 cancellations for requests never sent, then one for a request that comes: the
        // set is emptied when full (so memory is bounded), and the newest cancellation holds.
        var input = Self.start
        for id in 1...10_000 { input += Self.frame(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1_000_000 + id]]) }
        input += Self.frame(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 7]])
        input += Self.frame(["jsonrpc": "2.0", "id": 7, "method": "textDocument/documentSymbol", "params": ["textDocument": ["uri": "x"]]])
        let (exit, output) = Self.serve(input + Self.end)
        #expect(exit == 0)
        let cancelled = Self.responses(output).first { $0["id"] as? Int == 7 }
        #expect((cancelled?["error"] as? [String: Any])?["code"] as? Int == -32800)
    }
}
