import ActivityQuery
import Foundation

/// The output formats of query results. Each writer is fed the activities of one result in order
/// (as compact JSON text, as the store keeps them) and produces text for stdout in pieces, so
/// large results stream.
public enum ResultFormat: String, Sendable, CaseIterable {
    case table, vertical, json, ndjson, csv, xml
}

/// What is known about a result when it ends: the backend's `SearchSummary`.
extension SearchSummary {
    /// `paginationInfo` as the API writes it: `count` is all matches; `--all` is one big page.
    public var paginationInfo: JSONValue {
        switch window {
        case .page(let number, let size)?:
            return ["count": .integer(Int64(total)), "pagenum": .integer(Int64(number)),
                    "pagesize": .integer(Int64(size ?? ResultWindow.defaultSize))]
        case .range(let start, let size)?:
            return ["count": .integer(Int64(total)), "rangestart": .integer(Int64(start)),
                    "rangesize": .integer(Int64(size ?? ResultWindow.defaultSize))]
        case nil:
            return ["count": .integer(Int64(total)), "pagenum": 1, "pagesize": .integer(Int64(max(returned, 1)))]
        }
    }
}

/// Writes a result in one output format, a row at a time, so that `--all` streams.
public protocol ResultWriter {
    /// What comes before the first row.
    mutating func begin() -> String
    /// One activity, from its JSON (the summary attributes or the projection asked for).
    mutating func row(json: String) throws -> String
    /// What comes after the last row; `info` has the count and window.
    mutating func end(_ info: SearchSummary) -> String
}

/// The API's JSON: `{"activity":[…],"paginationInfo":{…}}`.
public struct JSONResultWriter: ResultWriter {
    private var first = true
    /// A writer before its first row.
    public init() {}
    public mutating func begin() -> String { "{\"activity\":[" }
    public mutating func row(json: String) -> String {
        separator() + json
    }

    /// What goes before the next activity (for writers of raw bytes, such as the emulator).
    public mutating func separator() -> String {
        defer { first = false }
        return first ? "" : ","
    }
    /// The API's shape; a result that took several requests says how many in `requests`.
    public mutating func end(_ info: SearchSummary) -> String {
        "],\"paginationInfo\":" + JSONWriter.string(info.paginationInfo)
            + (info.requests > 1 ? ",\"requests\":\(info.requests)" : "") + "}\n"
    }
}

/// One activity's JSON per line.
public struct NDJSONResultWriter: ResultWriter {
    /// A writer before its first row.
    public init() {}
    public mutating func begin() -> String { "" }
    public mutating func row(json: String) -> String { json + "\n" }
    public mutating func end(_ info: SearchSummary) -> String { "" }
}

/// The API's XML: `<activities>` of `<activity>` elements, keys that are not XML names encoded.
public struct XMLResultWriter: ResultWriter {
    /// A writer before its first row.
    public init() {}
    public mutating func begin() -> String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + ActivityXML.rootOpening + "\n" }
    public mutating func row(json: String) throws -> String {
        guard case .object(let resource) = try JSONParser.parse(Array(json.utf8)) else { return "" }
        return ActivityXML.element(resource) + "\n"
    }
    /// The API's answers carry `paginationInfo`; in XML it follows the activities.
    public mutating func end(_ info: SearchSummary) -> String {
        guard case .object(let pagination) = info.paginationInfo else { return "</activities>\n" }
        var text = "<paginationInfo>"
        for member in pagination.members {
            if case .number(let number) = member.value { text += "<\(member.key)>\(number)</\(member.key)>" }
        }
        return text + "</paginationInfo>\n</activities>\n"
    }
}

/// The columns of CSV, vertical and table output, read from an activity resource.
public struct ActivityColumns {
    public static let csvHeaders = [
        "id", "type", "subtype", "status", "substatus", "mode", "queue", "department", "assignedTo",
        "assignedUserName", "customer", "customerName", "case", "subject", "createdDate", "lastModifiedDate",
        "contactPointData",
    ]

