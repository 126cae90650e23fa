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
    /// The IDs (as JSON text) of requests read and not yet answered.
    private var unanswered: Set<String> = []
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
        for message in Self.messages(in: data) where message["method"] == nil {
            if let id = message["id"] { unanswered.remove(JSONWriter.string(id)) }
        }
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
        for message in Self.messages(in: data) {
            guard case .string(let method)? = message["method"] else { continue }
            if let id = message["id"] {
                unanswered.insert(JSONWriter.string(id))
            } else if method == "notifications/cancelled", case .object(let parameters)? = message["params"],
                      let id = parameters["requestId"] {
                unanswered.remove(JSONWriter.string(id))
                settle(all: false)
            }
        }
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

    /// The JSON-RPC messages in `data`: one object, or a batch of them.
    private static func messages(in data: Data) -> [JSONObject] {
        switch try? JSONParser.parse(Array(data)) {
        case .object(let object)?: [object]
        case .array(let elements)?: elements.compactMap { if case .object(let object) = $0 { object } else { nil } }
        default: []
        }
    }
}
