import Foundation

/// A throwaway PostgreSQL cluster for the tests, from the machine's own server binaries: made
/// with `initdb` in a directory of its own, on a free port of 127.0.0.1 and a socket in that
/// directory, started once per test process and stopped (and removed) when the process exits.
/// As root it runs as the `postgres` user (the server refuses root). Password authentication
/// over TCP (SCRAM), trust over the socket.
public final class PostgresServer: @unchecked Sendable {
    public let directory: String
    public let port: Int
    public let password: String
    public let binaries: String
    private let pid: pid_t

    /// The cluster of this test process, started on first use.
    public static let shared: Result<PostgresServer, any Error> = Result { try PostgresServer() }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory of the newest installed server's programs.
    static func findBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/initdb") }
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        guard let newest = versions.last else {
            throw Failure(description: "no PostgreSQL server under \(root) (make test installs the postgresql package)")
        }
        return "\(root)/\(newest)/bin"
    }

    private init() throws {
        let binaries = try Self.findBinaries()
        self.binaries = binaries
        let base = "/tmp/actq-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        directory = base
        password = UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let asRoot = geteuid() == 0
        if asRoot {
            // The server's user must own its directory.
            guard let user = getpwnam("postgres") else { throw Failure(description: "running as root needs the postgres user") }
            chown(base, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        let password = self.password
        let passwordFile = "\(base)/password"
        try password.write(toFile: passwordFile, atomically: false, encoding: .utf8)
        if asRoot, let user = getpwnam("postgres") { chown(passwordFile, user.pointee.pw_uid, user.pointee.pw_gid) }
        func run(_ program: String, _ arguments: [String], log: String) throws -> pid_t {
            let executable = asRoot ? "/usr/sbin/runuser" : "\(binaries)/\(program)"
            let argv = asRoot ? ["-u", "postgres", "--", "\(binaries)/\(program)"] + arguments : arguments
            return try spawn(executable, argv, environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"], stdout: log, stderr: log)
        }
        let initialized = waitForExit(try run("initdb", [
            "-D", "\(base)/data", "-U", "postgres", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--no-sync",
        ], log: "\(base)/initdb.log"))
        guard initialized == 0 else {
            throw Failure(description: "initdb failed (\(initialized)): \((try? String(contentsOfFile: "\(base)/initdb.log", encoding: .utf8)) ?? "")")
        }
        let port = try Self.freePort()
        self.port = port
        pid = try run("postgres", [
            "-D", "\(base)/data", "-p", String(port), "-k", base, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=1000",
        ], log: "\(base)/server.log")
        Self.started = (pid, base)
        atexit {
            guard let (pid, directory) = PostgresServer.started else { return }
            // A fast shutdown, sent to the server itself: as root, `pid` is runuser's, which
            // does not pass SIGINT on.
            if let text = try? String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8),
               let line = text.split(separator: "\n").first, let server = pid_t(line) {
                kill(server, SIGINT)
            } else {
                kill(pid, SIGKILL)
            }
            _ = waitForExit(pid)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let ready = waitForExit(try spawn("\(binaries)/pg_isready", ["-q", "-h", base, "-p", String(port)], environment: [:]))
            if ready == 0 { return }
            usleep(100_000)
        }
        throw Failure(description: "the test server did not start: \((try? String(contentsOfFile: "\(base)/server.log", encoding: .utf8)) ?? "")")
    }

    nonisolated(unsafe) private static var started: (pid_t, String)?

    /// Runs SQL as the superuser over the socket (`psql`).
    public func psql(_ sql: String, database: String = "postgres") throws {
        let log = "\(directory)/psql-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = waitForExit(try spawn("\(binaries)/psql", [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", String(port), "-U", "postgres", "-d", database, "-c", sql,
        ], environment: ["PATH": "/usr/bin:/bin"], stdout: log, stderr: log))
        guard status == 0 else {
            throw Failure(description: "psql failed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
    }

    /// A new, empty database: its URL over TCP with the password, and its name.
    public func makeDatabase() throws -> (url: String, name: String) {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql("CREATE DATABASE \(name)")
        return (url(database: name), name)
    }

    /// The URL of a database over TCP (with the superuser's password in it).
    public func url(database: String, withPassword: Bool = true) -> String {
        "postgresql://postgres\(withPassword ? ":" + password : "")@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// The URL of a database over the Unix socket (trusted, no password).
    public func socketURL(database: String) -> String {
        "postgresql://postgres@/\(database)?host=\(directory)&port=\(port)"
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
