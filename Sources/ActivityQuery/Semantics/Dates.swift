import Foundation

/// The clock and time zone that relative dates and dates without an offset are read in.
/// Frozen in tests and in the conformance corpus; the real clock and `--tz` in the tool.
public struct DateContext: Sendable {
    /// Now, in UTC milliseconds.
    public var now: Int64
    public var timeZone: TimeZone
    private let isUTC: Bool

    /// A clock frozen at `now` (UTC milliseconds) in `timeZone`.
    public init(now: Int64, timeZone: TimeZone) {
        self.now = now
        self.timeZone = timeZone
        self.isUTC = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0
            && ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z", "Zulu", "Universal"].contains(timeZone.identifier)
    }

    /// The real clock, now, in `timeZone`.
    public static func current(timeZone: TimeZone = .current) -> DateContext {
        DateContext(now: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)), timeZone: timeZone)
    }

    /// Offset of the zone from UTC at an instant, in milliseconds.
    public func offset(at instant: Int64) -> Int64 {
        if isUTC { return 0 }
        return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000))) * 1000
    }

    /// The instant of a wall-clock time in this zone (given as if it were UTC). In a gap of a
    /// daylight-saving change the time is read with the offset before the change.
    public func instant(ofLocal local: Int64) -> Int64 {
        if isUTC { return local }
        let first = offset(at: local)
        let guess = local - first
        let second = offset(at: guess)
        return second == first ? guess : local - second
    }

    /// The local calendar day number (days since 1970-01-01) holding an instant.
    public func localDay(of instant: Int64) -> Int64 {
        APIDate.floorDiv(instant + offset(at: instant), APIDate.millisPerDay)
    }

    /// The first and last millisecond of a local calendar day.
    public func span(ofDay day: Int64) -> (start: Int64, end: Int64) {
        let start = instant(ofLocal: day * APIDate.millisPerDay)
        let next = instant(ofLocal: (day + 1) * APIDate.millisPerDay)
        return (start, next - 1)
    }
}

/// A date value after evaluation: one instant, or a whole calendar day.
public enum DateValue: Hashable, Sendable {
    case instant(Int64)
    case day(start: Int64, end: Int64)

    public var first: Int64 {
        switch self {
        case .instant(let value): value
        case .day(let start, _): start
        }
    }

    public var last: Int64 {
        switch self {
        case .instant(let value): value
        case .day(_, let end): end
        }
    }
}

