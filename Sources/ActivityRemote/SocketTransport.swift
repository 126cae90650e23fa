import ActivityQuery
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over a plain TCP socket, for `http://` base URLs (`actq serve`, a proxy in front of
/// the API, a deployment inside a private network): the calling thread connects, writes and
/// reads itself, with `poll` for the timeouts. One query then costs what its bytes cost: no event
/// loop thread to start, no channel pipeline whose first dynamic casts each scan the runtime's
/// conformance records (AsyncHTTPClient spent 25 M instructions of a one-shot query's 34 M so).
///
/// Connections are kept alive and reused (at most `keptConnections` idle at once); a kept
/// connection the server closed while it was idle is noticed before any byte of the answer and
/// the request goes out again on a new one. Connecting is tried again until `connectTimeout`
/// while the server refuses (it may be starting), as AsyncHTTPClient does.
final class SocketTransport: HTTPTransport, @unchecked Sendable {
    let endpoint: Endpoint
    let connectTimeout: Double
    let readTimeout: Double
    let maximumBodySize: Int
    private let idle = Locked<[SocketConnection]>([])

    /// The largest status line and headers read.
    static let maximumHeadSize = 64 << 10
    static let keptConnections = 8
    /// How often a wait looks at `isCancelled`, in milliseconds.
    static let cancellationCheck: Int32 = 100

    init(endpoint: Endpoint, connectTimeout: Double, readTimeout: Double, maximumBodySize: Int) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maximumBodySize = maximumBodySize
    }

    deinit { shutdown() }

    func shutdown() {
        for connection in idle.withLock({ kept in defer { kept = [] }; return kept }) { connection.close() }
    }

    func send(_ request: HTTPRequestMessage, isCancelled: @escaping @Sendable () -> Bool) throws -> HTTPAnswer {
        let message = encode(request)
        let deadline = Deadline(after: connectTimeout + readTimeout)
        if let kept = idle.withLock({ $0.popLast() }) {
            do {
                return try exchange(on: kept, message, deadline: deadline, isCancelled: isCancelled, reused: true)
            } catch is StaleConnection {
                // Closed by the server while it was idle: nothing of the request was answered.
            }
        }
        return try exchange(on: try connect(isCancelled: isCancelled), message, deadline: deadline, isCancelled: isCancelled, reused: false)
    }

    /// The request as bytes: request line, `Host`, the request's headers, `Content-Length` when
    /// there is a body, the body.
    func encode(_ request: HTTPRequestMessage) -> [UInt8] {
        var text = "\(request.method.rawValue) \(endpoint.basePath)\(request.pathAndQuery) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\n"
        for header in request.headers { text += "\(header.name): \(header.value)\r\n" }
        if !request.body.isEmpty || request.method == .POST { text += "Content-Length: \(request.body.count)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        bytes += request.body
        return bytes
    }

    // MARK: One exchange

    /// Sends the request and reads the answer; the connection is kept for the next request when
    /// both sides allow it, closed otherwise.
    private func exchange(on connection: SocketConnection, _ message: [UInt8], deadline: Deadline,
                          isCancelled: @escaping @Sendable () -> Bool, reused: Bool) throws -> HTTPAnswer {
        var keep = false
        defer {
            if keep {
                let kept = idle.withLock { connections -> Bool in
                    guard connections.count < Self.keptConnections else { return false }
                    connections.append(connection)
                    return true
                }
                if !kept { connection.close() }
            } else {
                connection.close()
            }
        }
        var reader = AnswerReader(connection: connection, readTimeout: readTimeout, deadline: deadline,
                                  maximumBodySize: maximumBodySize, isCancelled: isCancelled)
        do {
            try connection.write(message, deadline: deadline, isCancelled: isCancelled)
        } catch let failure as SocketFailure where failure.isClosedByPeer {
            if reused { throw StaleConnection() }
            throw TransportFailure("the server closed the connection before the request was sent", .failed, retry: true)
        }
        let (answer, reusable) = try reader.read(reused: reused)
        keep = reusable
        return answer
    }

    // MARK: Connecting

    /// A connected socket to the endpoint, trying again while connections are refused until
    /// `connectTimeout`. Of several addresses (IPv6 and IPv4), each is tried in turn with its share
    /// of the time left, so that one that never answers (a broken IPv6 route) leaves time for the
    /// next.
    private func connect(isCancelled: @Sendable () -> Bool) throws -> SocketConnection {
        let addresses = try resolve()
        let deadline = Deadline(after: connectTimeout)
        var pause = 0.05
        while true {
            var refusal: Int32?
            for (index, address) in addresses.enumerated() {
                let share = Deadline(after: deadline.remaining / Double(addresses.count - index))
                switch SocketConnection.connect(to: address, deadline: share, isCancelled: isCancelled) {
                case .success(let connection): return connection
                case .failure(let failure) where failure.errno == ECANCELED: throw TransportFailure("cancelled", .failed)
                case .failure(let failure) where failure.errno != ETIMEDOUT: refusal = failure.errno
                case .failure: break
                }
            }
            guard let refusal else {
                throw TransportFailure("no connection within \(TransportFailure.seconds(connectTimeout))", .unreachable)
            }
            guard deadline.remaining > pause else {
                let waited = " (kept trying for \(TransportFailure.seconds(connectTimeout)))"
                throw TransportFailure("cannot connect: \(String(cString: strerror(refusal)).lowercased())" + waited, .unreachable)
            }
            usleep(useconds_t(pause * 1_000_000))
            if isCancelled() { throw TransportFailure("cancelled", .failed) }
            pause = min(pause * 2, 1)
        }
    }

    /// The endpoint's addresses, IPv4 and IPv6, in the resolver's order.
    private func resolve() throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, let first = list else {
            throw TransportFailure("cannot resolve the host name", .unreachable)
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let address = entry.pointee.ai_addr {
                addresses.append(SocketAddress(family: entry.pointee.ai_family, bytes: Array(UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))))
            }
            next = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw TransportFailure("cannot resolve the host name", .unreachable) }
        return addresses
    }
}

