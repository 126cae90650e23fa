import Foundation

/// Bytes read in chunks from a file (or given in memory), with the position kept for messages.
/// Memory stays at one chunk whatever the size of the file. One reader at a time: the state is
/// exempt from the run-time exclusivity checks, which cost as much as the reading itself.
public final class ByteInput {
    @exclusivity(unchecked) private var buffer: [UInt8]
    @exclusivity(unchecked) private var index = 0
    private let handle: FileHandle?
    private let chunkSize: Int
    @exclusivity(unchecked) private var exhausted: Bool
    /// Bytes consumed before `buffer`.
    @exclusivity(unchecked) private var base = 0
    @exclusivity(unchecked) public private(set) var line = 1
    @exclusivity(unchecked) private var lineStart = 0
    /// The bytes consumed since `startRecording`, up to the current chunk (nil when not recording).
    @exclusivity(unchecked) private var recorded: [UInt8]?
    /// Where the recording starts in the current chunk.
    @exclusivity(unchecked) private var recordStart = 0
    /// Unset by `startRecording`; set when whitespace between tokens is skipped, and by the
    /// parser at an escape or character `JSONWriter` may write otherwise. While it is unset, the
    /// recorded text is spelt as `JSONWriter` spells it.
    @exclusivity(unchecked) public var respelt = false

    /// Input from bytes in memory.
    public init(bytes: [UInt8]) {
        buffer = bytes
        handle = nil
        chunkSize = 0
        exhausted = true
    }

    /// Input read from a file in chunks of `chunkSize` bytes.
    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        buffer = []
        self.handle = handle
        self.chunkSize = chunkSize
        exhausted = false
    }

    /// Absolute offset of the next byte.
    public var offset: Int { base + index }
    /// 1-based byte column of the next byte.
    public var column: Int { offset - lineStart + 1 }

    private func refill() -> Bool {
        guard !exhausted, let handle else { return false }
        let data = (try? handle.read(upToCount: chunkSize)) ?? nil
        guard let data, !data.isEmpty else {
            exhausted = true
            return false
        }
        if recorded != nil {
            recorded!.append(contentsOf: buffer[recordStart...])
            recordStart = 0
        }
        base += buffer.count
        buffer = [UInt8](data)
        index = 0
        return true
    }

    /// The next byte, not consumed; nil at the end.
    @inline(__always)
    public func peek() -> UInt8? {
        if index < buffer.count { return buffer[index] }
        return refill() ? buffer[index] : nil
    }

    /// The next byte, consumed; nil at the end.
    @inline(__always)
    @discardableResult
    public func next() -> UInt8? {
        if index >= buffer.count, !refill() { return nil }
        let byte = buffer[index]
        index += 1
        if byte == 0x0A {
            line += 1
            lineStart = base + index
        }
        return byte
    }

    public var atEnd: Bool { peek() == nil }

    /// Starts keeping the bytes consumed from here on (one copy per chunk, not per byte).
    public func startRecording() {
        respelt = false
        recorded = []
        recordStart = index
    }

    /// The bytes consumed since `startRecording`, which ends.
    public func stopRecording() -> [UInt8] {
        var bytes = recorded ?? []
        recorded = nil
        bytes.append(contentsOf: buffer[recordStart..<index])
        return bytes
    }

    /// Consumes spaces, tabs and line breaks (JSON's whitespace), keeping the line count: one
    /// pass over the chunk instead of a `peek` and a `next` for each.
    @inline(__always)
    public func skipJSONWhitespace() {
        // Compact JSON has none: one comparison, inlined, when the next byte is a token's.
        if index < buffer.count, buffer[index] > 0x20 { return }
        skipJSONWhitespaceRun()
    }

    @inline(never)
    private func skipJSONWhitespaceRun() {
        while true {
            var position = index
            var lines = 0
            var lastBreak = -1
            buffer.withUnsafeBufferPointer { chunk in
                while position < chunk.count {
                    let byte = chunk[position]
                    if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                        position += 1
                    } else if byte == 0x0A {
                        lines += 1
                        position += 1
                        lastBreak = position
                    } else {
                        break
                    }
                }
            }
            if position > index { respelt = true }
            index = position
            if lines > 0 {
                line += lines
                lineStart = base + lastBreak
            }
            // Stopped inside the chunk: at a byte that is not whitespace.
            if index < buffer.count || !refill() { return }
        }
    }

    /// Consumes the bytes up to the next one a JSON string must look at (a quote, a backslash,
    /// a control character or a non-ASCII byte) or the end of the chunk, appending them to
    /// `bytes`: most of a string's bytes in one copy instead of one call each. None is a line
    /// break, so the position stays right.
    @inline(__always)
    public func takePlainStringBytes(into bytes: inout [UInt8]) {
        let start = index
        let end = plainStringEnd()
        if end > start {
            bytes.append(contentsOf: buffer[start..<end])
            index = end
        }
    }

    /// `takePlainStringBytes` without keeping them.
    @inline(__always)
    public func skipPlainStringBytes() {
        index = plainStringEnd()
    }

    /// The rest of a string (after its opening quote) and its closing quote, when they are all
    /// plain ASCII in the current chunk (most keys and values): the string made straight from the
    /// chunk. Otherwise nil, and nothing consumed.
    @inline(__always)
    public func takePlainString() -> String? {
        let end = plainStringEnd()
        guard end < buffer.count, buffer[end] == UInt8(ascii: "\"") else { return nil }
        let text = buffer.withUnsafeBufferPointer { chunk in
            String(decoding: UnsafeBufferPointer(rebasing: chunk[index..<end]), as: UTF8.self)
        }
        index = end + 1
        return text
    }

    /// Where the run of plain string bytes from the current position ends in the chunk.
    @inline(__always)
    private func plainStringEnd() -> Int {
        let start = index
        return buffer.withUnsafeBufferPointer { chunk in
            var position = start
            while position < chunk.count {
                let byte = chunk[position]
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                position += 1
            }
            return position
        }
    }
}
