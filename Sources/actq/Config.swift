import Foundation
import TOMLKit

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
struct Config {
    struct Profile {
        var url: String?
        var user: String?
        var password: String?
        var wire: WireFormat?
        var insecure: Bool?
        var timeout: Double?
    }

    var defaultProfile: String?
    var profiles: [String: Profile] = [:]
    var path: String

    static var path: String { Locations.configDirectory.appendingPathComponent("config.toml").path }

    /// The configuration file, or an empty configuration when there is none.
    static func load(path: String = Config.path) throws -> Config {
        guard FileManager.default.fileExists(atPath: path) else { return Config(path: path) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("cannot read the configuration file \(path)")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> Config {
        func fail(_ message: String) -> CommandFailure { .usage("\(path): \(message)") }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw CommandFailure.usage("\(path):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
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
                            guard let wire = WireFormat(rawValue: try string()) else { throw fail("profiles.\(name).wire must be \"json\" or \"xml\"") }
                            profile.wire = wire
                        case "insecure":
                            guard let flag = value?.bool else { throw fail("profiles.\(name).insecure must be true or false") }
                            profile.insecure = flag
                        case "timeout":
                            guard let seconds = value?.double ?? value?.int.map(Double.init), seconds > 0 else {
                                throw fail("profiles.\(name).timeout must be a positive number of seconds")
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
    func profile(named name: String?) throws -> Profile? {
        guard let name = name ?? defaultProfile else { return nil }
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted()
            throw CommandFailure.usage("no profile '\(name)' in \(path)" + (known.isEmpty ? "" : " (profiles: \(known.joined(separator: ", ")))"))
        }
        return profile
    }
}
