import ActivityModel
import Foundation
import Logging
import MCP

/// A transport that answers every request it read before it says its input has ended.
///
/// The SDK's server handles each request in a task of its own and stops when its input ends:
/// a client that writes its requests and closes its end of the pipe (`… | actq mcp`) could get
/// none of its answers, as the process ended first. This transport passes messages through both
/// ways, keeps the IDs of the requests read and not yet answered, and holds the end of the input
/// back until each has its answer (or was cancelled by the client, which then expects none), for
/// at most `drainTimeout` seconds.
public actor AnsweringTransport<Inner: Transport>: Transport {
    private let inner: Inner
    public nonisolated let logger: Logger
    private var unanswered = UnansweredRequests()
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let drainTimeout: Double

    public init(_ inner: Inner, drainTimeout: Double = 120) {
        self.inner = inner
        // It logs nothing of its own (as the SDK's stdio transport, whose log is silent too).
        self.logger = Logger(label: "actq.mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
        self.drainTimeout = drainTimeout
    }

    public func connect() async throws { try await inner.connect() }

    public func disconnect() async {
        await inner.disconnect()
        settle(all: true)
    }

    public func send(_ data: Data) async throws {
        try await inner.send(data)
        unanswered.sent(data)
        settle(all: false)
    }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        AsyncThrowingStream { continuation in
            let relay = Task {
                do {
                    for try await data in await self.inner.receive() {
                        self.read(data)
                        continuation.yield(data)
                    }
                    await self.answered()
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
    }

    /// Notes the requests in a message read, and the requests a cancellation gives up on.
    private func read(_ data: Data) {
        if unanswered.read(data) { settle(all: false) }
    }

    /// Returns once every request read has its answer, or after `drainTimeout`.
    private func answered() async {
        guard !unanswered.isEmpty else { return }
        let timeout = drainTimeout
        let timer = Task {
            try? await Task.sleep(for: .seconds(timeout))
            self.settle(all: true)
        }
        await withCheckedContinuation { waiting.append($0) }
        timer.cancel()
    }

    private func settle(all: Bool) {
        guard all || unanswered.isEmpty else { return }
        let resumed = waiting
        waiting = []
        for continuation in resumed { continuation.resume() }
    }

}

/// The requests read and not yet answered, by their IDs as the SDK reads them (`MCP.ID`: a string,
/// an integer, or null, which it reads as the empty string). A request with any other ID is
/// answered with an ID of the SDK's making, so it is not waited for; nor is a message that holds
/// `result` or `error`, which the SDK reads as a response.
struct UnansweredRequests {
    private var ids: Set<String> = []

    var isEmpty: Bool { ids.isEmpty }

    /// Notes the requests in a message read; true when a cancellation gave one up.
    mutating func read(_ data: Data) -> Bool {
        var gaveUp = false
        for message in Self.messages(in: data) {
            guard case .string(let method)? = message["method"], message["result"] == nil, message["error"] == nil else { continue }
            if let id = message["id"] {
                if let key = Self.key(id) { ids.insert(key) }
            } else if method == "notifications/cancelled", case .object(let parameters)? = message["params"],
                      let id = parameters["requestId"], let key = Self.key(id) {
                gaveUp = ids.remove(key) != nil || gaveUp
            }
        }
        return gaveUp
    }

    /// Notes the answers in a message sent.
    mutating func sent(_ data: Data) {
        for message in Self.messages(in: data) where message["method"] == nil {
            if let id = message["id"], let key = Self.key(id) { ids.remove(key) }
        }
    }

    /// An ID as the SDK's `ID` decodes it, as text; nil for one it cannot decode.
    static func key(_ id: JSONValue) -> String? {
        switch id {
        case .string(let text): "s" + text
        case .null: "s"
        // Foundation's decoder reads `1.0` and `1e2` as the integers they are.
        case .number(let literal): (Int(literal) ?? Double(literal).flatMap { Int(exactly: $0) }).map { "n\($0)" }
        default: nil
        }
    }

    /// The JSON-RPC messages in `data`: one object, or a batch of them.
    private static func messages(in data: Data) -> [JSONObject] {
        switch try? JSONParser.parse(Array(data)) {
        case .object(let object)?: [object]
        case .array(let elements)?: elements.compactMap { if case .object(let object) = $0 { object } else { nil } }
        default: []
        }
    }
}
