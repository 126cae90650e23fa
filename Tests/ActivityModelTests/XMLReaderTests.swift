import ActivityModel
import ActqTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct XMLReaderTests {
    /// The events of a document, with text runs joined, as "start {ns}local [name=value …]"
    /// (attributes by written name, sorted),
    /// "text …" and "end local".
    static func events(_ text: String) throws -> [String] {
        try events(Array(text.utf8))
    }

    static func events(_ bytes: [UInt8]) throws -> [String] {
        try XMLReader.read(bytes) { reader in
            var lines: [String] = []
            var text = ""
            func flush() {
                if !text.isEmpty { lines.append("text " + text) }
                text = ""
            }
            while let event = try reader.next() {
                switch event {
                case .start(let name, let attributes):
                    flush()
                    let written = attributes.map { "\($0.name.qualified)=\($0.value)" }.sorted()
                    lines.append((["start \(name.namespace.map { "{\($0)}" } ?? "")\(name.local)"] + written).joined(separator: " "))
                case .text(let run):
                    text += run
                case .end(let name):
                    flush()
                    lines.append("end \(name.local)")
                }
            }
            return lines
        }
    }

    @Test func aDocumentReadsAsEventsWithNamespacesReferencesAndCDATA() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <!-- a comment --><a:root xmlns:a="urn:a" xmlns="urn:default" id="1" a:x='y&amp;z'>\
            <child>1 &lt; 2 &#x263A;&#65;<![CDATA[<raw> & ]]>\r\nend</child><?pi data?>\
            <empty/><plain xmlns="">t</plain></a:root>
            """
        #expect(try Self.events(document) == [
            "start {urn:a}root a:x=y&z id=1",
            "start {urn:default}child",
            "text 1 < 2 ☺A<raw> & \nend",
            "end child",
            "start {urn:default}empty",
            "end empty",
            "start plain",
            "text t",
            "end plain",
            "end root",
        ])
    }

    @Test func prefixedAttributesAreInTheirNamespaceAndOthersInNone() throws {
        let attributes = try XMLReader.read(Array("<a xmlns='urn:d' xmlns:p='urn:p' b='1' p:c='2'/>".utf8)) { reader in
            guard case .start(_, let attributes)? = try reader.next() else { return [XMLReader.Attribute]() }
            return attributes
        }
        #expect(attributes.map(\.name.namespace) == [nil, "urn:p"])
        #expect(attributes.map(\.name.local) == ["b", "c"])
    }

    @Test func attributeValuesAreNormalizedAsXMLSays() throws {
        #expect(try Self.events("<a v=\"x\ty\r\nz&#10;\"/>") == ["start a v=x y z\n", "end a"])
    }

    @Test func linesOfEventsAreCountedAcrossLineEnds() throws {
        let lines = try XMLReader.read(Array("<a>\n<b/>\r\n<c/>\r<d/></a>".utf8)) { reader in
            var lines: [String: Int] = [:]
            while let event = try reader.next() {
                if case .start(let name, _) = event { lines[name.local] = reader.line() }
            }
            return lines
        }
        #expect(lines == ["a": 1, "b": 2, "c": 3, "d": 4])
    }

    @Test(arguments: [
        ("", "no root element", 1, 1),
        ("<a>", "ends inside <a>", 1, 4),
        ("<a></b>", "</b> does not close <a>", 1, 4),
        ("<a/><b/>", "a second root element", 1, 5),
        ("x<a/>", "text before the root element", 1, 1),
        ("<a/>\nx", "text after the root element", 2, 1),
        ("<a b='1' b='2'/>", "appears twice", 1, 1),
        ("<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>", "appears twice", 1, 1),
        ("<p:a/>", "prefix 'p' of p:a is not declared", 1, 1),
        ("<a xmlns:p=''/>", "bound to an empty name", 1, 1),
        ("<a:/>", "not a name with namespaces", 1, 1),
        ("<a>&nbsp;</a>", "&nbsp; is not defined", 1, 4),
        ("<a>&#0;</a>", "does not allow", 1, 4),
        ("<a>&#x110000;</a>", "does not allow", 1, 4),
        ("<a>&#12a;</a>", "not a digit", 1, 4),
        ("<a>a & b</a>", "does not start a reference", 1, 6),
        ("<a>]]></a>", "']]>' is not allowed", 1, 4),
        ("<a b=c/>", "not in quotes", 1, 6),
        ("<a b='<'/>", "'<' in the value", 1, 7),
        ("<a b='1'c='2'/>", "expected whitespace", 1, 9),
        ("<a><!-- x -- y --></a>", "'--' inside a comment", 1, 11),
        ("<a><!-- x", "not closed with '-->'", 1, 4),
        ("<a><![CDATA[x</a>", "not closed with ']]>'", 1, 4),
        ("<a><?xml version='1.0'?></a>", "may only open the document", 1, 4),
        ("<?xml version='2.0'?><a/>", "is not 1.x", 1, 16),
        ("<?xml encoding='UTF-8'?><a/>", "expected version", 1, 7),
        ("<?xml version='1.0' standalone='yes' encoding='UTF-8'?><a/>", "found 'encoding'", 1, 38),
        ("<!DOCTYPE a><a/>", "DTDs", 1, 1),
        ("<a>\u{1}</a>", "control character U+0001", 1, 4),
        ("<a>\u{FFFE}</a>", "noncharacter U+FFFE", 1, 4),
        ("<a>é\n  é<</a>", "expected an element name", 2, 5),
        ("<?xml version='1.0' encoding='EBCDIC'?><a/>", "'ebcdic' is not supported", 1, 1),
    ])
    func malformedDocumentsAreRefusedWithAPlace(_ document: String, _ message: String, _ line: Int, _ column: Int) {
        do {
            _ = try Self.events(document)
            Issue.record("no error for \(document.debugDescription)")
        } catch let error as XMLReader.SyntaxError {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.line == line && error.column == column, "\(error)")
        } catch {
            Issue.record("not a syntax error: \(error)")
        }
    }

    @Test func nestingIsBoundedAndTheLimitItselfReads() throws {
        let limit = XMLReader.maximumDepth
        let deep = String(repeating: "<a>", count: limit) + String(repeating: "</a>", count: limit)
        #expect(try Self.events(deep).count == 2 * limit)
        let deeper = String(repeating: "<a>", count: limit + 1) + String(repeating: "</a>", count: limit + 1)
        #expect(throws: XMLReader.SyntaxError.self) { try Self.events(deeper) }
    }

    @Test func otherEncodingsAreConvertedToUTF8() throws {
        let utf16: [UInt8] = [0xFF, 0xFE] + "<a>é😀</a>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try Self.events(utf16) == ["start a", "text é😀", "end a"])
        let utf16BE: [UInt8] = [0xFE, 0xFF] + "<a>é</a>".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try Self.events(utf16BE) == ["start a", "text é", "end a"])
        let windows = Array("<?xml version='1.0' encoding='windows-1252'?><a>".utf8) + [0x80, 0xE9] + Array("</a>".utf8)
        #expect(try Self.events(windows) == ["start a", "text €é", "end a"])
        let ascii = Array("<?xml version='1.0' encoding='US-ASCII'?><a>".utf8) + [0xE9] + Array("</a>".utf8)
        #expect(throws: XMLReader.SyntaxError.self) { try Self.events(ascii) }
        #expect(throws: XMLReader.SyntaxError.self) { try Self.events([0xFF, 0xFE, 0x3C, 0x00, 0x00, 0xDC]) }
    }

    /// 100,000 attributes and a text of 100,000 references read in linear time (a hang guard).
    @Test(.timeLimit(.minutes(1))) func wideInputsReadInLinearTime() async throws {
        try await offCooperativePool { () throws in
            let attributes = (0..<100_000).map { "a\($0)='\($0)'" }.joined(separator: " ")
            #expect(try Self.events("<a \(attributes)/>").count == 2)
            #expect(throws: XMLReader.SyntaxError.self) { try Self.events("<a \(attributes) a7='x'/>") }
            let references = String(repeating: "&amp;", count: 100_000)
            #expect(try Self.events("<a>\(references)</a>") == ["start a", "text " + String(repeating: "&", count: 100_000), "end a"])
        }
    }

    // MARK: Against libxml2

    /// The same events from libxml2 (through Foundation's XMLParser), or nil when it finds the
    /// document malformed.
    static func libxml2Events(_ bytes: [UInt8]) -> [String]? {
        final class Collector: NSObject, XMLParserDelegate {
            var lines: [String] = []
            var text = ""
            /// libxml2 reads on past many errors (the parse still "finishes"): any error counts.
            var failed = false
            func flush() {
                if !text.isEmpty { lines.append("text " + text) }
                text = ""
            }
            func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { failed = true }
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                flush()
                let written = attributes.filter { !$0.key.hasPrefix("xmlns") }.map { "\($0.key)=\($0.value)" }.sorted()
                let namespace = namespaceURI.flatMap { $0.isEmpty ? nil : "{\($0)}" } ?? ""
                lines.append((["start \(namespace)\(name)"] + written).joined(separator: " "))
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, foundCDATA block: Data) { text += String(decoding: block, as: UTF8.self) }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                flush()
                lines.append("end \(name)")
            }
        }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        let collector = Collector()
        parser.delegate = collector
        let finished = parser.parse()
        parser.delegate = nil
        return finished && !collector.failed ? collector.lines : nil
    }

    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <r:activities xmlns:r="urn:r" xmlns="urn:d"><!-- c --><activity id="1" rel='self'>\
        <subject>a &amp; b &#233; <![CDATA[<x>]]></subject><empty/><n:x xmlns:n="urn:n">t</n:x></activity></r:activities>
        """

    /// (It ends in a line feed: Foundation's XMLParser traps when the input ends in `</ü:a]`.)
    static let secondSample = "<ü:a xmlns:ü='urn:u' b=\"x&#9;&lt;y\"\r\n c='z'><?pi some data?>é\r\n<![CDATA[]]]]><!--x-->&#x1F600;<ü:b/>\n</ü:a>\n"

    /// Every document one byte away from the samples (deleted, or replaced by markup), read by
    /// both: they agree on whether it is well-formed and, when it is, on its events. (Bytes of
    /// namespace names are left alone: libxml2 also refuses a namespace name that is not a URI,
    /// which is not a well-formedness rule; actq takes any name, as the recommendation does.)
    @Test(.serialized, arguments: [sample, secondSample])
    func agreesWithLibxml2OnDocumentsOneByteFromWellFormed(_ sample: String) async throws {
        try await offCooperativePool { () throws in
            let bytes = Array(sample.utf8)
            let namespaceNames = ["urn:r", "urn:d", "urn:n", "urn:u"].filter { sample.contains("\($0)") }.map { name -> Range<Int> in
                let name = Array(name.utf8)
                let offset = bytes.indices.first { bytes[$0...].starts(with: name) }!
                return offset..<(offset + name.count)
            }
            var documents: [[UInt8]] = [bytes]
            // Bytes of multi-byte characters are left alone too: invalid UTF-8 crashes Foundation.
            for index in bytes.indices where bytes[index] < 0x80 && !namespaceNames.contains(where: { $0.contains(index) }) {
                var deleted = bytes
                deleted.remove(at: index)
                documents.append(deleted)
                for replacement in Array("<>&\"':/ =!-x;#]".utf8) where replacement != bytes[index] {
                    var replaced = bytes
                    replaced[index] = replacement
                    documents.append(replaced)
                }
            }
            var accepted = 0
            var disagreements: [String] = []
            for document in documents {
                let ours = try? Self.events(document)
                let theirs = Self.libxml2Events(document)
                if ours != nil { accepted += 1 }
                if ours != theirs {
                    disagreements.append("\(String(decoding: document, as: UTF8.self).debugDescription)\n  actq: \(ours.map { "\($0)" } ?? "malformed")"
                                         + "\n  libxml2: \(theirs.map { "\($0)" } ?? "malformed")")
                }
            }
            #expect(disagreements.count == 0, "\(disagreements.count) of \(documents.count):\n\(disagreements.prefix(10).joined(separator: "\n"))")
            #expect(accepted > 50 && accepted < documents.count / 2, "\(accepted) of \(documents.count) well-formed")
        }
    }
}
