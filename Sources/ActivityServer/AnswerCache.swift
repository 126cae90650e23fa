import ActivityModel
import ActivityQuery
import ActivityStore
import NIOCore

/// What a search's query string comes to: the decoder's refusal, or the answer's body.
enum SearchOutcome: Sendable {
    /// The decoder's errors.
    case refused([Diagnostic])
    /// More `custom.*` parameters than a search may carry (how many).
    case tooManyCustomAttributes(Int)
    /// The matches' summary and the body in the asked-for format.
    case answered(SearchSummary, ByteBuffer)

    /// What keeping it costs, roughly, in bytes.
    var size: Int {
        switch self {
        case .refused(let errors): 64 + errors.reduce(0) { $0 + 64 + $1.message.utf8.count }
        case .tooManyCustomAttributes: 64
        case .answered(_, let body): 64 + body.readableBytes
        }
    }
}

/// Searches already answered on one store connection, kept while the store's content stays the
/// same: clients poll (an agent's inbox asks the same search every few seconds), and a search
/// asked again is answered with the bytes written the first time, without decoding it again or
/// asking SQLite. An outcome is a function of the query string, the wire format and the content
/// alone (the API has no relative dates), and `ActivityStoring.contentVersion()` changes with
/// any commit by anyone, so a kept outcome is exactly what the search would come to now. Stores
/// that cannot tell their version (PostgreSQL) keep nothing. Bounded in entries and bytes; used
/// only on the thread that owns its connection.
final class AnswerCache {
    struct Key: Hashable {
        let wire: Wire
        let query: String
    }

    let entryLimit: Int
    let byteLimit: Int
    private var version: StoreContentVersion?
    private var outcomes: [Key: SearchOutcome] = [:]
    private var bytes = 0

    init(entryLimit: Int = 256, byteLimit: Int = 4 << 20) {
        self.entryLimit = entryLimit
        self.byteLimit = byteLimit
    }

    /// How many outcomes are kept, and their bytes (for tests).
    var footprint: (entries: Int, bytes: Int) { (outcomes.count, bytes) }

    /// The outcome for `key` on content `version`: the kept one, or what `produce` comes to
    /// (kept when it fits). A nil version keeps nothing.
    func outcome(_ key: Key, version: StoreContentVersion?, produce: () throws -> SearchOutcome) rethrows -> SearchOutcome {
        guard let version else { return try produce() }
        if version != self.version {
            outcomes.removeAll(keepingCapacity: true)
            bytes = 0
            self.version = version
        }
        if let kept = outcomes[key] { return kept }
        let outcome = try produce()
        let size = Self.size(key, outcome)
        // One outcome may take an eighth of the budget; larger answers are written each time.
        guard size <= byteLimit / 8 else { return outcome }
        // Room is made by dropping arbitrary outcomes (random replacement: nothing to do per hit).
        while !outcomes.isEmpty, outcomes.count >= entryLimit || bytes + size > byteLimit {
            let dropped = outcomes.remove(at: outcomes.startIndex)
            bytes -= Self.size(dropped.key, dropped.value)
        }
        outcomes[key] = outcome
        bytes += size
        return outcome
    }

    private static func size(_ key: Key, _ outcome: SearchOutcome) -> Int {
        key.query.utf8.count + outcome.size
    }
}
