import Foundation

/// Stores and queries made to catch what an exact-match search gets wrong: equal timestamps and
/// bounds one millisecond apart, values that differ only in case or a trailing space, `1080`
/// beside `10801` and `108`, missing fields, many custom attributes (some with several values),
/// and queries with `or`, lists, sorts with ties, pages, ranges and `--all`.
public enum OracleCases {
    public static let customers: [Int64] = [1080, 10801, 108, 1081, 2001, 2002, 2003]
    public static let statuses = ["open", "completed", "Open", "open "]
    public static let modes = ["inbound", "outbound", "Inbound"]
    public static let types = ["email", "chat", "task", "call_track"]
    public static let users: [(Int64, String)] = [(1005, "jenny"), (1006, "Jenny"), (1007, "jenny "), (1008, "frank"), (1009, "Frank")]
    public static let attributeNames = ["rating", "region", "priority", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]
    public static let attributeValues = ["5", "5 ", "05", "EMEA", "emea", "x", "x y"]
    public static let start: Int64 = 1_704_067_200_000  // 2024-01-01T00:00:00Z

    /// Instants many activities share, and their neighbours a millisecond away.
    static func instants(_ random: inout OracleRandom) -> [Int64] {
        var pool: [Int64] = []
        for _ in 0..<30 {
            let instant = start + Int64(random.int(0...60)) * 86_400_000 + Int64(random.int(0...86_399_999))
            pool += [instant, instant + 1, instant - 1]
        }
        pool += [start, start + 86_400_000 - 1, start + 86_400_000]  // a day's first and last millisecond
        return pool
    }

    /// `count` activities as NDJSON, and the same activities as the oracle reads them.
    public static func store(_ random: inout OracleRandom, count: Int) throws -> (ndjson: String, activities: [Oracle.Activity], instants: [Int64]) {
        let pool = instants(&random)
        var lines: [String] = []
        var id: Int64 = 1000
        for _ in 0..<count {
            id += Int64(random.int(1...3))
            var object: [String: Any] = ["id": id, "subject": "activity \(id)"]
            if random.chance(0.92) { object["customer"] = ["id": random.pick(customers)] }
            if random.chance(0.7) { object["case"] = ["id": random.int(1...40)] }
            if random.chance(0.95) { object["status"] = ["value": random.pick(statuses)] }
            if random.chance(0.9) { object["mode"] = ["value": random.pick(modes)] }
            object["type"] = ["value": random.pick(types)]
            if random.chance(0.85) {
                let user = random.pick(users)
                object["assigned"] = ["user": ["id": user.0, "name": user.1]]
            }
            if random.chance(0.9) { object["queue"] = ["id": random.int(1000...1004)] }
            let created = random.pick(pool)
            if random.chance(0.95) { object["created"] = ["date": Oracle.formatInstant(created)] }
            if random.chance(0.95) {
                let modified = random.chance(0.5) ? random.pick(pool) : created + Int64(random.pick([0, 1, 999, 86_400_000, 3_600_000]))
                object["lastModified"] = ["date": Oracle.formatInstant(modified)]
            }
            var attributes: [[String: Any]] = []
            var names = Set<String>()
            for _ in 0..<random.int(0...12) {
                let name = random.pick(attributeNames)
                guard names.insert(name).inserted else { continue }
                let values = (0..<random.int(1...2)).map { _ in ["value": random.pick(attributeValues)] }
                attributes.append(["attribName": name, "attribValues": ["attribValue": values]])
            }
            if !attributes.isEmpty { object["customAttributes"] = ["customAttribute": attributes] }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
        }
        return (lines.joined(separator: "\n") + "\n", try lines.map(Oracle.Activity.init(json:)), pool)
    }

