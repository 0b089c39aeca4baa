import CNNCore
import Foundation

/// How a sound is cut into time chunks and frequency bands: the article's "fake picture".
///
/// The defaults suit 0.5 s at 8 kHz: 24 chunks of 32 ms every 20 ms, and 24 bands from 0 to
/// 4000 Hz, evenly spaced on the mel scale so the bass gets narrow bands and the treble wide
/// ones, as the ear hears them.
public struct SpectrogramSettings: Sendable, Equatable {
    /// Samples per time chunk, `N` (a power of two; 256 = 32 ms at 8 kHz, 31.25 Hz per FFT bin).
    public var frameLength: Int
    /// Samples from the start of one chunk to the next (160 = 20 ms at 8 kHz).
    public var hop: Int
    /// The number of frequency bands, `B`.
    public var bands: Int
    /// The bottom of the lowest band and the top of the highest, in Hz (`nil`: half the sample rate).
    public var lowHz: Double
    public var highHz: Double?
    /// How many dB below the loudest cell maps to −1 (quieter cells are clamped to −1).
    public var dynamicRange: Double

    public init(frameLength: Int = 256, hop: Int = 160, bands: Int = 24, lowHz: Double = 0, highHz: Double? = nil,
                dynamicRange: Double = 60) {
        self.frameLength = frameLength
        self.hop = hop
        self.bands = bands
        self.lowHz = lowHz
        self.highHz = highHz
        self.dynamicRange = dynamicRange
    }

    /// The mel scale, `mel(f) = 2595 · log₁₀(1 + f / 700)`, roughly how far apart pitches sound.
    public static func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }

    /// Its inverse, `f = 700 · (10^(mel / 2595) − 1)`.
    public static func hz(mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }

    /// The `B + 1` band edges in Hz, evenly spaced in mel from `lowHz` to `highHz`:
    ///
    ///     edge[b] = hz(mel(low) + b · (mel(high) − mel(low)) / B),   b = 0 … B
    ///
    /// With the defaults at 8 kHz, rounded to the hertz: 0, 58, 120, 188, 261, 341, 427, 520, 621,
    /// 730, 848, 975, 1114, 1264, 1426, 1601, 1791, 1997, 2220, 2461, 2722, 3004, 3310, 3641, 4000.
    /// The lowest band is 58 Hz wide (two FFT bins), the highest 359 Hz (twelve).
    public func bandEdges(sampleRate: Int) -> [Double] {
        let top = highHz ?? Double(sampleRate) / 2
        let lo = Self.mel(lowHz), hi = Self.mel(top)
        return (0...bands).map { b in b == bands ? top : Self.hz(mel: lo + Double(b) * (hi - lo) / Double(bands)) }
    }

    /// The number of whole chunks in `samples` samples: `1 + (samples − N) / hop` (0 when shorter than a chunk).
    public func steps(samples: Int) -> Int {
        samples < frameLength ? 0 : 1 + (samples - frameLength) / hop
    }
}

/// A spectrogram: for each time chunk, how loud each frequency band is.
///
/// Made in four steps (`N` = frame length, `k` an FFT bin, `b` a band, `t` a chunk):
///
///  1. **chunks**: `frame_t[n] = x[t·hop + n] · w[n]`, with the Hann window
///     `w[n] = 0.5 − 0.5·cos(2πn / N)`, which fades each chunk in and out so its edges do not
///     smear the spectrum;
///  2. **FFT**: `P_t[k] = |FFT(frame_t)[k]|²` for `k = 0 … N/2`, bin `k` at `k·sampleRate/N` Hz;
///  3. **bands**: `E[b, t]` = the mean of `P_t[k]` over the bins whose frequency lies in
///     `[edge[b], edge[b+1])` (the last band includes its top edge);
///  4. **log power**: `dB[b, t] = 10·log₁₀(E[b, t] / P_ref + 10⁻¹²)`, where `P_ref = (Σ w / 2)²` is
///     the peak bin power of a unit-amplitude sine, so such a sine reads about 0 dB; then
///     `v[b, t] = clamp(1 + 2·(dB[b, t] − max dB) / range, −1, 1)`: the loudest cell is +1,
///     anything `range` dB (default 60) or more below it is −1.
///
/// `values` is stored like an image, highest band first, so row 0 is the top of the picture:
/// `values[(B − 1 − b) · T + t] = v[b, t]`.
public struct Spectrogram: Sendable, Equatable {
    /// The number of bands (rows) and chunks (columns).
    public let bands: Int
    public let steps: Int
    /// `[B·T]` values in [−1, 1], row-major, row 0 the highest band.
    public let values: [Double]
    /// The unnormalized log power `dB[b, t]`, laid out like `values`.
    public let decibels: [Double]
    /// The `B + 1` band edges in Hz, lowest first.
    public let bandEdges: [Double]
    /// The `T + 1` column edges in seconds: column `t` is drawn around its chunk's centre,
    /// `(t·hop + N/2) / sampleRate`, and is one hop wide, so `timeEdges[t] = (t·hop + N/2 − hop/2) / sampleRate`.
    public let timeEdges: [Double]
    /// The settings used.
    public let settings: SpectrogramSettings

