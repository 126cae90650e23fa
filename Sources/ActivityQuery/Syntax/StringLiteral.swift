/// Reading and writing the double-quoted strings of the language.
public enum StringLiteral {
    /// The value of a string token (quotes included, the closing one possibly missing), with a
    /// diagnostic for each bad escape. Offsets in the diagnostics are absolute (`base` + index).
    public static func decode(_ bytes: ArraySlice<UInt8>) -> (value: String, diagnostics: [Diagnostic]) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var diagnostics: [Diagnostic] = []
        var index = bytes.startIndex + 1
        var end = bytes.endIndex
        if end > index, bytes[end - 1] == UInt8(ascii: "\""), end - 1 >= index,
            !isEscaped(bytes, at: end - 1, from: bytes.startIndex + 1) {
            end -= 1
        }
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else {
                diagnostics.append(.error(.invalidEscape, at: SourceRange(index, index + 1), "incomplete escape at the end of the string"))
                index += 1
                continue
            }
            let escaped = bytes[index + 1]
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(escaped); index += 2
            case UInt8(ascii: "n"): output.append(0x0A); index += 2
            case UInt8(ascii: "t"): output.append(0x09); index += 2
            case UInt8(ascii: "r"): output.append(0x0D); index += 2
            case UInt8(ascii: "u"):
                var cursor = index + 2
                guard cursor < end, bytes[cursor] == UInt8(ascii: "{") else {
                    diagnostics.append(.error(.invalidEscape, at: SourceRange(index, min(index + 2, end)),
                                              "expected '{' after \\u, as in \\u{1F600}"))
                    index += 2
                    continue
                }
                cursor += 1
                var scalarValue: UInt32 = 0
                var digits = 0
                while cursor < end, let digit = hexValue(bytes[cursor]), digits < 8 {
                    scalarValue = scalarValue &* 16 &+ UInt32(digit)
                    digits += 1
                    cursor += 1
                }
                guard cursor < end, bytes[cursor] == UInt8(ascii: "}"), (1...6).contains(digits),
                    let scalar = Unicode.Scalar(scalarValue)
                else {
                    let stop = min(cursor + 1, end)
                    diagnostics.append(.error(.invalidEscape, at: SourceRange(index, stop),
                                              "invalid Unicode escape: expected 1 to 6 hex digits of a Unicode scalar in \\u{…}"))
                    index = stop
                    continue
                }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
                index = cursor + 1
            default:
                diagnostics.append(.error(.invalidEscape, at: SourceRange(index, index + 2),
                                          "unknown escape; use \\\" \\\\ \\n \\t or \\u{…}"))
                index += 2
            }
        }
        return (String(decoding: output, as: UTF8.self), diagnostics)
    }

    private static func isEscaped(_ bytes: ArraySlice<UInt8>, at position: Int, from start: Int) -> Bool {
        var backslashes = 0
        var cursor = position - 1
        while cursor >= start, bytes[cursor] == UInt8(ascii: "\\") {
            backslashes += 1
            cursor -= 1
        }
        return backslashes % 2 == 1
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A string literal for `value`, with the canonical escapes.
    public static func quote(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if InertText.isActive(scalar) {
                    result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// The value as the language writes it: bare when it reads back as the same single value
    /// token, quoted otherwise.
    public static func literal(_ value: String) -> String {
        needsQuotes(value) ? quote(value) : value
    }

    /// Whether a value must be quoted to read back as itself (it is not one plain word).
    public static func needsQuotes(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { return true }
        let (tokens, diagnostics) = Lexer.tokenize(bytes)
        guard diagnostics.isEmpty, tokens.count == 2, tokens[0].range == SourceRange(0, bytes.count) else { return true }
        let token = tokens[0]
        guard token.kind.isValue, token.kind != .string else { return true }
        if token.keyword != nil { return true }
        return bytes.contains(UInt8(ascii: "*"))
    }
}
