import CNNCore
import CNNFigures
import Foundation

/// The kinds of sound the audio lesson tells apart. Each has its own shape in a spectrogram:
/// a line climbing, a line falling, a stack of flat lines, a row of vertical stripes.
public enum SoundKind: Int, Sendable, CaseIterable {
    /// One sine whose pitch climbs exponentially: a line rising to the right.
    case risingChirp = 0
    /// The same, falling: a line sinking to the right.
    case fallingChirp = 1
    /// A steady pitch with its harmonics (2f, 3f, …): evenly spaced flat lines.
    case harmonicTone = 2
    /// Short broadband clicks at a steady rate: vertical stripes.
    case clickTrain = 3

    /// `"rising chirp"`, `"falling chirp"`, `"harmonic tone"`, `"click train"`.
    public var name: String {
        switch self {
        case .risingChirp: return "rising chirp"
        case .fallingChirp: return "falling chirp"
        case .harmonicTone: return "harmonic tone"
        case .clickTrain: return "click train"
        }
    }

    /// The name with hyphens, for file names: `rising-chirp`.
    public var slug: String { name.replacingOccurrences(of: " ", with: "-") }
}

/// A synthesized sound: samples in [−1, 1] and the choices that made it.
public struct Sound: Sendable, Equatable {
    public var kind: SoundKind
    /// Mono samples, `sampleRate` per second, each in [−1, 1].
    public var samples: [Double]
    /// Samples per second.
    public var sampleRate: Int
    /// The random choices in words, e.g. `rising chirp 412 → 1530 Hz, 0.07–0.39 s, SNR 18 dB`.
    public var summary: String

    public init(kind: SoundKind, samples: [Double], sampleRate: Int, summary: String) {
        self.kind = kind
        self.samples = samples
        self.sampleRate = sampleRate
        self.summary = summary
    }

    /// The length in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// Synthesizes short sounds of the four `SoundKind`s, varied at random from a seed.
///
/// Every sound is silent except for one event that starts at `t₀ ∈ [0.02, 0.12]` s and lasts
/// `L ∈ [0.25, 0.36]` s (for the default 0.5 s), shaped by an envelope `e(t)` that rises and
/// falls over 10 ms with a half cosine, at a peak amplitude `A ∈ [0.3, 0.6]`:
///
/// - **rising chirp**: `x(t) = A·e(t)·sin φ(t)`, `φ' = 2π·f(t)`, `f(t) = f₀·r^((t − t₀)/L)` with
///   `f₀ ∈ [250, 700]` Hz and `r ∈ [2, 4.5]` (so it ends between 500 and 3150 Hz);
/// - **falling chirp**: the same sweep run backwards, from `f₀·r` down to `f₀`;
/// - **harmonic tone**: `x(t) = A·e(t)·Σ_h a_h·sin(h·φ(t)) / Σ_h a_h` for `h = 1 … H`, with
///   `f₀ ∈ [150, 500]` Hz, `a_h = u_h / h`, `u_h ∈ [0.6, 1]`, `H` the most harmonics (up to 6)
///   below 3.6 kHz, and a 5 Hz vibrato of ±1%;
/// - **click train**: clicks every `1/ρ` s, `ρ ∈ [8, 16]` per second, each a burst of white
///   noise decaying as `e^(−τ/d)`, `d ∈ [0.4, 1.2]` ms, its time jittered by up to ±1 ms (so
///   clicks are at least 60 ms apart, and with 32 ms chunks every 20 ms one chunk of noise alone
///   lies between two clicks: each click draws its own stripe); the
///   first starts 11 ms after `t₀` and the last ends 11 ms before the event does, so no click
///   falls in a fade and every click counted is heard.
///
/// Then white Gaussian noise is added over the whole sound at a signal-to-noise ratio of
/// `SNR ∈ [10, 30]` dB, measured against the event's RMS, and samples are clamped to [−1, 1].
/// All choices come from one `SeededGenerator`, so the same seed gives the same sounds.
public struct SoundGenerator: Sendable {
    /// Samples per second (default 8000: frequencies up to 4 kHz, like a telephone).
    public let sampleRate: Int
    /// Seconds per sound (default 0.5).
    public let duration: Double
    private var rng: SeededGenerator

    /// A generator of `duration`-second sounds at `sampleRate`, seeded by `seed`.
    /// - Precondition: `sampleRate ≥ 8000` (so every kind's frequencies are below Nyquist) and
    ///   `duration ≥ 0.3` (so the event fits).
    public init(seed: UInt64, sampleRate: Int = 8000, duration: Double = 0.5) {
        precondition(sampleRate >= 8000, "the sounds need frequencies up to 4 kHz, so at least 8000 samples a second")
        precondition(duration >= 0.3, "sounds must last at least 0.3 s")
        self.sampleRate = sampleRate
        self.duration = duration
        rng = SeededGenerator(seed: seed, stream: "audio")
    }

