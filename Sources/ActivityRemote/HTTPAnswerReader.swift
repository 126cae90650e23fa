import ActivityQuery

/// Where the bytes of answers come from: a connection (`SocketSource`), or bytes in memory.
protocol AnswerSource {
    /// Appends what arrives to `buffer`; false at the end of the stream.
    mutating func more(into buffer: inout [UInt8]) throws -> Bool
}

/// Reads one answer at a time: the head, then a body framed as RFC 9112 says
/// (`Content-Length`, chunked, or until the server closes). Every limit is checked as the bytes
/// arrive (a read at most past it): the head's 64 KiB, a chunk-size line's 1 KiB, the body's
/// `maximumBodySize`.
struct AnswerReader<Source: AnswerSource> {
    var source: Source
    let maximumBodySize: Int
    /// Bytes read and not yet parsed; `position` is where parsing stands.
    private var buffer: [UInt8]
    private(set) var position = 0

    /// A reader of what `source` sends after `pending` (bytes an earlier answer left).
    init(source: Source, pending: [UInt8] = [], maximumBodySize: Int) {
        self.source = source
        self.maximumBodySize = maximumBodySize
        buffer = pending
    }

    /// The bytes after the last answer read: the start of the next one.
    var unread: [UInt8] { Array(buffer[position...]) }

    /// The answer, and whether the connection may carry another request.
    mutating func read(reused: Bool) throws -> (HTTPAnswer, reusable: Bool) {
        var head: Head
        repeat {
            head = try readHead(reused: reused)
        } while (100..<200).contains(head.status)  // interim answers (100 Continue) come before the real one
        var answer = HTTPAnswer(status: head.status, reason: head.reason, headers: head.headers, body: [])
        var reusable = head.keepAlive
        switch try framing(of: head) {
        case .none:
            break
        case .length(let length):
            guard length <= maximumBodySize else { throw tooBig }
            try fill(to: position + length)
            answer.body = Array(buffer[position..<(position + length)])
            position += length
        case .chunked:
            answer.body = try readChunks()
        case .untilClosed:
            repeat {
                guard buffer.count - position <= maximumBodySize else { throw tooBig }
            } while try more()
            answer.body = Array(buffer[position...])
            position = buffer.count
            reusable = false
        }
        return (answer, reusable)
    }

    private var tooBig: TransportFailure {
        TransportFailure("the answer is larger than \(TransportFailure.size(maximumBodySize)); no search answer is that large", .failed)
    }

    private func invalid(_ what: String) -> TransportFailure {
        TransportFailure("the server's answer is not valid HTTP (\(what))", .failed)
    }

    // MARK: Bytes

    /// Reads more bytes; false at the end of the stream.
    private mutating func more() throws -> Bool {
        try source.more(into: &buffer)
    }

    /// Reads until `buffer` holds `end` bytes; the stream ending first is an answer cut short.
    private mutating func fill(to end: Int) throws {
        while buffer.count < end {
            guard try more() else {
                throw TransportFailure("the answer was cut short (the connection closed before the whole body arrived)", .failed, retry: true)
            }
        }
    }

    /// The next line (without its CRLF); a line longer than `limit` bytes is `tooLong`.
    fileprivate mutating func line(limit: Int, tooLong: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        var scanned = position
        while true {
            if let end = buffer[scanned...].firstIndex(of: 0x0A) {
                guard end - position <= limit + 1 else { throw invalid(tooLong()) }
                guard end > position, buffer[end - 1] == 0x0D else { throw invalid("a line not ended by CRLF") }
                let text = buffer[position..<(end - 1)]
                position = end + 1
                return text
            }
            scanned = buffer.count
            guard scanned - position <= limit else { throw invalid(tooLong()) }
            try fill(to: buffer.count + 1)
        }
    }

    // MARK: Head

    struct Head {
        var status: Int
        var reason: String
        var headers: [(name: String, value: String)]
        var keepAlive: Bool
    }

