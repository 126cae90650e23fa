import ActivityQuery
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One PostgreSQL connection used from ordinary (blocking) threads: each call waits for its
/// answer. The store's callers are the CLI's main thread and the emulator's store threads, never
/// Swift's cooperative pool; `async` callers use `connection` directly.
public final class PostgresConnector: @unchecked Sendable {
    public let location: PostgresLocation
    public let logger = Logger(label: "actq.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private let state = Locked<PostgresConnection?>(nil)
    /// Statements every new connection runs first (session settings), reconnections included.
    private let settings = Locked<[String]>([])

    /// Session settings sent in the connection's startup message (no round trip of their own).
    private let startupSettings: [(String, String)]

    /// Connects now, so that a wrong host or password fails here.
    public init(_ location: PostgresLocation, startupSettings: [(String, String)] = []) throws {
        self.location = location
        self.startupSettings = startupSettings
        _ = try connection()
    }

    /// Runs a session setting now, and again on every reconnection.
    public func setting(_ statement: String) throws {
        settings.withLock { $0.append(statement) }
        try query(statement)
    }

    /// The open connection; a closed one (an interrupt, a server restart) is replaced.
    public func connection() throws -> PostgresConnection {
        if let open = state.withLock({ $0 }), !open.isClosed { return open }
        var configuration = try location.configuration()
        configuration.options.additionalStartupParameters += startupSettings
        let fresh: PostgresConnection
        do {
            fresh = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                id: Int.random(in: 1...Int.max), logger: logger
            ).wait()
        } catch {
            throw PostgresFailure(error, doing: "cannot connect to \(location)")
        }
        for setting in settings.withLock({ $0 }) {
            do { _ = try fresh.query(PostgresQuery(unsafeSQL: setting), logger: logger).wait() } catch {
                throw PostgresFailure(error, doing: "cannot set up the connection to \(location)")
            }
        }
        state.withLock { $0 = fresh }
        return fresh
    }

    /// The open connection, for `async` callers (the emulator's sessions).
    public func connect() async throws -> PostgresConnection {
        if let open = state.withLock({ $0 }), !open.isClosed { return open }
        var configuration = try location.configuration()
        configuration.options.additionalStartupParameters += startupSettings
        do {
            let fresh = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                id: Int.random(in: 1...Int.max), logger: logger
            ).get()
            for setting in settings.withLock({ $0 }) {
                _ = try await fresh.query(PostgresQuery(unsafeSQL: setting), logger: logger).get()
            }
            state.withLock { $0 = fresh }
            return fresh
        } catch {
            throw PostgresFailure(error, doing: "cannot connect to \(location)")
        }
    }

    /// Runs a statement, handing each row to `body` in order (on a NIO thread, while this
    /// thread waits: `body` is never called concurrently and is done when this returns).
    public func query(_ sql: String, _ arguments: [SQLValue] = [], _ body: (PostgresRow) throws -> Void = { _ in }) throws {
        let query = PostgresQuery(unsafeSQL: sql, binds: Self.bindings(arguments))
        let connection = try connection()
        let failure = Locked<(any Error)?>(nil)
        try withoutActuallyEscaping(body) { body in
            try withUnsafePointer(to: body) { pointer in
                // The row handler holds a pointer to `body`, not `body`: PostgresNIO may release
                // its handler after the answer is complete, and `body` must not outlive this call.
                let handler = UncheckedBox(pointer)
                do {
                    _ = try connection.query(query, logger: logger) { row in
                        do { try handler.value.pointee(row) } catch {
                            failure.withLock { $0 = error }
                            throw error
                        }
                    }.wait()
                } catch {
                    // The row handler's own error (an interrupted output, say) as it was thrown.
                    if let thrown = failure.withLock({ $0 }) { throw thrown }
                    throw PostgresFailure(error, doing: "the store \(location) failed")
                }
            }
        }
    }

    /// The first column of the first row, decoded.
    public func scalar<T: PostgresDecodable>(_ sql: String, _ arguments: [SQLValue] = [], as type: T.Type) throws -> T? {
        var value: T?
        try query(sql, arguments) { row in
            let cell = row.makeRandomAccess()[0]
            if value == nil, cell.bytes != nil { value = try cell.decode(T.self) }
        }
        return value
    }

    /// Runs an `async` operation on the connection and waits for it here.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        try start(body).wait()
    }

    /// Starts an `async` operation on the connection; `wait` on the answer for its outcome.
    /// Until then, this thread may go on with other work (not with this connection).
    func start<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> Pending<T> {
        let connection = try connection()
        let pending = Pending<T>()
        // Not on the cooperative pool: the waiting thread may be one of its threads, and with
        // every one of them waiting so, the task would never run.
        Task(executorPreference: ThreadTaskExecutor.shared) {
            do {
                pending.finish(.success(try await body(connection)))
            } catch {
                pending.finish(.failure(error))
            }
        }
        return pending
    }

    /// The outcome of a started operation, once it is there.
    final class Pending<T: Sendable>: Sendable {
        private let outcome = Locked<Result<T, any Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        fileprivate func finish(_ result: Result<T, any Error>) {
            outcome.withLock { $0 = result }
            done.signal()
        }

        /// Waits for the outcome (once).
        func wait() throws -> T {
            done.wait()
            return try outcome.withLock { $0! }.get()
        }
    }

    /// Ends the connection (a running statement fails).
    public func close() {
        let open = state.withLock { connection -> PostgresConnection? in
            defer { connection = nil }
            return connection
        }
        guard let open else { return }
        let closing: EventLoopFuture<Void> = open.close()
        // Waiting on an event loop's own thread would deadlock it (NIO traps): a last reference
        // dropped there closes without waiting.
        if MultiThreadedEventLoopGroup.currentEventLoop == nil { _ = try? closing.wait() }
    }

    deinit { close() }

    /// The compiler's bound values, for PostgresNIO.
    public static func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .integer(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            }
        }
        return bindings
    }
}