    /// The spectrogram of `samples` recorded at `sampleRate`.
    /// - Precondition: `frameLength` is a power of two ≥ 2, `hop ≥ 1`, `bands ≥ 1`, at least one
    ///   whole chunk, and `lowHz < highHz ≤ sampleRate / 2`.
    public init(samples: [Double], sampleRate: Int, settings: SpectrogramSettings = SpectrogramSettings()) {
        let n = settings.frameLength
        precondition(n >= 2 && n & (n - 1) == 0, "the frame length must be a power of two")
        precondition(settings.hop >= 1 && settings.bands >= 1, "hop and bands must be positive")
        let top = settings.highHz ?? Double(sampleRate) / 2
        precondition(settings.lowHz >= 0 && settings.lowHz < top && top <= Double(sampleRate) / 2, "bands must lie between 0 Hz and half the sample rate")
        let steps = settings.steps(samples: samples.count)
        precondition(steps >= 1, "the sound is shorter than one chunk (\(n) samples)")
        let edges = settings.bandEdges(sampleRate: sampleRate)
        let b = settings.bands
        let window = (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n)) }
        let windowSum = window.reduce(0, +)
        let reference = (windowSum / 2) * (windowSum / 2)
        // Which bins each band averages. A band too narrow to hold a bin takes the bin nearest its middle.
        let binHz = Double(sampleRate) / Double(n)
        let bins: [[Int]] = (0..<b).map { band in
            let lo = edges[band], hi = edges[band + 1]
            let inside = (0...(n / 2)).filter { k in
                let f = Double(k) * binHz
                return f >= lo && (f < hi || (band == b - 1 && f <= hi))
            }
            return inside.isEmpty ? [min(n / 2, Int(((lo + hi) / 2 / binHz).rounded()))] : inside
        }
        var db = [Double](repeating: 0, count: b * steps)
        var frame = [Double](repeating: 0, count: n)
        for t in 0..<steps {
            let start = t * settings.hop
            for i in 0..<n { frame[i] = samples[start + i] * window[i] }
            let power = FFT.powerSpectrum(frame)
            for band in 0..<b {
                let energy = bins[band].reduce(0) { $0 + power[$1] } / Double(bins[band].count)
                db[(b - 1 - band) * steps + t] = 10 * log10(energy / reference + 1e-12)
            }
        }
        let loudest = db.max() ?? 0
        let range = settings.dynamicRange > 0 ? settings.dynamicRange : 60
        self.bands = b
        self.steps = steps
        self.decibels = db
        self.values = db.map { min(1, max(-1, 1 + 2 * ($0 - loudest) / range)) }
        self.bandEdges = edges
        let sr = Double(sampleRate)
        self.timeEdges = (0...steps).map { t in (Double(t * settings.hop) + Double(n) / 2 - Double(settings.hop) / 2) / sr }
        self.settings = settings
    }

    /// The value of band `band` (0 = lowest) at chunk `step`.
    public func value(band: Int, step: Int) -> Double { values[(bands - 1 - band) * steps + step] }

    /// The band (0 = lowest) whose edges contain `hz`, or nil outside them.
    public func band(containing hz: Double) -> Int? {
        guard let last = bandEdges.last, let first = bandEdges.first, hz >= first, hz <= last else { return nil }
        return (0..<bands).first { hz >= bandEdges[$0] && hz < bandEdges[$0 + 1] } ?? bands - 1
    }

    /// The spectrogram as a one-channel image `[1, B, T]`, highest band in row 0, for a network.
    public var image: Tensor { Tensor(shape: [1, bands, steps], data: values) }
}
