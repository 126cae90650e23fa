import ActqTestSupport
import Foundation

/// The real binary in a real terminal: tmux runs it, send-keys types, capture-pane reads the
/// screen. Each session has its own tmux server socket and its own XDG directories.
final class TmuxSession {
    let name: String
    let socket: String
    let home: URL
    /// A home made for this session is removed with it; one handed in belongs to the test.
    private let ownsHome: Bool

    /// With `thenWait`, the pane stays open after actq exits (for a command that is not the
    /// REPL), so that its last screen can be read.
    init(arguments: [String] = [], environment: [String: String] = [:], home: URL? = nil, width: Int = 160, height: Int = 40,
         thenWait: Bool = false) throws {
        name = "actq\(UInt32.random(in: 0...UInt32.max))"
        socket = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sock").path
        ownsHome = home == nil
        self.home = try home ?? ActqProcess.temporaryDirectory()
        var env = [
            "LANG": "C.UTF-8", "TERM": "xterm-256color", "PAGER": "", "TZ": "UTC", "ACTQ_NOW": "2024-06-15T12:00:00Z",
            "XDG_DATA_HOME": self.home.appendingPathComponent("data").path,
            "XDG_STATE_HOME": self.home.appendingPathComponent("state").path,
            "XDG_CONFIG_HOME": self.home.appendingPathComponent("config").path,
        ]
        for (key, value) in environment { env[key] = value }
        let assignments = env.map { "\($0.key)=\(TmuxSession.quote($0.value))" }.sorted().joined(separator: " ")
        let command = "env \(assignments) \(TmuxSession.quote(ActqProcess.executable.path)) "
            + arguments.map(TmuxSession.quote).joined(separator: " ") + (thenWait ? "; echo '[exited]'; read _" : "")
        // The first command starts the tmux server, which would hold a pipe open: no output taken.
        try tmux(["new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), command], capture: false)
    }

    deinit {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: socket)
        if ownsHome { try? FileManager.default.removeItem(at: home) }
    }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).out").path
        defer { unlink(output) }
        _ = try spawnAndWait("tmux", ["-S", socket] + arguments, environment: ProcessInfo.processInfo.environment,
                             stdout: capture ? output : "/dev/null")
        return capture ? ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "") : ""
    }

    /// Types text literally; `keys` are tmux key names (Enter, Tab, C-c, C-d, C-r).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    /// Waits until the screen satisfies `condition` (up to `timeout` seconds); returns the screen.
    @discardableResult
    func wait(timeout: Double = 20, until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return last
    }

    @discardableResult
    func wait(for text: String, timeout: Double = 20) throws -> String {
        try wait(timeout: timeout) { $0.contains(text) }
    }

    var isRunning: Bool {
        ((try? tmux(["list-panes", "-t", name, "-F", "#{pane_dead}"])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }
}
