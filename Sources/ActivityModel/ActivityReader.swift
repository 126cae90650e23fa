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
            try ActivityXML.read(handle: handle, file: path, body)
        case .json, .ndjson:
            try readJSON(parser, file: path, lineBased: chosen == .ndjson, body)
        }
    }

    /// Reads the activities of `bytes`, handing each to `body` with where it was.
    public static func read(bytes: [UInt8], name: String, format: Format, _ body: (Activity, RecordLocation) throws -> Void) throws {
        switch format {
        case .xml: try ActivityXML.read(data: Data(bytes), file: name, body)
        case .json, .ndjson: try readJSON(JSONParser(ByteInput(bytes: bytes)), file: name, lineBased: format == .ndjson, body)
        }
    }

    static func readJSON(
        _ parser: JSONParser, file: String, lineBased: Bool, _ body: (Activity, RecordLocation) throws -> Void
    ) throws {
        let input = parser.input
        var index = 0
        func location(line: Int) -> RecordLocation {
            RecordLocation(file: file, index: index, line: line, isLineBased: lineBased)
        }
        func syntax(_ error: JSONSyntaxError) -> ImportError {
            ImportError(location: "\(file):\(error.line):\(error.column)", message: error.message)
        }
        func emit(_ value: JSONValue, line: Int) throws {
            guard case .object(let object) = value else {
                throw ImportError(location: location(line: line).description, message: "an activity must be an object, not \(value.kindName)")
            }
            let activity: Activity
            do { activity = try Activity(resource: object) } catch {
                throw ImportError(location: location(line: line).description, message: error.message)
            }
            try body(activity, location(line: line))
            index += 1
        }
        /// Streams the elements of the array that starts at the input, one activity at a time.
        func emitElements(depth: Int) throws {
            input.next()
            if parser.consume(UInt8(ascii: "]")) { return }
            repeat {
                parser.skipWhitespace()
                let line = input.line
                try emit(try parser.parseValue(depth: depth), line: line)
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
                        _ = try parser.parseValue(depth: 1)  // paginationInfo and the like
                        return
                    }
                    guard keys.insert(key, among: single.members) else { throw parser.error("duplicate key \"\(key)\"") }
                    single.members.append(JSONMember(key, try parser.parseValue(depth: 1)))
                }
                if document { return try trailing(parser, file: file) }
                try emit(.object(single), line: line)
            }
            // NDJSON: one value per line.
            while true {
                parser.skipWhitespace()
                if input.atEnd { return }
                let line = input.line
                try emit(try parser.parseValue(), line: line)
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
