/// The LSP 3.17 types this server uses.
public struct Position: Codable, Hashable, Sendable {
    public var line: Int
    public var character: Int
    public init(line: Int, character: Int) { self.line = line; self.character = character }
}

public struct LSPRange: Codable, Hashable, Sendable {
    public var start: Position
    public var end: Position
    public init(start: Position, end: Position) { self.start = start; self.end = end }
}

public struct Location: Codable, Hashable, Sendable {
    public var uri: String
    public var range: LSPRange
}

public struct DiagnosticRelatedInformation: Codable, Hashable, Sendable {
    public var location: Location
    public var message: String
}

public struct LSPDiagnostic: Codable, Hashable, Sendable {
    public var range: LSPRange
    public var severity: Int
    public var code: String
    public var source: String
    public var message: String
    public var relatedInformation: [DiagnosticRelatedInformation]?
}

public struct PublishDiagnosticsParams: Codable, Hashable, Sendable {
    public var uri: String
    public var version: Int?
    public var diagnostics: [LSPDiagnostic]
}

public struct TextEdit: Codable, Hashable, Sendable {
    public var range: LSPRange
    public var newText: String
}

public struct LSPCompletionItem: Codable, Hashable, Sendable {
    public var label: String
    public var kind: Int
    public var detail: String?
    public var textEdit: TextEdit
}

public struct MarkupContent: Codable, Hashable, Sendable {
    public var kind = "markdown"
    public var value: String
}

public struct Hover: Codable, Hashable, Sendable {
    public var contents: MarkupContent
    public var range: LSPRange?
}

public struct DocumentSymbol: Codable, Hashable, Sendable {
    public var name: String
    public var kind: Int
    public var range: LSPRange
    public var selectionRange: LSPRange
}

public struct SemanticTokens: Codable, Hashable, Sendable {
    public var data: [Int]
}

struct TextDocumentItem: Codable {
    var uri: String
    var languageId: String?
    var version: Int?
    var text: String
}

struct VersionedTextDocumentIdentifier: Codable {
    var uri: String
    var version: Int?
}

struct TextDocumentContentChangeEvent: Codable {
    var range: LSPRange?
    var text: String
}

struct DidOpenParams: Codable { var textDocument: TextDocumentItem }
struct DidChangeParams: Codable {
    var textDocument: VersionedTextDocumentIdentifier
    var contentChanges: [TextDocumentContentChangeEvent]
}
struct DocumentIdentifier: Codable { var uri: String }
struct DocumentParams: Codable { var textDocument: DocumentIdentifier }
struct PositionParams: Codable {
    var textDocument: DocumentIdentifier
    var position: Position
}
