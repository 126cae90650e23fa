import ActivityModel
import Testing

/// actq's TOML reader: the files it writes about in README read as TOML says, and everything
/// else is an error with a place (never a trap: the library it replaces aborted on `[[~a`).
@Suite struct TOMLTests {
    @Test func aConfigurationReadsAsTOMLSaysItShould() throws {
        let table = try TOML.parse("""
            \u{FEFF}default_profile = "test"   # comment
            [profiles.test]
            url = "http://127.0.0.1:8080/system"
            user = 'demo'
            insecure = false
            timeout = 2.5
            retries = 1_000
            [profiles."with space"]
            url = "caf\\u00E9 \\"q\\" \\\\ \\t"
            [users]
            jenny = { password = "x", view_agent_console = true }
            a.b.c = 0x1F
            """)
        #expect(table.keys == ["default_profile", "profiles", "users"])
        #expect(table["default_profile"]?.string == "test")
        let test = try #require(table["profiles"]?.table?["test"]?.table)
        #expect(test.keys == ["url", "user", "insecure", "timeout", "retries"])
        #expect(test["user"]?.string == "demo")
        #expect(test["insecure"]?.bool == false)
        #expect(test["timeout"]?.double == 2.5)
        #expect(test["retries"]?.int == 1000)
        #expect(table["profiles"]?.table?["with space"]?.table?["url"]?.string == "café \"q\" \\ \t")
        #expect(table["users"]?.table?["jenny"]?.table?["view_agent_console"]?.bool == true)
        #expect(table["users"]?.table?["a"]?.table?["b"]?.table?["c"]?.int == 31)
    }

    @Test(arguments: [
        ("[[~jenny", 1, 2, "arrays of tables"),
        ("[profiles.t]\nurl = \"x\"\nurl = \"y\"", 3, 1, "the key 'profiles.t.url' is given twice"),
        ("[a]\n[a]\n", 2, 1, "the table [a] is defined twice"),
        ("a = \"\"\"x\"\"\"", 1, 5, "multi-line strings"),
        ("a = [1, 2]", 1, 5, "arrays are not used"),
        ("a = 1979-05-27", 1, 5, "dates are not used"),
        ("a = \"unterminated\n", 1, 18, "unterminated string"),
        ("a = 01", 1, 5, "is not a string, number or boolean"),
        ("a = 1__0", 1, 5, "is not a string, number or boolean"),
        ("a = \"\\q\"", 1, 8, "invalid escape"),
        ("a = \"\\uD800\"", 1, 8, "invalid \\u escape"),
        ("a = 1 b = 2", 1, 7, "expected the end of the line"),
        ("= 1", 1, 1, "expected a key"),
        ("a.b = 1\na.b.c = 2", 2, 1, "'b' is already a value"),
        ("a = 99999999999999999999", 1, 5, "is not a string, number or boolean"),
        ("a = \"\u{1}\"", 1, 7, "control character"),
    ])
    func mistakesAreErrorsWithAPlace(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        do {
            _ = try TOML.parse(text)
            Issue.record("no error for \(text.debugDescription)")
        } catch let error as TOML.ParseError {
            #expect(error.message.contains(message), "\(error.message)")
            #expect((error.line, error.column) == (line, column), "\(text.debugDescription): \(error.line):\(error.column) \(error.message)")
        } catch {
            Issue.record("not a ParseError: \(error)")
        }
    }
}
