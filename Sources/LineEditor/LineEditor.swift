import CEditLine
import Foundation

/// One completion offered for the word before the cursor.
public struct LineCompletion: Sendable, Equatable {
    /// What replaces the word.
    public var text: String
    /// What the list of choices shows.
    public var display: String

    public init(text: String, display: String? = nil) {
        self.text = text
        self.display = display ?? text
    }
}

/// A line editor on libedit: prompts, history (loaded, saved, de-duplicated), Ctrl-R reverse
/// search, and Tab completion through a Swift callback.
public final class LineEditor {
    /// Given the text before the cursor (earlier lines of the entry included), returns how many
    /// bytes at its end the completions replace, and the completions.
    public typealias Completer = (String) -> (replacing: Int, completions: [LineCompletion])

    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private var promptBytes: [CChar] = [0]
    public var completer: Completer?
    /// Text of the earlier lines of a multi-line entry, for completion context.
    public var pendingText = ""
    /// Set when Ctrl-C cancelled the line being edited.
    public private(set) var cancelled = false
    public let historyPath: String?
    /// Lines for which this returns false never enter the history.
    public var historyFilter: (String) -> Bool = { _ in true }

    public init(program: String, historyPath: String?, historySize: Int = 1000) {
        editLine = actq_el_init(program)
        history = actq_history_init()
        self.historyPath = historyPath
        actq_history_set_size(history, Int32(historySize))
        actq_history_set_unique(history, 1)
        actq_el_set_history(editLine, history)
        actq_el_set_editor(editLine, "emacs")
        actq_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        actq_el_set_prompt(editLine) { editLine in
            guard let editLine, let data = actq_el_clientdata(editLine) else { return nil }
            let editor = Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
            return editor.promptBytes.withUnsafeMutableBufferPointer { $0.baseAddress }
        }
        actq_el_add_function(editLine, "actq-complete", "Complete the word before the cursor") { editLine, _ in
            guard let editLine, let data = actq_el_clientdata(editLine) else { return UInt8(CC_ERROR) }
            return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().complete()
        }
        actq_el_add_function(editLine, "actq-cancel", "Cancel the line") { editLine, _ in
            guard let editLine, let data = actq_el_clientdata(editLine) else { return UInt8(CC_ERROR) }
            return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().cancelLine()
        }
        actq_el_bind(editLine, "^I", "actq-complete")
        actq_el_bind(editLine, "^R", "em-inc-search-prev")
        actq_el_bind(editLine, "^C", "actq-cancel")
        actq_el_disable_isig(editLine)
        if let historyPath { actq_history_load(history, historyPath) }
    }

    deinit {
        actq_el_end(editLine)
        actq_history_end(history)
    }

    /// Reads a line; nil at end of input (Ctrl-D on an empty line).
    public func readLine(prompt: String) -> String? {
        promptBytes = Array(prompt.utf8CString)
        cancelled = false
        var count: Int32 = 0
        // No line, or nothing read: end of input, or the terminal is gone (a hang-up). Either
        // way the session is over; looping on would spin.
        guard let line = actq_el_gets(editLine, &count), count > 0 else { return nil }
        if cancelled { return "" }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    public func addHistory(_ entry: String) {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, historyFilter(trimmed) else { return }
        actq_history_enter(history, trimmed)
    }

    /// Writes the history file, readable by its owner only.
    public func saveHistory() {
        guard let historyPath else { return }
        let directory = (historyPath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let previous = umask(0o077)
        actq_history_save(history, historyPath)
        umask(previous)
        chmod(historyPath, 0o600)
    }

    /// The history, oldest first.
    public var entries: [String] {
        final class Box { var lines: [String] = [] }
        let box = Box()
        actq_history_each(history, { line, context in
            guard let line, let context else { return }
            Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().lines.append(String(cString: line))
        }, Unmanaged.passUnretained(box).toOpaque())
        return box.lines
    }

    /// Ctrl-C while editing: the line is dropped (left on screen, like a shell does).
    private func cancelLine() -> UInt8 {
        cancelled = true
        FileHandle.standardOutput.write(Data("^C".utf8))
        return UInt8(CC_NEWLINE)
    }

    private func complete() -> UInt8 {
        guard let completer, let info = el_line(editLine)?.pointee, let buffer = info.buffer else { return UInt8(CC_ERROR) }
        let before = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                                          count: info.cursor - buffer), as: UTF8.self)
        let (replacing, completions) = completer(pendingText + before)
        let word = String(decoding: Array(before.utf8).suffix(max(0, min(replacing, before.utf8.count))), as: UTF8.self)
        guard !completions.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        if completions.count == 1 {
            replace(word, with: completions[0].text + (completions[0].text.hasSuffix(".") || completions[0].text.hasSuffix("[") ? "" : " "))
            return UInt8(CC_REDISPLAY)
        }
        let prefix = Self.commonPrefix(completions.map(\.text))
        if prefix.utf8.count > word.utf8.count {
            replace(word, with: prefix)
            return UInt8(CC_REDISPLAY)
        }
        // Show the choices under the line, in columns.
        let width = max(20, Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? Self.terminalColumns())
        let cell = (completions.map { $0.display.count }.max() ?? 0) + 2
        let perLine = max(1, width / cell)
        var text = "\n"
        for (index, completion) in completions.enumerated() {
            text += completion.display.padding(toLength: cell, withPad: " ", startingAt: 0)
            if (index + 1) % perLine == 0 || index == completions.count - 1 { text += "\n" }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        return UInt8(CC_REDISPLAY)
    }

    private func replace(_ word: String, with text: String) {
        if !word.isEmpty { el_deletestr(editLine, Int32(word.count)) }
        el_insertstr(editLine, text)
    }

    static func commonPrefix(_ texts: [String]) -> String {
        guard var prefix = texts.first else { return "" }
        for text in texts.dropFirst() {
            while !text.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
