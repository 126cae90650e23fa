/// The kinds of token of the language.
public enum TokenKind: UInt8, Sendable {
    /// A bare word: field names, keywords, codes such as `open` or `custom.rating`.
    case word
    /// An optionally signed run of digits: `1080`, `-5`.
    case number
    /// Something shaped like an absolute date: `2024-01-15`, `2024-01-15T10:30:00Z`.
    case date
    /// A relative date: `now`, `today`, `yesterday`, `-7d`, `now-12h`, `today-1w`.
    case relativeDate
    /// A double-quoted string, quotes included.
    case string
    /// A parameter, `$name`: a value given outside the query (`--param name=value`).
    case parameter
    case leftParen, rightParen, leftBracket, rightBracket
    case comma, semicolon, dotDot
    case equal, notEqual, less, lessEqual, greater, greaterEqual, bang
    case newline
    // Trivia: kept so that the tokens cover every byte of the input.
    case whitespace, comment
    /// Bytes that form no token (a stray character, invalid UTF-8, NUL). Always diagnosed.
    case invalid
    case endOfFile

    public var isTrivia: Bool { self == .whitespace || self == .comment }

    /// Tokens that can stand as a value.
    public var isValue: Bool {
        switch self {
        case .word, .number, .date, .relativeDate, .string, .parameter: true
        default: false
        }
    }

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
}

/// Words with a meaning in the grammar. Matched case-insensitively; only `and`, `or`, `not` and `in`
/// are reserved everywhere, the rest only where a modifier may start.
public enum Keyword: UInt8, Sendable, CaseIterable {
    case and, or, not, `in`, show, sort, by, asc, desc, page, range, size, all, count, per

    public var spelling: String {
        switch self {
        case .and: "and"
        case .or: "or"
        case .not: "not"
        case .in: "in"
        case .show: "show"
        case .sort: "sort"
        case .by: "by"
        case .asc: "asc"
        case .desc: "desc"
        case .page: "page"
        case .range: "range"
        case .size: "size"
        case .all: "all"
        case .count: "count"
        case .per: "per"
        }
    }

    public var startsModifier: Bool { self == .show || self == .sort || self == .page || self == .range || self == .count }
}

/// A token: its kind, the keyword it spells (if any) and where it is.
public struct Token: Hashable, Sendable {
    public var kind: TokenKind
    public var keyword: Keyword?
    public var range: SourceRange

    /// A token of `kind` over `range`.
    public init(kind: TokenKind, keyword: Keyword? = nil, range: SourceRange) {
        self.kind = kind
        self.keyword = keyword
        self.range = range
    }
}

/// Turns bytes into tokens that cover the input without gaps (trivia included), so that the text
/// can always be rebuilt from the tokens. Never fails: anything unrecognised becomes an `invalid`
/// token with a diagnostic.
public struct Lexer {
    public private(set) var tokens: [Token] = []
    public private(set) var diagnostics: [Diagnostic] = []
    /// Whether lexed tokens are kept in `tokens` (whole-input mode) or only handed out one by one.
    private var collects = false
    private var lastToken = Token(kind: .endOfFile, range: .at(0))

    /// A lexer at the start of its input.
    public init() {}

