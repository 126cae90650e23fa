import Dispatch
import Foundation

/// Checks a whole script, using every core on large inputs: the text is cut at line starts, each
/// piece is checked on its own, and a piece is kept only if it starts where the previous one
/// stopped (a real query boundary); otherwise it is checked again from that boundary. The result
/// is the same as checking the script from start to end.
public enum ScriptChecker {
    /// What checking a script found: its diagnostics and how many queries it has.
    public struct Result: Sendable {
        /// Queries that hold tokens.
        public var queries: Int
        /// In source order.
        public var diagnostics: [Diagnostic]
    }

    struct Piece: Sendable {
        var lexingStart: Int
        var firstQuery: Int?
        var stop: ScriptParser.Stop?
        var queries = 0
        var diagnostics: [Diagnostic] = []
    }

    /// Checks every query of a script (what `actq check` does), on several threads for a large one.
    public static func check(_ source: SourceText, context: DateContext, options: PlanOptions = PlanOptions(),
                             pieces wanted: Int = defaultPieces) -> Result {
        let count = source.bytes.count
        let pieces = count < 256 << 10 ? 1 : max(1, wanted)
        var starts = [0]
        for index in 1..<max(1, pieces) {
            var offset = count * index / pieces
            while offset < count, source.bytes[offset - 1] != UInt8(ascii: "\n") { offset += 1 }
            if offset < count, offset > starts.last! { starts.append(offset) }
        }
        let bounds = starts
        var results = [Piece](repeating: Piece(lexingStart: 0), count: bounds.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = UnsafeSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: bounds.count) { index in
                let end = index + 1 < bounds.count ? bounds[index + 1] : Int.max
                // Every piece reads the one text. (A copy of it per piece, against contention for
                // its reference count, cost more than it saved once each piece's binder is made
                // once: 9 MB and a page fault per 4 KiB for a file of 100,000 queries.)
                output.value[index] = run(source, from: bounds[index], until: end, context: context, options: options)
            }
        }
        // Stitch: keep a piece only when it began at the previous piece's stop.
        var total = Result(queries: 0, diagnostics: [])
        var index = 0
        var piece = results[0]
        while true {
            let nextIndex = index + 1
            var next: Piece?
            if let stop = piece.stop, nextIndex < results.count {
                let candidate = results[nextIndex]
                if candidate.firstQuery == stop.offset {
                    next = candidate
                } else {
                    let end = nextIndex + 1 < bounds.count ? bounds[nextIndex + 1] : Int.max
                    next = run(source, from: stop.offset, until: end, context: context, options: options)
                }
            }
            total.queries += piece.queries
            // What the next piece read again: between where it began and its first query there is
            // only trivia (else that query would not be the stop), whose lexical problems this
            // piece gave to its last query and the next gives to its first. Kept once, there.
            let readFrom = next?.lexingStart ?? Int.max
            if piece.diagnostics.contains(where: { $0.range.start >= readFrom }) {
                total.diagnostics += piece.diagnostics.filter { $0.range.start < readFrom }
            } else {
                total.diagnostics += piece.diagnostics
            }
            if let stop = piece.stop {
                // Lexical problems in the trivia before the stop that the next piece did not read.
                total.diagnostics += stop.pending.filter { $0.range.start < readFrom }
            }
            guard let following = next else { break }
            piece = following
            index = nextIndex
        }
        total.diagnostics.sort { $0.range.start < $1.range.start }
        return total
    }

    public static var defaultPieces: Int { min(8, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    static func run(_ source: SourceText, from start: Int, until end: Int, context: DateContext, options: PlanOptions) -> Piece {
        var piece = Piece(lexingStart: start)
        var checker = QueryCompiler.Checker(source: source, context: context, options: options)
        piece.stop = ScriptParser.parse(source, from: start, stopBefore: { $0 >= end }) { parsed in
            if !parsed.syntax.tokens.isEmpty {
                if piece.firstQuery == nil { piece.firstQuery = parsed.syntax.range.start }
                piece.queries += 1
            }
            piece.diagnostics += checker.diagnostics(of: parsed)
        }
        return piece
    }
}

/// Each concurrent iteration writes its own element only.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

