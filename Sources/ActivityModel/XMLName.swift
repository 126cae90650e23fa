/// JSON keys as XML element names, reversibly.
///
/// A key that is already a valid XML name (without a colon, which namespaces own) is written as
/// it is, so the API's own elements are untouched. Any other character is written as `_xHHHH_`
/// (`_xHHHHHHHH_` beyond the BMP), the convention of SQL/XML (ISO/IEC 9075-14) that SQL Server
/// and others use; an underscore that would read as the start of such an escape is escaped
/// itself (`_x005F_`), and so is the `x` of a leading "xml", which XML reserves. The empty key
/// is `_x_`. `decode(encode(key)) == key` for every key.
public enum XMLName {
    /// `key` as an XML name: characters an XML name cannot hold as `_xHHHH_` (as SQL/XML does).
    public static func encode(_ key: String) -> String {
        if key.isEmpty { return "_x_" }
        let scalars = Array(key.unicodeScalars)
        if isPlain(scalars) { return key }
        var output = ""
        output.reserveCapacity(key.utf8.count + 8)
        for (index, scalar) in scalars.enumerated() {
            let escapesUnderscore = scalar == "_" && index + 1 < scalars.count && scalars[index + 1] == "x"
            let reservedPrefix = index == 0 && startsWithXML(scalars)
            if escapesUnderscore || reservedPrefix || !(index == 0 ? isNameStart(scalar) : isNameChar(scalar)) {
                output += escape(scalar)
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// The key an XML name stands for (the inverse of `encode`).
    public static func decode(_ name: String) -> String {
        if name == "_x_" { return "" }
        guard name.utf8.contains(UInt8(ascii: "_")) else { return name }
        let scalars = Array(name.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 1 < scalars.count, scalars[index + 1] == "x" {
                var decoded = false
                for digits in [4, 8] where !decoded {
                    let end = index + 2 + digits
                    guard end < scalars.count, scalars[end] == "_" else { continue }
                    let hex = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                    if hex.utf8.allSatisfy(\.isHexDigit), let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                        output.append(scalar)
                        index = end + 1
                        decoded = true
                    }
                }
                if !decoded {
                    // Not an escape after all (an element actq did not write): keep it as it is.
                    output.append(scalars[index])
                    index += 1
                }
                continue
            }
            output.append(scalars[index])
            index += 1
        }
        return String(output)
    }

    /// Whether the key needs no escape at all: a name, without `_x` or a leading "xml".
    private static func isPlain(_ scalars: [Unicode.Scalar]) -> Bool {
        guard let first = scalars.first, isNameStart(first), !startsWithXML(scalars) else { return false }
        for index in scalars.indices.dropFirst() where !isNameChar(scalars[index]) { return false }
        for index in scalars.indices.dropLast() where scalars[index] == "_" && scalars[index + 1] == "x" { return false }
        return true
    }

    private static func startsWithXML(_ scalars: [Unicode.Scalar]) -> Bool {
        scalars.count >= 3 && scalars[0].properties.lowercaseMapping == "x" && scalars[1].properties.lowercaseMapping == "m"
            && scalars[2].properties.lowercaseMapping == "l"
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let width = scalar.value > 0xFFFF ? 8 : 4
        return "_x" + String(repeating: "0", count: width - hex.count) + hex + "_"
    }

    /// XML 1.0 (fifth edition) NameStartChar, without the colon.
    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x5F: true
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
             0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF: true
        default: false
        }
    }

    /// XML 1.0 (fifth edition) NameChar, without the colon.
    static func isNameChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: isNameStart(scalar)
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}
