import ActivityModel
import ActivityQuery
import Foundation

/// Deterministic, realistic demo activities: the same seed and end date give the same store.
public struct DemoData {
    public var seed: UInt64
    /// The newest possible date; activities spread over the two years before it.
    public var until: Int64

    public init(seed: UInt64, until: Int64) {
        self.seed = seed
        self.until = until
    }

    /// The span the activities are spread over, before `until`.
    public static let span: Int64 = 730 * APIDate.millisPerDay

    /// The `until` instants a demo set can have: its two years lie within the API's years 1–9999.
    public static let untilRange: ClosedRange<Int64> = (APIDate.earliest + span)...APIDate.latest

    static let types: [((String, String), Int)] = [
        (("email", "Email"), 45), (("chat", "Chat"), 25), (("task", "Task"), 15), (("call_track", "Call Track"), 15),
    ]
    static let subtypes: [String: [(String, String)]] = [
        "email": [("general", "General"), ("complaint", "Complaint"), ("inquiry", "Inquiry")],
        "chat": [("general", "General"), ("escalated", "Escalated")],
        "task": [("follow_up", "Follow Up"), ("review", "Review")],
        "call_track": [("inbound_call", "Inbound Call"), ("callback", "Callback")],
    ]
    static let openSubstatuses = [
        ("assigned", "Assigned"), ("in_progress", "In Progress"), ("in_workflow", "In Workflow"),
        ("ready_for_inbound_workflow", "Ready for Inbound Workflow"), ("ready_for_outbound_workflow", "Ready for Outbound Workflow"),
    ]
    static let queues: [(Int64, String)] = [(1000, "Support"), (1001, "Billing"), (1002, "Sales"), (1003, "Technical"), (1004, "Returns")]
    static let departments: [(Int64, String)] = [(999, "Service"), (1000, "Sales")]
    static let users: [(Int64, String, String, String)] = [
        (1002, "frank", "Frank", "Miller"), (1005, "jenny", "Jenny", "Anthony"), (1006, "maryann", "Mary Ann", "O'Brien"),
        (1007, "jozef", "Józef", "Wiśniewski"), (1008, "lina", "李", "娜"), (1009, "omar", "Omar", "Haddad"),
        (1010, "chloe", "Chloé", "Dubois"), (1011, "sven", "Sven", "Ångström"),
    ]
    static let customerNames = [
        "John Russel Tierney", "Zoë Ångström", "Ωmega Ltd", "山田 太郎", "محمد الأحمد", "Björn Ågren", "Ana María López",
        "Ngozi Okafor", "Priya Raman", "Łukasz Nowak", "Ólafur Jónsson", "Chen Wei", "Emma Brown", "Noah Schäfer",
    ]
    static let subjects = [
        "Issue with mobile phone", "Refund request for order", "Cannot log in to my account", "Question about my bill",
        "Delivery delayed", "Change of address", "Problème de facture", "Änderung der Lieferadresse", "請求書について",
        "Warranty claim", "Upgrade my plan", "Cancel subscription", "Damaged item received", "Password reset 🔑",
    ]

