import Foundation

/// A small, fast, seedable random number generator (SplitMix64).
///
/// Randomness in the engine is always injected as one of these, never taken from a global,
/// so the same seed gives the same numbers on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for a named stream: the same `(seed, name)` always gives the same sequence,
    /// independent of any other stream. Used so each parameter's initialization does not depend
    /// on which other parameters a weights file supplies.
    public init(seed: UInt64, stream name: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        state = seed ^ h
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits (the same on every platform).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform `Double` in `[low, high)`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// A uniform integer in `0..<n` (n > 0), without modulo bias worth noticing for small `n`.
    public mutating func below(_ n: Int) -> Int {
        Int(nextUnit() * Double(n))
    }

    /// A standard normal sample (Box–Muller).
    public mutating func normal() -> Double {
        var u1 = nextUnit()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
