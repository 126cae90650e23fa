import ActqTestSupport
import Foundation
import Testing

/// `actq watch` as a process on a store that changes between its rounds.
@Suite struct WatchTests {
    static func now(plus seconds: Double = 0) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date().addingTimeInterval(seconds))
    }

    /// Waits until `file` satisfies `condition` (a hang guard, not a measurement).
    static func wait(for file: String, timeout: Double = TestTime.seconds(30), until condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if condition(text) { return text }
            usleep(50_000)
        }
        return text
    }

    @Test func newAndModifiedActivitiesAreReportedOnceEach() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = home.appendingPathComponent("watched.sqlite").path
        #expect(try ActqProcess.run(["demo", "--count", "400", "--seed", "5", "--until", "2024-06-01", "--db", store]).status == 0)
        let first = try ActqProcess.run(["--db", store, "--all", "--format", "ndjson", "-e", "customer = 1080 show all"])
        let initial = first.stdout.split(separator: "\n").map(String.init)
        #expect(!initial.isEmpty)

        let output = home.appendingPathComponent("watch.ndjson").path
        let errors = home.appendingPathComponent("watch.err").path
        let pid = try spawn(ActqProcess.executable.path, ["watch", "--every", "1s", "--format", "ndjson", "--db", store, "-e", "customer = 1080"],
                            environment: ActqProcess.environment([:], home: home), stdout: output, stderr: errors)
        let round1 = Self.wait(for: output) { $0.split(separator: "\n").count >= initial.count }
        #expect(round1.split(separator: "\n").count == initial.count, "round one is the query's result")

        // A new activity of the customer, and one of its activities modified, both now.
        let modified = try #require(try JSONSerialization.jsonObject(with: Data(initial[0].utf8)) as? [String: Any])
        var changed = modified
        changed["lastModified"] = ["date": Self.now()]
        changed["subject"] = "changed while watched"
        let new: [String: Any] = ["id": 990_001, "customer": ["id": 1080], "status": ["value": "open"], "type": ["value": "email"],
                                  "lastModified": ["date": Self.now()]]
        let changes = home.appendingPathComponent("changes.ndjson")
        try (String(decoding: try JSONSerialization.data(withJSONObject: changed), as: UTF8.self) + "\n"
            + String(decoding: try JSONSerialization.data(withJSONObject: new), as: UTF8.self) + "\n").write(to: changes, atomically: false, encoding: .utf8)
        #expect(try ActqProcess.run(["import", changes.path, "--db", store]).status == 0)

        let reported = Self.wait(for: output) { $0.contains(#""change":"new""#) && $0.contains(#""change":"modified""#) }
        let lines = reported.split(separator: "\n").dropFirst(initial.count)
        let reports = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .map { ($0["change"] as? String ?? "", ($0["activity"] as? [String: Any])?["id"] as? Int ?? 0) }
        #expect(reports.contains { $0 == ("new", 990_001) }, "\(lines)")
        #expect(reports.contains { $0 == ("modified", modified["id"] as? Int ?? -1) }, "\(lines)")
        // The next round has nothing new to say: the absence of a report can only be waited for.
        Thread.sleep(forTimeInterval: 2.2)
        kill(pid, SIGINT)
        #expect(waitForExit(pid) == 0, "Ctrl-C ends a watch cleanly")
        let final = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst(initial.count)
        #expect(final.count == 2, "each change once: \(final)")
        #expect(try String(contentsOfFile: errors, encoding: .utf8).isEmpty)
    }

    @Test func watchChecksItsArguments() throws {
        #expect(try ActqProcess.run(["watch", "--every", "soon", "-e", "status = open"]).status == 64)
        #expect(try ActqProcess.run(["watch", "-e", "status = open", "-e", "queue = 1"]).status == 64)
        #expect(try ActqProcess.run(["watch", "-e", "status = open count"]).status == 64)
        #expect(try ActqProcess.run(["watch", "-e", "type = email"]).status == 2)
    }
}