    /// Activity `index` (0-based) of the demo set.
    public func activity(_ index: Int) -> Activity {
        var random = SeededGenerator(seed: seed &* 0x100_0000_01B3 &+ UInt64(index) &* 0x9E37_79B9)
        _ = random.next()
        let id = Int64(1001 + index)
        let (type, typeDisplay) = random.weighted(Self.types)
        let (subtype, subtypeDisplay) = random.pick(Self.subtypes[type]!)
        let open = random.chance(0.35)
        let (substatus, substatusDisplay) = open ? random.pick(Self.openSubstatuses) : ("done", "Done")
        let inbound = type == "task" ? false : random.chance(0.75)
        let queue = random.pick(Self.queues)
        let department = random.pick(Self.departments)
        let creator = random.pick(Self.users)
        let created = until - Int64(random.next() % UInt64(Self.span))
        let modified = min(until, created + Int64(random.next() % UInt64(30 * APIDate.millisPerDay)))
        let customerID = Int64(random.int(1002...1600))
        let customerName = Self.customerNames[Int(customerID) % Self.customerNames.count]
        let subject = random.pick(Self.subjects)
        var members: [JSONMember] = [
            JSONMember("id", .integer(id)),
            JSONMember("link", ["rel": "self", "href": .string("/system/ws/v12/interaction/activity/\(id)")]),
        ]
        if random.chance(0.7) {
            let caseID = Int64(random.int(1001...1700))
            members.append(JSONMember("case", ["id": .integer(caseID), "link": ["rel": "case", "href": .string("/system/ws/v12/interaction/case/\(caseID)")]]))
        }
        members += [
            JSONMember("department", ["id": .integer(department.0), "name": .string(department.1)]),
            JSONMember("mode", inbound ? ["value": "inbound", "displayValue": "Inbound"] : ["value": "outbound", "displayValue": "Outbound"]),
            JSONMember("type", ["value": .string(type), "displayValue": .string(typeDisplay),
                                "subtype": ["value": .string(subtype), "displayValue": .string(subtypeDisplay)]]),
            JSONMember("status", ["value": open ? "open" : "completed", "displayValue": open ? "Open" : "Completed",
                                  "substatus": ["value": .string(substatus), "displayValue": .string(substatusDisplay)]]),
            JSONMember("subject", .string(subject)),
            JSONMember("created", ["date": .string(APIDate.format(created)),
                                   "user": ["id": .integer(creator.0), "name": .string(creator.1)]]),
            JSONMember("lastModified", ["date": .string(APIDate.format(modified)),
                                        "user": ["id": .integer(creator.0), "name": .string(creator.1)]]),
            JSONMember("customer", ["id": .integer(customerID), "customerName": .string(customerName)]),
            JSONMember("queue", ["id": .integer(queue.0), "name": .string(queue.1)]),
        ]
        if open || random.chance(0.9) {
            let user = random.pick(Self.users)
            members.append(JSONMember("assigned", ["user": ["id": .integer(user.0), "name": .string(user.1),
                                                            "firstName": .string(user.2), "lastName": .string(user.3)]]))
        }
        var attributes: [JSONValue] = []
        func attribute(_ name: String, _ value: String) {
            attributes.append(["attribName": .string(name), "attribValues": ["attribValue": [["value": .string(value)]]]])
        }
        if random.chance(0.6) { attribute("customer_rating", String(random.int(1...5))) }
        if random.chance(0.4) { attribute("priority", random.pick(["low", "medium", "high"])) }
        if random.chance(0.5) { attribute("region", random.pick(["EMEA", "APAC", "AMER"])) }
        if !attributes.isEmpty { members.append(JSONMember("customAttributes", ["customAttribute": .array(attributes)])) }
        let local = customerName.lowercased().unicodeScalars.filter { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
        members.append(JSONMember("contactPointData", .string("\(String(String.UnicodeScalarView(local)).prefix(12))\(customerID)@example.com")))
        members.append(JSONMember("payload", ["subject": .string(subject), "content": .string("Message \(id) about: \(subject)")]))
        members.append(JSONMember("attachments", ["count": .integer(Int64(random.int(0...2)))]))
        // Built from well-formed parts: reading it back cannot fail.
        return try! Activity(resource: JSONObject(members))
    }

    /// Writes `count` activities into the store (in one transaction).
    public func populate(_ store: any ActivityStoring, count: Int, progress: ((Int) -> Void)? = nil) throws {
        try store.write { writer in try fill(writer, count: count, progress: progress) }
    }

    /// Writes `count` activities with `writer` (inside its store's transaction).
    public func fill(_ writer: any ActivityWriting, count: Int, progress: ((Int) -> Void)? = nil) throws {
        for index in 0..<count {
            try writer.put(activity(index))
            if index % 4096 == 0 { progress?(index) }
        }
    }
}
