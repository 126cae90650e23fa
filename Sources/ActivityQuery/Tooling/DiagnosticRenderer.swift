import Foundation

/// Prints diagnostics as a compiler does (`file:line:col: error[CODE]: message`, the source line,
/// an underline, notes and suggestions) or as JSON for tools.
public struct DiagnosticRenderer {
    public var useColor: Bool
    /// Lines longer than this many columns are shown as a window around the problem.
    public var maximumLineWidth = 120

    /// A renderer, with ANSI colours when `useColor`.
    public init(useColor: Bool = false) {
        self.useColor = useColor
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func severityLabel(_ severity: Severity) -> String {
        switch severity {
        case .error: paint("error", "1;31")
        case .warning: paint("warning", "1;33")
        case .note: paint("note", "1;36")
        }
    }

    /// One diagnostic as `check` prints it: `file:line:col: error[CODE]: message`, the line, a caret, notes and fixes.
    public func render(_ diagnostic: Diagnostic, in source: SourceText) -> String {
        let location = source.location(of: diagnostic.range.start)
        var output = paint("\(source.name):\(location.line):\(location.column):", "1")
        output += " \(severityLabel(diagnostic.severity))[\(diagnostic.code.rawValue)]: "
        output += paint(diagnostic.message, "1") + "\n"
        output += snippet(for: diagnostic.range, in: source, marker: diagnostic.severity == .error ? "31" : "33")
        for note in diagnostic.notes {
            if let range = note.range {
                let at = source.location(of: range.start)
                output += "   = note: \(note.message) (\(at.line):\(at.column))\n"
            } else {
                output += "   = note: \(note.message)\n"
            }
        }
        for fixIt in diagnostic.fixIts {
            if fixIt.range.isEmpty {
                output += "   = help: insert '\(fixIt.replacement.trimmingCharacters(in: .whitespaces))'\n"
            } else {
                output += "   = help: replace '\(source.text(fixIt.range))' with '\(fixIt.replacement)'\n"
            }
        }
        return output
    }

    /// Several diagnostics, in order.
    public func render(_ diagnostics: [Diagnostic], in source: SourceText) -> String {
        diagnostics.map { render($0, in: source) }.joined()
    }

    /// The source line with the range underlined; a range over several lines marks its first line.
    func snippet(for range: SourceRange, in source: SourceText, marker: String) -> String {
        let lineIndex = source.lineIndex(of: min(range.start, source.bytes.count))
        let lineStart = source.lineStarts[lineIndex]
        let bytes = source.lineBytes(lineIndex)
        // Display cells of the line: (text, width, byte offset).
        var cells: [(text: String, width: Int, offset: Int)] = []
        let all = Array(bytes)
        var cursor = 0
        while cursor < all.count {
            let byte = all[cursor]
            let offset = lineStart + cursor
            if byte < 0x80 {
                let shown: String = byte == 0x09 ? " " : (byte < 0x20 || byte == 0x7F) ? "\u{FFFD}" : String(UnicodeScalar(byte))
                cells.append((shown, 1, offset))
                cursor += 1
                continue
            }
            let length = all.withUnsafeBufferPointer { Lexer.scalarLength($0, cursor) }
            if length == 0 {
                cells.append(("\u{FFFD}", 1, offset))
                cursor += 1
            } else {
                let scalarText = String(decoding: all[cursor..<cursor + length], as: UTF8.self)
                let scalar = scalarText.unicodeScalars.first!
                if InertText.isActive(scalar) {
                    cells.append(("\u{FFFD}", 1, offset))  // C1 controls, bidi overrides and isolates
                } else {
                    cells.append((scalarText, DisplayWidth.of(scalar), offset))
                }
                cursor += length
            }
        }
        let lineEnd = lineStart + all.count
        let start = min(max(range.start, lineStart), lineEnd)
        let end = min(max(range.end, start), lineEnd)
        let firstCell = cells.firstIndex { $0.offset >= start } ?? cells.count
        let lastCell = cells.firstIndex { $0.offset >= end } ?? cells.count
        // Window long lines around the range.
        var from = 0
        var to = cells.count
        let totalWidth = cells.reduce(0) { $0 + $1.width }
        if totalWidth > maximumLineWidth {
            from = max(0, firstCell - maximumLineWidth / 3)
            to = min(cells.count, max(lastCell, firstCell + 1) + maximumLineWidth / 3)
            if to - from > maximumLineWidth { to = from + maximumLineWidth }
        }
        var text = from > 0 ? "…" : ""
        var underline = from > 0 ? " " : ""
        for cellIndex in from..<to {
            let cell = cells[cellIndex]
            text += cell.text
            let marked = cellIndex >= firstCell && cellIndex < lastCell
            underline += String(repeating: marked ? "^" : " ", count: cell.width)
        }
        if to < cells.count { text += "…" }
        if firstCell == lastCell {
            // An empty range (something missing) points between two characters.
            let before = cells[from..<min(firstCell, to)].reduce(0) { $0 + $1.width }
            underline = String(repeating: " ", count: before + (from > 0 ? 1 : 0)) + "^"
        }
        while underline.last == " " { underline.removeLast() }
        let number = String(lineIndex + 1)
        let gutter = String(repeating: " ", count: number.count)
        return "\(gutter) |\n\(number) | \(text)\n\(gutter) | \(paint(underline, "1;" + marker))\n"
    }

    // MARK: JSON

    /// A position in the JSON form: 1-based line and column, and byte offset.
    public struct JSONPosition: Codable, Sendable {
        public var line: Int
        public var column: Int
        public var offset: Int
    }

    /// A range in the JSON form.
    public struct JSONRange: Codable, Sendable {
        public var start: JSONPosition
        public var end: JSONPosition
    }

    /// A note in the JSON form.
    public struct JSONNote: Codable, Sendable {
        public var message: String
        public var range: JSONRange?
    }

    /// A fix in the JSON form.
    public struct JSONFixIt: Codable, Sendable {
        public var range: JSONRange
        public var replacement: String
    }

    /// A diagnostic as `check --format json` writes it.
    public struct JSONDiagnostic: Codable, Sendable {
        public var file: String
        public var code: String
        public var severity: String
        public var message: String
        public var range: JSONRange
        public var notes: [JSONNote]
        public var fixIts: [JSONFixIt]
    }

    /// A range as lines and columns of `source`.
    public static func jsonRange(_ range: SourceRange, in source: SourceText) -> JSONRange {
        func position(_ offset: Int) -> JSONPosition {
            let location = source.location(of: offset)
            return JSONPosition(line: location.line, column: location.column, offset: location.offset)
        }
        return JSONRange(start: position(range.start), end: position(range.end))
    }

    /// A diagnostic in the JSON form.
    public static func json(_ diagnostic: Diagnostic, in source: SourceText) -> JSONDiagnostic {
        JSONDiagnostic(
            file: source.name, code: diagnostic.code.rawValue, severity: diagnostic.severity.rawValue,
            message: diagnostic.message, range: jsonRange(diagnostic.range, in: source),
            notes: diagnostic.notes.map { JSONNote(message: $0.message, range: $0.range.map { jsonRange($0, in: source) }) },
            fixIts: diagnostic.fixIts.map { JSONFixIt(range: jsonRange($0.range, in: source), replacement: $0.replacement) })
    }
}
