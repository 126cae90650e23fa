import ActqTestSupport
import Foundation
import Testing

/// `count`, `count by FIELD` and `count by DATE per UNIT` on the local store and on the emulator
/// over HTTP, checked against counting the activities themselves.
@Suite(.serialized) struct CountTests {
    static let password = "count-tests-password"

    /// A demo store and its activities as NDJSON (every attribute), made once.
    nonisolated(unsafe) static let store: Swift.Result<(path: String, activities: [[String: Any]]), Error> = Swift.Result {
        let home = try ActqProcess.temporaryDirectory()
        let path = home.appendingPathComponent("count.sqlite").path
        let made = try ActqProcess.run(["demo", "--count", "1500", "--seed", "21", "--until", "2024-06-01", "--db", path])
        guard made.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        let all = try ActqProcess.run(["--db", path, "--all", "--format", "ndjson", "-e", "lastModifiedDate >= 2000-01-01 show all"])
        let activities = all.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (path, activities)
    }

    static func groups(_ output: String) throws -> [String: Int] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        var result: [String: Int] = [:]
        for group in groups { result[(group["value"] as? String) ?? "null"] = group["count"] as? Int }
        #expect(object["count"] as? Int == result.values.reduce(0, +))
        return result
    }

    static func code(_ activity: [String: Any], _ key: String) -> String? {
        (activity[key] as? [String: Any])?["value"] as? String
    }

    @Test func countsOnTheLocalStoreMatchTheActivities() throws {
        let (path, activities) = try Self.store.get()
        #expect(activities.count == 1500)
        let open = activities.filter { Self.code($0, "status") == "open" }
        let total = try ActqProcess.run(["--db", path, "--format", "json", "-e", "status = open count"])
        #expect(total.stdout == "{\"count\":\(open.count)}\n", "\(total.stderr)")

        var byType: [String: Int] = [:]
        for activity in open { byType[Self.code(activity, "type") ?? "null", default: 0] += 1 }
        let grouped = try ActqProcess.run(["--db", path, "--format", "json", "-e", "status = open count by type"])
        #expect(try Self.groups(grouped.stdout) == byType)

        var byQueue: [String: Int] = ["1000": 0, "1001": 0]
        for activity in open {
            if let queue = (activity["queue"] as? [String: Any])?["id"] as? Int, queue == 1000 || queue == 1001 { byQueue[String(queue), default: 0] += 1 }
        }
        let listed = try ActqProcess.run(["--db", path, "--format", "json", "-e", "queue in (1000, 1001) and status = open count by queue"])
        #expect(try Self.groups(listed.stdout) == byQueue)
    }

    @Test func countsPerMonthCoverTheRangeWithEmptyBuckets() throws {
        let (path, activities) = try Self.store.get()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var perMonth: [String: Int] = [:]
        for activity in activities {
            guard let text = (activity["lastModified"] as? [String: Any])?["date"] as? String, let date = formatter.date(from: text),
                  text >= "2023-01-01", text < "2024-07-01" else { continue }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let month = calendar.dateInterval(of: .month, for: date)!.start
            perMonth[formatter.string(from: month), default: 0] += 1
        }
        let result = try ActqProcess.run(["--db", path, "--format", "json", "--max-requests", "40",
                                          "-e", "lastModifiedDate in [2023-01-01 .. 2024-06-30] count by lastModifiedDate per month"])
        let groups = try Self.groups(result.stdout)
        #expect(groups.count == 18, "every month of the range, empty ones too: \(groups.keys.sorted())")
        for (month, count) in groups { #expect(count == perMonth[month] ?? 0, "\(month)") }
        let tooMany = try ActqProcess.run(["--db", path, "-e", "lastModifiedDate in [2023-01-01 .. 2024-06-30] count by lastModifiedDate per day"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("error[V031]"), "\(tooMany.stderr)")
    }

    @Test func theEmulatorCountsAsTheStoreDoes() throws {
        let (path, _) = try Self.store.get()
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", path], environment: ["ACTQ_SERVE_PASSWORD": Self.password], home: home)
        defer { server.stop() }
        let remote = ["--url", server.url, "--user", "demo", "--format", "json"]
        let environment = ["ACTQ_PASSWORD": Self.password]
        for query in ["status = open count", "queue in (1000, 1001, 1002) and status = open count by queue",
                      "lastModifiedDate in [2024-01-01 .. 2024-05-31] and mode = inbound count by lastModifiedDate per month"] {
            let local = try ActqProcess.run(["--db", path, "--format", "json", "-e", query])
            let overHTTP = try ActqProcess.run(remote + ["-e", query], environment: environment, home: home)
            #expect(overHTTP.status == 0, "\(query): \(overHTTP.stderr)")
            #expect(overHTTP.stdout == local.stdout, "\(query)")
        }
        // Without a list the API cannot group: the error shows the list form; --all counts every match.
        let unlisted = try ActqProcess.run(remote + ["-e", "status = open count by type"], environment: environment, home: home)
        #expect(unlisted.status == 2)
        #expect(unlisted.stderr.contains("write 'type in (a, b, …) and … count by type'"), "\(unlisted.stderr)")
        let fetched = try ActqProcess.run(remote + ["--all", "-e", "status = open count by type"], environment: environment, home: home)
        let local = try ActqProcess.run(["--db", path, "--format", "json", "-e", "status = open count by type"])
        #expect(try Self.groups(fetched.stdout) == Self.groups(local.stdout))
    }

    @Test func countFormats() throws {
        let (path, _) = try Self.store.get()
        let csv = try ActqProcess.run(["--db", path, "--format", "csv", "-e", "queue in (1000, 1001) count by queue"])
        #expect(csv.stdout.hasPrefix("value,count\n1000,"), "\(csv.stdout)")
        let ndjson = try ActqProcess.run(["--db", path, "--format", "ndjson", "-e", "queue in (1000, 1001) count by queue"])
        #expect(ndjson.stdout.split(separator: "\n").count == 2 && ndjson.stdout.hasPrefix("{\"value\":\"1000\",\"count\":"))
        let table = try ActqProcess.run(["--db", path, "-e", "queue in (1000, 1001) count by queue"], environment: ["LANG": "C.UTF-8"])
        #expect(table.stdout.contains("█"), "\(table.stdout)")
        let plain = try ActqProcess.run(["--db", path, "--color", "never", "-e", "queue in (1000, 1001) count by queue"],
                                        environment: ["LANG": "C.UTF-8"])
        #expect(plain.stdout.contains("#") && !plain.stdout.contains("█"), "\(plain.stdout)")
        let explained = try ActqProcess.run(["explain", "-e", "queue in (1000, 1001) count by queue"])
        #expect(explained.stdout.components(separatedBy: "$pagesize=1").count == 3)
    }
}
