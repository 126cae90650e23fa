import ActivityModel
import Foundation

/// Sessions kept between runs, one per base URL and user, in a file only its owner can read
/// (`$XDG_STATE_HOME/actq/sessions.json`, mode 0600). Writes go to a temporary file that is
/// renamed over the old one, so a crash never leaves half a file.
public struct SessionStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    static func key(url: String, user: String) -> String { "\(user) @ \(url)" }

    public func session(url: String, user: String) -> String? {
        entries()[Self.key(url: url, user: user)]
    }

    public func save(_ session: String?, url: String, user: String) throws {
        var entries = entries()
        entries[Self.key(url: url, user: user)] = session
        try write(entries)
    }

    private func entries() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
              case .object(let object)? = try? JSONParser.parse(Array(data)) else { return [:] }
        var result: [String: String] = [:]
        for member in object.members {
            if case .string(let session) = member.value { result[member.key] = session }
        }
        return result
    }

    private func write(_ entries: [String: String]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let object = JSONObject(entries.keys.sorted().map { JSONMember($0, .string(entries[$0]!)) })
        let text = JSONWriter.string(.object(object)) + "\n"
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw RemoteError(.failed, "cannot write the session file \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RemoteError(.failed, "cannot write the session file \(path)")
        }
    }
}
