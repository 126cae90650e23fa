import ActqTestSupport
import Foundation
import Testing

/// Hostile and unlucky use of the binary: numbers out of range, writers killed mid-way, readers
/// beside a writer, files replaced in place.
@Suite(.serialized) struct HardeningTests {
    // MARK: Numbers are checked where they enter

    @Test(arguments: [
        (["serve", "--session-timeout", "20000000000"], "--session-timeout is 1 to"),
        (["serve", "--session-timeout", "0"], "--session-timeout is 1 to"),
        (["--timeout", "1e300", "--url", "http://127.0.0.1:9/system", "--user", "a", "-e", "status = open"], "--timeout is a number of seconds"),
        (["--timeout", "nan", "--url", "http://127.0.0.1:9/system", "--user", "a", "-e", "status = open"], "--timeout is a number of seconds"),
        (["--timeout=-1", "--url", "http://127.0.0.1:9/system", "--user", "a", "-e", "status = open"], "--timeout is a number of seconds"),
        (["demo", "--until", "0001-03-01T00:00:00Z", "--count", "10"], "--until is from 0003-01-01"),
        (["demo", "--count=-5"], "--count is 0 to"),
    ])
    func numbersOutOfRangeAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let result = try ActqProcess.run(arguments + (arguments.first == "demo" ? ["--db", home.appendingPathComponent("d.sqlite").path] : []),
                                         home: home)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aProfileTimeoutOutOfRangeNamesTheFile() throws {
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = home.appendingPathComponent("config/actq")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[profiles.t]\nurl = \"http://127.0.0.1:9/system\"\nuser = \"a\"\ntimeout = 1e300\n"
            .write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let result = try ActqProcess.run(["--profile", "t", "-e", "status = open"], home: home)
        #expect(result.status == 64)
        #expect(result.stderr.contains("config.toml: profiles.t.timeout must be a number of seconds from 0.001 to 86400"), "\(result.stderr)")
    }

    @Test func aHugeSessionTimeoutServesSearches() throws {
        // Ten years is allowed; before, any timeout past ~584 years overflowed the session table
        // on the first search that carried a session header, before authentication.
        let home = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let store = try ActqProcess.fixtureStore.get()
        let server = try ServeProcess(arguments: ["--db", store, "--session-timeout", "316224000"],
                                      environment: ["ACTQ_SERVE_PASSWORD": "pw-for-tests"], home: home)
        defer { server.stop() }
        let result = try ActqProcess.run(["--url", server.url, "--user", "demo", "-e", "customer = 1002", "--format", "json"],
                                         environment: ["ACTQ_PASSWORD": "pw-for-tests"], home: home)
        #expect(result.status == 0, "\(result.stderr)")
        let stray = try ActqProcess.run(["--url", server.url, "--user", "demo", "-e", "customer = 1002"],
                                        environment: ["ACTQ_SESSION": "NOT-A-SESSION", "ACTQ_PASSWORD": "wrong"], home: home)
        #expect(stray.status == 3)
        #expect(server.stop() == 0, "the server must still be running: \(server.stderr)")
    }

    // MARK: Crashes and concurrent writers

    /// A base store, its whole content as NDJSON, and a larger import file that replaces it.
    struct Stores {
        let directory: URL
        let base: String
        let baseline: String
        let importFile: String
        let everything = "createdDate >= 1990-01-01"

        /// Made once per run (the import file takes a while); each test copies the base store.
        static let shared = Swift.Result { try Stores() }

        private init() throws {
            directory = ActqProcess.scratchHome.appendingPathComponent("hardening-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            base = directory.appendingPathComponent("base.sqlite").path
            let demo = try ActqProcess.run(["demo", "--count", "2000", "--until", "2024-06-01T00:00:00Z", "--db", base])
            guard demo.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": demo.stderr]) }
            baseline = try ActqProcess.run(["--db", base, "--all", "--format", "ndjson", "-e", everything + " show all"]).stdout
            // Other activities with the same IDs and more: an import that completed would show.
            let other = directory.appendingPathComponent("other.sqlite").path
            _ = try ActqProcess.run(["demo", "--count", "25000", "--seed", "99", "--until", "2024-06-01T00:00:00Z", "--db", other])
            importFile = directory.appendingPathComponent("import.ndjson").path
            try ActqProcess.run(["--db", other, "--all", "--format", "ndjson", "-e", everything + " show all"]).stdout
                .write(toFile: importFile, atomically: true, encoding: .utf8)
        }

        func content(of store: String) throws -> ActqProcess.Result {
            try ActqProcess.run(["--db", store, "--all", "--format", "ndjson", "-e", everything + " show all"])
        }

        func fresh(_ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            try FileManager.default.copyItem(atPath: base, toPath: path)
            return path
        }
    }

