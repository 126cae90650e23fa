import ActivityModel
import Foundation

/// Sessions kept between runs, one per base URL and user, in a file only its owner can read
/// (`$XDG_STATE_HOME/actq/sessions.json`, mode 0600). Writes go to a temporary file that is
/// renamed over the old one (`AtomicFile`), so a crash never leaves half a file.
public struct SessionStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    static func key(url: String, user: String) -> String { "\(user) @ \(url)" }

    public func session(url: String, user: String) -> String? {
        entries()[Self.key(url: url, user: user)]
    }

    /// Keeps (or, with nil, forgets) the session. The file is read, changed and written under a
    /// lock, so that concurrent logins (two terminals, a script) never lose each other's session.
    public func save(_ session: String?, url: String, user: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw RemoteError(.failed, "cannot write the session file \(path): \(error.localizedDescription)")
        }
        do {
            try FileLock.withLock(path + ".lock") {
                var entries = entries()
                entries[Self.key(url: url, user: user)] = session
                let object = JSONObject(entries.keys.sorted().map { JSONMember($0, .string(entries[$0]!)) })
                try AtomicFile.write(Array((JSONWriter.string(.object(object)) + "\n").utf8), to: path, mode: 0o600)
            }
        } catch let failure as AtomicFile.Failure {
            throw RemoteError(.failed, "cannot keep the session: \(failure.description)")
        }
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
}
