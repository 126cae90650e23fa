import Foundation

/// Where actq keeps its files, following the XDG base directories.
enum Locations {
    static var environment: Environment.Type { Environment.self }

    static func base(_ variable: String, fallback: String) -> URL {
        if let value = environment[variable], value.hasPrefix("/") { return URL(fileURLWithPath: value) }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(fallback)
    }

    static var dataDirectory: URL { base("XDG_DATA_HOME", fallback: ".local/share").appendingPathComponent("actq") }
    static var stateDirectory: URL { base("XDG_STATE_HOME", fallback: ".local/state").appendingPathComponent("actq") }
    static var configDirectory: URL { base("XDG_CONFIG_HOME", fallback: ".config").appendingPathComponent("actq") }

    /// The bundled demo store, created on first use.
    static var demoStore: URL { dataDirectory.appendingPathComponent("demo.sqlite") }
}

/// Buffered standard output: large results are written in blocks, not line by line.
/// With `capturing`, the text is kept (for the REPL, which decides about a pager) instead.
final class StandardOutput {
    private var buffer: [UInt8] = []
    let capturing: Bool

    init(capturing: Bool = false) {
        self.capturing = capturing
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if !capturing, buffer.count >= 1 << 16 { flush() }
    }

    /// The captured text, taken out.
    func take() -> String {
        defer { buffer.removeAll(keepingCapacity: true) }
        return String(decoding: buffer, as: UTF8.self)
    }

    func flush() {
        guard !capturing, !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
