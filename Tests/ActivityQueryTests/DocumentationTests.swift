import Foundation
import Testing

/// Every public type and function of the language core (`ActivityQuery`) and the data model
/// (`ActivityModel`) says what it is in a doc comment. Implementations of a documented protocol
/// requirement (`==`, `hash(into:)`, literal initializers, a `ResultWriter`'s rows) inherit its
/// documentation and need none of their own.
@Suite struct DocumentationTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    static let declaration = try! NSRegularExpression(pattern: #"""
        ^\s*(?:@[\w().: ,"]+\s+)*(?:public|open)\s+(?:(?:static|final|mutating|nonisolated|override|indirect|convenience|required)\s+)*\
        (struct|enum|class|protocol|typealias|func|init\??|subscript|actor)\b
        """#.replacingOccurrences(of: "\\\n", with: ""))

    static let inheritsDocumentation = [
        "func ==", "func <", "func hash(into", "init(stringLiteral", "init(arrayLiteral", "init(dictionaryLiteral",
        "init(booleanLiteral", "init(integerLiteral", "init(nilLiteral", "func begin()", "func row(json:", "func end(_ info:",
        "func separator()",
    ]

    /// `file:line: declaration` of each public declaration without a doc comment.
    static func undocumented(in module: String) throws -> [String] {
        let directory = sources.appendingPathComponent(module)
        let files = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var missing: [String] = []
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                guard declaration.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil,
                      !inheritsDocumentation.contains(where: line.contains) else { continue }
                var above = index - 1
                while above >= 0, lines[above].trimmingCharacters(in: .whitespaces).hasPrefix("@") { above -= 1 }
                if above < 0 || !lines[above].trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                    missing.append("\(module)/\(file.lastPathComponent):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return missing
    }

    @Test(arguments: ["ActivityQuery", "ActivityModel"])
    func everyPublicTypeAndFunctionIsDocumented(_ module: String) throws {
        let missing = try Self.undocumented(in: module)
        #expect(missing.isEmpty, "\(missing.count) undocumented:\n\(missing.joined(separator: "\n"))")
    }

    @Test func theCheckFindsAnUndocumentedDeclaration() {
        let line = "    public static func parse(_ text: String) -> Value {"
        #expect(Self.declaration.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil)
        let property = "    public var name: String"
        #expect(Self.declaration.firstMatch(in: property, range: NSRange(property.startIndex..., in: property)) == nil)
    }
}
