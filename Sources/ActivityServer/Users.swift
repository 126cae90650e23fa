import Crypto
import Foundation
import ActivityModel

/// The users the emulator accepts, from a TOML file:
///
///     [users.jenny]
///     password = "secret"            # or password_sha256 = "<64 hex digits>"
///     view_agent_console = false     # optional: logged in, but searches get 403
///
/// Only SHA-256 digests are kept in memory, and they are compared in constant time.
public struct UserDirectory: Sendable {
    public struct User: Sendable {
        public var name: String
        let passwordDigest: [UInt8]
        public var canViewActivities: Bool
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public private(set) var users: [String: User] = [:]

    public init(_ users: [User]) {
        for user in users { self.users[user.name] = user }
    }

    public static func user(_ name: String, password: String, canViewActivities: Bool = true) -> User {
        User(name: name, passwordDigest: Array(SHA256.hash(data: Array(password.utf8))), canViewActivities: canViewActivities)
    }

    /// Reads a users file; every mistake names the file and the user it concerns.
    public static func load(path: String) throws -> UserDirectory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read the users file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LoadError(description: "\(path): not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> UserDirectory {
        let table: TOML.Table
        do {
            table = try TOML.parse(text)
        } catch let error as TOML.ParseError {
            throw LoadError(description: "\(file):\(error.line):\(error.column): \(error.message)")
        }
        for key in table.keys where key != "users" {
            throw LoadError(description: "\(file): unknown key '\(key)'; users are written as [users.NAME] tables")
        }
        guard let usersTable = table["users"]?.table, !usersTable.isEmpty else {
            throw LoadError(description: "\(file): no users; add a table such as [users.jenny] with password = \"…\"")
        }
        var users: [User] = []
        for name in usersTable.keys.sorted() {
            guard let entry = usersTable[name]?.table else {
                throw LoadError(description: "\(file): users.\(name) must be a table with a password")
            }
            for key in entry.keys where !["password", "password_sha256", "view_agent_console"].contains(key) {
                throw LoadError(description: "\(file): users.\(name): unknown key '\(key)' (password, password_sha256, view_agent_console)")
            }
            let canView: Bool
            if let value = entry["view_agent_console"] {
                guard let flag = value.bool else {
                    throw LoadError(description: "\(file): users.\(name).view_agent_console must be true or false")
                }
                canView = flag
            } else {
                canView = true
            }
            switch (entry["password"], entry["password_sha256"]) {
            case (let plain?, nil):
                guard let password = plain.string else {
                    throw LoadError(description: "\(file): users.\(name).password must be a string")
                }
                users.append(user(name, password: password, canViewActivities: canView))
            case (nil, let hex?):
                guard let digest = hex.string.flatMap(Self.bytes(hex:)), digest.count == 32 else {
                    throw LoadError(description: "\(file): users.\(name).password_sha256 must be 64 hexadecimal digits")
                }
                users.append(User(name: name, passwordDigest: digest, canViewActivities: canView))
            case (nil, nil):
                throw LoadError(description: "\(file): users.\(name) needs password or password_sha256")
            case (_?, _?):
                throw LoadError(description: "\(file): users.\(name) has both password and password_sha256; keep one")
            }
        }
        return UserDirectory(users)
    }

    /// The user, when the password is right. Unknown users cost the same work as known ones.
    public func authenticate(_ name: String, password: String) -> User? {
        let digest = Array(SHA256.hash(data: Array(password.utf8)))
        let user = users[name]
        let expected = user?.passwordDigest ?? Array(repeating: 0, count: 32)
        var difference: UInt8 = user == nil ? 1 : 0
        for index in 0..<32 { difference |= digest[index] ^ expected[index] }
        return difference == 0 ? user : nil
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}
