import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The root element and the text of a few elements (the first of each local name) of a small XML
/// document, such as an error body or a login request. Names are matched without prefixes.
public struct XMLFields: Sendable {
    public var rootName: String?
    public var rootNamespace: String?
    public var texts: [String: String]
    /// Whether the whole document parsed.
    public var wellFormed: Bool

    /// Reads the root's name and namespace and the text of the elements `names`. What
    /// Foundation's XMLParser must not see (`ActivityXML.preflight`: processing instructions,
    /// DTDs, invalid UTF-8) makes a document not well-formed before it runs: one login body
    /// with `<?pi?>` crashed `actq serve`.
    public static func read(_ bytes: [UInt8], names: Set<String>) -> XMLFields {
        let notRead = XMLFields(rootName: nil, rootNamespace: nil, texts: [:], wellFormed: false)
        guard (try? ActivityXML.preflight(Data(bytes), file: "")) != nil else { return notRead }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        let collector = Collector(names: names)
        parser.delegate = collector
        let finished = parser.parse()
        parser.delegate = nil
        return XMLFields(rootName: collector.root?.name, rootNamespace: collector.root?.namespace,
                         texts: collector.values, wellFormed: finished)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        let names: Set<String>
        var root: (name: String, namespace: String?)?
        var current: String?
        var values: [String: String] = [:]

        init(names: Set<String>) { self.names = names }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = (name, namespaceURI) }
            if names.contains(name), values[name] == nil {
                current = name
                values[name] = ""
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current { values[current, default: ""] += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == current { current = nil }
        }
    }
}
