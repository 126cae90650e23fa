import Foundation

/// The oracle: activity search as `shared/spec/api.md` describes it, in plain Swift over
/// activities decoded with Foundation's `JSONSerialization`. It shares no code with actq — not
/// its JSON reader, parser, binder, planner, request encoder or store — so an error there cannot
/// hide by being made twice. Queries are trees of its own (`OracleQuery`), written out as actq
/// text for the system under test.
///
/// The rules, from api.md: every filter is an exact match (IDs as integers, codes, names and
/// custom attribute values as text, case and spaces included); date bounds are inclusive to the
/// millisecond; filters AND together; an activity without the field never matches it. Results
/// are in ID order, or by the sort field with ties broken by ID ascending (a missing date sorts
/// as the smallest, actq's decision); `count` is every match; a page or range past the end is
/// empty. `or` and lists are unions.
public enum Oracle {
    /// What the oracle knows of an activity.
    public struct Activity: Sendable {
        public var id: Int64
        public var ids: [String: Int64] = [:]       // customer, case, assignedTo, queue
        public var texts: [String: String] = [:]    // status, mode, type, assignedUserName
        public var dates: [String: Int64] = [:]     // createdDate, lastModifiedDate (UTC ms)
        public var custom: [String: [String]] = [:]

        /// Reads the API's JSON form of an activity (one line of NDJSON).
        public init(json: String) throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let id = Self.integer(object["id"]) else { throw CocoaError(.coderReadCorrupt) }
            self.id = id
            func child(_ value: Any?, _ key: String) -> Any? { (value as? [String: Any])?[key] }
            ids["customer"] = Self.integer(child(object["customer"], "id"))
            ids["case"] = Self.integer(child(object["case"], "id"))
            ids["queue"] = Self.integer(child(object["queue"], "id"))
            ids["assignedTo"] = Self.integer(child(child(object["assigned"], "user"), "id"))
            texts["status"] = child(object["status"], "value") as? String
            texts["mode"] = child(object["mode"], "value") as? String
            texts["type"] = child(object["type"], "value") as? String
            texts["assignedUserName"] = child(child(object["assigned"], "user"), "name") as? String
            dates["createdDate"] = (child(object["created"], "date") as? String).flatMap(Oracle.parseInstant)
            dates["lastModifiedDate"] = (child(object["lastModified"], "date") as? String).flatMap(Oracle.parseInstant)
            for attribute in child(object["customAttributes"], "customAttribute") as? [[String: Any]] ?? [] {
                guard let name = attribute["attribName"] as? String else { continue }
                let values = (child(attribute["attribValues"], "attribValue") as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
                custom[name, default: []] += values
            }
        }

        static func integer(_ value: Any?) -> Int64? {
            if let number = value as? NSNumber { return number.int64Value }
            if let text = value as? String { return Int64(text) }
            return nil
        }
    }

    public indirect enum Condition: Sendable {
        case id(String, Int64)
        case text(String, String)
        case custom(String, String)
        /// Inclusive UTC millisecond bounds; nil is open.
        case date(String, from: Int64?, to: Int64?)
        case all([Condition])
        case any([Condition])

        func matches(_ activity: Activity) -> Bool {
            switch self {
            case .id(let field, let value): return activity.ids[field] == value
            case .text(let field, let value): return activity.texts[field] == value
            case .custom(let name, let value): return activity.custom[name]?.contains(value) ?? false
            case .date(let field, let from, let to):
                guard let date = activity.dates[field] else { return false }
                return (from.map { date >= $0 } ?? true) && (to.map { date <= $0 } ?? true)
            case .all(let conditions): return conditions.allSatisfy { $0.matches(activity) }
            case .any(let conditions): return conditions.contains { $0.matches(activity) }
            }
        }
    }

    public enum Window: Sendable {
        case page(Int, size: Int?)
        case range(Int, size: Int?)
    }

    public struct Query: Sendable {
        public var condition: Condition
        /// The actq text of the condition (the same tree, written as a user would).
        public var text: String
        public var sort: (field: String, descending: Bool)?
        public var window: Window?
        public var all = false
    }

    /// The IDs of the requested window (every match with `all`), in order, and the count.
    public static func evaluate(_ query: Query, over activities: [Activity]) -> (ids: [Int64], count: Int) {
        var matches = activities.filter { query.condition.matches($0) }
        matches.sort { lhs, rhs in
            guard let sort = query.sort, sort.field != "id" else {
                return query.sort?.descending == true ? lhs.id > rhs.id : lhs.id < rhs.id
            }
            let (a, b) = (lhs.dates[sort.field], rhs.dates[sort.field])
            if a == b { return lhs.id < rhs.id }
            // nil is the smallest date.
            let less = a == nil || (b != nil && a! < b!)
            return sort.descending ? !less : less
        }
        if query.all { return (matches.map(\.id), matches.count) }
        let (offset, size): (Int, Int)
        switch query.window ?? .page(1, size: nil) {
        case .page(let number, let pageSize): (offset, size) = ((number - 1) * (pageSize ?? 25), pageSize ?? 25)
        case .range(let start, let rangeSize): (offset, size) = (start - 1, rangeSize ?? 25)
        }
        let window = offset < matches.count ? Array(matches[offset..<min(matches.count, offset + size)]) : []
        return (window.map(\.id), matches.count)
    }

    /// `2024-01-15T10:30:00.250Z` as UTC milliseconds (the API's form only).
    public static func parseInstant(_ text: String) -> Int64? {
        let parts = text.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int64($0) }
        guard parts.count == 7, text.hasSuffix("Z") else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (Int(parts[0]), Int(parts[1]), Int(parts[2]))
        (components.hour, components.minute, components.second) = (Int(parts[3]), Int(parts[4]), Int(parts[5]))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        return Int64(date.timeIntervalSince1970) * 1000 + parts[6]
    }

    public static func formatInstant(_ millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")!
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds))) + String(format: ".%03dZ", Int(millis - seconds * 1000))
    }
}

/// A small seeded generator (SplitMix64) for the oracle's stores and queries, and for other
/// tests' random moments (`ACTQ_TEST_SEED` picks others). Not actq's `SeededGenerator`: the
/// oracle uses no code of the system it checks.
public struct OracleRandom {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    public mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}
