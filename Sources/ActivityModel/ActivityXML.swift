import Foundation

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
        _ = try readResponse(data: data, file: file, body)
    }

    /// Reads a search answer: its activities, and the `paginationInfo` count when it has one.
    public static func readResponse(data: Data, file: String, _ body: (Activity, RecordLocation) throws -> Void) throws -> Int? {
        do {
            return try withoutActuallyEscaping(body) { body in
                try data.withUnsafeBytes { raw in
                    try XMLReader.read(raw.bindMemory(to: UInt8.self)) { reader in
                        var builder = Builder(file: file, body: body)
                        while let event = try reader.next() { try builder.handle(event, &reader) }
                        return builder.count
                    }
                }
            }
        } catch let error as XMLReader.SyntaxError {
            throw ImportError(location: "\(file):\(error.line):\(error.column)", message: "malformed XML: \(error.message)")
        }
    }

    /// Builds each `<activity>` into a JSON resource and hands it on when its element closes.
    private struct Builder {
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
        let body: (Activity, RecordLocation) throws -> Void
        var stack: [Node] = []
        var depth = 0
        var index = 0
        var startLine = 0
        /// `paginationInfo.count` of a search answer (actq writes it after the activities).
        var count: Int?

        init(file: String, body: @escaping (Activity, RecordLocation) throws -> Void) {
            self.file = file
            self.body = body
        }

        mutating func handle(_ event: XMLReader.Event, _ reader: inout XMLReader) throws {
            switch event {
            case .start(let name, let attributes): try start(name, attributes, &reader)
            case .text(let text): if !stack.isEmpty { stack[stack.count - 1].text += text }
            case .end: try end(&reader)
            }
        }

        private mutating func start(_ name: XMLReader.Name, _ attributes: [XMLReader.Attribute], _ reader: inout XMLReader) throws {
            depth += 1
            if depth == 1 {
                guard name.local == "activities", name.namespace == ActivityXML.activityNamespace else {
                    throw reader.error("expected <activities> in namespace \(ActivityXML.activityNamespace), found <\(name.qualified)>"
                                       + (name.namespace.map { " in namespace \($0)" } ?? ""))
                }
                return
            }
            if depth == 2 {
                guard name.local == "activity" || name.local == "paginationInfo", name.namespace == ActivityXML.activityNamespace else {
                    throw reader.error("expected <activity> in namespace \(ActivityXML.activityNamespace), found <\(name.qualified)>")
                }
                startLine = reader.line()
            }
            var node = Node(name: XMLName.decode(name.local))
            // In the order the JSON form uses: id, rel, href, then any others by name.
            let order = ["id", "rel", "href"]
            let sorted = attributes.sorted { lhs, rhs in
                (order.firstIndex(of: lhs.name.qualified) ?? order.count, lhs.name.qualified)
                    < (order.firstIndex(of: rhs.name.qualified) ?? order.count, rhs.name.qualified)
            }
            for attribute in sorted {
                let key = attribute.name.qualified
                let value = attribute.value
                let isID = key == "id" && !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                node.members.append(JSONMember(key, isID ? .number(value) : .string(value)))
            }
            stack.append(node)
        }

        private mutating func end(_ reader: inout XMLReader) throws {
            defer { depth -= 1 }
            guard depth >= 2, let node = stack.popLast() else { return }
            let value: JSONValue = node.members.isEmpty ? .string(node.text) : .object(JSONObject(node.members))
            if stack.isEmpty, node.name == "paginationInfo" {
                if case .object(let info) = value, case .string(let text)? = info["count"] {
                    guard let total = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), total >= 0 else {
                        throw reader.error("paginationInfo count '\(text)' is not a count")
                    }
                    count = total
                }
                return
            }
            guard stack.isEmpty else {
                stack[stack.count - 1].add(node.name, value, alwaysList: ActivityXML.listElements.contains(node.name))
                stack[stack.count - 1].text = ""
                return
            }
            // A whole <activity>.
            guard case .object(let object) = value else {
                throw reader.error("an <activity> element needs an id attribute and children")
            }
            let location = RecordLocation(file: file, index: index, line: startLine, isLineBased: false)
            do {
                try body(try Activity(resource: object), location)
            } catch let error as ActivityFormatError {
                throw ImportError(location: location.description, message: error.message)
            }
            index += 1
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
        if let id = resource["id"] { output += " id=\"\(escape(scalar(id), inAttribute: true))\"" }
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
        case "name", "firstName", "lastName": return parent == "department" || parent == "user" ? "platform:" : ""
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
                    output += " \(member.key)=\"\(escape(text, inAttribute: true))\""
                case .number(let text) where member.key == "id":
                    output += " id=\"\(escape(text, inAttribute: true))\""
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

    /// Text with `&`, `<`, `>` and quotes escaped for XML; in an attribute value also tabs and
    /// line feeds, which a reader would otherwise turn into spaces.
    public static func escape(_ text: String, inAttribute: Bool = false) -> String {
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
            case "\n" where inAttribute: output += "&#10;"
            case "\t" where inAttribute: output += "&#9;"
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
