import Foundation
import Testing

/// `actq lsp` as a process: garbage and bad frames get JSON-RPC errors, and the server goes on.
@Suite struct LspProcessTests {
    func frame(_ json: String) -> String { "Content-Length: \(json.utf8.count)\r\n\r\n\(json)" }

    @Test func garbageAndWrongLengthsDoNotStopTheServer() throws {
        let input = "hello, this is not a header\r\n\r\n"
            + "Content-Length: 9\r\n\r\n{\"bad\": }"
            + frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame(#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.actq","languageId":"actq","version":1,"text":"type = email"}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":2,"method":"no/such/method","params":{}}"#)
            + frame(#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#)
            + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let result = try ActqProcess.run(["lsp"], stdin: Data(input.utf8))
        #expect(result.status == 0, "shutdown then exit is a clean exit")
        #expect(result.stdout.contains("\"code\":-32700"), "malformed input gets a parse error")
        #expect(result.stdout.contains("\"id\":1"))
        #expect(result.stdout.contains("\"code\":\"V007\""), "diagnostics still arrive")
        #expect(result.stdout.contains("\"code\":-32601"), "unknown methods get MethodNotFound")
        #expect(result.stdout.contains("\"id\":3"))
    }

    @Test func endOfInputWithoutShutdownEnds() throws {
        let input = frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
        let result = try ActqProcess.run(["lsp"], stdin: Data(input.utf8))
        #expect(result.stdout.contains("\"capabilities\""))
        #expect(result.status == 0)
    }

    /// Relative dates in hover follow ACTQ_NOW, as every other command's do (the test runs
    /// set it to 2024-06-15T12:00:00Z).
    @Test func hoverFollowsTheFrozenClock() throws {
        let input = frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame(#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.actq","languageId":"actq","version":1,"text":"lastModifiedDate >= -7d"}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///x.actq"},"position":{"line":0,"character":2}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#)
            + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let result = try ActqProcess.run(["lsp"], stdin: Data(input.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("lastModifiedDate=[2024-06-08T12:00:00.000Z,]"), "\(result.stdout)")
    }

    /// Leading operators continue a query in the editor too: no diagnostics for them.
    @Test func leadingOperatorsContinueTheQuery() throws {
        let text = #"customer = 1002\n  and status = open\n  sort by createdDate desc\nqueue = 5\n  or queue = 6"#
        let input = frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame(#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.actq","languageId":"actq","version":1,"text":"\#(text)"}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#)
            + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let result = try ActqProcess.run(["lsp"], stdin: Data(input.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("publishDiagnostics"))
        #expect(result.stdout.contains("\"diagnostics\":[]"), "\(result.stdout)")
    }

    /// `actq lsp --param`: hover shows a parameter's value, completion after `$` offers the names.
    @Test func parametersInTheEditor() throws {
        let text = #"queue = $q\nstatus = $s\nstatus = $"#
        let input = frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame(#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.actq","languageId":"actq","version":1,"text":"\#(text)"}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///x.actq"},"position":{"line":0,"character":9}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":3,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///x.actq"},"position":{"line":2,"character":10}}}"#)
            + frame(#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#)
            + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let result = try ActqProcess.run(["lsp", "--param", "q=1000"], stdin: Data(input.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("**$q** = `1000` (from --param q)"), "\(result.stdout)")
        #expect(result.stdout.contains("queue=1000"), "the hover's request has the value")
        #expect(result.stdout.contains(#""label":"$q""#) && result.stdout.contains(#""label":"$s""#), "\(result.stdout)")
        #expect(result.stdout.contains("V040"), "$s has no value")
    }
}
