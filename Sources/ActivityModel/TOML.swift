/// A strict reader of the TOML that actq's own files use (`config.toml`, the emulator's users
/// file): tables (`[a.b]`, keys bare or quoted), `key = value` pairs (dotted keys too), basic and
/// literal strings, integers, floats, booleans and inline tables, with comments. Anything else —
/// arrays, dates, multi-line strings, arrays of tables — is an error that says so, with the line
/// and column, as is every syntax error, a repeated key and a table defined twice. It never traps
/// and holds no state outside the value it returns.
public enum TOML {
    /// A syntax error, with the line and column.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { message }
    }

    /// A value of a key.
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case table(Table)

        public var string: String? { if case .string(let text) = self { return text }; return nil }
        public var bool: Bool? { if case .bool(let flag) = self { return flag }; return nil }
        public var int: Int64? { if case .integer(let number) = self { return number }; return nil }
        public var double: Double? { if case .float(let number) = self { return number }; return nil }
        public var table: Table? { if case .table(let table) = self { return table }; return nil }
    }

    /// Keys in the order the file gives them.
    public struct Table: Sendable, Equatable {
        public private(set) var keys: [String] = []
        private var values: [String: Value] = [:]
        /// Whether the table came from a `[header]` of its own (it may not come twice).
        fileprivate var defined = false

        /// An empty table.
        public init() {}

        public var isEmpty: Bool { keys.isEmpty }

        /// The value of `key`, if the table has it.
        public subscript(key: String) -> Value? { values[key] }

        fileprivate mutating func set(_ key: String, _ value: Value) {
            if values[key] == nil { keys.append(key) }
            values[key] = value
        }
    }

    /// The document of `text`, or the first problem in it.
    public static func parse(_ text: String) throws -> Table {
        var reader = Reader(Array(text.utf8))
        return try reader.document()
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0
        var root = Table()
        /// The path of the current `[table]`.
        var current: [String] = []

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func fail(_ message: String) -> ParseError {
            let column = String(decoding: bytes[lineStart..<min(index, bytes.count)], as: UTF8.self).unicodeScalars.count + 1
            return ParseError(line: line, column: column, message: message)
        }

        mutating func skipSpaces() {
            while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 }
        }

        /// Spaces, then a comment or nothing, then the end of the line (or of the input).
        mutating func endOfLine() throws {
            skipSpaces()
            if peek == UInt8(ascii: "#") {
                while let byte = peek, byte != 0x0A {
                    if byte < 0x20 && byte != 0x09 && byte != 0x0D || byte == 0x7F { throw fail("control character in a comment") }
                    index += 1
                }
            }
            if peek == 0x0D { index += 1 }
            guard let byte = peek else { return }
            guard byte == 0x0A else { throw fail("expected the end of the line, found \(describe(byte))") }
            newline()
        }

        mutating func newline() {
            index += 1
            line += 1
            lineStart = index
        }

        func describe(_ byte: UInt8) -> String {
            byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }

        mutating func document() throws -> Table {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
            while index < bytes.count {
                skipSpaces()
                switch peek {
                case nil: break
                case 0x0A?: newline()
                case 0x0D?, UInt8(ascii: "#")?: try endOfLine()
                case UInt8(ascii: "[")?: try header()
                default: try pair(into: current)
                }
            }
            return root
        }

        mutating func header() throws {
            let at = place
            index += 1
            if peek == UInt8(ascii: "[") { throw fail("arrays of tables ([[…]]) are not used in this file") }
            skipSpaces()
            let path = try key()
            skipSpaces()
            guard peek == UInt8(ascii: "]") else { throw fail(peek.map { "expected ']', found \(describe($0))" } ?? "expected ']'") }
            index += 1
            try Self.define(path, in: &root, place: at)
            current = path
            try endOfLine()
        }

        /// Marks the table at `path` as defined by a header, creating the tables on the way.
        static func define(_ path: [String], in table: inout Table, place: (line: Int, column: Int)) throws {
            func fail(_ message: String) -> ParseError { ParseError(line: place.line, column: place.column, message: message) }
            func walk(_ table: inout Table, _ rest: ArraySlice<String>) throws {
                let name = rest.first!
                var child: Table
                switch table[name] {
                case nil: child = Table()
                case .table(let existing)?: child = existing
                case _?: throw fail("'\(name)' is already a value, not a table")
                }
                if rest.count == 1 {
                    if child.defined { throw fail("the table [\(path.joined(separator: "."))] is defined twice") }
                    child.defined = true
                } else {
                    try walk(&child, rest.dropFirst())
                }
                table.set(name, .table(child))
            }
            try walk(&table, path[...])
        }

        mutating func pair(into base: [String]) throws {
            let at = place
            let path = try key()
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw fail(peek.map { "expected '=' after the key, found \(describe($0))" } ?? "expected '='") }
            index += 1
            skipSpaces()
            let value = try self.value()
            try Self.insert(value, at: base + path, into: &root, place: at)
            try endOfLine()
        }

        /// Puts `value` at `path` in `table`, creating tables on the way; a repeated key is an
        /// error placed at `place` (the position of the value's key).
        static func insert(_ value: Value, at path: [String], into table: inout Table, place: (line: Int, column: Int)) throws {
            func fail(_ message: String) -> ParseError { ParseError(line: place.line, column: place.column, message: message) }
            func walk(_ table: inout Table, _ rest: ArraySlice<String>) throws {
                let name = rest.first!
                if rest.count == 1 {
                    guard table[name] == nil else { throw fail("the key '\(path.joined(separator: "."))' is given twice") }
                    table.set(name, value)
                    return
                }
                var child: Table
                switch table[name] {
                case nil: child = Table()
                case .table(let existing)?: child = existing
                case _?: throw fail("'\(name)' is already a value, not a table")
                }
                try walk(&child, rest.dropFirst())
                table.set(name, .table(child))
            }
            try walk(&table, path[...])
        }

        var place: (line: Int, column: Int) {
            let error = fail("")
            return (error.line, error.column)
        }

        /// A key: bare or quoted parts joined by dots.
        mutating func key() throws -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                switch peek {
                case UInt8(ascii: "\"")?: parts.append(try basicString())
                case UInt8(ascii: "'")?: parts.append(try literalString())
                case let byte? where isBare(byte):
                    let start = index
                    while let next = peek, isBare(next) { index += 1 }
                    parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                case let byte?: throw fail("expected a key, found \(describe(byte))")
                case nil: throw fail("expected a key, found the end of the file")
                }
                skipSpaces()
                guard peek == UInt8(ascii: ".") else { return parts }
                index += 1
            }
        }

        func isBare(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
        }

        mutating func value() throws -> Value {
            guard let byte = peek else { throw fail("expected a value, found the end of the file") }
            switch byte {
            case UInt8(ascii: "\""):
                if bytes[index...].starts(with: Array("\"\"\"".utf8)) { throw fail("multi-line strings are not used in this file") }
                return .string(try basicString())
            case UInt8(ascii: "'"):
                if bytes[index...].starts(with: Array("'''".utf8)) { throw fail("multi-line strings are not used in this file") }
                return .string(try literalString())
            case UInt8(ascii: "{"): return .table(try inlineTable())
            case UInt8(ascii: "["): throw fail("arrays are not used in this file")
            default:
                let start = index
                while let next = peek, next != 0x20, next != 0x09, next != 0x0A, next != 0x0D, next != UInt8(ascii: "#"),
                      next != UInt8(ascii: ","), next != UInt8(ascii: "}") { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if word == "true" { return .bool(true) }
                if word == "false" { return .bool(false) }
                if let number = Self.integer(word) { return .integer(number) }
                if let number = Self.float(word) { return .float(number) }
                index = start
                throw fail(word.isEmpty ? "expected a value" : "'\(word)' is not a string, number or boolean (dates are not used in this file)")
            }
        }

        mutating func inlineTable() throws -> Table {
            index += 1
            var table = Table()
            skipSpaces()
            if peek == UInt8(ascii: "}") { index += 1; return table }
            while true {
                skipSpaces()
                let at = place
                let path = try key()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw fail("expected '=' in an inline table") }
                index += 1
                skipSpaces()
                try Self.insert(try self.value(), at: path, into: &table, place: at)
                skipSpaces()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an inline table") }
                index += 1
                return table
            }
        }

        mutating func basicString() throws -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var pending: [UInt8] = []
            func flush() throws {
                guard !pending.isEmpty else { return }
                guard let text = String(validating: pending, as: UTF8.self) else { throw fail("a string that is not valid UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                pending.removeAll()
            }
            while true {
                guard let byte = peek, byte != 0x0A else { throw fail("unterminated string") }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    guard let escaped = peek else { throw fail("unterminated string") }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "u"), UInt8(ascii: "U"):
                        let count = escaped == UInt8(ascii: "u") ? 4 : 8
                        guard index + count <= bytes.count,
                              let value = UInt32(String(decoding: bytes[index..<(index + count)], as: UTF8.self), radix: 16),
                              bytes[index..<(index + count)].allSatisfy({ isHex($0) }), let scalar = Unicode.Scalar(value) else {
                            throw fail("invalid \\\(Character(Unicode.Scalar(escaped))) escape")
                        }
                        index += count
                        scalars.append(scalar)
                    default: throw fail("invalid escape \\\(describe(escaped))")
                    }
                case 0x00..<0x20 where byte != 0x09, 0x7F:
                    throw fail("control character in a string (escape it)")
                default:
                    pending.append(byte)
                }
            }
        }

        func isHex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }

        mutating func literalString() throws -> String {
            index += 1
            let start = index
            while true {
                guard let byte = peek, byte != 0x0A else { throw fail("unterminated string") }
                if byte == UInt8(ascii: "'") { break }
                if byte < 0x20 && byte != 0x09 || byte == 0x7F { throw fail("control character in a string") }
                index += 1
            }
            guard let text = String(validating: bytes[start..<index], as: UTF8.self) else { throw fail("a string that is not valid UTF-8") }
            index += 1
            return text
        }

        /// A TOML integer: decimal with `_` between digits and an optional sign, or 0x/0o/0b.
        static func integer(_ word: String) -> Int64? {
            var text = Substring(word)
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
                let digits = text.dropFirst(2)
                guard wellSeparated(digits) else { return nil }
                return Int64(digits.replacingOccurrences(of: "_", with: ""), radix: radix)
            }
            var sign = ""
            if let first = text.first, first == "+" || first == "-" { sign = first == "-" ? "-" : ""; text = text.dropFirst() }
            guard wellSeparated(text), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }),
                  text == "0" || !text.hasPrefix("0") else { return nil }
            return Int64(sign + text.replacingOccurrences(of: "_", with: ""))
        }

        /// A TOML float: decimal digits with a fraction and/or an exponent, or inf / nan.
        static func float(_ word: String) -> Double? {
            var text = Substring(word)
            var negative = false
            if let first = text.first, first == "+" || first == "-" { negative = first == "-"; text = text.dropFirst() }
            if text == "inf" { return negative ? -.infinity : .infinity }
            if text == "nan" { return .nan }
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "_.eE+-".contains($0)) }),
                  text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let first = text.first, first.isNumber else { return nil }
            let parts = text.split(omittingEmptySubsequences: false) { $0 == "e" || $0 == "E" }
            guard parts.count <= 2 else { return nil }
            let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
            guard mantissa.count <= 2, mantissa.allSatisfy({ !$0.isEmpty && wellSeparated($0) && $0.allSatisfy { $0.isNumber || $0 == "_" } }),
                  mantissa[0] == "0" || !mantissa[0].hasPrefix("0") else { return nil }
            if parts.count == 2 {
                var exponent = parts[1]
                if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
                guard !exponent.isEmpty, wellSeparated(exponent), exponent.allSatisfy({ $0.isNumber || $0 == "_" }) else { return nil }
            }
            guard let value = Double(text.replacingOccurrences(of: "_", with: "")) else { return nil }
            return negative ? -value : value
        }

        /// Digits with single underscores between them, none at either end.
        static func wellSeparated(_ text: Substring) -> Bool {
            !text.isEmpty && !text.hasPrefix("_") && !text.hasSuffix("_") && !text.contains("__")
        }
    }
}
