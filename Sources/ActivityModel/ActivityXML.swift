import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The API's XML form of activities. Elements are matched by namespace URI and local name, never
/// by prefix (prefixes differ between responses).
public enum ActivityXML {
    public static let activityNamespace = "http://bindings.egain.com/ws/model/v12/gen/interaction/activity"
    public static let commonNamespace = "http://bindings.egain.com/ws/model/v12/gen/common"
    public static let platformNamespace = "http://bindings.egain.com/ws/model/v12/gen/platform"
    public static let caseNamespace = "http://bindings.egain.com/ws/model/v12/gen/interaction/case"

    /// Elements that are lists in the JSON form even when XML holds only one of them.
    static let listElements: Set<String> = ["customAttribute", "attribValue", "attachment", "activity"]

    // MARK: Reading

    /// Reads the activities of an XML document from a file, handing each to `body`.
    public static func read(handle: FileHandle, file: String, _ body: (Activity, RecordLocation) throws -> Void) throws {
        // Mapped, not read: a large export costs address space, not memory.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped) else {
            throw ImportError(location: file, message: "cannot open the file")
        }
        try read(data: data, file: file, body)
    }

    /// Reads the activities of an XML document, handing each to `body`.
    public static func read(data: Data, file: String, _ body: (Activity, RecordLocation) throws -> Void) throws {
        try preflight(data, file: file)
        _ = try run(XMLParser(data: data), file: file, body)
    }

    /// Reads a search answer: its activities, and the `paginationInfo` count when it has one.
    public static func readResponse(data: Data, file: String, _ body: (Activity, RecordLocation) throws -> Void) throws -> Int? {
        try preflight(data, file: file)
        return try run(XMLParser(data: data), file: file, body)
    }

    /// What Foundation's XMLParser must never see, refused before it runs (it traps or crashes
    /// on some of it, found by fuzzing): invalid UTF-8 in a document that is UTF-8 (the default,
    /// and what the API sends; libxml2 hands some invalid names on), processing instructions
    /// (one without data makes it read a null pointer), and DTDs (the API has none, and entity
    /// definitions are how "billion laughs" documents expand). A document that declares another
    /// encoding is converted by libxml2 and left to it.
    static func preflight(_ data: Data, file: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            func fail(at offset: Int, _ message: String) -> ImportError {
                var line = 1
                var column = 1
                for byte in bytes[..<offset] {
                    if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
                }
                return ImportError(location: "\(file):\(line):\(column)", message: "malformed XML: " + message)
            }
            let declared = declaredEncoding(bytes)
            if declared == nil || declared == "utf-8" || declared == "utf8", let bad = UTF8Validation.firstInvalidOffset(bytes) {
                throw fail(at: bad, "not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)))")
            }
            // The XML declaration may open the document (after a byte order mark); nothing else
            // may start with "<?" or "<!DOCTYPE" / "<!ENTITY".
            var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            let opening = Array("<?xml".utf8)
            // A declaration holds pseudo-attributes only: one with a "<" before its "?>" is not
            // one, and is refused below as a processing instruction (libxml2 would report it and
            // read on, into whatever the "?>" ended; found by fuzzing).
            if bytes[start...].starts(with: opening), start + 5 < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 5]),
               let end = (start..<(bytes.count - 1)).first(where: { bytes[$0] == 0x3F && bytes[$0 + 1] == 0x3E }),
               !bytes[(start + 2)..<end].contains(0x3C) {
                start = end + 2
            }
            var index = start
            while index + 1 < bytes.count {
                if bytes[index] == 0x3C {
                    if bytes[index + 1] == 0x3F { throw fail(at: index, "processing instructions (<?…?>) are not accepted") }
                    if bytes[index + 1] == 0x21, bytes[(index + 2)...].starts(with: doctype) || bytes[(index + 2)...].starts(with: entity) {
                        throw fail(at: index, "DTDs and entity declarations are not accepted")
                    }
                }
                index += 1
            }
        }
    }

    private static let doctype = Array("DOCTYPE".utf8)
    private static let entity = Array("ENTITY".utf8)

    /// The `encoding` of an XML declaration, lower-cased, when the document starts with one.
    private static func declaredEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let head = String(decoding: bytes.prefix(200), as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let declaration = head[..<end.lowerBound]
        guard let key = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote }).lowercased()
    }

    private static func run(_ parser: XMLParser, file: String, _ body: (Activity, RecordLocation) throws -> Void) throws -> Int? {
        try withoutActuallyEscaping(body) { body in
            let reader = Reader(file: file, parser: parser, body: body)
            try run(parser, reader: reader, file: file)
            return reader.count
        }
    }

    private static func run(_ parser: XMLParser, reader: Reader, file: String) throws {
        parser.shouldProcessNamespaces = true
        parser.delegate = reader
        let finished = parser.parse()
        parser.delegate = nil
        if let failure = reader.failure { throw failure }
        if !finished {
            let message = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "malformed XML"
            throw ImportError(location: "\(file):\(parser.lineNumber):\(parser.columnNumber)", message: "malformed XML: \(message)")
        }
        if !reader.sawRoot {
            throw ImportError(location: file, message: "no <activities> element in namespace \(activityNamespace)")
        }
    }

    /// Builds each `<activity>` into a JSON resource and hands it on when its element closes.
    private final class Reader: NSObject, XMLParserDelegate {
        struct Node {
            var name: String
            var members: [JSONMember] = []
            /// Where each child name sits in `members`, so that a repeated child is found at once.
            var positions: [String: Int] = [:]
            var text = ""

            /// Adds a child: the first of its name as a member (a list for list elements), later
            /// ones gathered into a list. (A child's own value is never a list, so a list member
            /// is one this built.)
            mutating func add(_ name: String, _ value: JSONValue, alwaysList: Bool) {
                guard let position = positions[name] else {
                    positions[name] = members.count
                    members.append(JSONMember(name, alwaysList ? .array([value]) : value))
                    return
                }
                // Take the value out before appending, so that the list grows in place instead of
                // being copied for every child (100,000 children would be quadratic).
                var existing = members[position].value
                members[position].value = .null
                if case .array(var elements) = existing {
                    existing = .null
                    elements.append(value)
                    members[position].value = .array(elements)
                } else {
                    members[position].value = .array([existing, value])
                }
            }
        }

        let file: String
        let parser: XMLParser
        let body: (Activity, RecordLocation) throws -> Void
        var stack: [Node] = []
        var depth = 0
        var index = 0
        var startLine = 0
        var sawRoot = false
        var failure: Error?
        /// `paginationInfo.count` of a search answer (actq writes it after the activities).
        var count: Int?

        init(file: String, parser: XMLParser, body: @escaping (Activity, RecordLocation) throws -> Void) {
            self.file = file
            self.parser = parser
            self.body = body
        }

        func fail(_ message: String) {
            guard failure == nil else { return }
            failure = ImportError(location: "\(file):\(parser.lineNumber):\(parser.columnNumber)", message: message)
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            depth += 1
            if depth == 1 {
                guard name == "activities", namespaceURI == ActivityXML.activityNamespace else {
                    fail("expected <activities> in namespace \(ActivityXML.activityNamespace), found <\(qualifiedName ?? name)>"
                         + (namespaceURI.map { " in namespace \($0)" } ?? ""))
                    return
                }
                sawRoot = true
                return
            }
            if depth == 2 {
                guard name == "activity" || name == "paginationInfo", namespaceURI == ActivityXML.activityNamespace else {
                    fail("expected <activity> in namespace \(ActivityXML.activityNamespace), found <\(qualifiedName ?? name)>")
                    return
                }
                startLine = parser.lineNumber
            }
            var node = Node(name: XMLName.decode(name))
            // Attributes come unordered: put them in the order the JSON form uses.
            let order = ["id", "rel", "href"]
            let keys = attributes.keys.sorted { lhs, rhs in
                (order.firstIndex(of: lhs) ?? order.count, lhs) < (order.firstIndex(of: rhs) ?? order.count, rhs)
            }
            for key in keys where !key.hasPrefix("xmlns") {
                let value = attributes[key]!
                let isID = key == "id" && !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                node.members.append(JSONMember(key, isID ? .number(value) : .string(value)))
            }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            defer { depth -= 1 }
            guard depth >= 2, let node = stack.popLast() else { return }
            let value: JSONValue
            if node.members.isEmpty {
                value = .string(node.text)
            } else {
                value = .object(JSONObject(node.members))
            }
            if stack.isEmpty, node.name == "paginationInfo" {
                if case .object(let info) = value, case .string(let text)? = info["count"] {
                    guard let total = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), total >= 0 else {
                        fail("paginationInfo count '\(text)' is not a count")
                        return
                    }
                    count = total
                }
                return
            }
            if stack.isEmpty {
                // A whole <activity>.
                guard case .object(let object) = value else {
                    fail("an <activity> element needs an id attribute and children")
                    return
                }
                let location = RecordLocation(file: file, index: index, line: startLine, isLineBased: false)
                do {
                    try body(try Activity(resource: object), location)
                } catch let error as ActivityFormatError {
                    failure = ImportError(location: location.description, message: error.message)
                    parser.abortParsing()
                } catch {
                    failure = error
                    parser.abortParsing()
                }
                index += 1
                return
            }
            stack[stack.count - 1].add(node.name, value, alwaysList: ActivityXML.listElements.contains(node.name))
            stack[stack.count - 1].text = ""
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if failure == nil {
                failure = ImportError(location: "\(file):\(parser.lineNumber):\(parser.columnNumber)",
                                      message: "malformed XML: \((parseError as NSError).localizedDescription)")
            }
        }
    }

    // MARK: Writing

    public static let rootOpening = """
        <activities xmlns="\(activityNamespace)" xmlns:common="\(commonNamespace)" \
        xmlns:platform="\(platformNamespace)" xmlns:case="\(caseNamespace)">
        """

    /// One `<activity>` element for a resource.
    public static func element(_ resource: JSONObject) -> String {
        var output = "<activity"
        if let id = resource["id"] { output += " id=\"\(escape(scalar(id)))\"" }
        output += ">"
        for member in resource.members where member.key != "id" {
            write(member.key, member.value, parent: "activity", into: &output)
        }
        return output + "</activity>"
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .string(let text), .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: ""
        }
    }

    /// The prefix an element takes: value/displayValue pairs are common; names of departments and
    /// users are platform; the case link is in the case namespace.
    private static func prefix(for name: String, parent: String) -> String {
        switch name {
        case "value", "displayValue": return "common:"
        case "name", "firstName", "lastName" where parent == "department" || parent == "user": return "platform:"
        case "link" where parent == "case": return "case:"
        default: return ""
        }
    }

    private static func write(_ name: String, _ value: JSONValue, parent: String, into output: inout String) {
        let tag = prefix(for: name, parent: parent) + XMLName.encode(name)
        switch value {
        case .null:
            return
        case .array(let elements):
            for element in elements { write(name, element, parent: parent, into: &output) }
        case .object(let object):
            output += "<\(tag)"
            var children: [JSONMember] = []
            for member in object.members {
                switch member.value {
                case .string(let text) where ["id", "rel", "href"].contains(member.key):
                    output += " \(member.key)=\"\(escape(text))\""
                case .number(let text) where member.key == "id":
                    output += " id=\"\(escape(text))\""
                default:
                    children.append(member)
                }
            }
            if children.isEmpty {
                output += "/>"
                return
            }
            output += ">"
            for child in children { write(child.key, child.value, parent: name, into: &output) }
            output += "</\(tag)>"
        default:
            output += "<\(tag)>\(escape(scalar(value)))</\(tag)>"
        }
    }

    /// Text with `&`, `<`, `>` and quotes escaped for XML.
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\r": output += "&#13;"
            default:
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    // Not representable in XML 1.0; keep the text readable.
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }
}
