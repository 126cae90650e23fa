import ActivityQuery
import ActivityStore
import ArgumentParser
import Foundation
import LanguageServer

struct LspCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the language server (LSP 3.17 over stdio).",
        discussion: "Completion offers the values of the store given with --db (or the demo store, if it exists).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let zone = try global.timeZone()
        let server = LanguageServer(context: { DateContext.current(timeZone: zone) }) { data in
            FileHandle.standardOutput.write(data)
        }
        if let path = global.db ?? (FileManager.default.fileExists(atPath: Locations.demoStore.path) ? Locations.demoStore.path : nil),
            let store = try? ActivityStore(path: path, readOnly: true) {
            server.values = StoreValues(backend: store)
        }
        // A reader thread takes frames off stdin as they come, so that a $/cancelRequest is seen
        // before the request it cancels is handled.
        let inbox = Inbox()
        let framing = MessageFraming(input: .standardInput)
        Thread.detachNewThread {
            while let frame = framing.next() { inbox.put(frame) }
            inbox.close()
        }
        while let frame = inbox.take() {
            for pending in inbox.pending() {
                if case .message(let body) = pending { server.noteCancellation(body) }
            }
            switch frame {
            case .message(let body): server.handle(body)
            case .malformed(let reason): server.reportMalformedFrame(reason)
            }
            if let code = server.exitCode { throw ExitCode(code) }
        }
    }
}

/// Frames between the reader thread and the server loop.
final class Inbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [MessageFraming.Frame] = []
    private var closed = false

    func put(_ frame: MessageFraming.Frame) {
        condition.lock()
        frames.append(frame)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    func take() -> MessageFraming.Frame? {
        condition.lock()
        defer { condition.unlock() }
        while frames.isEmpty, !closed { condition.wait() }
        return frames.isEmpty ? nil : frames.removeFirst()
    }

    func pending() -> [MessageFraming.Frame] {
        condition.lock()
        defer { condition.unlock() }
        return frames
    }
}
