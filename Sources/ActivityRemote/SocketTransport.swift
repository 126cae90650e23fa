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
        var reader = AnswerReader(source: SocketSource(connection: connection, readTimeout: readTimeout, deadline: deadline,
                                                       isCancelled: isCancelled),
                                  pending: connection.pending, maximumBodySize: maximumBodySize)
        connection.pending = []
        do {
            try connection.write(message, deadline: deadline, isCancelled: isCancelled)
        } catch let failure as SocketFailure {
            guard failure.isClosedByPeer else {
                throw TransportFailure("sending the request failed: \(TransportFailure.words(errno: failure.errno))", .unreachable)
            }
            if reused { throw StaleConnection() }
            throw TransportFailure("the server closed the connection before the request was sent", .failed, retry: true)
        }
        let (answer, reusable) = try reader.read(reused: reused)
        if reusable { connection.pending = reader.unread }
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
                throw TransportFailure("cannot connect: \(TransportFailure.words(errno: refusal))" + waited, .unreachable)
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
struct StaleConnection: Error {}

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

/// The bytes of answers as they arrive on a connection: waited for with the read timeout (no
/// byte for that long) and the request's deadline, and `isCancelled` asked while waiting.
struct SocketSource: AnswerSource {
    let connection: SocketConnection
    let readTimeout: Double
    let deadline: Deadline
    let isCancelled: @Sendable () -> Bool

    func more(into buffer: inout [UInt8]) throws -> Bool {
        while true {
            do {
                if let received = try connection.read(into: &buffer) { return received }
            } catch let failure as SocketFailure {
                if failure.isClosedByPeer { return false }
                throw TransportFailure("reading the answer failed: \(TransportFailure.words(errno: failure.errno))", .unreachable)
            }
            switch connection.wait(for: Int16(POLLIN), deadline: deadline, idle: readTimeout, isCancelled: isCancelled) {
            case .ready: continue
            case .timedOut: throw TransportFailure("no answer within \(TransportFailure.seconds(readTimeout))", .unreachable)
            case .cancelled: throw TransportFailure("cancelled", .failed)
            }
        }
    }
}
