import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A misbehaving HTTP server on 127.0.0.1, for the remote backend's fault tests: each request is
/// answered as `behaviour` says (given the request line and how many requests came before).
public final class FaultServer: @unchecked Sendable {
    public enum Behaviour {
        /// Bytes written as they are, then the connection stays open for the next request.
        case respond(String)
        /// Bytes written, then the connection is closed.
        case respondAndClose(String)
        /// Nothing is ever written.
        case silent
    }

    public let port: Int
    private let listener: Int32
    private let behaviour: @Sendable (String, Int) -> Behaviour
    private let lock = NSLock()
    private var requestCount = 0
    private var connections: [Int32] = []
    private var stopped = false

    private var requestLines: [String] = []
    private var requestHeads: [String] = []
    private var accepted = 0

    /// How many requests have come, and their request lines (`GET /path?query HTTP/1.1`).
    public var requests: Int { lock.withLock { requestCount } }
    public var lines: [String] { lock.withLock { requestLines } }
    /// Each request's head: the request line and the header lines, each ended by CRLF, and the empty line.
    public var heads: [String] { lock.withLock { requestHeads } }
    /// How many connections clients opened.
    public var connectionsAccepted: Int { lock.withLock { accepted } }

    public init(_ behaviour: @escaping @Sendable (_ requestLine: String, _ index: Int) -> Behaviour) throws {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// A port nothing listens on: bound, then closed.
    public static func closedPort() -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
        close(probe)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Closes the listener once: a second close could hit a descriptor another test has since
    /// been given.
    public func stop() {
        let (open, wasStopped) = lock.withLock {
            defer { stopped = true }
            return (connections, stopped)
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        lock.withLock {
            for connection in connections where open.contains(connection) { shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            let keep = lock.withLock {
                accepted += 1
                if !stopped { connections.append(connection) }
                return !stopped
            }
            guard keep else { close(connection); return }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            // Forgotten before it is closed, so that stop() never shuts down a reused descriptor.
            lock.withLock {
                connections.removeAll { $0 == connection }
                close(connection)
            }
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // One request: the head, then as many body bytes as Content-Length says.
            var headEnd: Int?
            while headEnd == nil {
                let count = read(connection, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
                headEnd = Self.find([13, 10, 13, 10], in: buffer).map { $0 + 4 }
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            while buffer.count < headEnd! + length {
                let count = read(connection, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            // The request line: up to the first CR (a Character of its own only without the LF
            // after it, so the bytes are searched).
            let line = String(decoding: buffer[0..<headEnd!].prefix { $0 != 13 }, as: UTF8.self)
            buffer.removeFirst(headEnd! + length)
            let index = lock.withLock {
                defer { requestCount += 1 }
                requestLines.append(line)
                requestHeads.append(head)
                return requestCount
            }
            switch behaviour(line, index) {
            case .respond(let text):
                guard write(text, to: connection) else { return }
            case .respondAndClose(let text):
                _ = write(text, to: connection)
                return
            case .silent:
                while read(connection, &chunk, chunk.count) > 0 {}
                return
            }
        }
    }

    private func write(_ text: String, to connection: Int32) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(connection, $0.baseAddress, $0.count) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    /// A whole HTTP/1.1 response.
    public static func response(_ status: String, headers: [String] = [], body: String = "", contentLength: Int? = nil) -> String {
        var text = "HTTP/1.1 \(status)\r\n"
        for header in headers { text += header + "\r\n" }
        text += "Content-Length: \(contentLength ?? body.utf8.count)\r\n\r\n"
        return text + body
    }

    /// Login answered with a session; everything else as `search` says.
    public static func loggingIn(_ search: @escaping @Sendable (String, Int) -> Behaviour) -> @Sendable (String, Int) -> Behaviour {
        { line, index in
            if line.hasPrefix("POST ") { return .respond(response("204 No Content", headers: ["X-egain-session: FAULT-SESSION"])) }
            return search(line, index)
        }
    }
}

/// A port on 127.0.0.1 where connecting never completes: a listener that accepts nothing, its
/// backlog filled by connections of its own, so that the kernel drops every further SYN (as a
/// firewall that drops packets, or a route that goes nowhere).
public final class UnansweredPort: @unchecked Sendable {
    public let port: Int
    private var descriptors: [Int32] = []

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptors.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 0) == 0 else {
            _ = Glibc.close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        // A backlog of 0 holds one connection; a few more make sure it is full.
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            descriptors.append(filler)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
        }
        usleep(100_000)
    }

    public func close() {
        for descriptor in descriptors { _ = Glibc.close(descriptor) }
        descriptors = []
    }

    deinit { close() }
}
