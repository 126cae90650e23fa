import ActivityModel
import ActivityQuery
@testable import ActivityStore
import ActqTestSupport
import Foundation
import GRDB
import Testing

/// Stores made by earlier actq versions keep working: `Fixtures/schema1.sqlite` is a store made by
/// actq 0.2.0 (schema 1, before migrations were recorded) from `activities.json`; it must answer
/// every query as a store imported now does, read-only and after a read-write open migrates it.
@Suite struct SchemaTests {
    static let schema1Fixture = fixtureDirectory.appendingPathComponent("schema1.sqlite").path

    /// A copy of the schema-1 fixture to open (opening writes to it, and to its WAL).
    static func schema1Copy() throws -> String {
        let path = Scratch.path("schema1", ".sqlite")
        try FileManager.default.copyItem(atPath: schema1Fixture, toPath: path)
        return path
    }

    /// Queries on every filter of the filter table, with values the store holds, plus dates,
    /// custom attributes, sorts and windows.
    static func queries(_ store: ActivityStore) throws -> [String] {
        var texts: [String] = []
        for filter in FixedFilter.allCases where filter.spec.kind != .date {
            for value in try store.distinctValues(of: .fixed(filter), limit: 5) {
                let literal = filter.spec.kind == .id ? value : StringLiteral.literal(value)
                texts.append(filter.spec.needsAnotherFilter ? "status = open and \(filter.name) = \(literal)" : "\(filter.name) = \(literal)")
            }
        }
        for filter in FixedFilter.allCases where filter.spec.kind == .date {
            texts += ["\(filter.name) >= 2000-01-01 sort by \(filter.name) desc show all", "\(filter.name) in [2016-01-01 .. 2017-06-30] page 2 size 3"]
        }
        for value in try store.distinctValues(of: .custom("region"), limit: 5) {
            texts.append("custom.region = \(StringLiteral.literal(value))")
        }
        texts += ["customer in (1002, 10021) sort by createdDate", "status = completed and customer = 1002 range 2 size 2"]
        return texts
    }

    /// Each query's rows (JSON) and count.
    static func answers(_ store: ActivityStore, _ texts: [String]) throws -> [String: ([String], Int)] {
        var result: [String: ([String], Int)] = [:]
        for text in texts {
            var rows: [String] = []
            let plan = try #require(QueryCompiler.compile(text, context: fixtureContext).first?.plan, "\(text)")
            let summary = try store.search(plan, all: true) { rows.append($0.json) }
            result[text] = (rows, summary.total)
        }
        return result
    }

    @Test func aSchema1StoreAnswersAsAStoreImportedNow() throws {
        let fresh = try fixtureStore()
        let texts = try Self.queries(fresh)
        #expect(texts.count >= 15, "\(texts)")
        let expected = try Self.answers(fresh, texts)
        #expect(expected.values.contains { !$0.0.isEmpty })

        let path = try Self.schema1Copy()
        let readOnly = try ActivityStore(path: path, readOnly: true)
        let asItWas = try Self.answers(readOnly, texts)
        for text in texts { #expect(asItWas[text]! == expected[text]!, "\(text)") }
        try readOnly.close()

        // A read-write open records the migrations; the answers stay the same.
        let migrated = try ActivityStore(path: path)
        let after = try Self.answers(migrated, texts)
        for text in texts { #expect(after[text]! == expected[text]!, "\(text)") }
        let (version, applied) = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"), try ActivityStore.migrator.appliedIdentifiers(db))
        }
        #expect(version == ActivityStore.schemaVersion)
        #expect(applied == Set(ActivityStore.migrator.migrations))
    }

    /// What a migration for a new filter does, shown on one schema 1 has: the column gone, then
    /// added back and filled from the stored resources, answers as before.
    @Test func anAddedFilterColumnIsFilledFromTheStoredResources() throws {
        let path = try Self.schema1Copy()
        let before = try ActivityStore(path: path)
        let texts = ["queue = 1000", "queue in (1000, 1001) sort by lastModifiedDate desc", "status = open and queue = 1001"]
        let expected = try Self.answers(before, texts)
        try before.close()
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(sql: "DROP INDEX activity_queue; ALTER TABLE activity DROP COLUMN queue_id")
            #expect(try !db.columns(in: "activity").contains { $0.name == "queue_id" })
            try ActivityStore.addColumn(for: .queue, db)
        }
        try database.close()
        let after = try ActivityStore(path: path, readOnly: true)
        for text in texts { #expect(try Self.answers(after, [text])[text]! == expected[text]!, "\(text)") }
        #expect(expected.values.contains { !$0.0.isEmpty })
    }

    @Test func aStoreLackingASchema1ColumnIsDamaged() throws {
        let path = try Self.schema1Copy()
        let database = try DatabaseQueue(path: path)
        try database.write { db in try db.execute(sql: "DROP INDEX activity_mode; ALTER TABLE activity DROP COLUMN mode") }
        try database.close()
        #expect {
            try ActivityStore(path: path, readOnly: true)
        } throws: { error in
            "\(error)".contains("it is damaged: its activity table lacks mode")
        }
    }

    @Test func aStoreMigratedByANewerActqIsRefused() throws {
        let path = try Self.schema1Copy()
        _ = try ActivityStore(path: path)
        let database = try DatabaseQueue(path: path)
        try database.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('column from a later actq')") }
        try database.close()
        for readOnly in [true, false] {
            #expect {
                try ActivityStore(path: path, readOnly: readOnly)
            } throws: { error in
                "\(error)".contains("was made by a newer actq")
            }
        }
    }

    @Test func aNewStoreHasLargePagesAndAnOldOneKeepsItsOwn() throws {
        let path = Scratch.path("pages", ".sqlite")
        do {
            let store = try ActivityStore(path: path)
            _ = try Importer.run(files: [fixtureJSON], into: store)
            try store.close()
        }
        func pageSize(_ path: String) throws -> Int {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0 }
        }
        #expect(try pageSize(path) == ActivityStore.pageSize)
        #expect(try ActivityStore(path: path, readOnly: true).count() > 0)
        // The schema-1 fixture has 4 KiB pages; opening it read-write migrates it and keeps them.
        let old = try Self.schema1Copy()
        let before = try pageSize(old)
        _ = try ActivityStore(path: old)
        #expect(before == 4096)
        #expect(try pageSize(old) == 4096)
    }
}
