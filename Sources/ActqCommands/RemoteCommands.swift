import ActivityRemote
import ActivityServer
import ActivityStore
import ArgumentParser
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the API emulator: login, logout and activity search over a local store.",
        discussion: """
            Serves POST …/ws/v12/authentication/user/login, DELETE …/logout and \
            GET …/ws/v12/interaction/activity under /system/ws/… and /ws/…, with the status codes \
            and error bodies of the API. Users come from --users FILE:

              [users.jenny]
              password = "…"                 # or password_sha256 = "<hex>"

            Without it there is one user, demo, whose password is ACTQ_SERVE_PASSWORD or, if that \
            is unset, generated and printed once at start-up. SIGINT or SIGTERM stop the server \
            after the requests in progress.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: ArgumentHelp("TOML file of users ([users.NAME] with password or password_sha256).", valueName: "file"))
    var users: String?

    @Option(help: ArgumentHelp("Seconds without a request after which a session ends.", valueName: "seconds"))
    var sessionTimeout: Int = 1800

    static let longestSessionTimeout = 10 * 366 * 86_400

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...Self.longestSessionTimeout).contains(sessionTimeout) else {
            throw ValidationError("--session-timeout is 1 to \(Self.longestSessionTimeout) seconds (10 years)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        unblockTerminationSignals()
        let storePath: String
        if let db = global.store {
            storePath = db
        } else {
            storePath = Locations.demoStore.path
            if !FileManager.default.fileExists(atPath: storePath) { try LocalBackend.createDemoStore(at: Locations.demoStore) }
        }
        // Opening the store here reports a missing or foreign file before the server starts.
        let count = try LocalBackend.openStore(storePath).count()
        let database = PostgresLocation.isURL(storePath) ? try LocalBackend.location(storePath) : nil

        let directory: UserDirectory
        let announcement: String
        if let users {
            do { directory = try UserDirectory.load(path: users) } catch let error as UserDirectory.LoadError {
                throw CommandFailure.usage(error.description)
            }
            announcement = "users from \(users): \(directory.users.keys.sorted().joined(separator: ", "))"
        } else if let password = Backends.nonEmpty(Environment["ACTQ_SERVE_PASSWORD"]) {
            directory = UserDirectory([UserDirectory.user("demo", password: password)])
            announcement = "user demo, password from ACTQ_SERVE_PASSWORD"
        } else {
            let password = Self.generatedPassword()
            directory = UserDirectory([UserDirectory.user("demo", password: password)])
            announcement = "user demo, password \(password) (generated; set ACTQ_SERVE_PASSWORD or use --users to choose)"
        }

        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        var logger = Logger(label: "actq.serve")
        logger.logLevel = level

        let emulator: Emulator
        do {
            if let database {
                // Sessions in the database: every actq serve over it shares them.
                emulator = try Emulator(openStore: { try PostgresStore(database, readOnly: true) }, users: directory,
                                        sessions: PostgresSessionTable(database, idleTimeout: .seconds(sessionTimeout)), logger: logger)
            } else {
                emulator = try Emulator(storePath: storePath, users: directory,
                                        sessions: SessionTable(idleTimeout: .seconds(sessionTimeout)), logger: logger)
            }
        } catch let error as ActivityStore.StoreError {
            throw CommandFailure.backend(error.description)
        } catch let error as PostgresFailure {
            throw CommandFailure.backend(error.description)
        }
        let host = host
        let application = emulator.application(host: host, port: port, logger: logger) { bound in
            let shown = host.contains(":") ? "[\(host)]" : host
            Output.error("actq serve: http://\(shown):\(bound)/system (store \(LocalBackend.displayName(storePath)), \(count) activities); \(announcement)\n")
        }
        do {
            try await application.runService()
        } catch {
            throw CommandFailure.backend("cannot serve on \(host):\(port): \(error)")
        }
        Output.error("actq serve: stopped\n")
    }

    static func generatedPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Open a session on the remote API and keep it for later runs.",
        discussion: """
            The password comes from ACTQ_PASSWORD, the profile, or a prompt without echo; never \
            from the command line. The session is kept in $XDG_STATE_HOME/actq/sessions.json (mode 0600); \
            a session kept before is ended first.
            """)

    @Flag(help: "End the user's oldest session when all of theirs are in use (forceLogin=yes).")
    var force = false

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func run() throws {
        let backend = try Backends.remote(global, config: try Backends.loadConfig())
        do {
            // The kept session is replaced: end it first, so that logging in again never uses
            // up one of the user's five (a session the server no longer knows counts as ended).
            if backend.session != nil { try? backend.logout() }
            try backend.login(force: force)
        } catch let error as RemoteError {
            throw CommandFailure(error)
        }
        Output.error("logged in to \(backend.configuration.baseURL) as \(backend.configuration.user)\n")
    }
}

struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Close the kept session on the remote API.")

    @OptionGroup var globalArguments: GlobalArguments
    var global: GlobalOptions { globalArguments.options }

    func run() throws {
        let backend = try Backends.remote(global, config: try Backends.loadConfig())
        guard backend.session != nil else {
            Output.error("no session to close for \(backend.configuration.user) at \(backend.configuration.baseURL)\n")
            return
        }
        do {
            try backend.logout()
        } catch let error as RemoteError {
            throw CommandFailure(error)
        }
        Output.error("logged out of \(backend.configuration.baseURL)\n")
    }
}
