/// A JSON syntax error with the place it was found.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var offset: Int

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict JSON parser (RFC 8259): rejects duplicate keys, invalid UTF-8, lone surrogates,
/// control characters in strings and trailing garbage; nesting is limited so that no input can
/// exhaust the stack. Reads from a `ByteInput`, so values can be taken one at a time from a file
/// of any size.
public struct JSONParser {
    public static let maximumDepth = 512
    public let input: ByteInput
    /// The keys of the objects being skipped or selected from, innermost last.
    private let openKeys = KeyStack()

    /// A parser reading from `input`.
    public init(_ input: ByteInput) { self.input = input }

    /// The one JSON value of `bytes` (nothing but whitespace after it).
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        let parser = JSONParser(ByteInput(bytes: bytes))
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if !parser.input.atEnd { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// An error at the current place.
    public func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, line: input.line, column: input.column, offset: input.offset)
    }

    /// Skips spaces, tabs and line breaks.
    @inline(__always)
    public func skipWhitespace() {
        input.skipJSONWhitespace()
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    @inline(__always)
    public func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if input.peek() == byte {
            input.next()
            return true
        }
        return false
    }

    /// Consumes `byte`, or fails saying `what` was expected (made only then: a message such as
    /// "':' after the key …" built for every key was a tenth of an import's instructions).
    public func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws {
        guard consume(byte) else { throw error("expected \(what())\(found())") }
    }

    func found() -> String {
        guard let byte = input.peek() else { return ", found the end of the input (truncated?)" }
        if byte >= 0x20 && byte < 0x7F { return ", found '\(Character(Unicode.Scalar(byte)))'" }
        return ", found byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// Reads a value; `depth` counts the arrays and objects around it.
    public func parseValue(depth: Int = 0) throws -> JSONValue {
        skipWhitespace()
        guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        guard let byte = input.peek() else { throw error("expected a value, found the end of the input (truncated?)") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth))
        case UInt8(ascii: "["):
            input.next()
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try parseValue(depth: depth + 1))
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("expected a value\(found())")
        }
    }

    /// Reads an object, after its `{`.
    public func parseObject(depth: Int) throws -> JSONObject {
        var object = JSONObject()
        var keys = KeySet()
        try parseMembers(depth: depth) { (key: String) throws in
            guard keys.insert(key, among: object.members.lazy.map(\.key)) else { throw error("duplicate key \"\(key)\"") }
            object.members.append(JSONMember(key, try parseValue(depth: depth + 1)))
        }
        return object
    }

    /// Reads `{ "key": …, … }`, calling `member` after each key with the input at its value, which
    /// `member` must consume.
    public func parseMembers(depth: Int, _ member: (String) throws -> Void) throws {
        try parseMembers(depth: depth) { key, _ in try member(key) }
    }

    /// `parseMembers`, also handing `member` the input offset of the key's opening quote.
    public func parseMembers(depth: Int, _ member: (String, Int) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "'{'")
        if consume(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            guard input.peek() == UInt8(ascii: "\"") else { throw error("expected a key in double quotes\(found())") }
            let offset = input.offset
            let key = try parseString()
            try expect(UInt8(ascii: ":"), "':' after the key \"\(key)\"")
            try member(key, offset)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"), "',' or '}' in an object")
    }

    /// `parseMembers`, refusing a repeated key. The keys are kept on a stack the whole parse
    /// shares, so that an object allocates nothing for them.
    private func parseUniqueMembers(depth: Int, _ member: (String) throws -> Void) throws {
        let start = openKeys.keys.count
        defer { openKeys.keys.removeSubrange(start...) }
        var set = KeySet()
        try parseMembers(depth: depth) { (key: String) throws in
            guard set.insert(key, among: openKeys.keys[start...]) else { throw error("duplicate key \"\(key)\"") }
            openKeys.keys.append(key)
            try member(key)
        }
    }

    /// Reads a value as `parseValue` does, with the same checks and the same errors in the same
    /// places, but of an object keeps only the members `selection` names (each read with its own
    /// selection); the others are only checked, as `skipValue` does.
    public func parseValue(selecting selection: JSONSelection, depth: Int = 0) throws -> JSONValue {
        guard case .members(let wanted) = selection else { return try parseValue(depth: depth) }
        skipWhitespace()
        guard depth < JSONParser.maximumDepth, input.peek() == UInt8(ascii: "{") else { return try parseValue(depth: depth) }
        var object = JSONObject()
        try parseUniqueMembers(depth: depth) { key in
            if let inner = wanted.first(where: { $0.name == key })?.selection {
                object.members.append(JSONMember(key, try parseValue(selecting: inner, depth: depth + 1)))
            } else {
                try skipValue(depth: depth + 1)
            }
        }
        return .object(object)
    }

    /// Reads a value as `parseValue` does, with the same checks and the same errors in the same
    /// places, but keeps nothing of it (no strings, arrays or objects are made but keys).
    public func skipValue(depth: Int = 0) throws {
        skipWhitespace()
        guard depth < JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        guard let byte = input.peek() else { throw error("expected a value, found the end of the input (truncated?)") }
        switch byte {
        case UInt8(ascii: "{"):
            try parseUniqueMembers(depth: depth) { _ in try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            input.next()
            if consume(UInt8(ascii: "]")) { return }
            repeat {
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
        case UInt8(ascii: "\""):
            input.next()
            var none: [UInt8] = []
            try readString(keeping: false, into: &none)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var none: [UInt8] = []
            try readNumber(keeping: false, into: &none)
        default: throw error("expected a value\(found())")
        }
    }

    private func literal(_ word: String) throws {
        for expected in word.utf8 {
            guard input.peek() == expected else { throw error("invalid literal: expected '\(word)'") }
            input.next()
        }
    }

    private func parseNumber() throws -> String {
        var text: [UInt8] = []
        try readNumber(keeping: true, into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Reads a number, appending its text to `text` when `keep` is set.
    private func readNumber(keeping keep: Bool, into text: inout [UInt8]) throws {
        func take() {
            let byte = input.next()!
            if keep { text.append(byte) }
        }
        func digits() -> Int {
            var count = 0
            while let byte = input.peek(), byte >= 0x30 && byte <= 0x39 {
                take()
                count += 1
            }
            return count
        }
        if input.peek() == UInt8(ascii: "-") { take() }
        if input.peek() == UInt8(ascii: "0") {
            take()
            if let byte = input.peek(), byte >= 0x30 && byte <= 0x39 { throw error("invalid number: leading zero") }
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if input.peek() == UInt8(ascii: ".") {
            take()
            if digits() == 0 { throw error("invalid number: expected digits after '.'") }
        }
        if let byte = input.peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            take()
            if let sign = input.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { take() }
            if digits() == 0 { throw error("invalid number: expected digits in the exponent") }
        }
    }

    /// Reads a string, after its opening quote.
    public func parseString() throws -> String {
        input.next()  // the opening quote
        if let plain = input.takePlainString() { return plain }
        var bytes: [UInt8] = []
        try readString(keeping: true, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the rest of a string and its closing quote (the opening one consumed), appending
    /// its bytes to `bytes` when `keep` is set. `skipValue` reads strings with the same checks.
    private func readString(keeping keep: Bool, into bytes: inout [UInt8]) throws {
        while true {
            if keep { input.takePlainStringBytes(into: &bytes) } else { input.skipPlainStringBytes() }
            guard let byte = input.next() else { throw error("unterminated string (truncated?)") }
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let escaped = input.next() else { throw error("unterminated string (truncated?)") }
                let unescaped: UInt8
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): break
                default: input.respelt = true  // perhaps not as `JSONWriter` writes it
                }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped = escaped
                case UInt8(ascii: "b"): unescaped = 0x08
                case UInt8(ascii: "f"): unescaped = 0x0C
                case UInt8(ascii: "n"): unescaped = 0x0A
                case UInt8(ascii: "r"): unescaped = 0x0D
                case UInt8(ascii: "t"): unescaped = 0x09
                case UInt8(ascii: "u"):
                    let scalar = try unicodeEscape()
                    if keep { bytes.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8)) }
                    continue
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
                if keep { bytes.append(unescaped) }
            case 0..<0x20:
                throw error("control character in a string (escape it)")
            case 0x80...:
                if keep { bytes.append(byte) }
                let count: Int
                switch byte {
                case 0xC2...0xDF: count = 1
                case 0xE0...0xEF: count = 2
                case 0xF0...0xF4: count = 3
                default: throw error("invalid UTF-8 in a string")
                }
                for position in 0..<count {
                    guard let continuation = input.next(), continuation & 0xC0 == 0x80 else {
                        throw error("invalid UTF-8 in a string")
                    }
                    if position == 1, byte == 0xE2, continuation == 0xA8 || continuation == 0xA9 {
                        input.respelt = true  // perhaps a raw U+2028 or U+2029, which `JSONWriter` escapes
                    }
                    if position == 0 {
                        if byte == 0xE0 && continuation < 0xA0 || byte == 0xED && continuation >= 0xA0
                            || byte == 0xF0 && continuation < 0x90 || byte == 0xF4 && continuation >= 0x90 {
                            throw error("invalid UTF-8 in a string")
                        }
                    }
                    if keep { bytes.append(continuation) }
                }
            default:
                if keep { bytes.append(byte) }
            }
        }
    }

    /// The scalar of a `\u` escape (after the `u`), a surrogate pair read whole.
    private func unicodeEscape() throws -> UInt32 {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard input.next() == UInt8(ascii: "\\"), input.next() == UInt8(ascii: "u") else {
                throw error("lone surrogate in \\u escape")
            }
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair in \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("lone surrogate in \\u escape")
        }
        return scalar
    }

    private func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = input.next() else { throw error("unterminated \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw error("invalid \\u escape: expected four hex digits")
            }
            value = value << 4 | digit
        }
        return value
    }
}

/// Which parts of a JSON value `JSONParser.parseValue(selecting:)` keeps: all of it, or of an
/// object only the members named, each with its own selection (a value that is not an object is
/// kept whole).
public indirect enum JSONSelection: Sendable {
    case whole
    /// The members kept (few: they are searched in order), each with its selection.
    case members([(name: String, selection: JSONSelection)])
}

/// The keys of the objects a parse is inside, innermost last.
private final class KeyStack {
    @exclusivity(unchecked) var keys: [String] = []
}

/// The keys of an object being read, to refuse a repeated one. Small objects (nearly all) are
/// searched; from 16 members on a set is kept, so that an object of 200,000 keys costs 200,000
/// look-ups rather than 20 billion comparisons.
public struct KeySet {
    private var seen: Set<String>?

    /// An empty set.
    public init() {}

    /// Whether `key` is new among `keys` (the keys read so far, before `key`).
    public mutating func insert(_ key: String, among keys: some Collection<String>) -> Bool {
        if seen == nil, keys.count >= 16 { seen = Set(keys) }
        if seen != nil { return seen!.insert(key).inserted }
        return !keys.contains(key)
    }
}
