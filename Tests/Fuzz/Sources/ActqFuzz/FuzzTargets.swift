import ActivityModel
import ActivityQuery
import ActivityRemote
import ActivityServer
import Foundation
import LanguageServer

/// libFuzzer's entry point. `ACTQ_FUZZ_TARGET` names the target; each asserts invariants, not
/// just survival: a broken invariant traps, and libFuzzer keeps the input as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    switch FuzzTarget.current {
    case .script: FuzzTarget.script(bytes)
    case .request: FuzzTarget.request(bytes)
    case .json: FuzzTarget.json(bytes)
    case .xml: FuzzTarget.xml(bytes)
    case .lsp: FuzzTarget.lsp(bytes)
    case .toml: FuzzTarget.toml(bytes)
    case .http: FuzzTarget.http(bytes)
    }
    return 0
}

/// SwiftPM links an executable with `main` defined as `<module>_main`: this is it, and it hands
/// over to libFuzzer's driver (whose own `main` is then not linked in).
@_cdecl("ActqFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    _ = FuzzTarget.current  // fail at once, not on the first input, when no target is named
    return runFuzzerDriver(&count, &arguments) { data, size in
        fuzzOneInput(data ?? UnsafePointer(bitPattern: 1)!, size)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Fails the run with the invariant that broke (libFuzzer saves the input).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant broken: \(message())\n".utf8))
        abort()
    }
}

enum FuzzTarget: String, CaseIterable {
    case script, request, json, xml, lsp, toml, http

