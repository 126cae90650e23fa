import Foundation
import Testing

/// Promises README makes that no other test checked, each as a user would see it.
@Suite struct ReadmePromiseTests {
    @Test func aQueryMayBecomeAtMost32RequestsByDefault() throws {
        let values = (1...33).map(String.init).joined(separator: ", ")
        let over = try ActqProcess.run(["check", "-e", "queue in (\(values))"])
        #expect(over.status == 2)
        #expect(over.stderr.contains("error[V031]: this query would take 33 API requests; the limit is 32"), "\(over.stderr)")
        let at = try ActqProcess.run(["check", "-e", "queue in (\((1...32).map(String.init).joined(separator: ", ")))"])
        #expect(at.status == 0, "\(at.stderr)")
        let raised = try ActqProcess.run(["check", "--max-requests", "40", "-e", "queue in (\(values))"])
        #expect(raised.status == 0, "\(raised.stderr)")
    }

    @Test func wireXMLIsAFlagThatExplainShows() throws {
        let xml = try ActqProcess.run(["explain", "--wire", "xml", "-e", "status = open"])
        #expect(xml.stdout.contains("Accept: application/xml"))
        let json = try ActqProcess.run(["explain", "-e", "status = open"])
        #expect(json.stdout.contains("Accept: application/json"))
    }

    @Test func urlAndUserComeFromTheEnvironment() throws {
        // Nothing listens on port 9: the message names the URL from ACTQ_URL, the exit is 3.
        let result = try ActqProcess.run(["--timeout", "2", "-e", "status = open"],
                                         environment: ["ACTQ_URL": "http://127.0.0.1:9/system", "ACTQ_USER": "zed", "ACTQ_PASSWORD": "pw-env"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("http://127.0.0.1:9/system"), "\(result.stderr)")
        #expect(!result.stderr.contains("pw-env"))
    }

    @Test func colorFollowsTheOption() throws {
        let always = try ActqProcess.run(["--color", "always", "check", "-e", "type = email"])
        #expect(always.stderr.contains("\u{1B}["))
        let never = try ActqProcess.run(["--color", "never", "check", "-e", "type = email"])
        #expect(!never.stderr.contains("\u{1B}["))
        // Not a terminal: no colour unless asked for, NO_COLOR or not.
        let auto = try ActqProcess.run(["check", "-e", "type = email"], environment: ["NO_COLOR": "1"])
        #expect(!auto.stderr.contains("\u{1B}["))
        #expect(auto.stderr.contains("error[V007]"))
    }

    /// `$name` is a value from `--param`: checked as the field's value, never read as query text.
    @Test func parametersAreValuesNeverQueryText() throws {
        let given = try ActqProcess.run(["explain", "--param", "q=1000", "-e", "queue = $q and status = open"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stdout.contains("GET /ws/v12/interaction/activity?status=open&queue=1000\n"), "\(given.stdout)")
        let injected = try ActqProcess.run(["explain", "--param", "s=open or queue = 5", "-e", "status = $s"])
        #expect(injected.stdout.components(separatedBy: "GET ").count == 2, "one request, not a planned 'or'")
        #expect(injected.stdout.contains("status=open%20or%20queue%20%3D%205"))
        #expect(injected.stderr.contains("warning[V011]: unknown status 'open or queue = 5'"))
        let unset = try ActqProcess.run(["check", "-e", "queue = $q"])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("<expr>:1:9: error[V040]: the parameter $q has no value"), "\(unset.stderr)")
        let wrong = try ActqProcess.run(["check", "--param", "q=abc", "-e", "queue = $q"])
        #expect(wrong.stderr.contains("error[V041]: $q is 'abc' (from --param q)"), "\(wrong.stderr)")
        #expect(try ActqProcess.run(["check", "--param", "q", "-e", "queue = 1"]).status == 64)
        // Before the subcommand too, as every global option.
        let before = try ActqProcess.run(["--param", "n=2", "explain", "-e", "status = open page 1 size $n"])
        #expect(before.stdout.contains("$pagenum=1&$pagesize=2"), "\(before.stdout)\(before.stderr)")
        let formatted = try ActqProcess.run(["fmt", "-e", "queue=$q  and status=open"])
        #expect(formatted.stdout == "queue = $q and status = open\n")
        let run = try ActqProcess.run(["--param", "c=1080", "--format", "ndjson", "-e", "customer = $c"])
        let direct = try ActqProcess.run(["--format", "ndjson", "-e", "customer = 1080"])
        #expect(run.status == 0 && !run.stdout.isEmpty && run.stdout == direct.stdout)
    }
}
