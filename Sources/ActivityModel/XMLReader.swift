/// A strict, non-validating reader of XML 1.0 documents with namespaces: what actq reads as XML
/// (activity exports, the API's search answers, login and error bodies), read as a stream of
/// events from bytes in memory.
///
/// It accepts what the XML 1.0 (fifth edition) and Namespaces in XML 1.0 recommendations call
/// well-formed, and refuses anything else with a line and column, with one deliberate exception:
/// document type declarations (`<!DOCTYPE …>`) are refused. The API has none, and entity
/// definitions are how "billion laughs" and external-entity documents attack a reader. Without a
/// DTD the only entities are the five predefined ones and character references.
///
/// Documents are UTF-8 (what the API sends), or declare or mark another encoding actq converts:
/// UTF-16 with a byte order mark, ISO-8859-1, windows-1252 and US-ASCII.
///
/// ```swift
/// try XMLReader.read(bytes) { reader in
///     while let event = try reader.next() { … }
/// }
/// ```
public struct XMLReader {
    /// An element's or attribute's name: its local part, the namespace its prefix (or, for
    /// elements, the default namespace) is bound to, and the name as written.
    public struct Name: Equatable, Sendable {
        public var local: String
        public var namespace: String?
        public var qualified: String
    }

    /// An attribute of a start tag, its value with references replaced and white space normalized.
    public struct Attribute: Equatable, Sendable {
        public var name: Name
        public var value: String
    }

    /// What `next()` reads.
    public enum Event: Equatable, Sendable {
        /// An element opens (an empty-element tag gives `start` and then `end`). Namespace
        /// declarations (`xmlns`, `xmlns:p`) are not among the attributes.
        case start(Name, attributes: [Attribute])
        /// Character data, with references replaced and line ends normalized; one run of text may
        /// come as several events (around CDATA sections, comments and processing instructions).
        case text(String)
        case end(Name)
    }

    /// Why a document is not read, and where (1-based; columns count characters).
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var line: Int
        public var column: Int
        public var message: String