    /// `perKind` sounds of each kind, the kinds taking turns (rising, falling, tone, clicks, rising, …).
    public mutating func makeSet(perKind: Int) -> [Sound] {
        var sounds: [Sound] = []
        for _ in 0..<max(0, perKind) {
            for kind in SoundKind.allCases { sounds.append(sound(of: kind)) }
        }
        return sounds
    }

    /// One random sound of `kind`.
    public mutating func sound(of kind: SoundKind) -> Sound {
        let sr = Double(sampleRate)
        let count = Int((duration * sr).rounded())
        // The event: onset, length and peak amplitude, scaled with the duration (0.5 s gives the documented ranges).
        let stretch = duration / 0.5
        let onset = rng.uniform(0.02, 0.12) * stretch
        let length = rng.uniform(0.25, 0.36) * stretch
        let amplitude = rng.uniform(0.3, 0.6)
        let first = Int(onset * sr), last = min(count, Int((onset + length) * sr))
        var event = [Double](repeating: 0, count: count)
        let summary: String
        switch kind {
        case .risingChirp, .fallingChirp:
            let low = rng.uniform(250, 700), ratio = rng.uniform(2, 4.5)
            let rising = kind == .risingChirp
            var phase = 0.0
            for i in first..<last {
                let u = Double(i - first) / Double(max(1, last - first))
                let f = low * pow(ratio, rising ? u : 1 - u)
                event[i] = sin(phase)
                phase += 2 * Double.pi * f / sr
            }
            let (a, b) = rising ? (low, low * ratio) : (low * ratio, low)
            summary = "\(kind.name) \(Int(a.rounded())) → \(Int(b.rounded())) Hz"
        case .harmonicTone:
            let f0 = rng.uniform(150, 500)
            let harmonics = max(1, min(6, Int(3600 / f0)))
            let weights = (1...harmonics).map { h in rng.uniform(0.6, 1) / Double(h) }
            let total = weights.reduce(0, +)
            let vibratoPhase = rng.uniform(0, 2 * Double.pi)
            var phase = 0.0
            for i in first..<last {
                var s = 0.0
                for (h, a) in weights.enumerated() { s += a * sin(Double(h + 1) * phase) }
                event[i] = s / total
                let t = Double(i) / sr
                phase += 2 * Double.pi * f0 * (1 + 0.01 * sin(2 * Double.pi * 5 * t + vibratoPhase)) / sr
            }
            summary = "\(kind.name) \(Int(f0.rounded())) Hz with \(harmonics) harmonics"
        case .clickTrain:
            let rate = rng.uniform(8, 16)
            let decay = rng.uniform(0.0004, 0.0012) * sr
            let tail = Int(decay * 6)
            // Every click, jitter and tail included, lies where the envelope is 1 (between the
            // 10 ms fades), so each one is heard and drawn: the summary counts what is there.
            let fade = 0.01, jitter = 0.001
            var t = onset + fade + jitter
            var clicks = 0
            while t <= onset + length - fade - jitter - Double(tail) / sr {
                let at = Int(((t + rng.uniform(-jitter, jitter)) * sr).rounded())
                for k in 0..<tail where at + k >= first && at + k < last {
                    event[at + k] += rng.normal() * exp(-Double(k) / decay) / 2
                }
                clicks += 1
                t += 1 / rate
            }
            summary = "\(kind.name), \(clicks) clicks at \(formatNumber(rate, .rounded(1))) per second"
        }
        // The envelope: half-cosine ramps of 10 ms at both ends.
        let ramp = max(1, Int(0.01 * sr))
        for i in first..<last {
            let fromStart = i - first, toEnd = last - 1 - i
            let edge = min(fromStart, toEnd)
            let e = edge >= ramp ? 1 : 0.5 - 0.5 * cos(Double.pi * Double(edge) / Double(ramp))
            event[i] *= amplitude * e
        }
        // Noise at the chosen SNR against the event's RMS.
        let snr = rng.uniform(10, 30)
        let power = event[first..<last].reduce(0) { $0 + $1 * $1 } / Double(max(1, last - first))
        let sigma = power.squareRoot() * pow(10, -snr / 20)
        let samples = event.map { x in min(1, max(-1, x + sigma * rng.normal())) }
        let timing = "\(formatNumber(onset, .rounded(2)))–\(formatNumber(onset + length, .rounded(2))) s"
        return Sound(kind: kind, samples: samples, sampleRate: sampleRate,
                     summary: "\(summary), \(timing), SNR \(Int(snr.rounded())) dB")
    }

    /// A pure tone `A·sin(2π·f·t)` of `duration` seconds, with no envelope or noise: the test
    /// signal that should light up exactly one frequency band.
    public static func tone(frequency: Double, amplitude: Double = 0.5, sampleRate: Int = 8000, duration: Double = 0.5) -> [Double] {
        let count = Int((duration * Double(sampleRate)).rounded())
        return (0..<count).map { i in amplitude * sin(2 * Double.pi * frequency * Double(i) / Double(sampleRate)) }
    }
}
