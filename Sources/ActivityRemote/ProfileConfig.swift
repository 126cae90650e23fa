import Foundation
import ActivityModel

/// `$XDG_CONFIG_HOME/actq/config.toml`: named profiles for remote servers.
///
///     default_profile = "test"
///
///     [profiles.test]
///     url = "http://127.0.0.1:8080/system"
///     user = "demo"
///     wire = "json"          # or "xml"
///     insecure = false
///     timeout = 30           # seconds
///     # password = "…"       # possible, but ACTQ_PASSWORD or the prompt keep it out of files
public struct Config: Sendable {
    /// A problem with the configuration file, with the file (and line) it is in.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public struct Profile: Sendable {
        public var url: String?
        public var user: String?
        public var password: String?
        public var wire: RemoteConfiguration.Wire?
        public var insecure: Bool?
        public var timeout: Double?
    }

    public var defaultProfile: String?
    public var profiles: [String: Profile] = [:]
    public var path: String

    public init(path: String) { self.path = path }

    /// The configuration file, or an empty configuration when there is none.
    public static func load(path: String) throws -> Config {
        guard FileManager.default.fileExists(atPath: path) else { return Config(path: path) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Problem("cannot read the configuration file \(path)")
        }
        return try parse(text, path: path)
    }

    /// Reads the TOML text of a configuration file; every problem names the file and the key.
    public static func parse(_ text: String, path: String) throws -> Config {
        func fail(_ message: String) -> Problem { Problem("\(path): \(message)") }
        let table: TOML.Table
        do {
            table = try TOML.parse(text)
        } catch let error as TOML.ParseError {
            throw Problem("\(path):\(error.line):\(error.column): \(error.message)")
        }
        var config = Config(path: path)
        for key in table.keys {
            switch key {
            case "default_profile":
                guard let name = table[key]?.string else { throw fail("default_profile must be a string") }
                config.defaultProfile = name
            case "profiles":
                guard let profiles = table[key]?.table else { throw fail("profiles must be tables: [profiles.NAME]") }
                for name in profiles.keys {
                    guard let entry = profiles[name]?.table else { throw fail("profiles.\(name) must be a table") }
                    var profile = Profile()
                    for field in entry.keys {
                        let value = entry[field]
                        func string() throws -> String {
                            guard let text = value?.string else { throw fail("profiles.\(name).\(field) must be a string") }
                            return text
                        }
                        switch field {
                        case "url": profile.url = try string()
                        case "user": profile.user = try string()
                        case "password": profile.password = try string()
                        case "wire":
                            guard let wire = RemoteConfiguration.Wire(rawValue: try string()) else { throw fail("profiles.\(name).wire must be \"json\" or \"xml\"") }
                            profile.wire = wire
                        case "insecure":
                            guard let flag = value?.bool else { throw fail("profiles.\(name).insecure must be true or false") }
                            profile.insecure = flag
                        case "timeout":
                            guard let seconds = value?.double ?? value?.int.map(Double.init), RemoteConfiguration.isValidTimeout(seconds) else {
                                throw fail("profiles.\(name).timeout must be a number of seconds from 0.001 to 86400")
                            }
                            profile.timeout = seconds
                        default:
                            throw fail("profiles.\(name): unknown key '\(field)' (url, user, password, wire, insecure, timeout)")
                        }
                    }
                    config.profiles[name] = profile
                }
            default:
                throw fail("unknown key '\(key)' (default_profile, [profiles.NAME])")
            }
        }
        if let name = config.defaultProfile, config.profiles[name] == nil {
            throw fail("default_profile '\(name)' has no [profiles.\(name)] table")
        }
        return config
    }

    /// The profile the options name (or the default one).
    public func profile(named name: String?) throws -> Profile? {
        guard let name = name ?? defaultProfile else { return nil }
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted()
            throw Problem("no profile '\(name)' in \(path)" + (known.isEmpty ? "" : " (profiles: \(known.joined(separator: ", ")))"))
        }
        return profile
    }
}
