import ActivityRemote
import Testing

/// How the remote backend's HTTP client reads answers: the same however the bytes arrive (one at
/// a time or all at once), every framing RFC 9112 has, and a reason for every answer it refuses.
@Suite struct HTTPAnswerReaderTests {
    /// What reading `text` gives, checked to be the same for every way of cutting it into pieces.
    static func read(_ text: String, maximumBodySize: Int = 1 << 20) -> (answers: [HTTPAnswerBytes.Answer], failure: String?) {
        let bytes = Array(text.utf8)
        let whole = HTTPAnswerBytes.read(bytes, chunk: bytes.count, maximumBodySize: maximumBodySize)
        for chunk in 1...12 {
            let pieces = HTTPAnswerBytes.read(bytes, chunk: chunk, maximumBodySize: maximumBodySize)
            #expect(pieces.failure == whole.failure, "in pieces of \(chunk)")
            #expect(pieces.answers.map(\.status) == whole.answers.map(\.status), "in pieces of \(chunk)")
            let sameBodies = pieces.answers.map(\.body) == whole.answers.map(\.body)
            #expect(sameBodies, "in pieces of \(chunk)")
        }
        return whole
    }

    static func body(_ answer: HTTPAnswerBytes.Answer) -> String { String(decoding: answer.body, as: UTF8.self) }

    @Test func aContentLengthAnswer() {
        let (answers, failure) = Self.read("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
        #expect(failure == nil)
        #expect(answers.count == 1)
        #expect(answers.first?.status == 200)
        #expect(answers.first.map(Self.body) == #"{"a":1}"#)
        #expect(answers.first?.headers.first?.name == "Content-Type")
        #expect(answers.first?.headers.first?.value == "application/json")
    }

    @Test func aChunkedAnswerWithExtensionsAndTrailers() {
        let (answers, failure) = Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n")
        #expect(failure == nil)
        #expect(answers.map(Self.body) == ["abc0123456789"])
    }

    @Test func answersOneAfterAnotherOnAKeptConnection() {
        let (answers, failure) = Self.read("""
            HTTP/1.1 204 No Content\r\nX-egain-session: S\r\n\r\n\
            HTTP/1.1 100 Continue\r\n\r\n\
            HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}\
            HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n
            """)
        #expect(failure == nil)
        #expect(answers.map(\.status) == [204, 200, 404])
        #expect(answers.map(Self.body) == ["", "{}", "x"])
    }

    @Test func anAnswerEndedByClosingAndWhatEndsTheConnection() {
        #expect(Self.read("HTTP/1.1 200 OK\r\n\r\nall of it").answers.map(Self.body) == ["all of it"])
        // After `Connection: close`, or an HTTP/1.0 answer without keep-alive, nothing more is read.
        #expect(Self.read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n").answers.count == 1)
        #expect(Self.read("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n").answers.count == 1)
        let kept = Self.read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\naHTTP/1.1 204 No Content\r\n\r\n")
        #expect(kept.answers.map(\.status) == [200, 204])
    }

    @Test(arguments: [
        ("", "the server closed the connection without answering"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "the answer was cut short"),
        ("HTTP/1.1 200 OK\r\nContent-Le", "before its answer's head was complete"),
        ("HTTP/1.1 200 OK\nContent-Length: 0\n\n", "not valid HTTP (a line not ended by CRLF)"),
        ("HTTP/2 200\r\n\r\n", "not valid HTTP (status line 'HTTP/2 200')"),
        ("HTTP/1.1 99 Odd\r\n\r\n", "not valid HTTP (status line"),
        ("HTTP/1.1 200 OK\r\n: no name\r\n\r\n", "not valid HTTP (a header line without a name)"),
        ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "not valid HTTP (a header line without a name)"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "not valid HTTP (Content-Length '1,2')"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not valid HTTP (Content-Length '-1')"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "not valid HTTP (Content-Length"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "not valid HTTP (a chunk not ended by CRLF)"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "not valid HTTP (a chunk size '-1')"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nabcde\r\n0\r\n\r\n", "not valid HTTP (a chunk size '+5')"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\n", "not valid HTTP (a chunk size '1 0')"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "the answer was cut short"),
    ])
    func refusedWithAReason(text: String, reason: String) {
        let failure = Self.read(text).failure
        #expect(failure?.contains(reason) == true, "\(failure ?? "no failure")")
    }

    @Test func theLimits() {
        let head = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Padding: 0123456789\r\n", count: 3_000) + "\r\n"
        #expect(Self.read(head).failure == "the server's answer is not valid HTTP (a head longer than 64 KiB)")
        #expect(Self.read("HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", maximumBodySize: 1024).failure?.hasPrefix("the answer is larger than") == true)
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "100\r\n" + String(repeating: "x", count: 256) + "\r\n", count: 5)
        #expect(Self.read(chunked + "0\r\n\r\n", maximumBodySize: 1024).failure?.hasPrefix("the answer is larger than") == true)
        #expect(Self.read("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "x", count: 2048), maximumBodySize: 1024).failure?.hasPrefix("the answer is larger than") == true)
        #expect(Self.read("HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n" + String(repeating: "x", count: 1024), maximumBodySize: 1024).failure == nil)
    }
}