/// A kept connection the server had closed: the request may go out again on a new one.
private struct StaleConnection: Error {}

/// A point in time by the monotonic clock.
struct Deadline {
    let nanoseconds: UInt64

    init(after seconds: Double) {
        nanoseconds = Self.now() &+ UInt64(max(0, seconds) * 1e9)
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Seconds left (0 once passed).
    var remaining: Double {
        let now = Self.now()
        return now >= nanoseconds ? 0 : Double(nanoseconds - now) / 1e9
    }
}

struct SocketAddress {
    var family: Int32
    var bytes: [UInt8]
}

/// A system call's failure on a socket.
struct SocketFailure: Error {
    var errno: Int32

    var isClosedByPeer: Bool { errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN }
}

/// One TCP connection, non-blocking, waited on with `poll`.
final class SocketConnection: @unchecked Sendable {
    let descriptor: Int32
    /// Bytes read and not yet used (the start of the next answer, after a kept-alive one).
    var pending: [UInt8] = []
    /// Where `recv` writes, before the bytes join an answer.
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func connect(to address: SocketAddress, deadline: Deadline, isCancelled: () -> Bool) -> Result<SocketConnection, SocketFailure> {
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return .failure(SocketFailure(errno: errno)) }
        let connection = SocketConnection(descriptor: descriptor)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let started = address.bytes.withUnsafeBytes { raw in
            Glibc.connect(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if started != 0 {
            guard errno == EINPROGRESS else {
                let failure = SocketFailure(errno: errno)
                connection.close()
                return .failure(failure)
            }
            switch connection.wait(for: Int16(POLLOUT), deadline: deadline, idle: nil, isCancelled: isCancelled) {
            case .ready: break
            case .timedOut:
                connection.close()
                return .failure(SocketFailure(errno: ETIMEDOUT))
            case .cancelled:
                connection.close()
                return .failure(SocketFailure(errno: ECANCELED))
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                connection.close()
                return .failure(SocketFailure(errno: error))
            }
        }
        return .success(connection)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }

    enum Wait {
        case ready, timedOut, cancelled
    }

    /// Waits until the socket is ready for `events`, the deadline passes, `idle` seconds go by,
    /// or `isCancelled` says so (asked every `SocketTransport.cancellationCheck` ms).
    func wait(for events: Int16, deadline: Deadline, idle: Double?, isCancelled: () -> Bool) -> Wait {
        let idleDeadline = idle.map { Deadline(after: $0) }
        while true {
            let remaining = min(deadline.remaining, idleDeadline?.remaining ?? .infinity)
            if remaining <= 0 { return .timedOut }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let slice = min(SocketTransport.cancellationCheck, Int32((remaining * 1000).rounded(.up)))
            let ready = poll(&entry, 1, slice)
            if ready > 0 { return .ready }
            if ready < 0, errno != EINTR { return .ready }  // the read or write that follows reports the error
            if isCancelled() { return .cancelled }
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], deadline: Deadline, isCancelled: () -> Bool) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            if written < 0, errno == EINTR { continue }
            guard written < 0, errno == EAGAIN || errno == EWOULDBLOCK else { throw SocketFailure(errno: written < 0 ? errno : EPIPE) }
            switch wait(for: Int16(POLLOUT), deadline: deadline, idle: nil, isCancelled: isCancelled) {
            case .ready: continue
            case .timedOut: throw TransportFailure("the server took no request within the timeout", .unreachable)
            case .cancelled: throw TransportFailure("cancelled", .failed)
            }
        }
    }

