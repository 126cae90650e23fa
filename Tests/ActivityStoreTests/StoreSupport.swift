import ActivityModel
import ActivityQuery
import ActivityStore
import ActqTestSupport
import Foundation

let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let fixtureJSON = fixtureDirectory.appendingPathComponent("activities.json").path
/// 2024-06-15T12:00:00Z in UTC: the clock of the fixture's relative-date cases.
let fixtureContext = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!)

func temporaryStorePath() -> String {
    Scratch.path("store", ".sqlite")
}

func fixtureStore() throws -> ActivityStore {
    let store = try ActivityStore(path: temporaryStorePath())
    _ = try Importer.run(files: [fixtureJSON], into: store)
    return store
}

func query(_ text: String) -> ActivityQuery {
    let compiled = QueryCompiler.compile(text, context: fixtureContext)
    precondition(compiled.count == 1 && compiled[0].query != nil, "not a valid query: \(text) \(compiled.flatMap(\.diagnostics).map(\.message))")
    return compiled[0].query!
}

extension ActivityStore {
    /// The IDs of a result and its total, for the semantics table.
    func ids(_ text: String, all: Bool = false) throws -> (ids: [Int64], count: Int) {
        var ids: [Int64] = []
        let summary = try search(query(text), all: all) { ids.append($0.id) }
        return (ids, summary.total)
    }

    func resources(all text: String = "customer >= 0") throws -> [JSONValue] {
        var result: [JSONValue] = []
        _ = try search(query("lastModifiedDate >= 1900-01-01 show all"), all: true) { row in
            result.append(try JSONParser.parse(Array(row.json.utf8)))
        }
        return result
    }
}
