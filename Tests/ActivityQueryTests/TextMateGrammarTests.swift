import Foundation
import Testing

/// `grammar/actq.tmLanguage.json`, for editors without semantic tokens, is JSON a TextMate
/// engine can load, and it highlights every keyword, field and date word of `grammar/actq.ebnf`.
@Suite struct TextMateGrammarTests {
    static let grammarDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("grammar")

    /// The EBNF's rules: name → the word terminals of its right-hand side (comments removed).
    static func ebnfRules() throws -> [String: [String]] {
        var text = try String(contentsOf: grammarDirectory.appendingPathComponent("actq.ebnf"), encoding: .utf8)
        while let open = text.range(of: "(*"), let close = text.range(of: "*)", range: open.upperBound..<text.endIndex) {
            text.removeSubrange(open.lowerBound..<close.upperBound)
        }
        var rules: [String: [String]] = [:]
        for rule in text.split(separator: ";") {
            let parts = rule.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            let terminals = parts[1].split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            rules[name] = terminals.filter { $0.count > 1 && $0.allSatisfy(\.isLetter) }
        }
        return rules
    }

    static func tmLanguage() throws -> [String: Any] {
        let data = try Data(contentsOf: grammarDirectory.appendingPathComponent("actq.tmLanguage.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Whether the repository pattern `name` matches all of `word` (as a whole token).
    static func matches(_ repository: [String: Any], _ name: String, _ word: String) throws -> Bool {
        let rule = try #require(repository[name] as? [String: Any], "no \(name) in the repository")
        let pattern = try #require(rule["match"] as? String)
        let expression = try NSRegularExpression(pattern: pattern)
        let range = NSRange(word.startIndex..., in: word)
        return expression.matches(in: word, range: range).contains { $0.range == range }
    }

    @Test func itIsATextMateGrammarWhoseIncludesAllExist() throws {
        let grammar = try Self.tmLanguage()
        #expect(grammar["scopeName"] as? String == "source.actq")
        #expect(grammar["fileTypes"] as? [String] == ["actq"])
        let repository = try #require(grammar["repository"] as? [String: Any])
        let includes = try #require(grammar["patterns"] as? [[String: String]]).compactMap { $0["include"] }
        #expect(includes.count == repository.count)
        for include in includes {
            #expect(include.hasPrefix("#") && repository[String(include.dropFirst())] != nil, "\(include) is not in the repository")
        }
        for (name, value) in repository {
            let rule = try #require(value as? [String: Any])
            for key in ["match", "begin", "end"] {
                if let pattern = rule[key] as? String {
                    #expect(throws: Never.self, "\(name).\(key) is a regular expression") { try NSRegularExpression(pattern: pattern) }
                }
            }
        }
    }

    @Test func itHighlightsEveryWordOfTheGrammar() throws {
        let rules = try Self.ebnfRules()
        let fields = Set(try #require(rules["field"]) + (try #require(rules["sort field"])))
        let dates = Set(try #require(rules["relative date"]))
        let keywords = Set(rules.values.joined()).subtracting(fields).subtracting(dates)
        #expect(keywords.isSuperset(of: ["and", "or", "not", "in", "show", "all", "sort", "by", "asc", "desc", "page", "range", "size"]),
                "\(keywords.sorted())")
        #expect(fields.count >= 11 && dates == ["now", "today", "yesterday"])

        let repository = try #require(try Self.tmLanguage()["repository"] as? [String: Any])
        // Keywords and field names match case-insensitively, as the language reads them.
        for keyword in keywords {
            for spelling in [keyword, keyword.uppercased()] {
                #expect(try Self.matches(repository, "keyword", spelling), "keyword \(spelling)")
                #expect(try !Self.matches(repository, "field", spelling), "\(spelling) is not a field")
            }
        }
        for field in fields {
            for spelling in [field, field.uppercased()] {
                #expect(try Self.matches(repository, "field", spelling), "field \(spelling)")
            }
        }
        for date in dates {
            #expect(try Self.matches(repository, "date", date), "date word \(date)")
            #expect(try Self.matches(repository, "date", date + "-7d"), "\(date)-7d")
        }
        #expect(try Self.matches(repository, "date", "2024-01-15T10:30:00Z"))
        #expect(try Self.matches(repository, "custom-field", "custom.region"))
    }
}
