import Foundation

/// Any JSON value, for the parts of LSP messages that are not worth a type of their own.
public enum LSPAny: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([LSPAny])
    case object([String: LSPAny])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([LSPAny].self) { self = .array(value) }
        else { self = .object(try container.decode([String: LSPAny].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> LSPAny? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var string: String? { if case .string(let value) = self { return value }; return nil }
    public var int: Int? { if case .int(let value) = self { return value }; return nil }
    public var array: [LSPAny]? { if case .array(let value) = self { return value }; return nil }

    /// Decodes this value as a Codable type.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    public static func encode<T: Encodable>(_ value: T) throws -> LSPAny {
        try JSONDecoder().decode(LSPAny.self, from: JSONEncoder().encode(value))
    }
}

/// A request or notification id: a number or a string.
public enum RequestID: Codable, Hashable, Sendable {
    case number(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        }
    }
}

/// An incoming message: a request (with an id) or a notification.
public struct IncomingMessage: Decodable, Sendable {
    public var jsonrpc: String?
    public var id: RequestID?
    public var method: String?
    public var params: LSPAny?
}

public struct ResponseError: Codable, Hashable, Sendable, Error {
    public var code: Int
    public var message: String

    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let serverNotInitialized = -32002
    public static let requestCancelled = -32800
}

/// A response; the result is encoded as the value it is (no detour through `LSPAny`).
struct OutgoingResponse: Encodable {
    var jsonrpc = "2.0"
    var id: RequestID?
    var result: (any Encodable)?
    var error: ResponseError?

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jsonrpc, forKey: .jsonrpc)
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        if let error {
            try container.encode(error, forKey: .error)
        } else if let result {
            try container.encode(result, forKey: .result)
        } else {
            try container.encodeNil(forKey: .result)
        }
    }

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result, error }
}

struct OutgoingNotification<Params: Encodable>: Encodable {
    var jsonrpc = "2.0"
    var method: String
    var params: Params
}

/// The typed `params` of a message, decoded from its body in one pass.
struct Envelope<Params: Decodable>: Decodable {
    var params: Params
}

/// `Content-Length` framing over a byte stream (LSP's base protocol).
///
/// Bytes are kept in one buffer with a read position: a frame is taken by moving the position,
/// and the consumed bytes are dropped only when they are most of the buffer, so that thousands
/// of pipelined messages arriving in one read cost linear time, not a copy of the rest per frame.
public final class MessageFraming: @unchecked Sendable {  // used by one reader thread at a time
    public enum Frame: Sendable {
        case message(Data)
        /// A header block that could not be read; the reader has skipped past it.
        case malformed(String)
    }

    private let read: () -> Data
    private var buffer: [UInt8] = []
    private var position = 0
    /// Where to look for the header's end next (nothing before it can hold one).
    private var searched = 0
    /// Messages larger than this are refused (and skipped) rather than buffered.
    public var maximumLength = 64 << 20
    /// A header block longer than this is garbage.
    public static let maximumHeaderLength = 64 << 10

    public init(input: FileHandle) { self.read = { input.availableData } }

    /// Frames from the chunks `read` returns (an empty chunk is the end of the input).
    public init(read: @escaping () -> Data) { self.read = read }

    /// The next frame, or nil at the end of the input.
    public func next() -> Frame? {
        while true {
            if let headerEnd = findHeaderEnd() {
                let header = String(decoding: buffer[position..<headerEnd], as: UTF8.self)
                let bodyStart = headerEnd + 4
                var length: Int?
                for line in header.split(separator: "\r\n") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                        length = Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }
                }
                guard let length, length >= 0, length <= maximumLength else {
                    consume(to: bodyStart)
                    return .malformed("missing or invalid Content-Length header")
                }
                while buffer.count - bodyStart < length {
                    guard fill() else { return nil }
                }
                let body = Data(buffer[bodyStart..<(bodyStart + length)])
                consume(to: bodyStart + length)
                return .message(body)
            }
            if buffer.count - position > Self.maximumHeaderLength {
                // Garbage without a header end: drop it, keeping a tail that may start a header.
                consume(to: buffer.count - 3)
                return .malformed("no header found in the input")
            }
            guard fill() else { return nil }
        }
    }

    /// The offset of the `\r\n\r\n` ending the header that starts at `position`.
    private func findHeaderEnd() -> Int? {
        var index = max(position, searched)
        while index + 3 < buffer.count {
            if buffer[index] == 0x0D, buffer[index + 1] == 0x0A, buffer[index + 2] == 0x0D, buffer[index + 3] == 0x0A {
                return index
            }
            index += 1
        }
        searched = max(position, buffer.count - 3)
        return nil
    }

    private func consume(to offset: Int) {
        position = offset
        searched = offset
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
            searched = 0
        } else if position > 1 << 20, position > buffer.count / 2 {
            buffer.removeFirst(position)
            searched -= position
            position = 0
        }
    }

    private func fill() -> Bool {
        let data = read()
        if data.isEmpty { return false }
        buffer.append(contentsOf: data)
        return true
    }

    public static func frame(_ body: Data) -> Data {
        Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}
