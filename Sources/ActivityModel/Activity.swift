import ActivityQuery

/// The value an activity has for a fixed filter: an ID or an instant (UTC milliseconds), or a
/// code or text.
public enum FieldValue: Hashable, Sendable {
    case integer(Int64)
    case text(String)
}

/// An activity: the full resource as the API sends it, and the fields its filters and sort keys
/// read, taken from the resource once, where the filter table (`FixedFilter.spec`) says they are.
public struct Activity: Hashable, Sendable {
    public var resource: JSONObject

    public var id: Int64
    /// The value of each fixed filter, in `FixedFilter.allCases` order (nil where the resource
    /// has none).
    public private(set) var fields: [FieldValue?]
    /// Custom attribute values by name; an attribute may carry several values.
    public var customAttributes: [(name: String, value: String)]

    /// Activities are equal when their resources are (the fields are read from it).
    public static func == (lhs: Activity, rhs: Activity) -> Bool { lhs.resource == rhs.resource }
    public func hash(into hasher: inout Hasher) { hasher.combine(resource) }

    /// The attributes of the API's summary set; `$attribute` adds others.
    public static let summaryAttributes: Set<String> = [
        "id", "link", "case", "department", "mode", "type", "status", "subject", "created", "lastModified",
        "customer", "queue", "assigned", "customAttributes", "contactPointData",
    ]

    /// Reads the filter fields of an activity resource. Tolerant where the API is known to vary
    /// (IDs as numbers or strings, `link` as an object or an array), strict about types otherwise.
    public init(resource: JSONObject) throws(ActivityFormatError) {
        self.resource = resource
        (id, fields, customAttributes) = try Self.filterValues(of: resource)
    }

    /// What `filterValues` reads of each top-level member (a member it reads nothing of is
    /// absent): a resource cut down to these parts gives the same ID, fields and custom
    /// attributes, and the same errors, as the whole one. Of an ID field's object only its `id`
    /// is read, of a code's only its `value`.
    public static let filterSelection: [(name: String, selection: JSONSelection)] = {
        func select(_ path: ArraySlice<String>, in members: inout [(name: String, selection: JSONSelection)]) {
            let name = path.first!
            let index = members.firstIndex { $0.name == name } ?? {
                members.append((name, .members([])))
                return members.count - 1
            }()
            guard path.count > 1 else { return members[index].selection = .whole }
            guard case .members(var inner) = members[index].selection else { return }  // already whole
            select(path.dropFirst(), in: &inner)
            members[index].selection = .members(inner)
        }
        var root: [(name: String, selection: JSONSelection)] = [("id", .whole), ("customAttributes", .whole)]
        for filter in FixedFilter.allCases {
            let spec = filter.spec
            switch spec.kind {
            case .id: select(spec.resourcePath[...] + [idMember], in: &root)
            case .code: select(spec.resourcePath[...] + [codeMember], in: &root)
            case .text, .date: select(spec.resourcePath[...], in: &root)
            }
        }
        return root
    }()

    /// The ID, the fixed filters' values and the custom attributes of a resource, as
    /// `init(resource:)` reads them (the parts `filterSelection` names).
    public static func filterValues(of resource: JSONObject) throws(ActivityFormatError)
        -> (id: Int64, fields: [FieldValue?], customAttributes: [(name: String, value: String)])
    {
        guard let idValue = resource["id"] else { throw ActivityFormatError("the activity has no 'id'") }
        let id = try Self.id(idValue, at: "id")
        var fields: [FieldValue?] = []
        fields.reserveCapacity(FixedFilter.allCases.count)
        for filter in FixedFilter.allCases {
            fields.append(try Self.field(filter, of: resource))
        }
        return (id, fields, try Self.customAttributes(resource["customAttributes"]))
    }

    /// The value of a fixed filter.
    public subscript(filter: FixedFilter) -> FieldValue? {
        fields[FixedFilter.allCases.firstIndex(of: filter)!]
    }

    /// The instant of a date field (UTC milliseconds), or the integer of an ID field.
    public func integer(_ filter: FixedFilter) -> Int64? {
        if case .integer(let value)? = self[filter] { return value }
        return nil
    }

    /// The code or text of a field.
    public func text(_ filter: FixedFilter) -> String? {
        if case .text(let value)? = self[filter] { return value }
        return nil
    }

    /// UTC milliseconds.
    public var created: Int64? { integer(.createdDate) }
    public var lastModified: Int64? { integer(.lastModifiedDate) }

    /// The value of one fixed filter in a resource, as `init(resource:)` reads it.
    public static func value(of filter: FixedFilter, in resource: JSONObject) throws(ActivityFormatError) -> FieldValue? {
        try field(filter, of: resource)
    }