    nonisolated(unsafe) static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["ACTQ_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set ACTQ_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()

    /// A frozen clock and zone (with a DST change), as the corpus uses.
    static let context = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "Europe/Berlin")!)

    /// Lexer → parser → binder → planner over a script. Every diagnostic lies inside the input;
    /// `fmt` is idempotent; a clean query's requests read back (from-url) as the same requests.
    static func script(_ bytes: [UInt8]) {
        let source = SourceText(name: "fuzz", bytes: bytes)
        var wellFormed = true
        QueryCompiler.compile(source, context: context, options: PlanOptions(maxRequests: 16)) { compiled in
            for diagnostic in compiled.diagnostics {
                require(diagnostic.range.start >= 0 && diagnostic.range.end <= bytes.count && diagnostic.range.start <= diagnostic.range.end,
                        "diagnostic \(diagnostic.code.rawValue) at \(diagnostic.range) outside 0..<\(bytes.count)")
                for note in diagnostic.notes {
                    if let range = note.range { require(range.start >= 0 && range.end <= bytes.count, "note range \(range) outside the input") }
                }
            }
            if !compiled.isWellFormed { wellFormed = false }
            guard let plan = compiled.plan else { return }
            for request in plan.requests {
                let (decoded, problems) = RequestDecoder.decode(request.queryString)
                require(decoded.map(SearchRequest.init) == request,
                        "from-url(explain(q)) differs for \(request.queryString): \(problems.map(\.message))")
            }
        }
        guard wellFormed else { return }
        let once = CanonicalPrinter.format(source, queries: ScriptParser.parse(source))
        let onceSource = SourceText(name: "fuzz", once)
        let reparsed = ScriptParser.parse(onceSource)
        require(!reparsed.flatMap(\.diagnostics).hasErrors, "fmt output does not parse: \(once.debugDescription)")
        let twice = CanonicalPrinter.format(onceSource, queries: reparsed)
        require(once == twice, "fmt is not idempotent: \(once.debugDescription) then \(twice.debugDescription)")
    }

    /// The emulator's and from-url's reader: a decoded query encodes to a request that decodes
    /// to the same query.
    static func request(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let (query, diagnostics) = RequestDecoder.decode(text)
        for diagnostic in diagnostics {
            require(diagnostic.range.start <= diagnostic.range.end, "diagnostic with an inverted range")
        }
        guard let query else { return }
        let request = SearchRequest(query)
        let (again, problems) = RequestDecoder.decode(request.queryString)
        require(again == query, "decode(encode(q)) != q for \(request.queryString): \(problems.map(\.message))")
    }

    /// JSON parse → write → parse is the identity, and `isCanonical` says exactly whether the
    /// input is what the writer writes; the import's scan gives what the tree reader gives (the
    /// same records or the same error), and neither traps.
    static func json(_ bytes: [UInt8]) {
        if let value = try? JSONParser.parse(bytes) {
            var written: [UInt8] = []
            JSONWriter.write(value, into: &written)
            let again = try? JSONParser.parse(written)
            require(again == value, "parse(write(v)) != v for \(String(decoding: written, as: UTF8.self).debugDescription)")
            require(JSONWriter.isCanonical(bytes) == (written == bytes), "isCanonical is wrong about this input")
        }
        for format in [ActivityReader.Format.json, .ndjson] {
            func outcome(_ read: (([UInt8], String, ActivityReader.Format, (ActivityRecord, RecordLocation) throws -> Void) throws -> Void))
                -> (records: [ActivityRecord], error: String?)
            {
                var records: [ActivityRecord] = []
                do { try read(bytes, "fuzz", format) { record, _ in records.append(record) } } catch { return (records, "\(error)") }
                return (records, nil)
            }
            let scanned = outcome { try ActivityReader.readRecords(bytes: $0, name: $1, format: $2, $3) }
            let parsed = outcome { bytes, name, format, body in
                try ActivityReader.read(bytes: bytes, name: name, format: format) { activity, location in try body(ActivityRecord(activity), location) }
            }
            require(scanned.records == parsed.records && scanned.error == parsed.error, "the scan and the tree reader differ (\(format)): \(scanned) vs \(parsed)")
        }
    }

    /// The XML reader: its events nest, its errors lie inside the input; activities it reads,
    /// written as XML again, read back the same; login and error bodies are read without a trap.
    static func xml(_ bytes: [UInt8]) {
        do {
            try XMLReader.read(bytes) { reader in
                var open: [XMLReader.Name] = []
                while let event = try reader.next() {
                    switch event {
                    case .start(let name, _): open.append(name)
                    case .end(let name): require(open.popLast() == name, "an end event for an element not open: \(name)")
                    case .text: require(!open.isEmpty, "text outside the root element")
                    }
                }
                require(open.isEmpty, "the document ended with elements open")
            }
        } catch let error as XMLReader.SyntaxError {
            // Offsets are in the document as read (UTF-8, perhaps converted): at most 4 bytes a byte.
            require(error.offset >= 0 && error.offset <= 4 * bytes.count + 4 && error.line >= 1 && error.column >= 1,
                    "an error outside the input: \(error)")
        } catch {
            require(false, "not a syntax error: \(error)")
        }
        _ = XMLFields.read(bytes, names: ["userName", "password", "code", "developerMessage"])
        var first: [JSONObject] = []
        guard (try? ActivityXML.read(data: Data(bytes), file: "fuzz", { activity, _ in first.append(activity.resource) })) != nil,
              !first.isEmpty else { return }
        let written = ActivityXML.rootOpening + first.map(ActivityXML.element).joined() + "</activities>"
        var second: [JSONObject] = []
        do {
            try ActivityXML.read(data: Data(written.utf8), file: "fuzz") { activity, _ in second.append(activity.resource) }
        } catch {
            require(false, "actq's own XML does not read back: \(error)\n\(written)")
        }
        require(second == first, "read(write(read(x))) != read(x):\n\(written)")
    }

    /// LSP framing and dispatch: whatever arrives, every answer is a framed JSON object. The
    /// input arrives in chunks, as from a pipe; frames are handled on this thread (the server's
    /// own loop adds a reader thread, which would outlive an input).
    static func lsp(_ bytes: [UInt8]) {
        var chunks = stride(from: 0, to: bytes.count, by: 97).map { Data(bytes[$0..<min(bytes.count, $0 + 97)]) }
        chunks.reverse()
        var replies: [Data] = []
        let server = LanguageServer(context: { context }, send: { replies.append($0) })
        let framing = MessageFraming(read: { chunks.popLast() ?? Data() })
        while let frame = framing.next() {
            switch frame {
            case .message(let body):
                server.noteCancellation(body)
                server.handle(body)
            case .malformed(let reason):
                server.reportMalformedFrame(reason)
            }
            if server.exitCode != nil { break }
        }
        for reply in replies {
            guard let end = reply.range(of: Data("\r\n\r\n".utf8)) else { return require(false, "an answer without a header") }
            let body = reply[end.upperBound...]
            require((try? JSONSerialization.jsonObject(with: body)) is [String: Any], "an answer that is not a JSON object")
        }
    }

    /// The TOML files: the configuration (profiles) and the emulator's users. Bad files are
    /// errors with a reason, never traps.
    /// What a server sends on a kept-alive connection, read as the remote backend's own HTTP
    /// client reads it: the same answers and the same failure however the bytes arrive (at
    /// once, one at a time, seven at a time); no body beyond the limit; no interim answer handed
    /// on; failures in plain words, with nothing of the server's text able to act on a terminal.
    static func http(_ bytes: [UInt8]) {
        let limit = 4096
        let whole = HTTPAnswerBytes.read(bytes, chunk: bytes.count, maximumBodySize: limit)
        for chunk in [1, 7] {
            let pieces = HTTPAnswerBytes.read(bytes, chunk: chunk, maximumBodySize: limit)
            require(pieces.failure == whole.failure, "in pieces of \(chunk): \(pieces.failure ?? "no failure") vs \(whole.failure ?? "no failure")")
            require(pieces.answers.count == whole.answers.count, "in pieces of \(chunk): \(pieces.answers.count) answers vs \(whole.answers.count)")
            for (piece, answer) in zip(pieces.answers, whole.answers) {
                require(piece.status == answer.status && piece.body == answer.body
                        && piece.headers.elementsEqual(answer.headers, by: ==), "in pieces of \(chunk): another answer")
            }
        }
        for answer in whole.answers {
            require(answer.body.count <= limit, "a body of \(answer.body.count) bytes beyond the limit of \(limit)")
            require((200...999).contains(answer.status), "status \(answer.status) handed on")
            require(answer.headers.allSatisfy { !$0.name.isEmpty && !$0.name.contains(":") }, "a header without a name")
        }
        if let failure = whole.failure {
            require(!failure.unicodeScalars.contains { InertText.isActive($0) }, "an active character in \(failure.debugDescription)")
        }
    }

    static func toml(_ bytes: [UInt8]) {
        guard let text = String(bytes: bytes, encoding: .utf8) else { return }
        do { _ = try Config.parse(text, path: "config.toml") } catch {
            require(error is Config.Problem, "config.toml failed with \(type(of: error)), not a Problem")
        }
        do { _ = try UserDirectory.parse(text, file: "users.toml") } catch {
            require(error is UserDirectory.LoadError, "users.toml failed with \(type(of: error)), not a LoadError")
        }
    }
}
