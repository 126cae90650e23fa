import ActqTestSupport
import Foundation
import Testing

/// `actq serve` as a process, and actq as its client: the remote backend end to end, over HTTP
/// on 127.0.0.1, with sessions kept between runs.
final class ServeProcess {
    let pid: pid_t
    let port: Int
    let stderrPath: String

    /// Starts the emulator on a free port and waits for its start-up line.
    init(arguments: [String], environment: [String: String] = [:], home: URL) throws {
        stderrPath = home.appendingPathComponent("serve-\(UUID().uuidString).err").path
        pid = try spawn(ActqProcess.executable.path, ["serve", "--port", "0"] + arguments,
                        environment: ActqProcess.environment(environment, home: home), stderr: stderrPath)
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil, Date() < deadline {
            let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:(\d+)/system"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":")[2].prefix { $0.isNumber })
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            kill(pid, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: ["stderr": (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""])
        }
        port = found
    }

    var url: String { "http://127.0.0.1:\(port)/system" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Stops the server with a signal and returns its exit code.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(pid, signal)
        return waitForExit(pid)
    }
}

@Suite(.serialized) struct ServeTests {
    static let password = "s3cret-for-tests"

    static func home() throws -> URL { try ActqProcess.temporaryDirectory() }

    static func usersFile(in home: URL) throws -> String {
        let path = home.appendingPathComponent("users.toml").path
        try """
            [users.jenny]
            password = "\(password)"

            [users.frank]
            password_sha256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"  # "password"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func loginQueryLogoutWithTheSessionKeptBetweenRuns() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store, "--users", try Self.usersFile(in: home)], home: home)
        defer { server.stop() }
        let remote = ["--url", server.url, "--user", "jenny"]

        let login = try ActqProcess.run(["login"] + remote, environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stderr.contains("logged in to \(server.url) as jenny"))
        let sessionFile = home.appendingPathComponent("state/actq/sessions.json").path
        let attributes = try FileManager.default.attributesOfItem(atPath: sessionFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let kept = try String(contentsOfFile: sessionFile, encoding: .utf8)
        #expect(!kept.contains(Self.password))

        // The kept session is used: a wrong password in the environment is never needed.
        let query = try ActqProcess.run(["-e", "customer = 1002", "--format", "json"] + remote,
                                        environment: ["ACTQ_PASSWORD": "not-it"], home: home)
        #expect(query.status == 0, "\(query.stderr)")
        let local = try ActqProcess.run(["-e", "customer = 1002", "--format", "json", "--db", store], home: home)
        #expect(query.stdout == local.stdout)

        let logout = try ActqProcess.run(["logout"] + remote, home: home)
        #expect(logout.status == 0, "\(logout.stderr)")
        let after = try ActqProcess.run(["-e", "customer = 1002"] + remote, environment: ["ACTQ_PASSWORD": "not-it"], home: home)
        #expect(after.status == 3)
        #expect(after.stderr.contains("invalid user name or password"))
        #expect(!after.stderr.contains("not-it"))
        #expect(!server.stderr.contains(Self.password))
    }

    @Test func everyExampleGivesTheSameOutputOnBothBackends() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store], environment: ["ACTQ_SERVE_PASSWORD": Self.password], home: home)
        defer { server.stop() }
        let examples = ActqProcess.packageRoot.appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".actq") }.sorted()
        for format in ["json", "csv"] {
            for file in files {
                let path = examples.appendingPathComponent(file).path
                let local = try ActqProcess.run(["run", path, "--format", format, "--db", store], home: home)
                let remote = try ActqProcess.run(["run", path, "--format", format, "--backend", "remote", "--url", server.url, "--user", "demo"],
                                                 environment: ["ACTQ_PASSWORD": Self.password], home: home)
                #expect(remote.status == local.status, "\(file): \(remote.stderr)")
                #expect(remote.stdout == local.stdout, "\(file) as \(format)")
            }
        }
        let all = ["-e", "customer = 1500", "--all", "--format", "json"]
        let local = try ActqProcess.run(all + ["--db", store], home: home)
        let remote = try ActqProcess.run(all + ["--url", server.url, "--user", "demo"], environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(remote.status == 0)
        #expect(remote.stdout == local.stdout)
        #expect(remote.stdout.contains(#""paginationInfo":{"count":37,"pagenum":1,"pagesize":37}"#))
    }

    @Test func plannedQueriesMergeAlikeOnBothBackends() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store], environment: ["ACTQ_SERVE_PASSWORD": Self.password], home: home)
        defer { server.stop() }
        let query = ["-e", "customer in (1002, 1500) and status = open sort by lastModifiedDate desc page 2 size 5", "--format", "json"]
        let local = try ActqProcess.run(query + ["--db", store], home: home)
        let remote = try ActqProcess.run(query + ["--url", server.url, "--user", "demo"], environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(local.status == 0 && remote.status == 0, "\(remote.stderr)")
        let localObject = try #require(try JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let remoteObject = try #require(try JSONSerialization.jsonObject(with: Data(remote.stdout.utf8)) as? [String: Any])
        let ids = { (object: [String: Any]) in (object["activity"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int } }
        #expect(ids(localObject) == ids(remoteObject))
        let count = try #require((localObject["paginationInfo"] as? [String: Int])?["count"])
        #expect(count > 5)
        #expect(ids(localObject).count == min(5, count - 5))
        #expect(localObject["paginationInfo"] as? [String: Int] == remoteObject["paginationInfo"] as? [String: Int])
        #expect(localObject["requests"] == nil)  // one SQL query on the local store
        #expect(remoteObject["requests"] as? Int == 2)

        let explained = try ActqProcess.run(["explain", "-e", "customer in (1002, 1500) and status = open"], home: home)
        #expect(explained.stdout.components(separatedBy: "GET /ws/v12/interaction/activity?").count == 3)
        let capped = try ActqProcess.run(["check", "-e", "customer in (1, 2, 3)", "--max-requests", "2"], home: home)
        #expect(capped.status == 2)
        #expect(capped.stderr.contains("this query would take 3 API requests; the limit is 2"))
    }

    /// A default profile makes the remote backend the default; a session from ACTQ_SESSION is
    /// used as it is and never written to the session file.
    @Test func defaultProfileAndSessionFromTheEnvironment() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", try ActqProcess.fixtureStore.get(), "--users", try Self.usersFile(in: home)], home: home)
        defer { server.stop() }
        let config = home.appendingPathComponent("config/actq")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "default_profile = \"test\"\n[profiles.test]\nurl = \"\(server.url)\"\nuser = \"jenny\"\n"
            .write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let sessionFile = home.appendingPathComponent("state/actq/sessions.json").path

        // No password anywhere: only a valid session from the environment can answer.
        let login = try ActqProcess.run(["login"], environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(login.status == 0, "\(login.stderr)")
        let kept = try String(contentsOfFile: sessionFile, encoding: .utf8)
        let session = try #require(kept.split(separator: "\"").dropLast().last.map(String.init))
        try FileManager.default.removeItem(atPath: sessionFile)
        let query = try ActqProcess.run(["-e", "customer = 1002", "--format", "ndjson"], environment: ["ACTQ_SESSION": session], home: home)
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout.split(separator: "\n").count == 2)
        #expect(!FileManager.default.fileExists(atPath: sessionFile))

        // --db still picks the local store.
        let local = try ActqProcess.run(["-e", "customer = 1002", "--format", "ndjson", "--db", try ActqProcess.fixtureStore.get()], home: home)
        #expect(local.stdout == query.stdout)
    }

    @Test func insecureSaysSo() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let result = try ActqProcess.run(["-e", "status = open", "--url", "https://127.0.0.1:9/system", "--user", "jenny",
                                          "--insecure", "--timeout", "1"], environment: ["ACTQ_PASSWORD": "x"], home: home)
        #expect(result.status == 3)
        #expect(result.stderr.contains("warning: TLS certificates of https://127.0.0.1:9/system are not verified (--insecure)"))
    }

    @Test func profilesAndXMLOnTheWire() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store, "--users", try Self.usersFile(in: home)], home: home)
        defer { server.stop() }
        let config = home.appendingPathComponent("config/actq")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try """
            [profiles.test]
            url = "\(server.url)"
            user = "frank"
            wire = "xml"
            timeout = 5
            """.write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["--profile", "test", "-e", "case = 1001 page 2 size 10", "--format", "csv"],
                                         environment: ["ACTQ_PASSWORD": "password"], home: home)
        #expect(result.status == 0, "\(result.stderr)")
        let local = try ActqProcess.run(["-e", "case = 1001 page 2 size 10", "--format", "csv", "--db", store], home: home)
        #expect(result.stdout == local.stdout)
        #expect(result.stdout.utf8.filter { $0 == 10 }.count == 3)  // CSV lines end in CRLF

        try "[profiles.test]\nurl = 5\n".write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let broken = try ActqProcess.run(["--profile", "test", "-e", "case = 1001"], home: home)
        #expect(broken.status == 64)
        #expect(broken.stderr.contains("config.toml: profiles.test.url must be a string"))
    }

    @Test func failuresExitWithOneLineAndNoSecret() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store, "--users", try Self.usersFile(in: home)], home: home)
        let url = server.url

        let wrong = try ActqProcess.run(["-e", "status = open", "--url", url, "--user", "jenny"],
                                        environment: ["ACTQ_PASSWORD": "hunter2-wrong"], home: home)
        #expect(wrong.status == 3)
        #expect(wrong.stdout.isEmpty)
        #expect(wrong.stderr.split(separator: "\n").count == 1)
        #expect(!wrong.stderr.contains("hunter2"))

        // The server refuses what actq would not send: a 400 from the server is a run-time failure.
        let ok = try ActqProcess.run(["-e", "status = open", "-e", "customer = 1002", "--url", url, "--user", "jenny", "--format", "ndjson"],
                                     environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(ok.status == 0)

        #expect(server.stop(SIGTERM) == 0)
        #expect(server.stderr.contains("actq serve: stopped"))
        let gone = try ActqProcess.run(["-e", "status = open", "--url", url, "--user", "jenny", "--timeout", "2"],
                                       environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(gone.status == 3)
        #expect(gone.stderr.contains("connection refused"))
        let notHTTP = try ActqProcess.run(["-e", "status = open", "--url", "ftp://host/system", "--user", "jenny"], home: home)
        #expect(notHTTP.status == 64)
        #expect(notHTTP.stderr.contains("'ftp://host/system' is not an http or https URL"))
        #expect(!gone.stderr.contains(Self.password))
    }

    @Test(.enabled(if: REPLTests.runsTmuxTests))
    func passwordPromptDoesNotEcho() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", try ActqProcess.fixtureStore.get(), "--users", try Self.usersFile(in: home)], home: home)
        defer { server.stop() }
        let session = try TmuxSession(arguments: ["login", "--url", server.url, "--user", "jenny"], home: home)
        // Keep the pane when actq has exited, to read what it printed last.
        _ = try session.tmux(["set-option", "-t", session.name, "remain-on-exit", "on"])
        try session.wait(for: "Password for jenny at \(server.url):")
        try session.type(Self.password)
        try session.press("Enter")
        let screen = try session.wait(for: "logged in to \(server.url) as jenny")
        #expect(!screen.contains(Self.password))
        let kept = try String(contentsOf: home.appendingPathComponent("state/actq/sessions.json"), encoding: .utf8)
        #expect(kept.contains("jenny @ \(server.url)"))
    }

    @Test func serveChecksItsInputs() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let bad = home.appendingPathComponent("bad.toml").path
        try "[users.jenny]\npasword = \"x\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let typo = try ActqProcess.run(["serve", "--port", "0", "--users", bad, "--db", try ActqProcess.fixtureStore.get()], home: home)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("users.jenny: unknown key 'pasword'"))
        let missing = try ActqProcess.run(["serve", "--port", "0", "--db", home.appendingPathComponent("none.sqlite").path], home: home)
        #expect(missing.status == 3)
    }

    @Test func generatedPasswordIsPrintedOnce() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", try ActqProcess.fixtureStore.get()], home: home)
        defer { server.stop() }
        let line = try #require(server.stderr.split(separator: "\n").first { $0.contains("user demo, password ") })
        let password = String(line.split(separator: " ").drop { $0 != "password" }.dropFirst().first ?? "")
        #expect(password.count == 20)
        let result = try ActqProcess.run(["-e", "customer = 1002", "--url", server.url, "--user", "demo", "--format", "ndjson"],
                                         environment: ["ACTQ_PASSWORD": password], home: home)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(server.stderr.components(separatedBy: password).count == 2)
    }

    /// A user has at most five sessions. Logging in again in one place replaces that place's
    /// session; a sixth place is refused unless it forces the oldest session out.
    @Test func loginForceEndsTheOldestSession() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", try ActqProcess.fixtureStore.get(), "--users", try Self.usersFile(in: home)],
                                      home: home)
        defer { server.stop() }
        let places = try (0..<6).map { _ in try ActqProcess.temporaryDirectory() }
        defer { for place in places { try? FileManager.default.removeItem(at: place) } }
        func login(_ place: URL, _ extra: [String] = []) throws -> ActqProcess.Result {
            try ActqProcess.run(["login", "--url", server.url, "--user", "jenny"] + extra, environment: ["ACTQ_PASSWORD": Self.password], home: place)
        }
        for _ in 0..<6 {
            let again = try login(places[0])
            #expect(again.status == 0, "\(again.stderr)")
        }
        for place in places[1..<5] {
            let other = try login(place)
            #expect(other.status == 0, "\(other.stderr)")
        }
        let sixth = try login(places[5])
        #expect(sixth.status == 3, "\(sixth.stderr)")
        #expect(sixth.stderr.contains("already has 5 sessions; log in with forceLogin=yes to end the oldest"), "\(sixth.stderr)")
        let forced = try login(places[5], ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        // The kept session works without a password; the one forced out (the oldest) does not.
        let newest = try ActqProcess.run(["-e", "customer = 1002", "--url", server.url, "--user", "jenny"], home: places[5])
        #expect(newest.status == 0, "\(newest.stderr)")
        let oldest = try ActqProcess.run(["-e", "customer = 1002", "--url", server.url, "--user", "jenny"], home: places[0])
        #expect(oldest.status == 3, "\(oldest.stderr)")
    }

    /// SIGINT stops the server as SIGTERM does: exit 0, "stopped", the port closed.
    @Test func sigintStopsTheServerGracefully() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try ServeProcess(arguments: ["--db", try ActqProcess.fixtureStore.get(), "--users", try Self.usersFile(in: home)],
                                      home: home)
        let url = server.url
        #expect(server.stop(SIGINT) == 0)
        #expect(server.stderr.contains("actq serve: stopped"), "\(server.stderr)")
        let gone = try ActqProcess.run(["-e", "status = open", "--url", url, "--user", "jenny", "--timeout", "2"],
                                       environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(gone.status == 3)
        #expect(gone.stderr.contains("connection refused"), "\(gone.stderr)")
    }

    /// A session ends after --session-timeout seconds without a request; actq then logs in once
    /// more. The request log has method, path, query, status and time, and never a session ID
    /// or a password.
    @Test func sessionsEndAfterTheTimeoutAndTheLogKeepsNoSecrets() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        // One second, or more in a slow instrumented build, where a run of actq may take that long.
        let timeout = Int(TestTime.seconds(1))
        let server = try ServeProcess(
            arguments: ["--db", try ActqProcess.fixtureStore.get(), "--users", try Self.usersFile(in: home), "--session-timeout", String(timeout)],
            home: home)
        defer { server.stop() }
        let remote = ["-e", "customer = 1002", "--url", server.url, "--user", "jenny", "--format", "ndjson"]
        let first = try ActqProcess.run(remote, environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(first.status == 0, "\(first.stderr)")
        let sessionFile = home.appendingPathComponent("state/actq/sessions.json")
        let kept = try String(contentsOf: sessionFile, encoding: .utf8)
        let soon = try ActqProcess.run(remote, home: home)
        #expect(soon.status == 0, "within the timeout the kept session serves without a password: \(soon.stderr)")
        // The time without requests is what is tested here, so it is waited for.
        Thread.sleep(forTimeInterval: Double(timeout) * 1.5)
        let late = try ActqProcess.run(remote, home: home)
        #expect(late.status == 3, "the session has ended and there is no password to log in again: \(late.stderr)")
        #expect((try? String(contentsOf: sessionFile, encoding: .utf8)) != kept, "the refused session is not kept")
        let renewed = try ActqProcess.run(remote, environment: ["ACTQ_PASSWORD": Self.password], home: home)
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(renewed.stdout == first.stdout)

        let log = server.stderr.split(separator: "\n").map(String.init)
        let searches = log.filter { $0.contains("GET /system/ws/v12/interaction/activity") }
        #expect(searches.count == 4, "\(log)")
        #expect(searches.filter { $0.contains(" 200 ") }.count == 3, "\(searches)")
        #expect(searches.filter { $0.contains(" 401 ") }.count == 1, "\(searches)")
        #expect(searches.allSatisfy { $0.contains("customer=1002") && $0.contains(" ms") }, "\(searches)")
        let sessions = try #require(try JSONSerialization.jsonObject(with: Data(kept.utf8)) as? [String: String])
        let ids = Array(sessions.values)
        #expect(!ids.isEmpty, "\(kept)")
        for id in ids { #expect(!server.stderr.contains(id)) }
        #expect(!server.stderr.contains(Self.password))
    }
}
