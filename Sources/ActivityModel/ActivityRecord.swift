import ActivityQuery

/// An activity as a store writes it: its ID, the values of its filters and its custom
/// attributes, and its resource as compact JSON text, whole and split into the summary members
/// and the others. The importer reads records straight from the input's bytes
/// (`ActivityReader.readRecords`), without a tree of the resource.
public struct ActivityRecord: Equatable, Sendable {
    public var id: Int64
    /// The value of each fixed filter, in `FixedFilter.allCases` order.
    public var fields: [FieldValue?]
    /// Custom attribute values by name.
    public var customAttributes: [(name: String, value: String)]
    /// The whole resource, as `JSONWriter` writes it.
    public var json: [UInt8]
    /// The summary members (`Activity.summaryAttributes`), in order, as an object.
    public var summaryJSON: [UInt8]
    /// The other members as an object, when all the summary members come before them (as in
    /// the API's answers); nil when the two are interleaved.
    public var restJSON: [UInt8]?

    public static func == (lhs: ActivityRecord, rhs: ActivityRecord) -> Bool {
        lhs.id == rhs.id && lhs.fields == rhs.fields && lhs.json == rhs.json && lhs.summaryJSON == rhs.summaryJSON
            && lhs.restJSON == rhs.restJSON && lhs.customAttributes.elementsEqual(rhs.customAttributes, by: ==)
    }

    /// The record of an object read by `ActivityReader.scanRecord`: `text` is the object as the input
    /// has it (`respelt` unless its reading saw only what `JSONWriter` writes: `ByteInput.respelt`),
    /// `members` where each of its members lies in `text`, `filterMembers` the members
    /// the filters read, parsed. When `text` is what `JSONWriter` would write, its bytes are
    /// kept as they are; otherwise (whitespace, escapes spelt another way) it is parsed and
    /// written out again, so that a record is the same however its input was spelt.
    static func scanned(
        text: [UInt8], respelt: Bool, members: [(range: Range<Int>, summary: Bool)], filterMembers: JSONObject
    ) throws(ActivityFormatError) -> ActivityRecord {
        guard !respelt || JSONWriter.isCanonical(text) else {
            guard case .object(let resource)? = try? JSONParser.parse(text) else {
                throw ActivityFormatError("the activity could not be read again (\(text.count) bytes)")
            }
            return ActivityRecord(try Activity(resource: resource))
        }
        let (id, fields, customAttributes) = try Activity.filterValues(of: filterMembers)
        var parts = Parts()
        for member in members { parts.add(text[member.range], summary: member.summary) }
        let (summary, rest) = parts.finish()
        return ActivityRecord(id: id, fields: fields, customAttributes: customAttributes, json: text, summaryJSON: summary, restJSON: rest)
    }

    /// The summary object and the object of the other members, built member by member.
    private struct Parts {
        var summary: [UInt8] = [UInt8(ascii: "{")]
        var rest: [UInt8] = [UInt8(ascii: "{")]
        var interleaved = false

        init() {
            summary.reserveCapacity(2048)
            rest.reserveCapacity(512)
        }

        mutating func add(_ member: some Collection<UInt8>, summary isSummary: Bool) {
            if isSummary {
                if rest.count > 1 { interleaved = true }
                if summary.count > 1 { summary.append(UInt8(ascii: ",")) }
                summary += member
            } else {
                if rest.count > 1 { rest.append(UInt8(ascii: ",")) }
                rest += member
            }
        }

        mutating func finish() -> (summary: [UInt8], rest: [UInt8]?) {
            summary.append(UInt8(ascii: "}"))
            rest.append(UInt8(ascii: "}"))
            return (summary, interleaved ? nil : rest)
        }
    }
}

extension ActivityRecord {
    /// The record of an activity, its resource written out member by member.
    public init(_ activity: Activity) {
        id = activity.id
        fields = activity.fields
        customAttributes = activity.customAttributes
        var parts = Parts()
        var whole: [UInt8] = [UInt8(ascii: "{")]
        whole.reserveCapacity(2048)
        var member: [UInt8] = []
        member.reserveCapacity(512)
        for entry in activity.resource.members {
            member.removeAll(keepingCapacity: true)
            JSONWriter.writeString(entry.key, into: &member)
            member.append(UInt8(ascii: ":"))
            JSONWriter.write(entry.value, into: &member)
            if whole.count > 1 { whole.append(UInt8(ascii: ",")) }
            whole += member
            parts.add(member, summary: Activity.summaryAttributes.contains(entry.key))
        }
        whole.append(UInt8(ascii: "}"))
        json = whole
        (summaryJSON, restJSON) = parts.finish()
    }
}

extension JSONWriter {
    /// Whether `text`, valid JSON, is exactly what `write` makes of the value it holds: no
    /// whitespace between tokens, and in strings only the escapes `writeString` writes (`\"`,
    /// `\\`, `\n`, `\r`, `\t`, `\u00xx` for the other control characters, `\u2028`, `\u2029`) and
    /// no raw U+2028 or U+2029. Numbers are kept as written. One pass, a few comparisons a byte.
    public static func isCanonical(_ text: [UInt8]) -> Bool {
        text.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            var index = 0
            while index < count {
                let byte = bytes[index]
                index += 1
                // Structure, digits and literals are all above the quote.
                if byte > UInt8(ascii: "\"") { continue }
                if byte != UInt8(ascii: "\"") { return false }  // whitespace
                while index < count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { break }
                    if byte == UInt8(ascii: "\\") {
                        guard let length = canonicalEscapeLength(bytes, at: index) else { return false }
                        index += length
                    } else if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 {
                        return false  // a raw U+2028 or U+2029
                    } else {
                        index += 1
                    }
                }
                index += 1
            }
            return true
        }
    }

    /// The length of the escape at `index` (its backslash) when `writeString` writes it so; nil
    /// for any other.
    private static func canonicalEscapeLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard index + 1 < bytes.count else { return nil }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): return 2
        case UInt8(ascii: "u"):
            guard index + 5 < bytes.count else { return nil }
            let digits = bytes[(index + 2)...(index + 5)]
            func lowercaseHex(_ byte: UInt8) -> UInt8? {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                default: nil
                }
            }
            if digits.elementsEqual("2028".utf8) || digits.elementsEqual("2029".utf8) { return 6 }
            guard digits.starts(with: "00".utf8), let high = lowercaseHex(bytes[index + 4]), let low = lowercaseHex(bytes[index + 5])
            else { return nil }
            let scalar = high << 4 | low
            return scalar < 0x20 && scalar != 0x09 && scalar != 0x0A && scalar != 0x0D ? 6 : nil
        default: return nil
        }
    }
}