/// A task executor of one thread of its own, for the async work a blocked thread waits for.
final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = ThreadTaskExecutor()
    private let jobs = BlockingQueue<UnownedJob>()

    private init() {
        let jobs = jobs
        let thread = Thread { [unowned self] in
            while let job = jobs.take() { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
        thread.name = "actq-postgres"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        jobs.put(UnownedJob(job))
    }
}

/// A closure crossing to the thread that runs it while its owner waits (see `query`).
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A PostgreSQL failure as a user reads it: what was being done, and the server's message (or
/// the network's reason). PostgresNIO hides both by default, to keep SQL out of logs; this shows
/// the server's message and SQLSTATE, never the statement or its values.
public struct PostgresFailure: Error, CustomStringConvertible {
    public var description: String
    /// The SQLSTATE, when the server answered with an error.
    public var sqlState: String?

    public init(_ error: any Error, doing: String) {
        if let failure = error as? PostgresFailure {
            self = failure
            return
        }
        guard let psql = error as? PSQLError else {
            description = "\(doing): \(error)"
            return
        }
        if let info = psql.serverInfo, let message = info[.message] {
            sqlState = info[.sqlState]
            description = "\(doing): \(message)" + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            return
        }
        let reason: String
        switch psql.code {
        case .connectionError:
            reason = psql.underlying.map(Self.networkReason) ?? "no connection"
        case .serverClosedConnection: reason = "the server closed the connection"
        case .clientClosedConnection: reason = "the connection was closed (interrupted)"
        case .sslUnsupported: reason = "the server does not support TLS (sslmode requires it)"
        case .authMechanismRequiresPassword: reason = "the server asks for a password: set PGPASSWORD, use ~/.pgpass, or put it in the URL"
        case .unsupportedAuthMechanism: reason = "the server asks for an authentication method actq does not support"
        case .queryCancelled: reason = "the statement was cancelled"
        default: reason = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
        }
        description = "\(doing): \(reason)"
    }

    public init(_ description: String) {
        self.description = description
    }

    /// Why a connection failed, in the system's words ("Connection refused").
    static func networkReason(_ error: any Error) -> String {
        if let failure = error as? NIOConnectionError {
            if failure.dnsAError != nil || failure.dnsAAAAError != nil, failure.connectionErrors.isEmpty {
                return "cannot resolve the host name \(failure.host)"
            }
            if let first = failure.connectionErrors.first { return networkReason(first.error) }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}