        public var description: String { "\(line):\(column): \(message)" }
    }

    /// Elements nested deeper than this are refused (libxml2's default limit): a document of
    /// nested elements costs a reader's stack elsewhere, and no activity is deeper than ten.
    public static let maximumDepth = 256

    /// Reads `bytes` with a reader handed to `body`, after converting the document to UTF-8 and
    /// checking that every character is one XML allows.
    public static func read<Result>(_ bytes: UnsafeBufferPointer<UInt8>,
                                    _ body: (inout XMLReader) throws -> Result) throws -> Result {
        switch try XMLEncoding.utf8(of: bytes) {
        case .asIs(let start):
            let rest = UnsafeBufferPointer(rebasing: bytes[start...])
            try XMLEncoding.checkCharacters(rest)
            var reader = XMLReader(rest)
            try reader.readDeclaration()
            return try body(&reader)
        case .converted(let utf8):
            return try utf8.withUnsafeBufferPointer { converted in
                try XMLEncoding.checkCharacters(converted)
                var reader = XMLReader(converted)
                try reader.readDeclaration()
                return try body(&reader)
            }
        }
    }

    /// Reads `bytes` with a reader handed to `body` (see the other `read`).
    public static func read<Result>(_ bytes: [UInt8], _ body: (inout XMLReader) throws -> Result) throws -> Result {
        try bytes.withUnsafeBufferPointer { try read($0, body) }
    }

    // MARK: State

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Where the event `next()` returned last began.
    private var eventStart = 0
    private struct OpenElement {
        var qualified: Range<Int>
        var name: Name
        /// How many namespace bindings the element's start tag added.
        var bindings: Int
    }
    private var open: [OpenElement] = []
    /// Namespace bindings in scope, innermost last; the prefix "" is the default namespace.
    private var bindings: [(prefix: String, uri: String)] = [("xml", "http://www.w3.org/XML/1998/namespace")]
    private var sawRoot = false
    /// An empty-element tag's end, returned by the next call.
    private var pendingEnd = false
    /// A known line start, so that asking for lines in document order costs one pass in all.
    private var lineMark = (offset: 0, line: 1)

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The line of the event returned last.
    public mutating func line() -> Int {
        line(at: eventStart)
    }

    /// An error at the event returned last.
    public func error(_ message: String) -> SyntaxError {
        error(at: eventStart, message)
    }

    // MARK: Events

    /// The next event, or nil at the end of a well-formed document; throws at the first error.
    public mutating func next() throws -> Event? {
        if pendingEnd {
            pendingEnd = false
            return .end(closeElement())
        }
        while true {
            eventStart = index
            guard index < bytes.count else {
                if let innermost = open.last {
                    throw error(at: index, "the document ends inside <\(innermost.name.qualified)>")
                }
                if !sawRoot { throw error(at: index, "the document has no root element") }
                return nil
            }
            let byte = bytes[index]
            if byte == .lessThan {
                switch peek(1) {
                case .slash:
                    return .end(try endTag())
                case .question:
                    try processingInstruction()
                    continue
                case .exclamation:
                    if starts(with: "<!--") {
                        try comment()
                        continue
                    }
                    if starts(with: "<![CDATA[") {
                        guard !open.isEmpty else { throw error(at: index, "a CDATA section outside the root element") }
                        return .text(try cdataSection())
                    }
                    if starts(with: "<!DOCTYPE") {
                        throw error(at: index, "DTDs (<!DOCTYPE …>) are not accepted")
                    }
                    throw error(at: index, "'<!' starts neither a comment nor a CDATA section")
                default:
                    return try startTag()
                }
            }
            if open.isEmpty {
                if byte.isXMLWhitespace {
                    index += 1
                    continue
                }
                throw error(at: index, sawRoot ? "text after the root element" : "text before the root element")
            }
            return .text(try characterData())
        }
    }

    // MARK: Markup

    private mutating func readDeclaration() throws {
        guard starts(with: "<?xml"), let after = peek(5), after.isXMLWhitespace else { return }
        index += 5
        // version, then optionally encoding and standalone, in that order.
        let order = ["version", "encoding", "standalone"]
        var lastRank = -1
        while true {
            let spaced = skipWhitespace()
            if starts(with: "?>") {
                index += 2
                break
            }
            guard spaced, index < bytes.count else { throw error(at: index, "expected '?>' to end the XML declaration") }
            let nameStart = index
            while index < bytes.count, bytes[index].isASCIILetter { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            guard let rank = order.firstIndex(of: name), rank > lastRank, (lastRank == -1) == (rank == 0) else {
                throw error(at: nameStart, "expected \(lastRank == -1 ? "version" : order[(lastRank + 1)...].joined(separator: " or ")) "
                            + "in the XML declaration, found '\(name)'")
            }
            lastRank = rank
            skipWhitespace()
            guard peek(0) == .equals else { throw error(at: index, "expected '=' after '\(name)' in the XML declaration") }
            index += 1
            skipWhitespace()
            guard let quote = peek(0), quote == .quote || quote == .apostrophe else {
                throw error(at: index, "expected a quoted value for '\(name)' in the XML declaration")
            }
            let valueStart = index + 1
            guard let end = (valueStart..<bytes.count).first(where: { bytes[$0] == quote || bytes[$0] == .lessThan }),
                  bytes[end] == quote else {
                throw error(at: index, "the value of '\(name)' in the XML declaration is not closed")
            }
            let value = String(decoding: bytes[valueStart..<end], as: UTF8.self)
            switch name {
            case "version":
                guard value.hasPrefix("1."), value.count > 2, value.utf8.dropFirst(2).allSatisfy(\.isASCIIDigit) else {
                    throw error(at: valueStart, "XML version '\(value)' is not 1.x")
                }
            case "standalone":
                guard value == "yes" || value == "no" else { throw error(at: valueStart, "standalone is 'yes' or 'no', not '\(value)'") }
            default:
                guard let first = value.utf8.first, first.isASCIILetter,
                      value.utf8.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == .period || $0 == .underscore || $0 == .hyphen }) else {
                    throw error(at: valueStart, "'\(value)' is not an encoding name")
                }
            }
            index = end + 1
        }
    }

    private mutating func startTag() throws -> Event {
        let tagStart = index
        index += 1
        let qualified = try scanName(what: "an element name after '<'")
        var written: [(name: Range<Int>, value: String)] = []
        var empty = false
        while true {
            let spaced = skipWhitespace()
            if peek(0) == .greaterThan {
                index += 1
                break
            }
            if peek(0) == .slash, peek(1) == .greaterThan {
                index += 2
                empty = true
                break
            }
            guard index < bytes.count else { throw error(at: tagStart, "the document ends inside the tag <\(text(qualified))>") }
            guard spaced else { throw error(at: index, "expected whitespace, '>' or '/>' in the tag <\(text(qualified))>") }
            let name = try scanName(what: "an attribute name")
            skipWhitespace()
            guard peek(0) == .equals else { throw error(at: index, "expected '=' after the attribute \(text(name))") }
            index += 1
            skipWhitespace()
            written.append((name, try attributeValue(of: name)))
        }
        if open.count >= Self.maximumDepth {
            throw error(at: tagStart, "elements are nested deeper than \(Self.maximumDepth)")
        }
        if open.isEmpty, sawRoot { throw error(at: tagStart, "a second root element <\(text(qualified))>") }
        sawRoot = true

        // Namespace declarations first: they apply to the element's own name and attributes.
        let bindingsBefore = bindings.count
        for attribute in written {
            let name = bytes[attribute.name]
            if name.elementsEqual("xmlns".utf8) {
                bindings.append(("", attribute.value))
            } else if name.starts(with: "xmlns:".utf8) {
                let prefix = String(decoding: name.dropFirst(6), as: UTF8.self)
                guard !attribute.value.isEmpty else {
                    throw error(at: tagStart, "the namespace prefix '\(prefix)' is bound to an empty name")
                }
                // "xml" is bound to its namespace and nothing else is; "xmlns" is never declared.
                guard prefix != "xmlns", (prefix == "xml") == (attribute.value == bindings[0].uri) else {
                    throw error(at: tagStart, "the namespace prefix '\(prefix)' cannot be bound to \(attribute.value)")
                }
                bindings.append((prefix, attribute.value))
            }
        }
        let element = try resolve(qualified, isElement: true, at: tagStart)
        var attributes: [Attribute] = []
        for attribute in written {
            let name = bytes[attribute.name]
            if name.elementsEqual("xmlns".utf8) || name.starts(with: "xmlns:".utf8) { continue }
            attributes.append(Attribute(name: try resolve(attribute.name, isElement: false, at: tagStart), value: attribute.value))
        }
        try checkDistinct(written.map(\.name), in: element, at: tagStart)
        // Two prefixes bound to one namespace make two written names one attribute.
        let prefixed = attributes.filter { $0.name.namespace != nil }
        if prefixed.count > 1 {
            var seen: Set<String> = []
            for attribute in prefixed where !seen.insert(attribute.name.namespace! + " " + attribute.name.local).inserted {
                throw error(at: tagStart, "the attribute \(attribute.name.qualified) appears twice in <\(element.qualified)> (by namespace)")
            }
        }
        open.append(OpenElement(qualified: qualified, name: element, bindings: bindings.count - bindingsBefore))
        pendingEnd = empty
        return .start(element, attributes: attributes)
    }

    /// Attributes written twice under the same name (including namespace declarations).
    private func checkDistinct(_ names: [Range<Int>], in element: Name, at offset: Int) throws {
        guard names.count > 1 else { return }
        if names.count <= 8 {
            for (position, name) in names.enumerated() {
                for other in names[(position + 1)...] where bytes[name].elementsEqual(bytes[other]) {
                    throw error(at: offset, "the attribute \(text(name)) appears twice in <\(element.qualified)>")
                }
            }
            return
        }
        var seen: Set<String> = []
        for name in names where !seen.insert(text(name)).inserted {
            throw error(at: offset, "the attribute \(text(name)) appears twice in <\(element.qualified)>")
        }
    }

    private func resolve(_ qualified: Range<Int>, isElement: Bool, at offset: Int) throws -> Name {
        let written = text(qualified)
        guard let colon = bytes[qualified].firstIndex(of: .colon) else {
            let namespace = isElement ? bindings.last(where: { $0.prefix.isEmpty }).flatMap { $0.uri.isEmpty ? nil : $0.uri } : nil
            return Name(local: written, namespace: namespace, qualified: written)
        }
        let prefix = String(decoding: bytes[qualified.lowerBound..<colon], as: UTF8.self)
        let local = String(decoding: bytes[(colon + 1)..<qualified.upperBound], as: UTF8.self)
        guard !prefix.isEmpty, !local.isEmpty, !local.utf8.contains(.colon),
              let first = local.unicodeScalars.first, XMLName.isNameStart(first) else {
            throw error(at: offset, "'\(written)' is not a name with namespaces (prefix:local)")
        }
        guard let binding = bindings.last(where: { $0.prefix == prefix }) else {
            throw error(at: offset, "the namespace prefix '\(prefix)' of \(written) is not declared")
        }
        return Name(local: local, namespace: binding.uri, qualified: written)
    }

    private mutating func endTag() throws -> Name {
        let tagStart = index
        index += 2
        let qualified = try scanName(what: "an element name after '</'")
        skipWhitespace()
        guard peek(0) == .greaterThan else { throw error(at: index, "expected '>' to end the tag </\(text(qualified))>") }
        index += 1
        guard let innermost = open.last else { throw error(at: tagStart, "</\(text(qualified))> closes no element") }
        guard bytes[qualified].elementsEqual(bytes[innermost.qualified]) else {
            throw error(at: tagStart, "</\(text(qualified))> does not close <\(innermost.name.qualified)>")
        }
        return closeElement()
    }

    private mutating func closeElement() -> Name {
        let element = open.removeLast()
        bindings.removeLast(element.bindings)
        return element.name
    }

    private mutating func comment() throws {
        let start = index
        index += 4
        while index + 1 < bytes.count {
            if bytes[index] == .hyphen, bytes[index + 1] == .hyphen {
                guard peek(2) == .greaterThan else { throw error(at: index, "'--' inside a comment") }
                index += 3
                return
            }
            index += 1
        }
        throw error(at: start, "the comment is not closed with '-->'")
    }

    private mutating func processingInstruction() throws {
        let start = index
        index += 2
        let target = try scanName(what: "a processing instruction's target after '<?'")
        if text(target).lowercased() == "xml" {
            throw error(at: start, "an XML declaration (<?xml …?>) may only open the document")
        }
        if bytes[target].contains(.colon) { throw error(at: start, "a processing instruction's target has no ':'") }
        if starts(with: "?>") {
            index += 2
            return
        }
        guard skipWhitespace() else { throw error(at: index, "expected whitespace or '?>' after <?\(text(target))") }
        while index + 1 < bytes.count {
            if bytes[index] == .question, bytes[index + 1] == .greaterThan {
                index += 2
                return
            }
            index += 1
        }
        throw error(at: start, "the processing instruction is not closed with '?>'")
    }

    // MARK: Text

    private mutating func characterData() throws -> String {
        var decoded: [UInt8] = []
        var runStart = index
        var plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .lessThan { break }
            switch byte {
            case .ampersand:
                plain = false
                decoded.append(contentsOf: bytes[runStart..<index])
                try reference(into: &decoded)
                runStart = index
            case .closingBracket:
                if peek(1) == .closingBracket, peek(2) == .greaterThan {
                    throw error(at: index, "']]>' is not allowed in text")
                }
                index += 1
            case .carriageReturn:
                plain = false
                decoded.append(contentsOf: bytes[runStart..<index])
                decoded.append(.newline)
                index += peek(1) == .newline ? 2 : 1
                runStart = index
            default:
                index += 1
            }
        }
        if plain { return String(decoding: bytes[runStart..<index], as: UTF8.self) }
        decoded.append(contentsOf: bytes[runStart..<index])
        return String(decoding: decoded, as: UTF8.self)
    }

    private mutating func cdataSection() throws -> String {
        let start = index
        index += 9
        let contentStart = index
        while index + 2 < bytes.count {
            if bytes[index] == .closingBracket, bytes[index + 1] == .closingBracket, bytes[index + 2] == .greaterThan {
                let content = bytes[contentStart..<index]
                index += 3
                return Self.normalizedLineEnds(content)
            }
            index += 1
        }
        throw error(at: start, "the CDATA section is not closed with ']]>'")
    }

    private static func normalizedLineEnds(_ content: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        guard content.contains(.carriageReturn) else { return String(decoding: content, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(content.count)
        var previous: UInt8 = 0
        for byte in content {
            if byte == .carriageReturn {
                output.append(.newline)
            } else if !(byte == .newline && previous == .carriageReturn) {
                output.append(byte)
            }
            previous = byte
        }
        return String(decoding: output, as: UTF8.self)
    }

    private mutating func attributeValue(of name: Range<Int>) throws -> String {
        guard let quote = peek(0), quote == .quote || quote == .apostrophe else {
            throw error(at: index, "the value of the attribute \(text(name)) is not in quotes")
        }
        let start = index
        index += 1
        var decoded: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case quote:
                decoded.append(contentsOf: bytes[runStart..<index])
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            case .lessThan:
                throw error(at: index, "'<' in the value of the attribute \(text(name)) (write &lt;)")
            case .ampersand:
                decoded.append(contentsOf: bytes[runStart..<index])
                try reference(into: &decoded)
                runStart = index
            case .tab, .newline, .carriageReturn:
                // Attribute-value normalization: each white-space character (a CR LF pair is one
                // line end) becomes a space; written references keep theirs.
                decoded.append(contentsOf: bytes[runStart..<index])
                decoded.append(.space)
                index += byte == .carriageReturn && peek(1) == .newline ? 2 : 1
                runStart = index
            default:
                index += 1
            }
        }
        throw error(at: start, "the value of the attribute \(text(name)) is not closed")
    }

    /// A reference at `&`: a character reference or one of the five predefined entities.
    private mutating func reference(into output: inout [UInt8]) throws {
        let start = index
        index += 1
        if peek(0) == .hash {
            index += 1
            let hex = peek(0) == .lowercaseX
            if hex { index += 1 }
            var value: UInt32 = 0
            var digits = 0
            while let byte = peek(0), byte != .semicolon {
                guard let digit = hex ? byte.hexDigitValue : byte.decimalDigitValue else {
                    throw error(at: start, "a character reference has a character that is not a \(hex ? "hex " : "")digit")
                }
                value = min(value * (hex ? 16 : 10) + UInt32(digit), 0x11_0000)
                digits += 1
                index += 1
            }
            guard peek(0) == .semicolon, digits > 0 else { throw error(at: start, "a character reference is not closed with ';'") }
            index += 1
            guard let scalar = Unicode.Scalar(value), XMLEncoding.isCharacter(scalar.value) else {
                throw error(at: start, "a character reference to a character XML does not allow")
            }
            output.append(contentsOf: String(scalar).utf8)
            return
        }
        let nameStart = index
        while let byte = peek(0), byte != .semicolon, !byte.isXMLWhitespace, byte != .lessThan, byte != .ampersand,
              index - nameStart < 32 {
            index += 1
        }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        guard peek(0) == .semicolon, !name.isEmpty else {
            throw error(at: start, "'&' does not start a reference (write &amp;)")
        }
        index += 1
        switch name {
        case "lt": output.append(.lessThan)
        case "gt": output.append(.greaterThan)
        case "amp": output.append(.ampersand)
        case "apos": output.append(.apostrophe)
        case "quot": output.append(.quote)
        default: throw error(at: start, "the entity &\(name); is not defined (XML without a DTD has &lt; &gt; &amp; &apos; &quot;)")
        }
    }

    // MARK: Scanning

    /// A name (colons allowed; `resolve` checks them), as a range of `bytes`.
    private mutating func scanName(what: String) throws -> Range<Int> {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                let isName = byte.isASCIILetter || byte == .underscore || byte == .colon
                    || (index > start && (byte.isASCIIDigit || byte == .hyphen || byte == .period))
                guard isName else { break }
                index += 1
                continue
            }
            let (scalar, length) = decodeScalar(at: index)
            guard index == start ? XMLName.isNameStart(scalar) : XMLName.isNameChar(scalar) else { break }
            index += length
        }
        guard index > start else { throw error(at: start, "expected \(what)") }
        return start..<index
    }

    /// The scalar of the (valid) UTF-8 sequence at `offset`, and its length.
    private func decodeScalar(at offset: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[offset]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for position in 1..<length { value = value << 6 | UInt32(bytes[offset + position] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, bytes[index].isXMLWhitespace { index += 1 }
        return index > start
    }

    private func peek(_ distance: Int) -> UInt8? {
        index + distance < bytes.count ? bytes[index + distance] : nil
    }

    private func starts(with literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    // MARK: Positions

    private mutating func line(at offset: Int) -> Int {
        let line = countLines(to: offset)
        lineMark = (offset, line)
        return line
    }

    /// The line `offset` is on, counted on from `lineMark` when it lies after it.
    private func countLines(to offset: Int) -> Int {
        var (position, line) = offset >= lineMark.offset ? lineMark : (0, 1)
        while position < offset {
            let byte = bytes[position]
            if byte == .newline || byte == .carriageReturn && (position + 1 == bytes.count || bytes[position + 1] != .newline) {
                line += 1
            }
            position += 1
        }
        return line
    }

    private func error(at offset: Int, _ message: String) -> SyntaxError {
        let offset = min(offset, bytes.count)
        var lineStart = offset
        while lineStart > 0, bytes[lineStart - 1] != .newline, bytes[lineStart - 1] != .carriageReturn { lineStart -= 1 }
        let column = bytes[lineStart..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return SyntaxError(offset: offset, line: countLines(to: offset), column: column, message: message)
    }
}

/// The encodings an XML document may come in, and the characters it may hold.
enum XMLEncoding {
    enum Prepared {
        /// UTF-8 from this offset on (after a byte order mark).
        case asIs(Int)
        case converted([UInt8])
    }

    static func utf8(of bytes: UnsafeBufferPointer<UInt8>) throws -> Prepared {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            return .converted(try utf16(UnsafeBufferPointer(rebasing: bytes[2...]), bigEndian: bytes[0] == 0xFE))
        }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let declared = declaredEncoding(UnsafeBufferPointer(rebasing: bytes[start...]))
        switch declared {
        case nil, "utf-8", "utf8":
            return .asIs(start)
        case _ where start == 3:
            throw failure(bytes, at: 0, "the document starts with a UTF-8 byte order mark but declares \(declared!)")
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
            return .converted(latin1(bytes, mapping: { UInt32($0) }))
        case "windows-1252", "cp1252":
            return .converted(latin1(bytes, mapping: windows1252))
        case "us-ascii", "ascii":
            if let high = bytes.firstIndex(where: { $0 >= 0x80 }) {
                throw failure(bytes, at: high, "byte 0x\(String(bytes[high], radix: 16, uppercase: true)) in a document declared US-ASCII")
            }
            return .asIs(0)
        case "utf-16", "utf-16le", "utf-16be":
            throw failure(bytes, at: 0, "a document declared \(declared!) needs a byte order mark")
        default:
            throw failure(bytes, at: 0, "the encoding '\(declared!)' is not supported (UTF-8, UTF-16, ISO-8859-1, windows-1252 and US-ASCII are)")
        }
    }

    /// The `encoding` of an XML declaration, lower-cased, when the document starts with one.
    private static func declaredEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.starts(with: "<?xml".utf8) else { return nil }
        let head = bytes.prefix(200)
        guard let end = head.indices.first(where: { head[$0] == 0x3F && $0 + 1 < head.endIndex && head[$0 + 1] == 0x3E }) else {
            return nil
        }
        let declaration = String(decoding: head[..<end], as: UTF8.self)
        guard let key = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote }).lowercased()
    }

    private static func utf16(_ bytes: UnsafeBufferPointer<UInt8>, bigEndian: Bool) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var decoder = UTF16()
        var units = stride(from: 0, to: bytes.count - 1, by: 2).lazy.map { (position: Int) -> UInt16 in
            let first = UInt16(bytes[position])
            let second = UInt16(bytes[position + 1])
            return bigEndian ? first << 8 | second : second << 8 | first
        }.makeIterator()
        // Errors are placed in the UTF-8 decoded so far: lines and columns are the same.
        func failure(_ message: String) -> XMLReader.SyntaxError {
            output.withUnsafeBufferPointer { XMLEncoding.failure($0, at: $0.count, message) }
        }
        while true {
            switch decoder.decode(&units) {
            case .scalarValue(let scalar): output.append(contentsOf: String(scalar).utf8)
            case .emptyInput:
                if bytes.count % 2 == 1 { throw failure("a UTF-16 document ends in half a character") }
                return output
            case .error: throw failure("an unpaired surrogate in a UTF-16 document")
            }
        }
    }

    private static func latin1(_ bytes: UnsafeBufferPointer<UInt8>, mapping: (UInt8) -> UInt32) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
            } else {
                output.append(contentsOf: String(Unicode.Scalar(mapping(byte)) ?? "\u{FFFD}").utf8)
            }
        }
        return output
    }

    /// windows-1252: ISO-8859-1 with printable characters in 0x80–0x9F (the five unassigned
    /// bytes keep their ISO-8859-1 meaning, as browsers read them).
    private static func windows1252(_ byte: UInt8) -> UInt32 {
        let table: [UInt32] = [0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
                               0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                               0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178]
        return (0x80...0x9F).contains(byte) ? table[Int(byte) - 0x80] : UInt32(byte)
    }

    /// Fails on the first byte that is not valid UTF-8 or not a character XML 1.0 allows (C0
    /// controls other than tab, line feed and carriage return; U+FFFE and U+FFFF).
    static func checkCharacters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            throw failure(bytes, at: bad, "not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)))")
        }
        for (offset, byte) in bytes.enumerated() {
            if byte < 0x20, byte != .tab, byte != .newline, byte != .carriageReturn {
                throw failure(bytes, at: offset, "the control character U+\(hex4(UInt32(byte))) is not allowed in XML")
            }
            if byte == 0xEF, offset + 2 < bytes.count, bytes[offset + 1] == 0xBF, bytes[offset + 2] >= 0xBE {
                throw failure(bytes, at: offset, "the noncharacter U+\(bytes[offset + 2] == 0xBE ? "FFFE" : "FFFF") is not allowed in XML")
            }
        }
    }

    static func isCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// An error before reading starts, placed in `bytes`.
    static func failure(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ message: String) -> XMLReader.SyntaxError {
        let offset = min(offset, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == .newline { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return XMLReader.SyntaxError(offset: offset, line: line, column: column, message: message)
    }
}

private extension UInt8 {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let exclamation: UInt8 = 0x21
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let ampersand: UInt8 = 0x26
    static let apostrophe: UInt8 = 0x27
    static let hyphen: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let lessThan: UInt8 = 0x3C
    static let equals: UInt8 = 0x3D
    static let greaterThan: UInt8 = 0x3E
    static let question: UInt8 = 0x3F
    static let closingBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let lowercaseX: UInt8 = 0x78

    var isXMLWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
    var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(self) }
    var decimalDigitValue: Int? { isASCIIDigit ? Int(self - 0x30) : nil }
    var hexDigitValue: Int? {
        switch self {
        case 0x30...0x39: Int(self - 0x30)
        case 0x41...0x46: Int(self - 0x41 + 10)
        case 0x61...0x66: Int(self - 0x61 + 10)
        default: nil
        }
    }
}
