/// SplitMix64: a small, fast, deterministic generator. The demo data and the seeded tests use it
/// so that a seed always gives the same activities and the same cases.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The draws the demo data and the seeded tests make.
extension SeededGenerator {
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    public mutating func chance(_ probability: Double) -> Bool { Double(next() % 1_000_000) < probability * 1_000_000 }
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
    public mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        var roll = int(0...items.reduce(0) { $0 + $1.1 } - 1)
        for (item, weight) in items {
            if roll < weight { return item }
            roll -= weight
        }
        return items[0].0
    }
}
