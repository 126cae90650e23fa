import ActivityQuery
import Foundation
import LanguageServer
import ActqTestSupport

/// An in-process LSP client: feeds framed messages to the server and reads what it sends back,
/// as sourcekit-lsp's tests do.
final class TestClient {
    let server: LanguageServer
    private var output = Data()
    private var nextID = 1

    init(encodings: [String] = []) throws {
        var sink = Data()
        let box = SinkBox()
        server = LanguageServer(context: { DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!) }) { data in
            box.data.append(data)
        }
        self.box = box
        _ = sink
        let capabilities: [String: Any] = encodings.isEmpty ? [:] : ["general": ["positionEncodings": encodings]]
        _ = try request("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": capabilities])
        notify("initialized", [:])
    }

    private let box: SinkBox
    final class SinkBox { var data = Data() }

    func send(_ object: [String: Any]) {
        let body = try! JSONSerialization.data(withJSONObject: object)
        server.handle(body)
    }

    func notify(_ method: String, _ params: [String: Any]) {
        send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Sends a request and returns its response object.
    @discardableResult
    func request(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        guard let response = messages().last(where: { ($0["id"] as? Int) == id }) else {
            throw CocoaError(.coderReadCorrupt)
        }
        return response
    }

    /// Every message the server has sent so far, unframed.
    func messages() -> [[String: Any]] {
        var data = box.data
        var result: [[String: Any]] = []
        while let headerEnd = data.range(of: Data("\r\n\r\n".utf8)) {
            let header = String(decoding: data[data.startIndex..<headerEnd.lowerBound], as: UTF8.self)
            let length = Int(header.replacingOccurrences(of: "Content-Length: ", with: ""))!
            let body = data[headerEnd.upperBound..<data.index(headerEnd.upperBound, offsetBy: length)]
            result.append(try! JSONSerialization.jsonObject(with: body) as! [String: Any])
            data = Data(data[data.index(headerEnd.upperBound, offsetBy: length)...])
        }
        return result
    }

    func lastDiagnostics(_ uri: String) -> [[String: Any]] {
        let published = messages().filter { $0["method"] as? String == "textDocument/publishDiagnostics" }
            .compactMap { $0["params"] as? [String: Any] }.filter { $0["uri"] as? String == uri }
        return published.last?["diagnostics"] as? [[String: Any]] ?? []
    }

    /// Opens a document written with markers (`status = 1️⃣`) and returns the marker positions.
    @discardableResult
    func open(_ uri: String, _ marked: String) -> [String: [String: Int]] {
        let (text, markers) = Self.extract(marked)
        notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "actq", "version": 1, "text": text]])
        return markers.mapValues { position(of: $0, in: text) }
    }

    func position(of offset: Int, in text: String) -> [String: Int] {
        let before = String(decoding: Array(text.utf8)[..<offset], as: UTF8.self)
        let lines = before.components(separatedBy: "\n")
        let column: Int
        switch server.encoding {
        case .utf8: column = lines.last!.utf8.count
        case .utf16: column = lines.last!.utf16.count
        case .utf32: column = lines.last!.unicodeScalars.count
        }
        return ["line": lines.count - 1, "character": column]
    }

    static func extract(_ marked: String) -> (String, [String: Int]) {
        let (text, markers) = extractMarkers(marked)
        return (text, markers)
    }
}
