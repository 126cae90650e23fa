import ActivityModel
import ActivityQuery
import Foundation

/// A store of activities: searched like any backend, and also written (`import`, `demo`) and
/// served (`actq serve`). The SQLite file and the PostgreSQL database are both one.
public protocol ActivityStoring: ActivityBackend {
    /// Runs `body` in one transaction: everything it writes is kept, or nothing.
    func write<T>(_ body: (any ActivityWriting) throws -> T) throws -> T
    /// `search` for servers: each activity's JSON as UTF-8 bytes (valid only during the call).
    func searchBytes(_ plan: QueryPlan, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> SearchSummary
    /// How many activities the store holds.
    func count() throws -> Int
    /// Ends the store's connection now (it ends by itself when the store goes away).
    func close() throws
}

/// What `ContentVersionProbe.version()` returns: equal values mean the same content.
public struct StoreContentVersion: Hashable, Sendable {
    /// Changes when another connection commits (SQLite's `PRAGMA data_version`, of the probe's
    /// own connection: values of different connections are not comparable).
    let external: Int64
    /// The store file's inode, size and modification time: they change when the file is written
    /// other than by SQLite's commits (copied over, overwritten), which `data_version` does not
    /// see; a WAL commit leaves them as they are.
    let file: FileStamp?

    public init(external: Int64, file: FileStamp? = nil) {
        self.external = external
        self.file = file
    }

    public struct FileStamp: Hashable, Sendable {
        let inode: UInt64
        let size: Int64
        let modified: timespec

        public init(inode: UInt64, size: Int64, modified: timespec) {
            self.inode = inode
            self.size = size
            self.modified = modified
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(inode)
            hasher.combine(size)
            hasher.combine(modified.tv_sec)
            hasher.combine(modified.tv_nsec)
        }
    }
}

/// Adds activities inside a store's `write` transaction.
public protocol ActivityWriting: AnyObject {
    /// Adds an activity; one with the same ID is replaced (the last one written wins).
    func put(_ record: ActivityRecord) throws
    /// How many activities were put so far.
    var written: Int { get }
}

extension ActivityWriting {
    /// Adds an activity; one with the same ID is replaced (the last one written wins).
    public func put(_ activity: Activity) throws {
        try put(ActivityRecord(activity))
    }
}

extension QueryPlan {
    /// A stored activity's JSON as the plan's attributes want it: as stored for the summary or
    /// `show all`, projected for a named list (`show payload, subject`).
    func presented(_ storedJSON: String) throws -> String {
        guard let attributes, case .named = attributes else { return storedJSON }
        let resource = try JSONParser.parse(Array(storedJSON.utf8))
        return JSONWriter.string(.object(try Activity(resource: resource.objectValue ?? JSONObject()).projected(attributes)))
    }

    /// Whether rows must be projected (and so cannot be served as the stored bytes).
    var projectsAttributes: Bool {
        if let attributes, case .named = attributes { return true }
        return false
    }
}

/// The columns of the store's `activity` table after its ID, in the order the writers fill
/// them: one per filter of the filter table, then the summary and the whole resource.
enum ActivityColumns {
    static let afterID = FixedFilter.allCases.map(\.spec.column) + ["summary", "resource"]
}
