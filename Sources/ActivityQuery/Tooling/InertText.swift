/// Text from activity data, a server or a file, made inert before it reaches a terminal.
///
/// A terminal acts on more than the C0 controls: C1 controls (U+0080–U+009F; U+009B is CSI on
/// many terminals, so it can start an escape sequence without an ESC byte) and the bidirectional
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, the "Trojan Source" marks)
/// change what is shown, and line or paragraph separators break a table's grid. Each of them is
/// shown instead as a visible stand-in; every other character passes unchanged.
public enum InertText {
    /// Whether a scalar would act on the terminal or the text's layout instead of being shown.
    @inline(__always)
    public static func isActive(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        if value < 0x061C { return false }
        return value == 0x061C || value == 0x200E || value == 0x200F || (0x2028...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
    }

    /// What `scalar` is shown as: a space for tabs and line breaks, U+FFFD for the rest.
    public static func standIn(for scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x2028, 0x2029: " "
        default: "\u{FFFD}"
        }
    }

    /// `text` on one line with nothing active left in it.
    public static func line(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isActive) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(isActive(scalar) ? standIn(for: scalar) : scalar) }
        return String(scalars)
    }

    /// `text` with its line breaks kept and nothing else active in it (for multi-line messages).
    public static func lines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
    }
}