    /// A filter's value, found by following its `resourcePath` and read as its `kind` says.
    static func field(_ filter: FixedFilter, of resource: JSONObject) throws(ActivityFormatError) -> FieldValue? {
        let names = filter.resourcePath
        // The dotted path is spelt only for an error message.
        func path(through last: Int) -> String { names[...last].joined(separator: ".") }
        var container = resource
        for index in names.indices.dropLast() {
            guard let next = try object(container[names[index]], at: path(through: index)) else { return nil }
            container = next
        }
        let last = names.count - 1
        let value = container[names[last]]
        switch filter.kind {
        case .id: return try optionalID(value, at: path(through: last)).map(FieldValue.integer)
        case .code: return try code(value, at: path(through: last)).map(FieldValue.text)
        case .text: return try text(value, at: path(through: last)).map(FieldValue.text)
        case .date: return try date(value, at: path(through: last)).map(FieldValue.integer)
        }
    }

    // MARK: Reading fields

    /// The member of an ID field's object that holds the ID (`{"id": 1080, …}`), and of a code's
    /// the code (`{"value": "open", …}`); `filterSelection` keeps only these.
    static let idMember = "id"
    static let codeMember = "value"

    static func object(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> JSONObject? {
        switch value {
        case nil, .null?: return nil
        case .object(let object)?: return object
        case let other?: throw ActivityFormatError("'\(path())' must be an object, not \(other.kindName)")
        }
    }

    static func id(_ value: JSONValue, at path: @autoclosure () -> String) throws(ActivityFormatError) -> Int64 {
        let text: String
        switch value {
        case .number(let number): text = number
        case .string(let string): text = string
        default: throw ActivityFormatError("'\(path())' must be a positive integer, not \(value.kindName)")
        }
        guard case .success(let id) = IDValue.parse(text) else {
            throw ActivityFormatError("'\(path())' must be a positive integer, not \(text)")
        }
        return id
    }

    /// `{"id": …}` (or a bare ID) → the ID.
    static func optionalID(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> Int64? {
        switch value {
        case nil, .null?: return nil
        case .object(let object)?:
            guard let id = object[idMember], id != .null else { return nil }
            return try self.id(id, at: path() + "." + idMember)
        case let other?: return try self.id(other, at: path())
        }
    }

    /// `{"value": "open", …}` (or a bare string) → the code.
    static func code(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .object(let object)?: return try text(object[codeMember], at: path() + "." + codeMember)
        case let other?: throw ActivityFormatError("'\(path())' must be an object with a 'value', not \(other.kindName)")
        }
    }

    static func text(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let text)?: return text
        case let other?: throw ActivityFormatError("'\(path())' must be a string, not \(other.kindName)")
        }
    }

    static func date(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> Int64? {
        guard let text = try text(value, at: path()) else { return nil }
        guard case .success(.instant(let instant)) = APIDate.parseLiteral(Array(text.utf8)) else {
            throw ActivityFormatError("'\(path())' must be an ISO 8601 instant such as 2016-04-01T01:55:10.000Z, not \"\(text)\"")
        }
        return instant
    }

    static func customAttributes(_ value: JSONValue?) throws(ActivityFormatError) -> [(name: String, value: String)] {
        guard let container = try object(value, at: "customAttributes") else { return [] }
        var result: [(name: String, value: String)] = []
        for entry in try list(container["customAttribute"], at: "customAttributes.customAttribute") {
            guard case .object(let attribute) = entry else {
                throw ActivityFormatError("'customAttributes.customAttribute' must hold objects, not \(entry.kindName)")
            }
            guard let name = try text(attribute["attribName"], at: "customAttribute.attribName") else {
                throw ActivityFormatError("a custom attribute has no 'attribName'")
            }
            let values = try object(attribute["attribValues"], at: "customAttribute.attribValues")
            for item in try list(values?["attribValue"], at: "customAttribute.attribValues.attribValue") {
                switch item {
                case .object(let holder):
                    if let text = try text(holder["value"], at: "attribValue.value") { result.append((name, text)) }
                case .string(let text), .number(let text):
                    result.append((name, text))
                default:
                    throw ActivityFormatError("custom attribute '\(name)' has a value that is \(item.kindName)")
                }
            }
        }
        return result
    }

    /// One element or an array of them (XML turns single elements into objects).
    static func list(_ value: JSONValue?, at path: @autoclosure () -> String) throws(ActivityFormatError) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let elements)?: return elements
        case let other?: return [other]
        }
    }

    /// The resource with the summary attributes and those named (all of them for `.all`).
    public func projected(_ attributes: AttributeSelection?) -> JSONObject {
        switch attributes {
        case .all?: return resource
        case .named(let names)?:
            let wanted = Activity.summaryAttributes.union(names)
            return JSONObject(resource.members.filter { wanted.contains($0.key) })
        case nil:
            return JSONObject(resource.members.filter { Activity.summaryAttributes.contains($0.key) })
        }
    }
}

/// Why an activity resource cannot be read: which member, and what is wrong with it.
public struct ActivityFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
