import ActivityModel
import ActivityRemote
import ActivityStore
import Foundation

/// Picks and opens the backend the options, the environment and the configuration name.
enum Backends {
    static var environment: Environment.Type { Environment.self }

    /// Remote when asked for, or when a server is configured (`--url`, `--profile`, `ACTQ_URL`,
    /// a default profile) and no local store is named; the local demo store otherwise.
    static func kind(_ global: GlobalOptions, config: Config) -> BackendKind {
        if let backend = global.backend { return backend }
        if global.store != nil { return .local }
        if global.url != nil || global.profile != nil || nonEmpty(environment["ACTQ_URL"]) != nil || config.defaultProfile != nil {
            return .remote
        }
        return .local
    }

    /// The configuration file (`$XDG_CONFIG_HOME/actq/config.toml`); a bad one is a usage error.
    static func loadConfig() throws -> Config {
        do {
            return try Config.load(path: Locations.configDirectory.appendingPathComponent("config.toml").path)
        } catch let problem as Config.Problem {
            throw CommandFailure.usage(problem.description)
        }
    }

    /// The backend the options name. Not `interactive` (`actq mcp`): nothing is asked on the
    /// terminal and no progress is shown; credentials come from the profile or the environment.
    static func open(_ global: GlobalOptions, interactive: Bool = true) throws -> any ActivityBackend {
        let config = try loadConfig()
        switch kind(global, config: config) {
        case .local: return try LocalBackend.open(global)
        case .remote: return try remote(global, config: config, interactive: interactive)
        }
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    static var sessionStore: SessionStore {
        SessionStore(path: Locations.stateDirectory.appendingPathComponent("sessions.json").path)
    }

    /// The remote backend, with its session from `ACTQ_SESSION` or the last run, and a password
    /// asked for only when a login is needed.
    static func remote(_ global: GlobalOptions, config: Config, interactive: Bool = true) throws -> RemoteBackend {
        let profile: Config.Profile?
        do { profile = try config.profile(named: global.profile) } catch let problem as Config.Problem {
            throw CommandFailure.usage(problem.description)
        }
        guard let url = global.url ?? nonEmpty(environment["ACTQ_URL"]) ?? profile?.url else {
            throw CommandFailure.usage("the remote backend needs a URL: --url https://host/system, ACTQ_URL, or a profile in \(config.path)")
        }
        let user: String
        if let name = global.user ?? nonEmpty(environment["ACTQ_USER"]) ?? profile?.user {
            user = name
        } else if interactive, let typed = Terminal.ask("User name for \(url): ", echo: true), !typed.isEmpty {
            user = typed
        } else {
            throw CommandFailure.backend("no user name for \(url): give --user, set ACTQ_USER, or add user to a profile")
        }
        var configuration = RemoteConfiguration(baseURL: url, user: user)
        configuration.wire = global.wire ?? profile?.wire ?? .json
        configuration.insecure = global.insecure || (profile?.insecure ?? false)
        if let timeout = global.timeout ?? profile?.timeout {
            guard RemoteConfiguration.isValidTimeout(timeout) else {
                throw CommandFailure.usage("--timeout is a number of seconds from 0.001 to 86400")
            }
            configuration.readTimeout = timeout
            configuration.connectTimeout = min(configuration.connectTimeout, timeout)
        }
        if configuration.insecure {
            Output.error("actq: warning: TLS certificates of \(configuration.baseURL) are not verified (--insecure)\n")
        }
        let store = sessionStore
        let base = configuration.baseURL
        let fromEnvironment = nonEmpty(environment["ACTQ_SESSION"])
        let password = profile?.password
        do {
            let backend = try RemoteBackend(
                configuration: configuration,
                session: fromEnvironment ?? store.session(url: base, user: user),
                password: {
                    if let secret = nonEmpty(environment["ACTQ_PASSWORD"]) ?? password { return secret }
                    if interactive, let typed = Terminal.ask("Password for \(user) at \(base): ", echo: false) { return typed }
                    throw RemoteError(.authentication, "no password for \(user) at \(base): set ACTQ_PASSWORD, add it to the profile, or run on a terminal")
                },
                sessionChanged: { session in
                    // A session given in ACTQ_SESSION belongs to the caller; others are kept for the next run.
                    if fromEnvironment == nil { try? store.save(session, url: base, user: user) }
                })
            if interactive, isatty(STDERR_FILENO) != 0 { backend.progress = ProgressBar.update }
            return backend
        } catch let error as RemoteError {
            // Making the backend fails only on a URL that is not http(s) or a timeout out of range: usage errors.
            throw CommandFailure.usage(error.message)
        }
    }
}

extension CommandFailure {
    /// Remote failures: no connection or no login → exit 3; the server's refusal or garbage → exit 1.
    init(_ error: RemoteError) {
        switch error.kind {
        case .unreachable, .authentication: self = .backend(error.message)
        case .failed: self = .runtime(error.message)
        }
    }
}

/// Questions on the controlling terminal; the password without echo.
enum Terminal {
    static func ask(_ prompt: String, echo: Bool) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        if !echo, isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer { if !echo, isTerminal { tcsetattr(fd, TCSAFLUSH, &saved) } }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

/// `[########            ] 1,234 of 10,000 activities` on stderr while `--all` fetches pages.
enum ProgressBar {
    static func update(done: Int, total: Int) {
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        var line = "\r[\(bar)] \(QueryRunner.grouped(done)) of \(QueryRunner.grouped(total)) activities"
        if done >= total { line += "\r\u{1B}[K" }
        Output.error(line)
    }
}
