import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityStore
import Foundation
import Testing

/// Each rule of the API and each boundary, on a fixture store whose activities were made for it,
/// run on every backend: the local store, and the emulator over HTTP through the remote backend.
@Suite struct SemanticsTests {
    /// The fixture store, imported once and shared (read-only) by every test.
    static let storePath: Result<String, Error> = Result {
        let path = temporaryStorePath()
        let store = try ActivityStore(path: path)
        _ = try Importer.run(files: [fixtureJSON], into: store)
        return path
    }

    struct Case: Sendable, CustomStringConvertible {
        var query: String
        var ids: [Int64]
        var count: Int? = nil
        var description: String { query }
    }

    static let table: [Case] = [
        // Exact matches.
        Case(query: "customer = 1002", ids: [2001, 2002]),
        Case(query: "customer = 10021", ids: [2003]),
        Case(query: "custom.customer_rating = 5", ids: [2016, 2018]),
        Case(query: "custom.customer_rating = 05", ids: [2017]),
        Case(query: "custom.customer_rating = 4 and custom.region = EMEA", ids: [2018]),
        Case(query: "assignedUserName = jenny", ids: [2036, 2038, 2039]),
        Case(query: "assignedUserName = Jenny", ids: [2037]),
        Case(query: "status = OPEN", ids: []),
        // AND of every filter.
        Case(query: "status = open and assignedUserName = jenny", ids: [2036, 2038]),
        Case(query: "queue = 1000 and type = email", ids: [2029, 2030, 2040]),
        // Inclusive date bounds to the millisecond.
        Case(query: "status = open and lastModifiedDate in [2024-01-01 .. 2024-01-31]", ids: [2020, 2021]),
        Case(query: "lastModifiedDate = 2024-01-31T23:59:59.999Z", ids: [2021]),
        Case(query: "lastModifiedDate > 2024-01-31T23:59:59.998Z and lastModifiedDate < 2024-02-01T00:00:00.001Z", ids: [2021, 2022]),
        Case(query: "queue = 1000 and createdDate >= 2024-03-01T09:00:00Z", ids: [2029, 2032]),
        Case(query: "queue = 1000 and createdDate < 2024-03-01T09:00:00Z", ids: [2030, 2040]),
        Case(query: "mode = inbound and lastModifiedDate >= -7d", ids: [2033]),
        Case(query: "status = open and assignedUserName = \"jenny\" and lastModifiedDate < today", ids: [2036]),
        // Order: ID ascending by default; a sort breaks ties by ID ascending.
        Case(query: "assignedTo = 1005", ids: [2025, 2026, 2027, 2028]),
        Case(query: "assignedTo = 1005 sort by lastModifiedDate desc", ids: [2026, 2027, 2025, 2028]),
        Case(query: "assignedTo = 1005 sort by lastModifiedDate asc", ids: [2028, 2025, 2026, 2027]),
        Case(query: "assignedTo = 1005 sort by id desc", ids: [2028, 2027, 2026, 2025]),
        // Windows: count is every match; a page past the end is empty.
        Case(query: "case = 1001", ids: Array(2004...2015), count: 12),
        Case(query: "case = 1001 page 2 size 10", ids: [2014, 2015], count: 12),
        Case(query: "case = 1001 page 3 size 10", ids: [], count: 12),
        Case(query: "case = 1001 page 1 size 5", ids: [2004, 2005, 2006, 2007, 2008], count: 12),
        Case(query: "case = 1001 range 11 size 20", ids: [2014, 2015], count: 12),
        Case(query: "case = 1001 range 3 size 2", ids: [2006, 2007], count: 12),
        Case(query: "case = 1001 range 13", ids: [], count: 12),
        Case(query: "customer = 1500", ids: Array(2004...2028), count: 37),
    ]

    @Test(arguments: BackendKind.allCases, table)
    func rule(_ kind: BackendKind, _ item: Case) async throws {
        let (ids, count) = try await withBackend(kind, storePath: try Self.storePath.get()) { try $0.ids(query(item.query)) }
        #expect(ids == item.ids)
        #expect(count == (item.count ?? item.ids.count))
    }

    @Test(arguments: BackendKind.allCases)
    func allReturnsEveryPage(_ kind: BackendKind) async throws {
        let (ids, count) = try await withBackend(kind, storePath: try Self.storePath.get()) {
            try $0.ids(query("customer = 1500"), all: true)
        }
        #expect(count == 37)
        #expect(ids == Array(2004...2040))
    }

    /// The wire format is the remote backend's: the local store runs once, the emulator in both.
    @Test(arguments: [(BackendKind.local, RemoteConfiguration.Wire.json), (.emulator, .json), (.emulator, .xml),
                      (.postgres, .json), (.emulatorOnPostgres, .json), (.emulatorOnPostgres, .xml)])
    func summaryAttributesUnlessShowAsksForMore(_ kind: BackendKind, _ wire: RemoteConfiguration.Wire) async throws {
        let results = try await withBackend(kind, storePath: try Self.storePath.get(), wire: wire) { backend in
            try ["customer = 1002", "customer = 1002 show all", "customer = 1002 show payload"].map { text in
                var rows: [JSONValue] = []
                _ = try backend.search(query(text), all: false) { rows.append(try JSONParser.parse(Array($0.json.utf8))) }
                return rows
            }
        }
        #expect(results[0].count == 2)
        #expect(results[0][0]["payload"] == nil)
        #expect(results[0][0]["subject"] == "Issue with mobile phone")
        #expect(results[1][0]["payload"]?["content"] == "Body of 2001")
        #expect(results[2][0]["payload"] != nil)
        #expect(results[2][0]["subject"] != nil)
    }

    @Test(arguments: BackendKind.allCases)
    func valuesAreBoundNeverSpliced(_ kind: BackendKind) async throws {
        let (ids, custom) = try await withBackend(kind, storePath: try Self.storePath.get()) { backend in
            (try backend.ids(query("assignedUserName = \"x' OR '1'='1\"")).ids,
             try backend.ids(query("custom.\"a' OR 1=1 --\" = \"5\"")).ids)
        }
        #expect(ids.isEmpty)
        #expect(custom.isEmpty)
    }

    @Test func distinctValuesForCompletion() throws {
        let store = try ActivityStore(path: try Self.storePath.get(), readOnly: true)
        #expect(try store.distinctValues(of: .fixed(.status)) == ["completed", "open"])
        #expect(try Set(store.customAttributeNames()) == ["customer_rating", "region"])
        #expect(try store.distinctValues(of: .custom("region")) == ["EMEA"])
    }
}
