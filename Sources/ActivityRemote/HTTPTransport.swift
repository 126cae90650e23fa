import Foundation

/// Where the API lives: the parts of the base URL (`https://HOST[:PORT]/system`) a request needs.
struct Endpoint: Sendable {
    enum Scheme: String, Sendable {
        case http, https
    }

    var scheme: Scheme
    var host: String
    var port: Int
    /// The path before `/ws/v12/…` (`/system`), without a trailing slash; may be empty.
    var basePath: String
    /// The base URL as the user gave it, without trailing slashes (for messages and AsyncHTTPClient).
    var baseURL: String

    /// The parts of an http or https URL with a host, or nil.
    init?(baseURL: String) {
        guard let url = URL(string: baseURL), let scheme = url.scheme.flatMap({ Scheme(rawValue: $0.lowercased()) }),
              let host = url.host, !host.isEmpty else { return nil }
        self.scheme = scheme
        // A bracketed IPv6 literal is written without its brackets to the resolver.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = url.port ?? (scheme == .https ? 443 : 80)
        guard (1...65_535).contains(port) else { return nil }
        var path = url.path(percentEncoded: true)
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        self.baseURL = baseURL
    }

    /// The `Host` header's value: the host (an IPv6 literal in brackets), and the port unless it
    /// is the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (scheme == .https ? 443 : 80) ? name : "\(name):\(port)"
    }
}

/// One request of the remote backend: a method, the path and query after the base URL (already
/// escaped as a URL needs), headers and a body.
struct HTTPRequestMessage: Sendable {
    enum Method: String, Sendable {
        case GET, POST, DELETE
    }

    var method: Method
    /// `/ws/v12/…?…`, escaped.
    var pathAndQuery: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []

    init(_ method: Method, _ pathAndQuery: String) {
        self.method = method
        self.pathAndQuery = pathAndQuery
    }

    mutating func addHeader(_ name: String, _ value: String) {
        headers.append((name, value))
    }
}

/// A server's whole answer: status, headers in the order sent, body.
struct HTTPAnswer: Sendable {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// The first value of a header, its name compared without regard to case.
    func header(_ name: String) -> String? {
        headers.first { HeaderField.sameName($0.name, name) }?.value
    }
}

/// Header names and values as RFC 9110 compares and lists them, byte by byte (ASCII).
enum HeaderField {
    /// Whether two header names are the same, compared without regard to case.
    static func sameName(_ name: String, _ other: String) -> Bool {
        name.utf8.count == other.utf8.count && zip(name.utf8, other.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// The elements of a comma-separated value, without the spaces and tabs around them, in
    /// lower case.
    static func list(_ value: String) -> [String] {
        value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { element in
            var part = element[...]
            while let first = part.first, first == 0x20 || first == 0x09 { part.removeFirst() }
            while let last = part.last, last == 0x20 || last == 0x09 { part.removeLast() }
            return String(decoding: part.map(lower), as: UTF8.self)
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x46, 0x61...0x66: true
        default: false
        }
    }

    /// tchar of RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~`` (what a header's name is made of).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: tokenSymbols.contains(byte)
        }
    }

    private static let tokenSymbols = Array("!#$%&'*+-.^_`|~".utf8)
}

/// Why a request got no answer: the reason in words, the kind of failure, and whether sending
/// the request again may help (a connection the server closed mid-answer; never a timeout).
struct TransportFailure: Error, Sendable {
    var reason: String
    var kind: RemoteError.Kind
    var retry: Bool

    init(_ reason: String, _ kind: RemoteError.Kind, retry: Bool = false) {
        self.reason = reason
        self.kind = kind
        self.retry = retry
    }

    /// A size in MiB when it is a whole number of them, else in bytes.
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// What an `errno` says, in lower case to follow a colon: `connection refused`.
    static func words(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}

/// How requests reach the server. Calls block the calling thread; several threads may send at
/// once (the requests of a plan).
protocol HTTPTransport: Sendable {
    /// The server's answer, or a `TransportFailure`; `isCancelled` is asked while waiting.
    func send(_ request: HTTPRequestMessage, isCancelled: @escaping @Sendable () -> Bool) throws -> HTTPAnswer
    /// Closes the connections it keeps.
    func shutdown()
}
