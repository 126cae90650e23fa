import ActivityModel
import ActivityQuery
import Foundation

/// A store of activities: searched like any backend, and also written (`import`, `demo`) and
/// served (`actq serve`). The SQLite file and the PostgreSQL database are both one.
public protocol ActivityStoring: ActivityBackend {
    /// Runs `body` in one transaction: everything it writes is kept, or nothing.
    func write<T>(_ body: (any ActivityWriting) throws -> T) throws -> T
    /// `search` for servers: each activity's JSON as UTF-8 bytes (valid only during the call).
    func searchBytes(_ plan: QueryPlan, _ body: (Data) throws -> Void) throws -> SearchSummary
    /// How many activities the store holds.
    func count() throws -> Int
    /// Ends the store's connection now (it ends by itself when the store goes away).
    func close() throws
}

/// Adds activities inside a store's `write` transaction.
public protocol ActivityWriting: AnyObject {
    /// Adds an activity; one with the same ID is replaced (the last one written wins).
    func put(_ activity: Activity) throws
    /// How many activities were put so far.
    var written: Int { get }
}
