import ActivityQuery

/// Why a remote search or login failed: one line for the user, and a kind that decides the exit
/// code. Messages never contain a password or a session ID.
public struct RemoteError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// No connection, no answer in time (exit 3).
        case unreachable
        /// Login refused, session rejected after a fresh login, not allowed (exit 3).
        case authentication
        /// The server answered, but with an error or something unreadable (exit 1).
        case failed
    }

    public var kind: Kind
    public var message: String
    /// The API's error code (`400-101`), when the server sent one.
    public var code: String?

    public init(_ kind: Kind, _ message: String, code: String? = nil) {
        self.kind = kind
        // Messages carry text from the server (its developerMessage, a Location header): made
        // inert here, once, so that no server can write escape sequences to the user's terminal.
        self.message = InertText.line(message)
        self.code = code
    }

    public var description: String { message }
}