/// Reading and writing the date forms of the language and of the API.
public enum APIDate {
    public static let millisPerDay: Int64 = 86_400_000
    /// Years the API's four-digit format can carry.
    public static let years = 1...9999

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        // Truncating division, one down when the remainder is negative: no step can overflow,
        // even for Int64.min (for b > 0).
        let quotient = a / b
        return a % b < 0 ? quotient - 1 : quotient
    }

    /// The remainder that goes with `floorDiv`: 0 ..< b.
    @inline(__always)
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let remainder = a % b
        return remainder < 0 ? remainder + b : remainder
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year, month and day of a day count since 1970-01-01 (proleptic Gregorian).
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The number of days in a month of a year.
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2015-12-23T08:39:16.000Z`: the form the API sends and expects.
    public static func format(_ instant: Int64) -> String {
        let day = floorDiv(instant, millisPerDay)
        let rest = floorMod(instant, millisPerDay)
        let (year, month, dayOfMonth) = civil(days: day)
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        func put(_ value: Int64, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var remaining = value
            for index in stride(from: width - 1, through: 0, by: -1) {
                digits[index] = 0x30 + UInt8(remaining % 10)
                remaining /= 10
            }
            bytes += digits
        }
        if (0...9999).contains(year) {
            put(year, 4)
        } else {
            // Outside the API's four-digit years (a bug elsewhere, or data from a strange server):
            // ISO 8601's expanded form, never a trap.
            bytes.append(year < 0 ? 0x2D : 0x2B)
            let magnitude = year.magnitude
            put(Int64(magnitude), max(4, String(magnitude).utf8.count))
        }
        bytes.append(0x2D); put(month, 2); bytes.append(0x2D); put(dayOfMonth, 2)
        bytes.append(0x54)
        put(rest / 3_600_000, 2); bytes.append(0x3A); put(rest / 60_000 % 60, 2); bytes.append(0x3A)
        put(rest / 1000 % 60, 2); bytes.append(0x2E); put(rest % 1000, 3); bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `[start,end]` with an empty side for an open bound.
    public static func rangeParameter(_ range: DateRange) -> String {
        "[\(range.start.map(format) ?? ""),\(range.end.map(format) ?? "")]"
    }

    public static let earliest = days(year: 1, month: 1, day: 1) * millisPerDay
    public static let latest = days(year: 10000, month: 1, day: 1) * millisPerDay - 1

    // MARK: Parsing

    /// An absolute date as written: a day, a wall-clock time, or an instant with an offset.
    public enum Literal: Hashable, Sendable {
        /// Days since 1970-01-01.
        case day(Int64)
        /// Milliseconds since 1970-01-01T00:00 on the wall clock of the session's time zone.
        case local(Int64)
        case instant(Int64)
    }

    /// Why a date literal cannot be read, in words.
    public struct ParseError: Error, Hashable, Sendable {
        public var message: String
        /// Byte offsets within the literal.
        public var start: Int
        public var end: Int
    }

    /// Parses `2024-01-15`, `2024-01-15T10:30`, `2024-01-15T10:30:00Z`,
    /// `2024-01-15T10:30:00.250+02:00` (also `+0200`).
    public static func parseLiteral<C: Collection<UInt8>>(_ text: C) -> Result<Literal, ParseError>
    where C.Index == Int {
        let bytes = Array(text)
        let count = bytes.count
        func fail(_ message: String, _ start: Int, _ end: Int) -> Result<Literal, ParseError> {
            .failure(ParseError(message: message, start: start, end: min(max(end, start + 1), count)))
        }
        func number(_ start: Int, _ width: Int) -> Int64? {
            guard start + width <= count else { return nil }
            var value: Int64 = 0
            for index in start..<start + width {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        let expected = "expected a date such as 2024-01-15 or 2024-01-15T10:30:00Z"
        guard let year = number(0, 4), count >= 5, bytes[4] == 0x2D else { return fail(expected, 0, count) }
        guard let month = number(5, 2), count >= 8, bytes[7] == 0x2D, let day = number(8, 2) else {
            return fail(expected, 0, count)
        }
        guard year >= 1 else { return fail("year 0000 is not a valid date", 0, 4) }
        guard (1...12).contains(month) else { return fail("month \(month) does not exist", 5, 7) }
        guard day >= 1 && day <= daysInMonth(year: year, month: month) else {
            return fail("day \(day) does not exist in \(formatYearMonth(year, month))", 8, 10)
        }
        let dayNumber = days(year: year, month: month, day: day)
        if count == 10 { return .success(.day(dayNumber)) }
        guard bytes[10] == 0x54 || bytes[10] == 0x74 else {
            return fail("expected 'T' between the date and the time", 10, 11)
        }
        guard let hour = number(11, 2), count >= 14, bytes[13] == 0x3A, let minute = number(14, 2) else {
            return fail("expected a time such as T10:30 after the date", 10, count)
        }
        guard hour <= 23 else { return fail("hour \(hour) does not exist", 11, 13) }
        guard minute <= 59 else { return fail("minute \(minute) does not exist", 14, 16) }
        var index = 16
        var second: Int64 = 0
        var millis: Int64 = 0
        if index < count, bytes[index] == 0x3A {
            guard let value = number(index + 1, 2) else { return fail("expected two digits of seconds", index, index + 3) }
            guard value <= 59 else { return fail("second \(value) does not exist", index + 1, index + 3) }
            second = value
            index += 3
            if index < count, bytes[index] == 0x2E {
                let digitsStart = index + 1
                var end = digitsStart
                while end < count, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
                let digits = end - digitsStart
                guard digits >= 1 else { return fail("expected digits after '.'", index, index + 1) }
                guard digits <= 3 else {
                    return fail("the API keeps milliseconds: at most 3 digits of fractions", digitsStart, end)
                }
                millis = number(digitsStart, digits)! * [100, 10, 1][digits - 1]
                index = end
            }
        }
        let wallClock = dayNumber * millisPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + millis
        if index == count { return .success(.local(wallClock)) }
        let sign = bytes[index]
        if (sign == 0x5A || sign == 0x7A) && index + 1 == count { return .success(.instant(wallClock)) }
        guard sign == 0x2B || sign == 0x2D else {
            return fail("expected 'Z' or an offset such as +02:00", index, count)
        }
        guard let offsetHours = number(index + 1, 2) else {
            return fail("expected an offset such as +02:00", index, count)
        }
        var offsetMinutes: Int64 = 0
        var end = index + 3
        if end < count, bytes[end] == 0x3A {
            guard let value = number(end + 1, 2) else { return fail("expected an offset such as +02:00", index, count) }
            offsetMinutes = value
            end += 3
        } else if let value = number(end, 2) {
            offsetMinutes = value
            end += 2
        }
        guard end == count else { return fail("unexpected text after the offset", end, count) }
        guard offsetHours <= 18 && offsetMinutes <= 59 else { return fail("offset out of range", index, count) }
        let offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign == 0x2D ? -1 : 1)
        return .success(.instant(wallClock - offset))
    }

    private static func formatYearMonth(_ year: Int64, _ month: Int64) -> String {
        "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))"
    }

    /// A relative date: `now`, `today`, `yesterday`, optionally with an offset; or an offset alone
    /// (`-7d`), which counts from now.
    public struct Relative: Hashable, Sendable {
        /// What a relative date counts from.
        public enum Base: Hashable, Sendable { case now, today, yesterday }
        public var base: Base
        /// Signed amount of `unit`.
        public var amount: Int64
        public var unit: UInt8

        /// Whether the value is a whole day (day bases moved by days or weeks).
        public var isDay: Bool { base != .now && (amount == 0 || unit == UInt8(ascii: "d") || unit == UInt8(ascii: "w")) }
    }

    /// A relative date (`now-12h`, `-7d`, `today`), or nil when the text is not one.
    public static func parseRelative<C: Collection<UInt8>>(_ text: C) -> Relative? where C.Index == Int {
        let lowered = text.map { $0 | ($0 >= 0x41 && $0 <= 0x5A ? 0x20 : 0) }
        var index = 0
        var base = Relative.Base.now
        for (name, candidate) in [("yesterday", Relative.Base.yesterday), ("today", .today), ("now", .now)]
        where lowered.starts(with: name.utf8) {
            base = candidate
            index = name.utf8.count
            break
        }
        if index == lowered.count { return index > 0 ? Relative(base: base, amount: 0, unit: 0x64) : nil }
        let sign = lowered[index]
        guard sign == 0x2D || sign == 0x2B, lowered.count - index >= 3 else { return nil }
        var amount: Int64 = 0
        var cursor = index + 1
        while cursor < lowered.count - 1 {
            let byte = lowered[cursor]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let (product, overflow) = amount.multipliedReportingOverflow(by: 10)
            guard !overflow, product <= 10_000_000 else { return nil }
            amount = product + Int64(byte - 0x30)
            cursor += 1
        }
        guard cursor == lowered.count - 1, Lexer.isUnit(lowered[cursor]) else { return nil }
        return Relative(base: base, amount: sign == 0x2D ? -amount : amount, unit: lowered[cursor])
    }

    static func millis(ofUnit unit: UInt8) -> Int64 {
        switch unit {
        case UInt8(ascii: "m"): 60_000
        case UInt8(ascii: "h"): 3_600_000
        case UInt8(ascii: "w"): 7 * millisPerDay
        default: millisPerDay
        }
    }

    /// Evaluates a relative date against the context's clock and time zone.
    public static func evaluate(_ relative: Relative, in context: DateContext) -> DateValue {
        switch relative.base {
        case .now:
            return .instant(context.now + relative.amount * millis(ofUnit: relative.unit))
        case .today, .yesterday:
            var day = context.localDay(of: context.now) - (relative.base == .yesterday ? 1 : 0)
            if relative.isDay {
                day += relative.amount * (relative.unit == UInt8(ascii: "w") ? 7 : 1)
                let span = context.span(ofDay: day)
                return .day(start: span.start, end: span.end)
            }
            return .instant(context.span(ofDay: day).start + relative.amount * millis(ofUnit: relative.unit))
        }
    }

    /// The instants a date literal stands for in `context`: a moment, or a whole day or range.
    public static func evaluate(_ literal: Literal, in context: DateContext) -> DateValue {
        switch literal {
        case .day(let day):
            let span = context.span(ofDay: day)
            return .day(start: span.start, end: span.end)
        case .local(let wallClock):
            return .instant(context.instant(ofLocal: wallClock))
        case .instant(let instant):
            return .instant(instant)
        }
    }
}
