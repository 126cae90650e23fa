/// One parameter of a request, unencoded.
public struct QueryParameter: Hashable, Sendable, Codable {
    public var name: String
    public var value: String

    /// A parameter `name=value`.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The exact HTTP request of an activity search: `GET` on the activity path with a query string
/// whose parameters are in a fixed order and percent-encoded so that no value can add, remove or
/// change a parameter.
public struct SearchRequest: Hashable, Sendable {
    public static let path = API.activityPath
    public static let method = "GET"

    /// Unencoded names and values, in the order they are sent.
    public let parameters: [QueryParameter]

    /// The request of a query, its parameters in the API's canonical order.
    public init(_ query: ActivityQuery) {
        var parameters: [QueryParameter] = []
        for entry in query.entries {
            parameters.append(QueryParameter(entry.filter.name, entry.value.parameter))
        }
        switch query.attributes {
        case .all?: parameters.append(QueryParameter(API.Parameter.attribute, "all"))
        case .named(let names)?: parameters.append(QueryParameter(API.Parameter.attribute, names.joined(separator: ",")))
        case nil: break
        }
        if let sort = query.sort {
            parameters.append(QueryParameter(API.Parameter.sort, sort.field.rawValue))
            if let direction = sort.direction { parameters.append(QueryParameter(API.Parameter.order, direction.rawValue)) }
        }
        switch query.window {
        case .page(let number, let size)?:
            parameters.append(QueryParameter(API.Parameter.pageNumber, String(number)))
            if let size { parameters.append(QueryParameter(API.Parameter.pageSize, String(size))) }
        case .range(let start, let size)?:
            parameters.append(QueryParameter(API.Parameter.rangeStart, String(start)))
            if let size { parameters.append(QueryParameter(API.Parameter.rangeSize, String(size))) }
        case nil: break
        }
        self.parameters = parameters
    }

    /// The encoded query string, without the leading `?`.
    public var queryString: String {
        var result = ""
        for (index, parameter) in parameters.enumerated() {
            if index > 0 { result += "&" }
            result += PercentEncoding.encodeName(parameter.name)
            result += "="
            result += PercentEncoding.encode(parameter.value, keeping: PercentEncoding.readable(for: parameter.name))
        }
        return result
    }

    /// Path and query, as in the request line: `/ws/v12/interaction/activity?status=open`.
    public var pathAndQuery: String { Self.path + "?" + queryString }
}

/// Percent-encoding of query strings as actq sends them, and decoding as servlet containers read them.
public enum PercentEncoding {
    /// Characters sent unencoded in any value: RFC 3986's unreserved set.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Extra characters a parameter's value keeps readable: date ranges keep `[ ] , :` as real
    /// clients send them; the `$attribute` list keeps its commas. Other values encode them.
    static func readable(for name: String) -> Set<UInt8> {
        if name == API.Parameter.attribute { return [UInt8(ascii: ",")] }
        if FixedFilter(rawValue: name)?.kind == .date { return [UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ":")] }
        return []
    }

    /// Encodes every byte but the unreserved ones and those in `readable` as `%XX`.
    public static func encode(_ value: String, keeping readable: Set<UInt8> = []) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) || readable.contains(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Names keep `$` (for `$pagenum` and friends) and the dot of `custom.`; the attribute name
    /// after `custom.` is encoded like a value.
    public static func encodeName(_ name: String) -> String {
        if let attribute = Filter.customAttribute(ofParameter: name) { return "custom." + encode(attribute) }
        return encode(name, keeping: [UInt8(ascii: "$")])
    }

    /// Decodes `%XX` escapes and `+` (a space, as servlet containers read query strings).
    /// Returns nil on a malformed escape or on bytes that are not UTF-8.
    public static func decode<C: Collection<UInt8>>(_ bytes: C) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): output.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                output.append(high << 4 | low)
            default: output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
