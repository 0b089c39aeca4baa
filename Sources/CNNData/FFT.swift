import Foundation

/// The discrete Fourier transform, computed two ways: a radix-2 FFT for use and the direct sum
/// to check it against.
///
///     X[k] = Σ_{n=0}^{N−1} x[n] · e^(−2πi·k·n/N),   k = 0 … N−1
///
/// Bin `k` holds the frequency `k · sampleRate / N` Hz; for a real signal the bins above `N/2`
/// mirror those below, so a spectrogram keeps bins `0 … N/2`.
public enum FFT {
    /// Transforms `re + i·im` in place with the iterative radix-2 Cooley–Tukey algorithm:
    ///
    ///  1. reorder the samples by bit-reversed index;
    ///  2. for block sizes `m = 2, 4, …, N`, combine each pair of half-blocks with a butterfly:
    ///     `a' = a + w·b`, `b' = a − w·b`, where `w = e^(−2πi·j/m)` for the `j`-th pair.
    ///
    /// `N · log₂N / 2` butterflies instead of the direct sum's `N²` products.
    /// - Precondition: `re.count == im.count` and the count is a power of two (1 is allowed).
    public static func transform(re: inout [Double], im: inout [Double]) {
        let n = re.count
        precondition(im.count == n, "real and imaginary parts must have the same length")
        precondition(n > 0 && n & (n - 1) == 0, "the FFT length must be a power of two, got \(n)")
        guard n > 1 else { return }
        // 1. Bit-reversal permutation: j is i with its log₂N bits reversed.
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        // 2. Butterflies. Twiddles come from one table of N/2 angles, w_j = e^(−2πi·j/N),
        //    each computed directly by cos/sin so no rounding error builds up along a block.
        let half = n / 2
        var cosTable = [Double](repeating: 0, count: half), sinTable = [Double](repeating: 0, count: half)
        for k in 0..<half {
            let angle = -2 * Double.pi * Double(k) / Double(n)
            cosTable[k] = cos(angle)
            sinTable[k] = sin(angle)
        }
        var m = 2
        while m <= n {
            let halfBlock = m / 2, step = n / m
            var start = 0
            while start < n {
                for k in 0..<halfBlock {
                    let wr = cosTable[k * step], wi = sinTable[k * step]
                    let a = start + k, b = a + halfBlock
                    let tr = wr * re[b] - wi * im[b]
                    let ti = wr * im[b] + wi * re[b]
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
                start += m
            }
            m *= 2
        }
    }

    /// The DFT by its definition, `O(N²)`, for any `N`: the independent oracle for `transform`.
    public static func direct(re: [Double], im: [Double]) -> (re: [Double], im: [Double]) {
        let n = re.count
        precondition(im.count == n, "real and imaginary parts must have the same length")
        var outRe = [Double](repeating: 0, count: n), outIm = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for t in 0..<n {
                // (k·t) mod N keeps the angle small, so cos/sin stay accurate for large N.
                let angle = -2 * Double.pi * Double((k * t) % n) / Double(n)
                let c = cos(angle), s = sin(angle)
                sr += re[t] * c - im[t] * s
                si += re[t] * s + im[t] * c
            }
            outRe[k] = sr
            outIm[k] = si
        }
        return (outRe, outIm)
    }

    /// The power `|X[k]|²` of bins `0 … N/2` of a real signal (the rest mirror them).
    /// - Precondition: `signal.count` is a power of two, at least 2.
    public static func powerSpectrum(_ signal: [Double]) -> [Double] {
        var re = signal, im = [Double](repeating: 0, count: signal.count)
        transform(re: &re, im: &im)
        return (0...(signal.count / 2)).map { re[$0] * re[$0] + im[$0] * im[$0] }
    }
}