    private mutating func readHead(reused: Bool) throws -> Head {
        // Nothing at all on a kept connection: the server closed it while it was idle.
        if position == buffer.count {
            guard try more() else {
                if reused { throw StaleConnection() }
                throw TransportFailure("the server closed the connection without answering", .failed, retry: true)
            }
        }
        let headStart = position
        // The next line of the head, within what is left of the head's limit.
        func headLine(_ reader: inout AnswerReader) throws -> ArraySlice<UInt8> {
            do {
                return try reader.line(limit: SocketTransport.maximumHeadSize - (reader.position - headStart),
                                       tooLong: "a head longer than \(SocketTransport.maximumHeadSize >> 10) KiB")
            } catch let failure as TransportFailure where failure.retry {
                throw TransportFailure("the server closed the connection before its answer's head was complete", .failed, retry: true)
            }
        }
        let statusLine = try headLine(&self)
        // HTTP/1.x SP 3DIGIT [SP reason]
        let parts = statusLine.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[0].count == 8,
              parts[1].count == 3, parts[1].allSatisfy({ (0x30...0x39).contains($0) }),
              let status = Int(String(decoding: parts[1], as: UTF8.self)), status >= 100 else {
            throw invalid("status line '\(InertText.line(String(decoding: statusLine.prefix(80), as: UTF8.self)))'")
        }
        let minor = parts[0].last!
        var headers: [(name: String, value: String)] = []
        var keepAlive = minor != UInt8(ascii: "0")
        while true {
            let field = try headLine(&self)
            if field.isEmpty { break }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                  field[field.startIndex..<colon].allSatisfy(HeaderField.isTokenByte) else {
                throw invalid("a header line without a name")
            }
            let name = String(decoding: field[field.startIndex..<colon], as: UTF8.self)
            var value = field[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            let text = String(decoding: value, as: UTF8.self)
            if HeaderField.sameName(name, "connection") {
                let options = HeaderField.list(text)
                if options.contains("close") { keepAlive = false } else if options.contains("keep-alive") { keepAlive = true }
            }
            headers.append((name, text))
        }
        return Head(status: status, reason: String(decoding: parts.count > 2 ? parts[2] : [], as: UTF8.self),
                    headers: headers, keepAlive: keepAlive)
    }

    // MARK: Body

    enum Framing {
        case none, length(Int), chunked, untilClosed
    }

    private func framing(of head: Head) throws -> Framing {
        if head.status == 204 || head.status == 304 { return .none }
        let codings = head.headers.filter { HeaderField.sameName($0.name, "transfer-encoding") }.flatMap { HeaderField.list($0.value) }
        if !codings.isEmpty {
            return codings.last == "chunked" ? .chunked : .untilClosed
        }
        // Several Content-Length values (or one list) must all be the same number.
        let lengths = head.headers.filter { HeaderField.sameName($0.name, "content-length") }.flatMap { HeaderField.list($0.value) }
        guard let first = lengths.first else { return .untilClosed }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let length = Int(first) else {
            throw invalid("Content-Length '\(InertText.line(String(lengths.joined(separator: ",").prefix(40))))'")
        }
        return .length(length)
    }

    private mutating func readChunks() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try line(limit: 1024, tooLong: "a chunk size line longer than 1 KiB")
            // Hexadecimal digits, then (after optional spaces) `;` and extensions, which say nothing here.
            var digits = sizeLine.prefix { $0 != UInt8(ascii: ";") }
            while let last = digits.last, last == 0x20 || last == 0x09 { digits.removeLast() }
            guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy(HeaderField.isHexDigit),
                  let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw invalid("a chunk size '\(InertText.line(String(decoding: sizeLine.prefix(40), as: UTF8.self)))'")
            }
            if size == 0 {
                // Trailer fields, then the empty line.
                var trailers = 0
                while true {
                    let field = try line(limit: SocketTransport.maximumHeadSize - trailers, tooLong: "trailer fields longer than 64 KiB")
                    if field.isEmpty { break }
                    trailers += field.count + 2
                }
                return body
            }
            guard body.count + size <= maximumBodySize else { throw tooBig }
            try fill(to: position + size + 2)
            body += buffer[position..<(position + size)]
            position += size
            guard buffer[position] == 0x0D, buffer[position + 1] == 0x0A else { throw invalid("a chunk not ended by CRLF") }
            position += 2
            if position > 1 << 20 {
                // Keep the buffer from holding every chunk read so far.
                buffer.removeFirst(position)
                position = 0
            }
        }
    }
}

/// Bytes in memory, handed over `chunk` at a time, as a connection that closes after them.
struct MemorySource: AnswerSource {
    let bytes: [UInt8]
    let chunk: Int
    private var offset = 0

    init(bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = max(1, chunk)
    }

    mutating func more(into buffer: inout [UInt8]) -> Bool {
        guard offset < bytes.count else { return false }
        let end = min(offset + chunk, bytes.count)
        buffer += bytes[offset..<end]
        offset = end
        return true
    }
}

/// Answers read from bytes in memory exactly as actq's own HTTP client reads them from a
/// connection: for the fuzzing target (`Tests/Fuzz`), which holds the reading to its invariants,
/// and for tests.
public enum HTTPAnswerBytes {
    /// One answer as read: its status, its headers in order, its body.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
    }

    /// The answers `bytes` hold, one after another as on a kept-alive connection that the server
    /// closes after them, arriving `chunk` bytes at a time; and why reading stopped (nil when the
    /// bytes ended cleanly, after an answer, or an answer said the connection would close).
    public static func read(_ bytes: [UInt8], chunk: Int, maximumBodySize: Int) -> (answers: [Answer], failure: String?) {
        var reader = AnswerReader(source: MemorySource(bytes: bytes, chunk: chunk), maximumBodySize: maximumBodySize)
        var answers: [Answer] = []
        while true {
            do {
                let (answer, reusable) = try reader.read(reused: !answers.isEmpty)
                answers.append(Answer(status: answer.status, headers: answer.headers, body: answer.body))
                if !reusable { return (answers, nil) }
            } catch is StaleConnection {
                return (answers, nil)
            } catch let failure as TransportFailure {
                return (answers, failure.reason)
            } catch {
                return (answers, "\(error)")
            }
        }
    }
}