    /// A query of 1–3 conditions (one of them, at times, an `or` or a list), with a sort, a
    /// window or `--all` now and then.
    public static func query(_ random: inout OracleRandom, instants: [Int64]) -> Oracle.Query {
        var parts: [(Oracle.Condition, String)] = []
        for _ in 0..<random.int(1...3) {
            switch random.int(0...9) {
            case 0, 1:
                let alternatives = (0..<random.int(2...3)).map { _ in atom(&random, instants: instants) }
                parts.append((.any(alternatives.map(\.0)), "(" + alternatives.map(\.1).joined(separator: " or ") + ")"))
            case 2:
                parts.append(list(&random))
            default:
                parts.append(atom(&random, instants: instants))
            }
        }
        var text = parts.map(\.1).joined(separator: " and ")
        if parts.count == 1, text.hasPrefix("("), text.hasSuffix(")") { text = String(text.dropFirst().dropLast()) }
        var query = Oracle.Query(condition: .all(parts.map(\.0)), text: text)
        if random.chance(0.5) {
            let field = random.pick(["id", "createdDate", "lastModifiedDate", "createdDate", "lastModifiedDate"])
            let descending = random.chance(0.5)
            query.sort = (field, descending)
            query.text += " sort by \(field)" + (descending ? " desc" : random.chance(0.5) ? " asc" : "")
        }
        switch random.int(0...5) {
        case 0:
            let number = random.int(1...4), size = random.int(1...40)
            query.window = .page(number, size: size)
            query.text += " page \(number) size \(size)"
        case 1:
            let start = random.int(1...120), size = random.int(1...75)
            query.window = .range(start, size: size)
            query.text += " range \(start) size \(size)"
        case 2:
            let number = random.int(1...3)
            query.window = .page(number, size: nil)
            query.text += " page \(number)"
        default:
            break
        }
        query.all = random.chance(0.1)
        return query
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func list(_ random: inout OracleRandom) -> (Oracle.Condition, String) {
        switch random.int(0...2) {
        case 0:
            let values = Array(Set((0..<random.int(2...3)).map { _ in random.pick(customers) })).sorted()
            return (.any(values.map { .id("customer", $0) }), "customer in (\(values.map(String.init).joined(separator: ", ")))")
        case 1:
            let values = Array(Set((0..<random.int(2...3)).map { _ in Int64(random.int(1000...1005)) })).sorted()
            return (.any(values.map { .id("queue", $0) }), "queue in (\(values.map(String.init).joined(separator: ", ")))")
        default:
            let values = Array(Set((0..<2).map { _ in random.pick(statuses) })).sorted()
            return (.any(values.map { .text("status", $0) }), "status in (\(values.map(quoted).joined(separator: ", ")))")
        }
    }

    static func atom(_ random: inout OracleRandom, instants: [Int64]) -> (Oracle.Condition, String) {
        switch random.int(0...11) {
        case 0: let v = random.pick(customers + [1]); return (.id("customer", v), "customer = \(v)")
        case 1: let v = Int64(random.int(1...42)); return (.id("case", v), "case = \(v)")
        case 2: let v = random.pick(users.map(\.0) + [1099]); return (.id("assignedTo", v), "assignedTo = \(v)")
        case 3: let v = Int64(random.int(1000...1005)); return (.id("queue", v), "queue = \(v)")
        case 4: let v = random.pick(statuses); return (.text("status", v), "status = \(quoted(v))")
        case 5: let v = random.pick(modes); return (.text("mode", v), "mode = \(quoted(v))")
        case 6:
            // type, with another filter beside it, so that it is never alone.
            let v = random.pick(types)
            let q = Int64(random.int(1000...1004))
            return (.all([.text("type", v), .id("queue", q)]), "type = \(v) and queue = \(q)")
        case 7: let v = random.pick(users.map(\.1) + ["nobody"]); return (.text("assignedUserName", v), "assignedUserName = \(quoted(v))")
        case 8, 9:
            let name = random.pick(attributeNames), value = random.pick(attributeValues)
            return (.custom(name, value), "custom.\(name) = \(quoted(value))")
        default:
            let field = random.pick(["createdDate", "lastModifiedDate"])
            let pivot = random.pick(instants) + Int64(random.pick([0, 0, 1, -1]))
            let text = Oracle.formatInstant(pivot)
            switch random.int(0...5) {
            case 0: return (.date(field, from: pivot, to: nil), "\(field) >= \(text)")
            case 1: return (.date(field, from: nil, to: pivot), "\(field) <= \(text)")
            case 2: return (.date(field, from: pivot + 1, to: nil), "\(field) > \(text)")
            case 3: return (.date(field, from: nil, to: pivot - 1), "\(field) < \(text)")
            case 4:
                let end = pivot + Int64(random.pick([0, 1, 999, 86_400_000, 30 * 86_400_000]))
                return (.date(field, from: pivot, to: end), "\(field) in [\(text) .. \(Oracle.formatInstant(end))]")
            default:
                let day = pivot - ((pivot % 86_400_000) + 86_400_000) % 86_400_000
                return (.date(field, from: day, to: day + 86_400_000 - 1), "\(field) = \(text.prefix(10))")
            }
        }
    }
}
