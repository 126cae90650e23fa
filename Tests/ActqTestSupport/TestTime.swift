import Foundation

/// Hang guards and network timeouts in tests, scaled for slow builds: `make sanitize` sets
/// `ACTQ_TEST_TIME_SCALE=10`, since ThreadSanitizer runs code 10–50 times slower. (These are
/// limits against hangs, never measurements.)
public enum TestTime {
    public static let scale: Int = ProcessInfo.processInfo.environment["ACTQ_TEST_TIME_SCALE"].flatMap(Int.init).map { max(1, $0) } ?? 1

    /// `minutes` of a hang guard, scaled.
    public static func minutes(_ minutes: Int) -> Int { minutes * scale }

    /// `seconds` of a network timeout, scaled.
    public static func seconds(_ seconds: Double) -> Double { seconds * Double(scale) }
}
