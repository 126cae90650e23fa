import ActivityModel
import ActivityQuery
import ActivityStore
import NIOCore

/// Searches already answered on one store connection, kept while the store's content stays the
/// same: clients poll (an agent's inbox asks the same search every few seconds), and a search
/// asked again is answered with the bytes written the first time, without SQLite. An answer is
/// a function of the query string, the wire format and the content alone (the API has no
/// relative dates), and `ActivityStoring.contentVersion()` changes with any commit by anyone,
/// so a cached answer is exactly what the search would write now. Stores that cannot tell their
/// version (PostgreSQL) are never cached. Bounded in entries and bytes; used only on the thread
/// that owns its connection.
final class AnswerCache {
    struct Key: Hashable {
        let wire: Wire
        let query: String
    }

    typealias Answer = (summary: SearchSummary, body: ByteBuffer)

    let entryLimit: Int
    let byteLimit: Int
    private var version: StoreContentVersion?
    private var answers: [Key: Answer] = [:]
    private var bytes = 0

    init(entryLimit: Int = 256, byteLimit: Int = 4 << 20) {
        self.entryLimit = entryLimit
        self.byteLimit = byteLimit
    }

    /// How many answers are kept, and their bytes (for tests).
    var footprint: (entries: Int, bytes: Int) { (answers.count, bytes) }

    /// The answer for `key` on content `version`: the kept one, or what `produce` writes (kept
    /// when it fits). A nil version keeps nothing.
    func answer(_ key: Key, version: StoreContentVersion?, produce: () throws -> Answer) rethrows -> Answer {
        guard let version else { return try produce() }
        if version != self.version {
            answers.removeAll(keepingCapacity: true)
            bytes = 0
            self.version = version
        }
        if let kept = answers[key] { return kept }
        let answer = try produce()
        let size = Self.size(key, answer)
        // One answer may take an eighth of the budget; larger ones are written each time.
        guard size <= byteLimit / 8 else { return answer }
        // Room is made by dropping arbitrary answers (random replacement: nothing per hit).
        while !answers.isEmpty, answers.count >= entryLimit || bytes + size > byteLimit {
            let dropped = answers.remove(at: answers.startIndex)
            bytes -= Self.size(dropped.key, dropped.value)
        }
        answers[key] = answer
        bytes += size
        return answer
    }

    private static func size(_ key: Key, _ answer: Answer) -> Int {
        key.query.utf8.count + answer.body.readableBytes
    }
}
