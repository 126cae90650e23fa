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
}