    /// Appends what arrives to `buffer`: true when bytes came, false at the end of the stream,
    /// nil when none are there yet.
    func read(into buffer: inout [UInt8]) throws -> Bool? {
        let received = scratch.withUnsafeMutableBytes { raw in Glibc.recv(descriptor, raw.baseAddress!, raw.count, 0) }
        if received > 0 {
            buffer += scratch[..<received]
            return true
        }
        if received == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
        throw SocketFailure(errno: errno)
    }
}

/// Reads one answer from a connection: the head, then a body framed as RFC 9112 says
/// (`Content-Length`, chunked, or until the server closes).
struct AnswerReader {
    let connection: SocketConnection
    let readTimeout: Double
    let deadline: Deadline
    let maximumBodySize: Int
    let isCancelled: @Sendable () -> Bool
    /// Bytes read and not yet parsed; `position` is where parsing stands.
    private var buffer: [UInt8]
    private var position = 0

    init(connection: SocketConnection, readTimeout: Double, deadline: Deadline, maximumBodySize: Int, isCancelled: @escaping @Sendable () -> Bool) {
        self.connection = connection
        self.readTimeout = readTimeout
        self.deadline = deadline
        self.maximumBodySize = maximumBodySize
        self.isCancelled = isCancelled
        buffer = connection.pending
        connection.pending = []
    }

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
            while try more() {
                guard buffer.count - position <= maximumBodySize else { throw tooBig }
            }
            answer.body = Array(buffer[position...])
            position = buffer.count
            reusable = false
        }
        if reusable { connection.pending = Array(buffer[position...]) }
        return (answer, reusable)
    }

    private var tooBig: TransportFailure {
        TransportFailure("the answer is larger than \(maximumBodySize >> 20) MiB; no search answer is that large", .failed)
    }

    private func invalid(_ what: String) -> TransportFailure {
        TransportFailure("the server's answer is not valid HTTP (\(what))", .failed)
    }

    // MARK: Bytes

    /// Reads more bytes; false at the end of the stream.
    private mutating func more() throws -> Bool {
        while true {
            do {
                if let received = try connection.read(into: &buffer) { return received }
            } catch let failure as SocketFailure {
                if failure.isClosedByPeer { return false }
                throw TransportFailure("reading the answer failed: \(String(cString: strerror(failure.errno)).lowercased())", .unreachable)
            }
            switch connection.wait(for: Int16(POLLIN), deadline: deadline, idle: readTimeout, isCancelled: isCancelled) {
            case .ready: continue
            case .timedOut: throw TransportFailure("no answer within \(TransportFailure.seconds(readTimeout))", .unreachable)
            case .cancelled: throw TransportFailure("cancelled", .failed)
            }
        }
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
    private mutating func line(limit: Int, tooLong: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
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
        let tooLong = "a head longer than \(SocketTransport.maximumHeadSize >> 10) KiB"
        let statusLine: ArraySlice<UInt8>
        do {
            statusLine = try line(limit: SocketTransport.maximumHeadSize, tooLong: tooLong)
        } catch let failure as TransportFailure where failure.retry {
            throw TransportFailure("the server closed the connection before its answer's head was complete", .failed, retry: true)
        }
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
            let field = try line(limit: SocketTransport.maximumHeadSize - (position - headStart), tooLong: tooLong)
            if field.isEmpty { break }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                  field[field.startIndex..<colon].allSatisfy(Self.isTokenByte) else {
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

    /// tchar of RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~``.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
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
            let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
            guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
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
