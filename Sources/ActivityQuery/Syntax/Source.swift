#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A half-open range of UTF-8 byte offsets into a query's source text.
public struct SourceRange: Hashable, Sendable, Codable {
    public var start: Int
    public var end: Int

    /// The bytes from `start` up to (not including) `end`.
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The empty range at `offset`.
    public static func at(_ offset: Int) -> SourceRange { SourceRange(offset, offset) }

    public var isEmpty: Bool { start == end }
    public var length: Int { end - start }

    /// The smallest range that covers both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// A position for people: 1-based line, 1-based column counted in Unicode scalars.
public struct SourceLocation: Hashable, Sendable, Codable {
    public var line: Int
    public var column: Int
    public var offset: Int

    /// A place: 1-based line and column (in characters), and the byte offset.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }
}

/// Query text as UTF-8 bytes, with the line table needed to turn offsets into locations.
/// The bytes are kept as given: invalid UTF-8 is diagnosed by the lexer, never repaired silently.
public struct SourceText: Sendable {
    public let name: String
    public let bytes: [UInt8]
    public let lineStarts: [Int]

    /// A source of raw bytes (not necessarily UTF-8; bad bytes are diagnosed).
    public init(name: String = "<input>", bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        // memchr: a script of 5,000 queries spent 2.9 M instructions here a byte at a time.
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count, let found = memchr(base + offset, 0x0A, buffer.count - offset) {
                offset = UnsafeRawPointer(found) - UnsafeRawPointer(base) + 1
                starts.append(offset)
            }
        }
        self.lineStarts = starts
    }

    /// A source of text.
    public init(name: String = "<input>", _ text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }

    /// The 0-based line index holding `offset`.
    public func lineIndex(of offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The line and column of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = min(max(0, offset), bytes.count)
        let line = lineIndex(of: clamped)
        var column = 1
        var index = lineStarts[line]
        while index < clamped {
            // Count scalar starts: every byte that is not a UTF-8 continuation byte.
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return SourceLocation(line: line + 1, column: column, offset: clamped)
    }

    /// The bytes of 0-based line `index`, without its line break.
    public func lineBytes(_ index: Int) -> ArraySlice<UInt8> {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// The text of a range (bad UTF-8 replaced).
    public func text(_ range: SourceRange) -> String {
        let lower = min(max(0, range.start), bytes.count)
        let upper = min(max(lower, range.end), bytes.count)
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }
}
