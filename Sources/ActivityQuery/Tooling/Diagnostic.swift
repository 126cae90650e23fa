/// Stable diagnostic codes. The raw value is the public code (`error[V007]`); never renumber one.
/// L: lexical, S: syntax, V: validation against the API's rules, U: request (URL) decoding.
public enum DiagnosticCode: String, Sendable, Codable, CaseIterable {
    // Lexical
    case unterminatedString = "L001"
    case invalidEscape = "L002"
    case unexpectedCharacter = "L003"
    case invalidUTF8 = "L004"
    case nulCharacter = "L005"

    // Syntax
    case expectedField = "S001"
    case expectedOperator = "S002"
    case expectedValue = "S003"
    case expectedCloseParen = "S004"
    case expectedCloseBracket = "S005"
    case expectedDotDot = "S006"
    case unexpectedToken = "S007"
    case nestingTooDeep = "S008"
    case expectedModifierArgument = "S009"
    case modifierBeforeFilter = "S010"
    case expectedExpression = "S011"

    // Validation: fields and values
    case unknownField = "V001"
    case notEqualUnsupported = "V002"
    case notUnsupported = "V003"
    /// Retired: `or` is planned into several requests now.
    case orUnsupported = "V004"
    /// Retired: `in (…)` is planned into several requests now.
    case inListUnsupported = "V005"
    case wildcardUnsupported = "V006"
    case typeAlone = "V007"
    case conflictingValues = "V008"
    case emptyDateRange = "V009"
    case invalidID = "V010"
    case unknownValue = "V011"
    case operatorNotForField = "V012"
    case duplicateFilter = "V013"
    case invalidDate = "V014"
    case expectedDate = "V015"
    case noFilter = "V016"
    case emptyCustomName = "V017"
    case valueCase = "V018"
    case emptyValue = "V019"

    // Validation: modifiers
    case pageAndRange = "V020"
    case pageSizeOutOfRange = "V021"
    case pageNumberOutOfRange = "V022"
    case unsortableField = "V023"
    case duplicateModifier = "V024"
    case showAllWithNames = "V025"
    case unknownSortOrder = "V026"

    // Counting: `count`, `count by FIELD`, `count by DATE per UNIT`
    case countWithWindow = "V045"
    case countField = "V046"
    case unboundedCount = "V047"
    case countNeedsValues = "V048"

    // Parameters: `$name` values given outside the query
    case unsetParameter = "V040"
    case invalidParameter = "V041"

    // The planner: `or` and `in (…)` as several requests
    case alternativeNeverMatches = "V030"
    case tooManyRequests = "V031"
    case duplicateAlternative = "V032"
    case noAlternativeMatches = "V033"

    // Request decoding (`from-url`, the emulator)
    case unknownParameter = "U001"
    case repeatedParameter = "U002"
    case invalidPercentEncoding = "U003"
    case invalidDateRange = "U004"
    case orderWithoutSort = "U005"
    case invalidParameterValue = "U006"
    case notAnActivitySearch = "U007"
}

/// How bad a diagnostic is.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note

    private var rank: Int {
        switch self {
        case .error: 2
        case .warning: 1
        case .note: 0
        }
    }

    /// Errors rank above warnings above notes.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A suggested edit: replace `range` with `replacement`.
public struct FixIt: Hashable, Sendable, Codable {
    public var range: SourceRange
    public var replacement: String

    /// A fix that replaces `range` with `replacement`.
    public init(range: SourceRange, replacement: String) {
        self.range = range
        self.replacement = replacement
    }
}

/// A note under a diagnostic, perhaps pointing somewhere else.
public struct DiagnosticNote: Hashable, Sendable, Codable {
    public var message: String
    public var range: SourceRange?

    /// A note saying `message`, at `range` if given.
    public init(_ message: String, range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }
}

/// One finding about a query. Diagnostics are data; `DiagnosticRenderer` prints them.
public struct Diagnostic: Hashable, Sendable, Codable {
    public var code: DiagnosticCode
    public var severity: Severity
    public var range: SourceRange
    public var message: String
    public var notes: [DiagnosticNote]
    public var fixIts: [FixIt]

    /// A diagnostic of `severity` with its code, place, message, notes and fixes.
    public init(
        _ code: DiagnosticCode, _ severity: Severity = .error, at range: SourceRange, _ message: String,
        notes: [DiagnosticNote] = [], fixIts: [FixIt] = []
    ) {
        self.code = code
        self.severity = severity
        self.range = range
        self.message = message
        self.notes = notes
        self.fixIts = fixIts
    }

    /// An error diagnostic.
    public static func error(
        _ code: DiagnosticCode, at range: SourceRange, _ message: String,
        notes: [DiagnosticNote] = [], fixIts: [FixIt] = []
    ) -> Diagnostic {
        Diagnostic(code, .error, at: range, message, notes: notes, fixIts: fixIts)
    }

    /// A warning diagnostic.
    public static func warning(
        _ code: DiagnosticCode, at range: SourceRange, _ message: String,
        notes: [DiagnosticNote] = [], fixIts: [FixIt] = []
    ) -> Diagnostic {
        Diagnostic(code, .warning, at: range, message, notes: notes, fixIts: fixIts)
    }
}

extension SourceRange {
    /// The range moved by `delta` bytes.
    public func shifted(by delta: Int) -> SourceRange { SourceRange(start + delta, end + delta) }
}

extension Diagnostic {
    /// The same diagnostic for text that moved by `delta` bytes.
    public func shifted(by delta: Int) -> Diagnostic {
        var copy = self
        copy.range = range.shifted(by: delta)
        copy.notes = notes.map { DiagnosticNote($0.message, range: $0.range?.shifted(by: delta)) }
        copy.fixIts = fixIts.map { FixIt(range: $0.range.shifted(by: delta), replacement: $0.replacement) }
        return copy
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Adds `others`, keeping the whole in the order of where each starts (these first where
    /// two start at one place: the sort is stable).
    mutating func merge(_ others: [Diagnostic]) {
        guard !others.isEmpty else { return }
        self += others
        sort { $0.range.start < $1.range.start }
    }
}
