import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: a `postgresql://` (or `postgres://`) URL as libpq reads it.
///
///     postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…&host=/socket/dir&connect_timeout=S]
///
/// Missing parts come from the environment as for `psql`: `PGUSER` (else the login name),
/// `PGDATABASE` (else the user), `PGHOST`/`PGPORT`, and the password from the URL, `PGPASSWORD`
/// or `~/.pgpass` (`PGPASSFILE`). A host that is a path (or no host) is a Unix socket directory.
/// The password is never part of `description`.
public struct PostgresLocation: Sendable, CustomStringConvertible, Equatable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    /// A host name or address, or a directory holding the server's Unix socket.
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// A file of CA certificates for `verify-ca` / `verify-full` (`sslrootcert`).
    public var rootCertificate: String?
    public var connectTimeout: Double

    /// Why a `--db` URL cannot be used.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    /// The location a URL names, completed from `environment` and the password file.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw Problem(description: "\(Self.redacted(text)) is not a postgresql://USER@HOST:PORT/DB URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else { throw Problem(description: "the URL's parameter \(item.name) has no value") }
            query[item.name] = value
        }
        let known: Set<String> = ["sslmode", "host", "port", "user", "dbname", "connect_timeout", "sslrootcert", "application_name"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(description: "the URL's parameter \(unknown) is not supported (supported: \(known.sorted().joined(separator: ", ")))")
        }
        func nonEmpty(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }

        let defaultUser = nonEmpty(environment["PGUSER"]) ?? nonEmpty(environment["USER"]) ?? Self.loginName
        user = nonEmpty(query["user"]) ?? nonEmpty(components.user) ?? defaultUser
        password = components.password
        host = nonEmpty(query["host"]) ?? nonEmpty(components.host) ?? nonEmpty(environment["PGHOST"]) ?? "/var/run/postgresql"
        if let portText = query["port"] ?? components.port.map(String.init) ?? nonEmpty(environment["PGPORT"]) {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw Problem(description: "the port \(portText) is not a number from 1 to 65535")
            }
            port = number
        } else {
            port = 5432
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = nonEmpty(query["dbname"]) ?? nonEmpty(path) ?? nonEmpty(environment["PGDATABASE"]) ?? user
        let mode = query["sslmode"] ?? nonEmpty(environment["PGSSLMODE"]) ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw Problem(description: "sslmode \(mode) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.sslMode = sslMode
        rootCertificate = query["sslrootcert"]
        if let timeout = query["connect_timeout"] {
            guard let seconds = Double(timeout), seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
                throw Problem(description: "connect_timeout is a number of seconds from 0 to 86400")
            }
            connectTimeout = seconds == 0 ? 86_400 : max(seconds, 2)
        } else {
            connectTimeout = 10
        }
        if password == nil {
            password = nonEmpty(environment["PGPASSWORD"]) ?? PasswordFile.password(
                for: self, file: nonEmpty(environment["PGPASSFILE"]) ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
        }
    }

    /// Whether the host is a Unix socket directory.
    public var isSocket: Bool { host.hasPrefix("/") }

    /// The URL without its password (what actq prints).
    public var description: String {
        let escapedUser = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user
        let escapedDatabase = database.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? database
        if isSocket {
            let escapedHost = host.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? host
            return "postgresql://\(escapedUser)@/\(escapedDatabase)?host=\(escapedHost)&port=\(port)"
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(escapedUser)@\(shownHost):\(port)/\(escapedDatabase)"
    }

    /// A URL as it may be shown: its password, if any, replaced.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgresql://…"
    }

    /// The connection settings for PostgresNIO.
    func configuration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if isSocket {
            configuration = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        }
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        return configuration
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var settings = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require: settings.certificateVerification = .none
        case .verifyCA: settings.certificateVerification = .noHostnameVerification
        case .verifyFull: settings.certificateVerification = .fullVerification
        }
        if let rootCertificate {
            settings.trustRoots = .file(rootCertificate)
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: settings) } catch {
            throw Problem(description: "cannot set up TLS for \(self): \(error)")
        }
        return sslMode == .allow || sslMode == .prefer ? .prefer(context) : .require(context)
    }

    private static var loginName: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "postgres" }
        return String(cString: name)
    }
}

/// libpq's password file: `host:port:database:user:password` lines, `*` matching anything,
/// `\` escaping `:` and `\`. Ignored (as libpq does) when others may read it.
enum PasswordFile {
    static func password(for location: PostgresLocation, file: String) -> String? {
        var status = stat()
        guard stat(file, &status) == 0, status.st_mode & 0o077 == 0,
              let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let host = location.isSocket ? "localhost" : location.host
        let wanted = [host, String(location.port), location.database, location.user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// The fields of a line, unescaped.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
