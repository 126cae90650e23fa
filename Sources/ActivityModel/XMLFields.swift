/// The root element and the text of a few elements (the first of each local name) of a small XML
/// document, such as an error body or a login request. Names are matched without prefixes.
public struct XMLFields: Sendable {
    public var rootName: String?
    public var rootNamespace: String?
    public var texts: [String: String]
    /// Whether the whole document is well-formed XML.
    public var wellFormed: Bool

    /// Reads the root's name and namespace and the text of the elements `names` (what was read
    /// before an error, when the document is not well-formed).
    public static func read(_ bytes: [UInt8], names: Set<String>) -> XMLFields {
        var fields = XMLFields(rootName: nil, rootNamespace: nil, texts: [:], wellFormed: false)
        var current: String?
        do {
            try XMLReader.read(bytes) { reader in
                while let event = try reader.next() {
                    switch event {
                    case .start(let name, _):
                        if fields.rootName == nil { (fields.rootName, fields.rootNamespace) = (name.local, name.namespace) }
                        if current == nil, names.contains(name.local), fields.texts[name.local] == nil {
                            current = name.local
                            fields.texts[name.local] = ""
                        }
                    case .text(let text):
                        if let current { fields.texts[current, default: ""] += text }
                    case .end(let name):
                        if name.local == current { current = nil }
                    }
                }
            }
            fields.wellFormed = true
        } catch {
            fields.wellFormed = false
        }
        return fields
    }
}
