import ActivityModel
import ActivityQuery

import Foundation

typealias SplitMix64 = SeededGenerator

let frozenContext = DateContext(now: 1_718_452_800_000, timeZone: TimeZone(identifier: "UTC")!)  // 2024-06-15T12:00:00Z

func compileOne(_ text: String, context: DateContext = frozenContext) -> CompiledQuery {
    let compiled = QueryCompiler.compile(text, context: context)
    precondition(compiled.count == 1, "expected one query in \(text.debugDescription), found \(compiled.count)")
    return compiled[0]
}

/// Random queries and values for the property tests.
struct QueryGenerator {
    var random: SplitMix64

    static let awkwardPieces = [
        "&", "=", "#", "%", "+", "\"", "\\", " ", "?", "/", "[", "]", ",", ":", ";", "😀", "👍🏽", "שלום",
        "مرحبا", "山田", "é", "e\u{301}", "\t", "\n", "%20", "%zz", "+", "a", "Z", "0", "~", "-", "_", ".", "*",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func bool() -> Bool { Bool.random(using: &random) }

    mutating func awkwardString() -> String {
        var text = ""
        for _ in 0..<int(1...8) {
            text += bool() ? Self.awkwardPieces.randomElement(using: &random)! : String(int(0...999))
        }
        return text
    }

    mutating func id() -> Int64 {
        bool() ? Int64(int(1...5000)) : Int64.random(in: 1...Int64.max, using: &random)
    }

    mutating func instant() -> Int64 {
        Int64.random(in: APIDate.earliest...APIDate.latest, using: &random)
    }

    mutating func dateRange() -> DateRange {
        switch int(0...3) {
        case 0: return DateRange(start: instant(), end: nil)
        case 1: return DateRange(start: nil, end: instant())
        case 2:
            let start = instant()
            return DateRange(start: start, end: start)
        default:
            let a = instant()
            let b = instant()
            return DateRange(start: min(a, b), end: max(a, b))
        }
    }

    /// A random query the API accepts.
    mutating func query() -> ActivityQuery {
        var query = ActivityQuery()
        repeat {
            if int(0...3) == 0 { query[.fixed(.customer)] = .id(id()) }
            if int(0...4) == 0 { query[.fixed(.case)] = .id(id()) }
            if int(0...3) == 0 { query[.fixed(.status)] = .text(bool() ? ["open", "completed"].randomElement(using: &random)! : awkwardString()) }
            if int(0...4) == 0 { query[.fixed(.mode)] = .text(bool() ? "inbound" : awkwardString()) }
            if int(0...4) == 0 { query[.fixed(.assignedTo)] = .id(id()) }
            if int(0...4) == 0 { query[.fixed(.queue)] = .id(id()) }
            if int(0...3) == 0 { query[.fixed(.createdDate)] = .dates(dateRange()) }
            if int(0...3) == 0 { query[.fixed(.lastModifiedDate)] = .dates(dateRange()) }
            for _ in 0..<int(0...2) { query[.custom(awkwardString())] = .text(awkwardString()) }
            if int(0...3) == 0 { query[.fixed(.assignedUserName)] = .text(awkwardString()) }
        } while query.filters.isEmpty
        if int(0...3) == 0 { query[.fixed(.type)] = .text(["email", "chat", "task", "call_track"].randomElement(using: &random)!) }
        switch int(0...3) {
        case 0: query.attributes = .all
        case 1: query.attributes = .named((0..<int(1...3)).map { _ in ["payload", "attachments", "notes"][int(0...2)] })
        default: break
        }
        if bool() {
            query.sort = SortOrder(field: SortField.allCases.randomElement(using: &random)!,
                                   direction: [nil, .asc, .desc].randomElement(using: &random)!)
        }
        switch int(0...4) {
        case 0: query.window = .page(number: int(1...1000), size: bool() ? int(1...75) : nil)
        case 1: query.window = .range(start: int(1...1000), size: bool() ? int(1...75) : nil)
        default: break
        }
        return query
    }
}