    @Test(.timeLimit(.minutes(TestTime.minutes(10))))
    func importsKilledAtRandomMomentsLoseNothing() async throws {
        try await offCooperativePool { () throws in
            let stores = try Stores.shared.get()
            #expect(stores.baseline.split(separator: "\n").count == 2000)

            // How long a whole import takes here: the kills fall inside it.
            let timing = try stores.fresh("timing.sqlite")
            let started = Date()
            let full = try ActqProcess.run(["import", stores.importFile, "--db", timing])
            let duration = Date().timeIntervalSince(started)
            #expect(full.status == 0, "\(full.stderr)")

            let complete = try stores.content(of: timing).stdout
            #expect(complete.split(separator: "\n").count == 25000)

            var generator = OracleRandom(seed: UInt64(ProcessInfo.processInfo.environment["ACTQ_TEST_SEED"] ?? "") ?? 11)
            let store = try stores.fresh("store.sqlite")
            var interrupted = 0
            var completed = 0
            // Kills fall at random in the first 80% of an import's estimated time. On a loaded
            // machine the timing run can be slower than the imports that follow; when a kill comes
            // too late, the estimate shrinks, so that most kills still fall inside an import.
            var estimate = duration
            var round = 0
            while interrupted < 10, round < 40 {
                defer { round += 1 }
                let pid = try spawn(ActqProcess.executable.path, ["import", stores.importFile, "--db", store],
                                    environment: ActqProcess.environment())
                usleep(UInt32(Double(generator.next() % 1000) / 1000 * estimate * 0.8 * 1_000_000))
                kill(pid, SIGKILL)
                let status = waitForExit(pid)
                let after = try stores.content(of: store)
                #expect(after.status == 0, "round \(round): \(after.stderr)")
                // All or nothing: exactly the store before the import, or all of it (when the kill
                // came after the commit, or the import had ended) — never a part.
                if after.stdout == stores.baseline {
                    #expect(status == 128 + SIGKILL, "round \(round): an import that ended left nothing")
                    interrupted += 1
                } else {
                    #expect(after.stdout == complete, "round \(round): a killed import left part of itself (exit \(status))")
                    completed += 1
                    estimate *= 0.7
                    _ = try stores.fresh("store.sqlite")
                    continue
                }
                // The emulator opens the store at once too.
                let server = try ServeProcess(arguments: ["--db", store], environment: ["ACTQ_SERVE_PASSWORD": "pw"],
                                              home: stores.directory)
                let search = try ActqProcess.run(["--url", server.url, "--user", "demo", "--format", "json", "-e", "customer = 1080"],
                                                 environment: ["ACTQ_PASSWORD": "pw"], home: stores.directory)
                let local = try ActqProcess.run(["--db", store, "--format", "json", "-e", "customer = 1080"])
                #expect(search.status == 0, "round \(round): \(search.stderr)")
                #expect(search.stdout == local.stdout)
                server.stop()
            }
            #expect(interrupted >= 10, "kills must fall before an import's commit (\(interrupted) of \(round) did; \(completed) imports ended first)")
        }
    }

    /// A writer holding a transaction open with changes not yet committed (as a long import does).
    final class SlowWriter {
        let pid: pid_t
        init(_ store: String, journal: String, directory: URL) throws {
            let script = directory.appendingPathComponent("writer-\(UUID().uuidString).sql").path
            try """
                PRAGMA journal_mode = \(journal);
                PRAGMA cache_size = 5;
                BEGIN IMMEDIATE;
                UPDATE activity SET resource = resource || ' ', summary = summary || ' ';
                .shell echo writing > \(script).started
                .shell sleep 60
                """.write(toFile: script, atomically: true, encoding: .utf8)
            pid = try spawn("sqlite3", [store, ".read \(script)"], environment: ProcessInfo.processInfo.environment)
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: script + ".started"), Date() < deadline { usleep(20_000) }
        }

        var isRunning: Bool {
            var status: Int32 = 0
            return waitpid(pid, &status, WNOHANG) == 0
        }

        func kill9() {
            kill(pid, SIGKILL)
            _ = waitForExit(pid)
        }
    }

    @Test func readersDoNotWaitForAWriter() throws {
        let stores = try Stores.shared.get()
        let store = try stores.fresh("store.sqlite")
        // actq's stores are in WAL mode; the writer keeps it so.
        let writer = try SlowWriter(store, journal: "WAL", directory: stores.directory)
        let query = try stores.content(of: store)
        let server = try ServeProcess(arguments: ["--db", store], environment: ["ACTQ_SERVE_PASSWORD": "pw"], home: stores.directory)
        let search = try ActqProcess.run(["--url", server.url, "--user", "demo", "--format", "json", "-e", "customer = 1080"],
                                         environment: ["ACTQ_PASSWORD": "pw"], home: stores.directory)
        server.stop()
        #expect(writer.isRunning, "the writer must still hold its transaction while the readers ran")
        writer.kill9()
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout == stores.baseline)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(try stores.content(of: store).stdout == stores.baseline)
    }

    @Test func aStoreFromBeforeWALLeftHotByACrashedWriterIsRecoveredByAReader() throws {
        // A store in the rollback-journal mode of earlier actq versions, whose writer died after
        // spilling changes into the file: a read-only open cannot roll the journal back.
        let stores = try Stores.shared.get()
        let store = try stores.fresh("store.sqlite")
        let writer = try SlowWriter(store, journal: "DELETE", directory: stores.directory)
        writer.kill9()
        #expect(FileManager.default.fileExists(atPath: store + "-journal"), "the crashed writer must leave a hot journal")
        let query = try stores.content(of: store)
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout == stores.baseline)
    }

    // MARK: Files replaced in place

    @Test func fmtWriteIgnoresAPlantedTemporaryAndKeepsTheMode() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("q.actq").path
        try "STATUS=open\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o640)
        // What an attacker sharing the directory could plant at the name earlier versions used.
        let victim = directory.appendingPathComponent("victim").path
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        symlink(victim, directory.appendingPathComponent(".q.actq.actq-fmt").path)

        let result = try ActqProcess.run(["fmt", "--write", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "status = open\n")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func fmtWriteThroughASymlinkKeepsTheLink() throws {
        let directory = try ActqProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("real.actq").path
        let link = directory.appendingPathComponent("link.actq").path
        try "queue=5\n".write(toFile: target, atomically: true, encoding: .utf8)
        symlink(target, link)
        let result = try ActqProcess.run(["fmt", "--write", link])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "queue = 5\n")
    }
}
