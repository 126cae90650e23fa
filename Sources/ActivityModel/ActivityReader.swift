import Foundation

/// Where a record came from, for messages: `file.json: activity[3] (line 12)`.
public struct RecordLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var index: Int
    public var line: Int
    public var isLineBased: Bool

    public var description: String {
        isLineBased ? "\(file):\(line)" : "\(file): activity[\(index)] (line \(line))"
    }
}

/// A record that could not be read, with its location.
public struct ImportError: Error, CustomStringConvertible {
    public var location: String
    public var message: String

    public var description: String { "\(location): \(message)" }
}

/// Reads activities one at a time from the API's JSON (`{"activity": […]}` or a bare array),
/// from NDJSON (one activity object per line), or from the API's XML.
public enum ActivityReader {
    /// How the activities of a file are written.
    public enum Format: String, Sendable {
        case json, ndjson, xml
    }

    /// The format by file name, else by the first byte.
    public static func format(of path: String, firstByte: UInt8?) -> Format {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".jsonl") { return .ndjson }
        if lowered.hasSuffix(".xml") || firstByte == UInt8(ascii: "<") { return .xml }
        return .json
    }

    /// Calls `body` for each activity of the file, in order. Throws at the first bad record.
    public static func read(
        path: String, format: Format? = nil, _ body: (Activity, RecordLocation) throws -> Void
    ) throws {
        try read(path: path, format: format, element: parseActivity, converting: { $0 }, body)
    }

    /// Calls `body` with the record of each activity of the file, in order, as a store writes it:
    /// `read`, but JSON is scanned rather than made into a tree (the members no filter reads are
    /// checked and kept as bytes). The same activities, the same errors.
    public static func readRecords(
        path: String, format: Format? = nil, _ body: (ActivityRecord, RecordLocation) throws -> Void
    ) throws {
        try read(path: path, format: format, element: scanRecord, converting: ActivityRecord.init, body)
    }

    /// Reads the activities of `bytes`, handing each to `body` with where it was.
    public static func read(bytes: [UInt8], name: String, format: Format, _ body: (Activity, RecordLocation) throws -> Void) throws {
        try read(bytes: bytes, name: name, format: format, element: parseActivity, converting: { $0 }, body)
    }

    /// `readRecords` from bytes in memory.
    public static func readRecords(bytes: [UInt8], name: String, format: Format, _ body: (ActivityRecord, RecordLocation) throws -> Void) throws {
        try read(bytes: bytes, name: name, format: format, element: scanRecord, converting: ActivityRecord.init, body)
    }

    /// Reads one activity of a JSON input, at `depth`, as an `Item` (an `Activity` or its
    /// `ActivityRecord`); `converting` makes one of an activity read otherwise (XML, or an
    /// object that was read before it was known to be an activity).
    typealias ElementReader<Item> = (JSONParser, _ depth: Int) throws -> Item

    private static func read<Item>(
        path: String, format: Format?, element: ElementReader<Item>, converting: (Activity) -> Item,
        _ body: (Item, RecordLocation) throws -> Void
    ) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError(location: path, message: "cannot open the file")
        }
        defer { try? handle.close() }
        let input = ByteInput(handle: handle)
        let parser = JSONParser(input)
        parser.skipWhitespace()
        let chosen = format ?? Self.format(of: path, firstByte: input.peek())
        switch chosen {
        case .xml:
            try? handle.seek(toOffset: 0)
            try ActivityXML.read(handle: handle, file: path) { try body(converting($0), $1) }
        case .json, .ndjson:
            try readJSON(parser, file: path, lineBased: chosen == .ndjson, element: element, converting: converting, body)
        }
    }

    private static func read<Item>(
        bytes: [UInt8], name: String, format: Format, element: ElementReader<Item>, converting: (Activity) -> Item,
        _ body: (Item, RecordLocation) throws -> Void
    ) throws {
        switch format {
        case .xml: try ActivityXML.read(data: Data(bytes), file: name) { try body(converting($0), $1) }
        case .json, .ndjson:
            try readJSON(JSONParser(ByteInput(bytes: bytes)), file: name, lineBased: format == .ndjson, element: element, converting: converting, body)
        }
    }

    /// An activity read as a tree.
    static func parseActivity(_ parser: JSONParser, depth: Int) throws -> Activity {
        try activity(parser.parseValue(depth: depth))
    }

    static func activity(_ value: JSONValue) throws -> Activity {
        guard case .object(let object) = value else {
            throw ActivityFormatError("an activity must be an object, not \(value.kindName)")
        }
        return try Activity(resource: object)
    }

    /// An activity's record, read in one pass over its object: the parts the filters read are
    /// parsed (`Activity.filterSelection`), the rest only checked (with the parser's checks and errors: `skipValue`), and
    /// the object's bytes are kept with where each member lies in them.
    static func scanRecord(_ parser: JSONParser, depth: Int) throws -> ActivityRecord {
        let input = parser.input
        parser.skipWhitespace()
        guard input.peek() == UInt8(ascii: "{"), depth + 1 < JSONParser.maximumDepth else {
            return ActivityRecord(try parseActivity(parser, depth: depth))
        }
        let start = input.offset
        var filterMembers = JSONObject()
        // An activity has some twenty members: hashed from the first, not searched.
        var keys = Set<String>(minimumCapacity: 32)
        var members: [(range: Range<Int>, summary: Bool)] = []
        members.reserveCapacity(24)
        input.startRecording()
        do {
            try parser.parseMembers(depth: depth) { key, offset in
                guard keys.insert(key).inserted else { throw parser.error("duplicate key \"\(key)\"") }
                let role = memberRoles[key]
                if let selection = role?.selection {
                    filterMembers.members.append(JSONMember(key, try parser.parseValue(selecting: selection, depth: depth + 1)))
                } else {
                    try parser.skipValue(depth: depth + 1)
                }
                members.append(((offset - start)..<(input.offset - start), role?.summary ?? false))
            }
        } catch {
            _ = input.stopRecording()
            throw error
        }
        let text = input.stopRecording()
        return try ActivityRecord.scanned(text: text, respelt: input.respelt, members: members, filterMembers: filterMembers)
    }

    /// For each top-level member a scan reads or keeps apart: what of it the filters read
    /// (`Activity.filterSelection`), and whether it is a summary attribute. One look-up a member.
    private static let memberRoles: [String: (selection: JSONSelection?, summary: Bool)] = {
        var roles: [String: (selection: JSONSelection?, summary: Bool)] = [:]
        for name in Activity.summaryAttributes { roles[name] = (nil, true) }
        for (name, selection) in Activity.filterSelection { roles[name, default: (nil, false)].selection = selection }
        return roles
    }()

    static func readJSON<Item>(
        _ parser: JSONParser, file: String, lineBased: Bool, element: ElementReader<Item>,
        converting: (Activity) -> Item, _ body: (Item, RecordLocation) throws -> Void
    ) throws {
        let input = parser.input
        var index = 0
        func location(line: Int) -> RecordLocation {
            RecordLocation(file: file, index: index, line: line, isLineBased: lineBased)
        }
        func syntax(_ error: JSONSyntaxError) -> ImportError {
            ImportError(location: "\(file):\(error.line):\(error.column)", message: error.message)
        }
        /// Hands `body` the item `read` makes of the activity on `line`.
        func emit(line: Int, _ read: () throws -> Item) throws {
            let item: Item
            do { item = try read() } catch let error as ActivityFormatError {
                throw ImportError(location: location(line: line).description, message: error.message)
            }
            try body(item, location(line: line))
            index += 1
        }
        /// Streams the elements of the array that starts at the input, one activity at a time.
        func emitElements(depth: Int) throws {
            input.next()
            if parser.consume(UInt8(ascii: "]")) { return }
            repeat {
                parser.skipWhitespace()
                let line = input.line
                try emit(line: line) { try element(parser, depth) }
            } while parser.consume(UInt8(ascii: ","))
            try parser.expect(UInt8(ascii: "]"), "',' or ']' after an activity")
        }
        do {
            parser.skipWhitespace()
            if input.atEnd { return }
            if !lineBased, input.peek() == UInt8(ascii: "[") {
                try emitElements(depth: 1)
                return try trailing(parser, file: file)
            }
            if !lineBased, input.peek() == UInt8(ascii: "{") {
                // The API's document streams its `activity` array; any other object is one
                // activity, possibly the first line of NDJSON.
                var document = false
                var single = JSONObject()
                var keys = KeySet()
                let line = input.line
                try parser.parseMembers(depth: 0) { key in
                    if key == "activity", !document, single.members.isEmpty {
                        parser.skipWhitespace()
                        if input.peek() == UInt8(ascii: "[") {
                            document = true
                            try emitElements(depth: 2)
                            return
                        }
                    }
                    if document {
                        try parser.skipValue(depth: 1)  // paginationInfo and the like
                        return
                    }
                    guard keys.insert(key, among: single.members.lazy.map(\.key)) else { throw parser.error("duplicate key \"\(key)\"") }
                    single.members.append(JSONMember(key, try parser.parseValue(depth: 1)))
                }
                if document { return try trailing(parser, file: file) }
                try emit(line: line) { converting(try Activity(resource: single)) }
            }
            // NDJSON: one value per line.
            while true {
                parser.skipWhitespace()
                if input.atEnd { return }
                let line = input.line
                try emit(line: line) { try element(parser, 0) }
                while let byte = input.peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D { input.next() }
                if let byte = input.peek(), byte != 0x0A {
                    throw parser.error("expected a line break after the activity on line \(line)")
                }
            }
        } catch let error as JSONSyntaxError {
            throw syntax(error)
        }
    }

    private static func trailing(_ parser: JSONParser, file: String) throws {
        parser.skipWhitespace()
        if !parser.input.atEnd {
            let error = parser.error("unexpected text after the JSON document")
            throw ImportError(location: "\(file):\(error.line):\(error.column)", message: error.message)
        }
    }
}
