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

/// Searches already answered, kept while the store's content stays the same: clients poll (an
/// agent's inbox asks the same search every few seconds), and a search asked again is answered
/// with the bytes written the first time, without decoding it again or asking SQLite. An outcome
/// is a function of the query string, the wire format and the content alone (the API has no
/// relative dates), and the content version (`ContentVersionProbe`) changes with any commit by
/// anyone (and with any other write to the file), so a kept outcome is exactly what the search would come to now. A nil version (a store
/// that cannot tell, such as PostgreSQL, or a version that could not be read) keeps nothing.
/// Bounded in entries and bytes. Not thread-safe: `KeptAnswers` holds it under a lock.
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

    /// The outcome kept for `key` on content `version`. A version other than the kept ones'
    /// drops them all: the content changed.
    func kept(_ key: Key, version: StoreContentVersion?) -> SearchOutcome? {
        guard let version else { return nil }
        if version != self.version {
            outcomes.removeAll(keepingCapacity: true)
            bytes = 0
            self.version = version
        }
        return outcomes[key]
    }

    /// Keeps `outcome` for `key` on content `version`, when it fits and the version is still the
    /// current one (an answer produced on older content is not kept).
    func keep(_ key: Key, version: StoreContentVersion?, _ outcome: SearchOutcome) {
        guard let version, version == self.version, outcomes[key] == nil else { return }
        let size = Self.size(key, outcome)
        // One outcome may take an eighth of the budget; larger answers are written each time.
        guard size <= byteLimit / 8 else { return }
        // Room is made by dropping arbitrary outcomes (random replacement: nothing to do per hit).
        while !outcomes.isEmpty, outcomes.count >= entryLimit || bytes + size > byteLimit {
            let dropped = outcomes.remove(at: outcomes.startIndex)
            bytes -= Self.size(dropped.key, dropped.value)
        }
        outcomes[key] = outcome
        bytes += size
    }

    /// The outcome for `key` on content `version`: the kept one, or what `produce` comes to
    /// (kept when it fits).
    func outcome(_ key: Key, version: StoreContentVersion?, produce: () throws -> SearchOutcome) rethrows -> SearchOutcome {
        if let kept = kept(key, version: version) { return kept }
        let outcome = try produce()
        keep(key, version: version, outcome)
        return outcome
    }

    private static func size(_ key: Key, _ outcome: SearchOutcome) -> Int {
        key.query.utf8.count + outcome.size
    }
}

/// The emulator's kept answers, shared by all its requests: the cache under a lock, and the
/// probe its content versions come from. The probe never waits for a lock (a rollback-journal
/// store's writer): when the version cannot be read at once, the search goes to the store as if
/// nothing were kept. So a search asked again is answered on the thread that asks, without a hop
/// to the store's threads.
final class KeptAnswers: Sendable {
    private let probe: ContentVersionProbe?
    private let cache = Locked(AnswerCache())

    /// - Parameter probe: where content versions come from (nil: keep nothing).
    init(probe: ContentVersionProbe?) { self.probe = probe }

    /// The store's content version now; nil when it cannot tell at once.
    func version() -> StoreContentVersion? { probe?.version() }

    func kept(_ key: AnswerCache.Key, version: StoreContentVersion?) -> SearchOutcome? {
        guard version != nil else { return nil }
        return cache.withLock { $0.kept(key, version: version) }
    }

    func keep(_ key: AnswerCache.Key, version: StoreContentVersion?, _ outcome: SearchOutcome) {
        guard version != nil else { return }
        cache.withLock { $0.keep(key, version: version, outcome) }
    }

    /// How many outcomes are kept, and their bytes (for tests).
    var footprint: (entries: Int, bytes: Int) { cache.withLock { $0.footprint } }
}
