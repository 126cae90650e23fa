import Foundation
import Testing

/// End-to-end: the built binary, its stdout, stderr and exit code.
@Suite struct CommandTests {
    @Test func explainPrintsTheExactRequest() throws {
        let result = try ActqProcess.run(["explain", "--tz", "UTC", "-e",
                                          "status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == """
            GET /ws/v12/interaction/activity?status=open&lastModifiedDate=[2024-06-08T12:00:00.000Z,]&$sort=lastModifiedDate&$order=desc
            Accept: application/json
            X-egain-session: ********

            """)
    }

    @Test func explainJSON() throws {
        let result = try ActqProcess.run(["explain", "-e", "custom.x = \"a&b\" and queue = 5", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let requests = try #require(object["requests"] as? [[String: Any]])
        #expect(requests.count == 1)
        #expect(requests[0]["method"] as? String == "GET")
        #expect(requests[0]["url"] as? String == "/ws/v12/interaction/activity?queue=5&custom.x=a%26b")
        #expect((requests[0]["headers"] as? [String: String])?["X-egain-session"] == "********")
    }

    @Test func globalOptionsWorkBeforeAndAfterTheSubcommand() throws {
        let before = try ActqProcess.run(["--format", "json", "--tz", "Europe/Berlin", "explain", "-e", "createdDate = 2024-01-15"])
        let after = try ActqProcess.run(["explain", "-e", "createdDate = 2024-01-15", "--format", "json", "--tz", "Europe/Berlin"])
        #expect(before.status == 0)
        #expect(before.stdout == after.stdout)
        #expect(before.stdout.contains("createdDate=[2024-01-14T23:00:00.000Z,2024-01-15T22:59:59.999Z]"))
    }

    @Test(arguments: try FileManager.default.contentsOfDirectory(atPath: ActqProcess.packageRoot.appendingPathComponent("examples").path)
        .filter { $0.hasSuffix(".actq") }.sorted())
    func examplesExplainAsExpected(_ name: String) throws {
        let examples = ActqProcess.packageRoot.appendingPathComponent("examples")
        let expected = try String(contentsOf: examples.appendingPathComponent("expected")
            .appendingPathComponent(name.replacingOccurrences(of: ".actq", with: ".explain")), encoding: .utf8)
        let result = try ActqProcess.run(["explain", "--tz", "UTC", examples.appendingPathComponent(name).path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        #expect(result.stdout == expected)
    }

    @Test func nineDocumentedExamplesAreShipped() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: ActqProcess.packageRoot.appendingPathComponent("examples").path)
        for number in 1...9 {
            #expect(names.contains { $0.hasPrefix(String(format: "%02d-", number)) && $0.hasSuffix(".actq") })
        }
    }

    @Test func checkCleanQueryExitsZeroSilently() throws {
        let result = try ActqProcess.run(["check", "-e", "status = open and queue = 5"])
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(result.stderr == "")
    }

    @Test func checkReportsLikeACompiler() throws {
        let result = try ActqProcess.run(["check", "-e", "type = email"])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            <expr>:1:1: error[V007]: 'type' must be combined with at least one other filter
              |
            1 | type = email
              | ^^^^^^^^^^^^
               = note: the API rejects a search by type alone; add e.g. 'queue = 1000 and'

            """)
    }

    @Test func checkFileWithThreeMistakesReportsThree() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("queries.actq")
        try "status = open\nstauts = open and queue = x and createdDate >= yesterdy\nqueue = 1000 and type = email\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["check", file.path])
        #expect(result.status == 2)
        let headers = result.stderr.split(separator: "\n").filter { $0.hasPrefix(file.path + ":") }
        #expect(headers.map { String($0.dropFirst(file.path.count)) } == [
            ":2:1: error[V001]: unknown field 'stauts'; did you mean 'status'?",
            ":2:27: error[V010]: 'queue' takes an ID (a positive integer), not 'x'",
            ":2:48: error[V015]: expected a date, such as 2024-01-15, 2024-01-15T10:30:00Z, today or -7d; did you mean 'yesterday'?",
        ])
    }

    @Test func checkJSON() throws {
        let result = try ActqProcess.run(["check", "--format", "json", "-e", "status = open and status = closed"])
        #expect(result.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["errors"] as? Int == 1)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        let codes = diagnostics.compactMap { $0["code"] as? String }
        #expect(codes.contains("V008"))
        let conflict = try #require(diagnostics.first { $0["code"] as? String == "V008" })
        let start = try #require((conflict["range"] as? [String: Any])?["start"] as? [String: Int])
        #expect(start["line"] == 1)
        #expect(start["column"] == 19)
    }

    @Test func checkReadsStandardInput() throws {
        let result = try ActqProcess.run(["check"], stdin: Data("status = open\ntype = chat\n".utf8))
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("<stdin>:2:1: error[V007]"))
    }

    @Test func checkInvalidUTF8AndNUL() throws {
        let bytes: [UInt8] = Array("status = op".utf8) + [0xFF] + Array("en\nqueue = 1".utf8) + [0] + Array("\n".utf8)
        let result = try ActqProcess.run(["check"], stdin: Data(bytes))
        #expect(result.status == 2)
        #expect(result.stderr.contains("<stdin>:1:12: error[L004]: invalid UTF-8"))
        #expect(result.stderr.contains("<stdin>:2:10: error[L005]: NUL character"))
    }

    @Test func fmtPrintsCanonicalForm() throws {
        let result = try ActqProcess.run(["fmt"], stdin: Data("# mine\nSTATUS=open AND queue=5 PAGE 2 SHOW ALL\n".utf8))
        #expect(result.status == 0)
        #expect(result.stdout == "# mine\nstatus = open and queue = 5 show all page 2\n")
    }

    /// `fmt --width` breaks a long query before each `and` and modifier; the result reads back as
    /// the same query (the same requests) and is its own canonical form at that width.
    @Test func fmtWidthBreaksLongQueriesWithLeadingOperators() throws {
        let query = "customer = 1002 and status = open and lastModifiedDate >= -7d sort by lastModifiedDate desc page 1 size 5"
        let broken = try ActqProcess.run(["fmt", "--width", "40", "-e", query])
        #expect(broken.status == 0, "\(broken.stderr)")
        #expect(broken.stdout == """
            customer = 1002
              and status = open
              and lastModifiedDate >= -7d
              sort by lastModifiedDate desc
              page 1 size 5

            """)
        let again = try ActqProcess.run(["fmt", "--width", "40"], stdin: Data(broken.stdout.utf8))
        #expect(again.stdout == broken.stdout)
        let explainedBroken = try ActqProcess.run(["explain"], stdin: Data(broken.stdout.utf8))
        let explained = try ActqProcess.run(["explain", "-e", query])
        #expect(explainedBroken.status == 0 && explainedBroken.stdout == explained.stdout)
        let short = try ActqProcess.run(["fmt", "--width", "200", "-e", query])
        #expect(short.stdout == query + "\n")
        #expect(try ActqProcess.run(["fmt", "--width", "0", "-e", query]).status == 64)
    }

    @Test func fmtWriteRewritesInPlaceAndRefusesBrokenFiles() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.actq")
        let bad = directory.appendingPathComponent("bad.actq")
        try "status=open\n".write(to: good, atomically: true, encoding: .utf8)
        try "status = (open\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["fmt", "--write", good.path, bad.path])
        #expect(result.status == 2)
        #expect(try String(contentsOf: good, encoding: .utf8) == "status = open\n")
        #expect(try String(contentsOf: bad, encoding: .utf8) == "status = (open\n", "a file with syntax errors is left as it is")
        #expect(result.stderr.contains("bad.actq:1:10: error[S003]"))
    }

    @Test func fromURL() throws {
        let result = try ActqProcess.run(["from-url", "https://ece.example.com/system/ws/v12/interaction/activity?status=open&lastModifiedDate=[2024-01-01T00:00:00.000Z,]&$sort=lastModifiedDate&$order=desc"])
        #expect(result.status == 0)
        #expect(result.stdout == "status = open and lastModifiedDate >= 2024-01-01T00:00:00.000Z sort by lastModifiedDate desc\n")
        let bad = try ActqProcess.run(["from-url", "type=email&foo=1"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("<url>:1:12: error[U001]: unsupported query parameter 'foo' (400-101)"))
    }

    @Test func fromURLOfExplainGivesBackFmt() throws {
        let query = "status = open and lastModifiedDate in [2024-01-01T00:00:00.000Z .. 2024-01-31T23:59:59.999Z] sort by id desc page 2 size 10"
        let explained = try ActqProcess.run(["explain", "-e", query])
        let url = String(explained.stdout.split(separator: "\n")[0].dropFirst("GET ".count))
        let back = try ActqProcess.run(["from-url", url])
        let formatted = try ActqProcess.run(["fmt", "-e", query])
        #expect(back.stdout == formatted.stdout)
    }

    @Test func usageErrorsExit64() throws {
        #expect(try ActqProcess.run(["explain", "--bogus"]).status == 64)
        #expect(try ActqProcess.run(["explain", "--tz", "Nowhere/City", "-e", "queue = 1"]).status == 64)
        #expect(try ActqProcess.run(["check", "/nonexistent/file.actq"]).status == 64)
        #expect(try ActqProcess.run(["--format", "csv", "check", "-e", "queue = 1"]).status == 64)
    }

    @Test func helpDocumentsExitCodes() throws {
        let result = try ActqProcess.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("64  bad command-line usage"))
        #expect(result.stdout.contains("2   a query has errors (syntax or validation)"))
    }

    @Test func colourOnlyWhenAsked() throws {
        let plain = try ActqProcess.run(["check", "-e", "type = email"])
        #expect(!plain.stderr.contains("\u{1B}["))
        let coloured = try ActqProcess.run(["check", "--color", "always", "-e", "type = email"])
        #expect(coloured.stderr.contains("\u{1B}[1;31merror"))
    }
}
