import ActivityModel
import Foundation

/// Reads a search answer (JSON or XML, whichever arrived) into rows and the total count.
enum ResponseReader {
    static func page(_ bytes: [UInt8], wire: RemoteConfiguration.Wire, contentType: String?) throws -> RemoteBackend.Page {
        let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
        // The media type without its parameters (`application/json; charset=utf-8`), in lower case.
        let type = contentType.flatMap { HeaderField.list(String($0.prefix { $0 != ";" })).first } ?? ""
        if type.contains("html") {
            throw RemoteError(.failed, "the server answered with \(type), not activities; is the base URL right (e.g. https://host/system)?")
        }
        guard let first else { throw RemoteError(.failed, "the server answered 200 with an empty body") }
        switch first {
        case UInt8(ascii: "{"): return try json(bytes)
        case UInt8(ascii: "<"): return try xml(bytes)
        default:
            throw RemoteError(.failed, "the server's answer is neither JSON nor XML (\(bytes.count) bytes, Content-Type \(type.isEmpty ? "missing" : type))")
        }
    }

    static func json(_ bytes: [UInt8]) throws -> RemoteBackend.Page {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch let error as JSONSyntaxError {
            throw RemoteError(.failed, "the server's answer is not valid JSON: \(error) (\(bytes.count) bytes; cut short?)")
        }
        guard case .object(let root) = value else {
            throw RemoteError(.failed, "the server's answer is JSON \(value.kindName), not an object with 'activity'")
        }
        let items: [JSONValue]
        switch root["activity"] {
        case .array(let elements)?: items = elements
        case .object(let single)?: items = [.object(single)]
        case nil, .null?: items = []
        case let other?: throw RemoteError(.failed, "the answer's 'activity' is \(other.kindName), not a list of activities")
        }
        var rows: [ResultRow] = []
        var dates: [(created: Int64?, lastModified: Int64?)] = []
        rows.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let resource) = item else {
                throw RemoteError(.failed, "activity[\(index)] of the answer is \(item.kindName), not an object")
            }
            do {
                let activity = try Activity(resource: resource)
                rows.append(ResultRow(id: activity.id, json: JSONWriter.string(.object(resource))))
                dates.append((activity.created, activity.lastModified))
            } catch {
                throw RemoteError(.failed, "activity[\(index)] of the answer: \(error)")
            }
        }
        var total = rows.count
        if case .object(let pagination)? = root["paginationInfo"], let count = pagination["count"] {
            switch count {
            case .number(let text), .string(let text):
                guard let value = Int(text), value >= 0 else {
                    throw RemoteError(.failed, "the answer's paginationInfo.count is '\(text)', not a count")
                }
                total = value
            default:
                throw RemoteError(.failed, "the answer's paginationInfo.count is \(count.kindName), not a number")
            }
        }
        return RemoteBackend.Page(rows: rows, total: max(total, rows.count), dates: dates)
    }

    static func xml(_ bytes: [UInt8]) throws -> RemoteBackend.Page {
        var rows: [ResultRow] = []
        var dates: [(created: Int64?, lastModified: Int64?)] = []
        let count: Int?
        do {
            count = try ActivityXML.readResponse(data: Data(bytes), file: "the server's answer") { activity, _ in
                rows.append(ResultRow(id: activity.id, json: JSONWriter.string(.object(activity.resource))))
                dates.append((activity.created, activity.lastModified))
            }
        } catch let error as ImportError {
            throw RemoteError(.failed, "\(error.location): \(error.message)")
        }
        return RemoteBackend.Page(rows: rows, total: max(count ?? rows.count, rows.count), dates: dates)
    }
}