    /// The CSV columns of an activity, as text.
    public static func csvValues(_ resource: JSONObject) -> [String] {
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?, .number(let text)?: text
            case .bool(let flag)?: flag ? "true" : "false"
            default: ""
            }
        }
        let object = JSONValue.object(resource)
        return [
            text(object["id"]), text(object["type"]?["value"]), text(object["type"]?["subtype"]?["value"]),
            text(object["status"]?["value"]), text(object["status"]?["substatus"]?["value"]), text(object["mode"]?["value"]),
            text(object["queue"]?["id"]), text(object["department"]?["name"]), text(object["assigned"]?["user"]?["id"]),
            text(object["assigned"]?["user"]?["name"]), text(object["customer"]?["id"]),
            text(object["customer"]?["customerName"]), text(object["case"]?["id"]), text(object["subject"]),
            text(object["created"]?["date"]), text(object["lastModified"]?["date"]), text(object["contactPointData"]),
        ]
    }

    public static let tableHeaders = ["id", "type", "status", "mode", "queue", "assigned", "customer", "subject", "modified"]

    /// The table columns of an activity, dates in the context's zone.
    public static func tableValues(_ resource: JSONObject, context: DateContext) -> [String] {
        let object = JSONValue.object(resource)
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?, .number(let text)?: text
            default: ""
            }
        }
        var status = text(object["status"]?["value"])
        let substatus = text(object["status"]?["substatus"]?["value"])
        if !substatus.isEmpty, substatus != "done" { status += "/" + substatus }
        var modified = text(object["lastModified"]?["date"])
        if case .success(.instant(let instant)) = APIDate.parseLiteral(Array(modified.utf8)) {
            modified = localMinute(instant, context: context)
        }
        return [
            text(object["id"]), text(object["type"]?["value"]), status, text(object["mode"]?["value"]),
            text(object["queue"]?["name"]).isEmpty ? text(object["queue"]?["id"]) : text(object["queue"]?["name"]),
            text(object["assigned"]?["user"]?["name"]), text(object["customer"]?["customerName"]),
            text(object["subject"]), modified,
        ]
    }

    /// `2024-01-15 10:30` in the session's time zone.
    public static func localMinute(_ instant: Int64, context: DateContext) -> String {
        let local = APIDate.format(instant + context.offset(at: instant))
        return String(local.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}

/// CSV (RFC 4180) with a header row, one activity per line.
public struct CSVResultWriter: ResultWriter {
    /// A writer before its first row.
    public init() {}
    public mutating func begin() -> String { Self.line(ActivityColumns.csvHeaders) }
    public mutating func row(json: String) throws -> String {
        guard case .object(let resource) = try JSONParser.parse(Array(json.utf8)) else { return "" }
        return Self.line(ActivityColumns.csvValues(resource))
    }
    public mutating func end(_ info: SearchSummary) -> String { "" }

    /// One RFC 4180 record: fields with a comma, quote or line break are quoted, quotes doubled.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A CSV field, quoted when it needs to be (RFC 4180).
    public static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// psql's expanded display: one block per activity, one line per column.
public struct VerticalResultWriter: ResultWriter {
    let context: DateContext
    private var number = 0

    /// A writer showing dates in the context's zone.
    public init(context: DateContext) { self.context = context }

    public mutating func begin() -> String { "" }

    public mutating func row(json: String) throws -> String {
        guard case .object(let resource) = try JSONParser.parse(Array(json.utf8)) else { return "" }
        number += 1
        return Self.block(number: number, headers: ActivityColumns.tableHeaders,
                          values: ActivityColumns.tableValues(resource, context: context))
    }

    /// One activity as a block of `header | value` lines.
    public static func block(number: Int, headers: [String], values: [String]) -> String {
        let width = headers.map(DisplayWidth.of).max() ?? 0
        var output = "-[ activity \(number) ]" + String(repeating: "-", count: 20) + "\n"
        for (header, value) in zip(headers, values) {
            output += header + String(repeating: " ", count: width - DisplayWidth.of(header)) + " | "
                + TableLayout.sanitize(value) + "\n"
        }
        return output
    }

    public mutating func end(_ info: SearchSummary) -> String { "" }
}

/// Aligned columns, fitted to a width by truncating the widest text columns (marked with `…`).
/// Widths are measured in terminal cells, so wide characters and emoji line up.
public struct TableLayout {
    public var headers: [String]
    public var rows: [[String]]

    /// A table of `rows` under `headers`.
    public init(headers: [String], rows: [[String]]) {
        self.headers = headers
        self.rows = rows.map { $0.map(TableLayout.sanitize) }
    }

    /// Data on a terminal: controls, bidi overrides and line breaks would act on it or break the
    /// grid; they are shown as stand-ins (`InertText`).
    public static func sanitize(_ text: String) -> String { InertText.line(text) }

    /// Natural widths of the columns.
    public var naturalWidths: [Int] {
        headers.indices.map { column in
            rows.reduce(DisplayWidth.of(headers[column])) { max($0, DisplayWidth.of($1[column])) }
        }
    }

    /// Whether the table needs more than `width` cells even after truncating.
    public func overflows(_ width: Int) -> Bool {
        let minimum = naturalWidths.map { min($0, 6) }.reduce(0, +) + 3 * (headers.count - 1)
        return minimum > width
    }

    /// The table, columns shrunk (and cut with `…`) to fit `width` cells if given.
    public func render(width: Int?) -> String {
        var widths = naturalWidths
        if let width {
            let separators = 3 * (headers.count - 1)
            // Shrink the widest column, one cell at a time, down to 6 cells.
            while widths.reduce(0, +) + separators > width {
                guard let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 6 else { break }
                widths[widest] -= 1
            }
        }
        var output = line(headers, widths) + "\n"
        output += widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
        for row in rows { output += line(row, widths) + "\n" }
        return output
    }

    private func line(_ cells: [String], _ widths: [Int]) -> String {
        var parts: [String] = []
        for (index, cell) in cells.enumerated() {
            let fitted = Self.truncate(cell, to: widths[index])
            let padding = widths[index] - DisplayWidth.of(fitted)
            parts.append(fitted + String(repeating: " ", count: max(0, padding)))
        }
        var text = parts.joined(separator: " | ")
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The text cut to `width` cells, ending in `…` when cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        var result = ""
        var used = 0
        for character in text {
            let cells = DisplayWidth.of(String(character))
            if used + cells > width - 1 { break }
            result.append(character)
            used += cells
        }
        return result + "…"
    }
}