    /// Every token of `bytes`, ending with `.endOfFile`, and the lexical problems found.
    public static func tokenize(_ bytes: [UInt8]) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer()
        lexer.collects = true
        bytes.withUnsafeBufferPointer { input in
            lexer.tokens.reserveCapacity(input.count / 3 + 2)
            var index = 0
            while index < input.count { index = lexer.lexOne(input, index) }
            lexer.tokens.append(Token(kind: .endOfFile, range: .at(input.count)))
        }
        return (lexer.tokens, lexer.diagnostics)
    }

    /// The token at `index` (which must be inside the input), for lexing a query at a time.
    /// Diagnostics accumulate until taken.
    mutating func token(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Token {
        _ = lexOne(input, index)
        return lastToken
    }

    mutating func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics = [] }
        return diagnostics
    }

    /// Lexes one token starting at `index`, appends it, and returns the offset after it.
    private mutating func lexOne(_ input: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int {
        var index = index
        let count = input.count
        do {
            let start = index
            let byte = input[index]
            switch byte {
            case _ where Lexer.isSpace(byte):
                index += 1
                while index < count, Lexer.isSpace(input[index]) { index += 1 }
                append(.whitespace, start, index)
            case UInt8(ascii: "\n"):
                index += 1
                append(.newline, start, index)
            case UInt8(ascii: "#"):
                index += 1
                while index < count, input[index] != UInt8(ascii: "\n") { index += 1 }
                validateText(input, start, index)
                append(.comment, start, index)
            case UInt8(ascii: "\""):
                index = lexString(input, start)
            case UInt8(ascii: "("): index += 1; append(.leftParen, start, index)
            case UInt8(ascii: ")"): index += 1; append(.rightParen, start, index)
            case UInt8(ascii: "["): index += 1; append(.leftBracket, start, index)
            case UInt8(ascii: "]"): index += 1; append(.rightBracket, start, index)
            case UInt8(ascii: ","): index += 1; append(.comma, start, index)
            case UInt8(ascii: ";"): index += 1; append(.semicolon, start, index)
            case UInt8(ascii: "="): index += 1; append(.equal, start, index)
            case UInt8(ascii: "!"):
                if index + 1 < count, input[index + 1] == UInt8(ascii: "=") {
                    index += 2
                    append(.notEqual, start, index)
                } else {
                    index += 1
                    append(.bang, start, index)
                }
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                let orEqual = index + 1 < count && input[index + 1] == UInt8(ascii: "=")
                index += orEqual ? 2 : 1
                if byte == UInt8(ascii: "<") {
                    append(orEqual ? .lessEqual : .less, start, index)
                } else {
                    append(orEqual ? .greaterEqual : .greater, start, index)
                }
            case UInt8(ascii: "."):
                if index + 1 < count, input[index + 1] == UInt8(ascii: ".") {
                    index += 2
                    append(.dotDot, start, index)
                } else {
                    index += 1
                    invalid(start, index, .unexpectedCharacter, "unexpected character '.'")
                }
            case 0:
                index += 1
                invalid(start, index, .nulCharacter, "NUL character in query text")
            case UInt8(ascii: "$") where index + 1 < count && Lexer.startsParameterName(input[index + 1]):
                index += 2
                while index < count, Lexer.continuesParameterName(input[index]) { index += 1 }
                append(.parameter, start, index)
            default:
                if Lexer.isAtomByte(byte) {
                    index = lexAtom(input, start)
                } else if byte >= 0x80, case let length = Lexer.scalarLength(input, index), length > 0 {
                    if Lexer.isUnicodeSpace(input, index, length) {
                        index += length
                        append(.whitespace, start, index)
                    } else {
                        index = lexAtom(input, start)
                    }
                } else if byte >= 0x80 {
                    // A non-ASCII byte that does not begin a valid scalar.
                    index += 1
                    while index < count, input[index] & 0xC0 == 0x80 { index += 1 }
                    invalid(start, index, .invalidUTF8, "invalid UTF-8 in query text")
                } else if byte == UInt8(ascii: "'") {
                    index += 1
                    append(.invalid, start, index)
                    diagnostics.append(.error(.unexpectedCharacter, at: SourceRange(start, index),
                        "unexpected character \"'\": strings are written in double quotes"))
                } else {
                    index += 1
                    let shown = byte < 0x20 || byte == 0x7F
                        ? "U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4))"
                        : "'\(Character(Unicode.Scalar(byte)))'"
                    invalid(start, index, .unexpectedCharacter, "unexpected character \(shown)")
                }
            }
        }
        return index
    }

    /// A space, tab or carriage return: the ASCII bytes of a whitespace token (line breaks are
    /// tokens of their own).
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    /// A letter or `_`: what a parameter's name starts with (digits may follow).
    @inline(__always)
    public static func startsParameterName(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
    }

    /// A letter, digit or `_`: what the rest of a parameter's name is made of.
    @inline(__always)
    public static func continuesParameterName(_ byte: UInt8) -> Bool {
        startsParameterName(byte) || (0x30...0x39).contains(byte)
    }

    /// Whether `name` (without `$`) is a parameter's name, as `--param` and `:param` take it.
    public static func isParameterName(_ name: String) -> Bool {
        guard let first = name.utf8.first, startsParameterName(first) else { return false }
        return name.utf8.allSatisfy(continuesParameterName)
    }

    @inline(__always)
    private mutating func append(_ kind: TokenKind, _ start: Int, _ end: Int, keyword: Keyword? = nil) {
        lastToken = Token(kind: kind, keyword: keyword, range: SourceRange(start, end))
        if collects { tokens.append(lastToken) }
    }

    private mutating func invalid(_ start: Int, _ end: Int, _ code: DiagnosticCode, _ message: String) {
        append(.invalid, start, end)
        diagnostics.append(.error(code, at: SourceRange(start, end), message))
    }

    /// Letters, digits and the punctuation that dates, relative dates and custom names need.
    /// `*` is included so that a wildcard reaches the binder and gets a precise diagnostic.
    @inline(__always)
    static func isAtomByte(_ byte: UInt8) -> Bool {
        // Bit masks over the ASCII range: `* + - . /`, digits and `:` below 0x40; `@`, letters
        // and `_` from 0x40.
        let low: UInt64 = 0x07FF_EC00_0000_0000
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFF
        guard byte < 0x80 else { return false }
        return ((byte < 0x40 ? low : high) >> UInt64(byte & 0x3F)) & 1 == 1
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 if it is not valid.
    @inline(__always)
    static func scalarLength(_ input: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int {
        let lead = input[index]
        let count = input.count
        func continuation(_ offset: Int) -> Bool {
            index + offset < count && input[index + offset] & 0xC0 == 0x80
        }
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return 0 }
            let second = input[index + 1]
            if lead == 0xE0 && second < 0xA0 { return 0 }  // overlong
            if lead == 0xED && second >= 0xA0 { return 0 }  // surrogates
            return 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = input[index + 1]
            if lead == 0xF0 && second < 0x90 { return 0 }
            if lead == 0xF4 && second >= 0x90 { return 0 }
            return 4
        default: return 0
        }
    }

    /// Reports invalid UTF-8 and NUL bytes inside a comment or string.
    private mutating func validateText(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        var index = start
        while index < end {
            let byte = input[index]
            if byte < 0x80 {
                if byte == 0 {
                    diagnostics.append(.error(.nulCharacter, at: SourceRange(index, index + 1), "NUL character in query text"))
                }
                index += 1
                continue
            }
            let length = Lexer.scalarLength(input, index)
            if length == 0 || index + length > end {
                diagnostics.append(.error(.invalidUTF8, at: SourceRange(index, index + 1), "invalid UTF-8 in query text"))
                index += 1
            } else {
                index += length
            }
        }
    }

    private mutating func lexString(_ input: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        let end = scanString(input, start)
        append(.string, start, end)
        return end
    }

    /// Scans a double-quoted string starting at `start`; reports it when it is not closed on its
    /// line. Returns the offset after it.
    private mutating func scanString(_ input: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var index = start + 1
        let count = input.count
        while index < count {
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                validateText(input, start, index + 1)
                return index + 1
            }
            if byte == UInt8(ascii: "\n") { break }
            index += byte == UInt8(ascii: "\\") && index + 1 < count && input[index + 1] != UInt8(ascii: "\n") ? 2 : 1
        }
        validateText(input, start, index)
        diagnostics.append(
            .error(.unterminatedString, at: SourceRange(start, index), "unterminated string: add a closing '\"'",
                   fixIts: [FixIt(range: .at(index), replacement: "\"")]))
        return index
    }

    private mutating func lexAtom(_ input: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var index = start
        let count = input.count
        while index < count {
            let byte = input[index]
            if Lexer.isAtomByte(byte) {
                // `..` ends an atom: `[2024-01-01..2024-01-31]`.
                if byte == UInt8(ascii: "."), index + 1 < count, input[index + 1] == UInt8(ascii: ".") { break }
                index += 1
            } else if byte >= 0x80 {
                let length = Lexer.scalarLength(input, index)
                if length == 0 || Lexer.isUnicodeSpace(input, index, length) { break }
                index += length
            } else {
                break
            }
        }
        // `custom."any name"`: a custom attribute name that needs quoting is part of the word.
        if index - start == 7, index < count, input[index] == UInt8(ascii: "\""), Lexer.isCustomPrefix(input, start) {
            index = scanString(input, index)
            append(.word, start, index)
            return index
        }
        let kind = Lexer.classify(input, start, index)
        append(kind, start, index, keyword: kind == .word ? Lexer.keyword(input, start, index) : nil)
        return index
    }

    static func isCustomPrefix(_ input: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        for (offset, byte) in "custom.".utf8.enumerated() where input[start + offset] | 0x20 != byte | 0x20 {
            return false
        }
        return true
    }

    /// No-break and other Unicode spaces separate tokens like ASCII spaces do.
    private static func isUnicodeSpace(_ input: UnsafeBufferPointer<UInt8>, _ index: Int, _ length: Int) -> Bool {
        if length == 2 { return input[index] == 0xC2 && input[index + 1] == 0xA0 }
        if length == 3 {
            let (a, b, c) = (input[index], input[index + 1], input[index + 2])
            if a == 0xE2 && b == 0x80 && (c <= 0x8A || c == 0xAF || c == 0xA8 || c == 0xA9) { return true }
            if a == 0xE3 && b == 0x80 && c == 0x80 { return true }
            if a == 0xE2 && b == 0x81 && c == 0x9F { return true }
            if a == 0xEF && b == 0xBB && c == 0xBF { return true }  // byte order mark
        }
        return false
    }

    /// Keywords by their bytes packed into an integer (lower case), so that no table is read.
    static func keyword(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Keyword? {
        guard end - start >= 2 && end - start <= 5 else { return nil }
        var packed: UInt64 = 0
        for index in start..<end {
            let byte = input[index]
            guard byte < 0x80 else { return nil }
            packed = packed << 8 | UInt64(byte | 0x20)
        }
        switch packed {
        case 0x616E64: return .and
        case 0x6F72: return .or
        case 0x6E6F74: return .not
        case 0x696E: return .in
        case 0x73686F77: return .show
        case 0x736F7274: return .sort
        case 0x6279: return .by
        case 0x617363: return .asc
        case 0x64657363: return .desc
        case 0x70616765: return .page
        case 0x72616E6765: return .range
        case 0x73697A65: return .size
        case 0x616C6C: return .all
        case 0x636F756E74: return .count
        case 0x706572: return .per
        default: return nil
        }
    }

    static func classify(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> TokenKind {
        func digit(_ i: Int) -> Bool { i < end && input[i] >= 0x30 && input[i] <= 0x39 }
        var index = start
        let first = input[start]
        let signed = first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        if signed { index += 1 }
        if index < end, digit(index) {
            var cursor = index
            while digit(cursor) { cursor += 1 }
            if cursor == end { return .number }
            // `-7d`, `+2w`
            if signed, cursor + 1 == end, isUnit(input[cursor] | 0x20) { return .relativeDate }
            // `2024-01-15…`
            if !signed, cursor - index == 4, input[cursor] == UInt8(ascii: "-") { return .date }
            return .word
        }
        if signed { return .word }
        // `now`, `today`, `yesterday`, optionally followed by `-7d` / `+12h`.
        var length = end - start
        func matches(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard count <= length else { return false }
            let pointer = word.utf8Start
            for offset in 0..<count where input[start + offset] | 0x20 != pointer[offset] { return false }
            return true
        }
        let base: Int
        switch first | 0x20 {
        case UInt8(ascii: "n"): base = matches("now") ? 3 : 0
        case UInt8(ascii: "t"): base = matches("today") ? 5 : 0
        case UInt8(ascii: "y"): base = matches("yesterday") ? 9 : 0
        default: return .word
        }
        guard base > 0 else { return .word }
        if base == length { return .relativeDate }
        index = start + base
        let sign = input[index]
        guard sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") else { return .word }
        index += 1
        guard digit(index) else { return .word }
        while digit(index) { index += 1 }
        length = end - index
        return length == 1 && isUnit(input[index] | 0x20) ? .relativeDate : .word
    }

    @inline(__always)
    static func isUnit(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "m") || byte == UInt8(ascii: "h") || byte == UInt8(ascii: "d") || byte == UInt8(ascii: "w")
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
