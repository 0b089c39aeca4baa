import CNNCore
import Foundation
import Testing
@testable import CNNData


// MARK: FFT

@Test(arguments: [1, 2, 4, 8, 64, 256])
func fftEqualsTheDirectDFT(n: Int) {
    var rng = SeededGenerator(seed: UInt64(n))
    let re = (0..<n).map { _ in rng.uniform(-1, 1) }, im = (0..<n).map { _ in rng.uniform(-1, 1) }
    var fr = re, fi = im
    FFT.transform(re: &fr, im: &fi)
    let (dr, di) = FFT.direct(re: re, im: im)
    // Both sum N terms of size ≤ √2; their rounding errors are a few ulps of N, so 1e-10 absolute
    // is loose for N ≤ 256 yet far below any real mistake (a wrong twiddle moves values by ~1).
    for k in 0..<n {
        #expect(isClose(fr[k], dr[k], rtol: 0, atol: 1e-10), "re[\(k)] for N = \(n)")
        #expect(isClose(fi[k], di[k], rtol: 0, atol: 1e-10), "im[\(k)] for N = \(n)")
    }
}

@Test func fftOfAnImpulseIsFlatAndOfACosineIsTwoSpikes() {
    var re = [Double](repeating: 0, count: 16), im = re
    re[0] = 1
    FFT.transform(re: &re, im: &im)
    #expect(re.allSatisfy { isClose($0, 1, rtol: 0, atol: 1e-12) } && im.allSatisfy { abs($0) < 1e-12 })
    // cos(2π·3n/16): N/2 = 8 at bins 3 and 13, zero elsewhere.
    var c = (0..<16).map { cos(2 * Double.pi * 3 * Double($0) / 16) }, ci = [Double](repeating: 0, count: 16)
    FFT.transform(re: &c, im: &ci)
    for k in 0..<16 {
        let expected = (k == 3 || k == 13) ? 8.0 : 0.0
        #expect(isClose(c[k], expected, rtol: 0, atol: 1e-12) && abs(ci[k]) < 1e-12, "bin \(k)")
    }
}

// MARK: spectrogram

@Test func bandEdgesAreMelSpacedFromZeroToNyquist() {
    let edges = SpectrogramSettings().bandEdges(sampleRate: 8000)
    #expect(edges.count == 25)
    #expect(edges.first == 0 && edges.last == 4000)
    #expect(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 })
    let mels = edges.map(SpectrogramSettings.mel)
    let step = mels[1] - mels[0]
    // Equal steps in mel, up to the rounding of log10 and pow (1e-9 of a step).
    for (a, b) in zip(mels, mels.dropFirst()) { #expect(isClose(b - a, step, rtol: 1e-9)) }
    // Every band holds at least one 31.25 Hz FFT bin.
    #expect(zip(edges, edges.dropFirst()).allSatisfy { $1 - $0 >= 31.25 })
}

@Test(arguments: [80.0, 250, 440, 1000, 1500, 2200, 3100, 3800])
func aPureToneLightsUpItsOwnBand(hz: Double) throws {
    let tone = SoundGenerator.tone(frequency: hz)
    let s = Spectrogram(samples: tone, sampleRate: 8000)
    #expect(s.bands == 24 && s.steps == 24 && s.values.count == 24 * 24)
    let expected = try #require(s.band(containing: hz))
    for t in 0..<s.steps {
        let column = (0..<s.bands).map { s.value(band: $0, step: t) }
        let loudest = column.indices.max { column[$0] < column[$1] } ?? -1
        #expect(loudest == expected, "at \(hz) Hz, chunk \(t): loudest band \(loudest), expected \(expected)")
        #expect(column[expected] == column.max())
        // Two bands away the Hann window's leakage is at least 30 dB down (a quarter of the 60 dB scale).
        for b in column.indices where abs(b - expected) >= 2 {
            #expect(column[b] <= column[expected] - 1, "band \(b) at \(hz) Hz")
        }
    }
    // A unit-amplitude sine reads about 0 dB in its band; this one has amplitude 0.5 (−6 dB),
    // spread over the band's bins, so its band mean is between −6 − 10·log10(bins) and −6 dB.
    let peak = s.decibels.max() ?? -.infinity
    #expect(peak <= -6 + 0.5 && peak > -30)
}

@Test func silenceIsAllMinusOneExceptTheLoudestCellAndValuesStayInRange() {
    var gen = SoundGenerator(seed: 4)
    for sound in gen.makeSet(perKind: 3) {
        let s = Spectrogram(samples: sound.samples, sampleRate: sound.sampleRate)
        #expect(s.values.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(s.values.max() == 1)
        #expect(s.image.shape == [1, 24, 24])
    }
    let flat = Spectrogram(samples: [Double](repeating: 0, count: 4000), sampleRate: 8000)
    #expect(flat.values.allSatisfy { $0 == 1 })  // every cell is the loudest: −120 dB everywhere
    // Columns centred on their chunks, one hop wide: the first from 48 to 208 samples, the last ending at 3888.
    #expect(flat.timeEdges.count == 25)
    #expect(isClose(flat.timeEdges[0], 48.0 / 8000, rtol: 1e-12) && isClose(flat.timeEdges[24], 3888.0 / 8000, rtol: 1e-12))
}

// MARK: synthesis

@Test func sameSeedGivesTheSameSoundsAndAnotherSeedOthers() {
    var a = SoundGenerator(seed: 9), b = SoundGenerator(seed: 9), c = SoundGenerator(seed: 10)
    let sa = a.makeSet(perKind: 2), sb = b.makeSet(perKind: 2), sc = c.makeSet(perKind: 2)
    #expect(sa == sb)
    #expect(sa != sc)
    #expect(sa.map(\.kind) == [.risingChirp, .fallingChirp, .harmonicTone, .clickTrain,
                               .risingChirp, .fallingChirp, .harmonicTone, .clickTrain])
    #expect(sa.allSatisfy { $0.samples.count == 4000 && $0.samples.allSatisfy { abs($0) <= 1 } })
}

/// The frequency of the loudest band, averaged over the chunks where the sound is on.
private func pitchTrack(_ s: Spectrogram) -> [Int] {
    (0..<s.steps).compactMap { t -> Int? in
        let column = (0..<s.bands).map { s.value(band: $0, step: t) }
        guard let top = column.max(), top > 0.4 else { return nil }  // only loud chunks
        return column.firstIndex(of: top)
    }
}

@Test func theKindsLookTheWayTheirNamesSay() {
    var gen = SoundGenerator(seed: 21)
    for sound in gen.makeSet(perKind: 25) {
        let s = Spectrogram(samples: sound.samples, sampleRate: sound.sampleRate)
        let track = pitchTrack(s)
        if sound.kind != .clickTrain { #expect(track.count >= 6, "\(sound.summary)") }
        guard let first = track.first, let last = track.last else { continue }
        switch sound.kind {
        // The narrowest sweep, 250 → 500 Hz, crosses three bands; the loud chunks see at least two of them.
        case .risingChirp: #expect(last >= first + 2 && track == track.sorted(), "\(sound.summary): \(track)")
        case .fallingChirp: #expect(first >= last + 2 && track == track.sorted(by: >), "\(sound.summary): \(track)")
        case .harmonicTone: #expect((track.max() ?? 0) - (track.min() ?? 0) <= 1, "\(sound.summary): \(track)")
        case .clickTrain:
            // Broadband: in the loudest chunk, more than half the bands are within 30 dB of the top.
            let t = (0..<s.steps).max { a, b in
                (0..<s.bands).map { s.value(band: $0, step: a) }.reduce(0, +) < (0..<s.bands).map { s.value(band: $0, step: b) }.reduce(0, +)
            } ?? 0
            let lit = (0..<s.bands).filter { s.value(band: $0, step: t) > 0 }.count
            #expect(lit > s.bands / 2, "\(sound.summary): \(lit) bands lit")
        }
    }
}

/// The stripes a click train draws: runs of neighbouring chunks whose mean loudness over the
/// bands is more than 30% of the way from the median chunk's (noise alone: most chunks hold no
/// click) to the loudest chunk's. Noise alone stays close to the median; a click too faint to
/// pass that line would hardly be seen, and fails the test below.
func visibleStripes(_ s: Spectrogram) -> Int {
    let loudness = (0..<s.steps).map { t in (0..<s.bands).map { s.value(band: $0, step: t) }.reduce(0, +) / Double(s.bands) }
    let sorted = loudness.sorted()
    let median = sorted[sorted.count / 2]
    let threshold = median + 0.3 * ((sorted.last ?? median) - median)
    let lit = loudness.map { $0 > threshold }
    return zip([false] + lit, lit).filter { !$0 && $1 }.count
}

/// A click train's summary counts its clicks; every one of them is heard (none falls in a fade)
/// and draws its own stripe, so the count equals the stripes the spectrogram shows (seed
/// 1 &+ 0x9E37_79B9 makes the audio lesson's held-out sounds, one of which its figure shows).
@Test(arguments: [1 as UInt64, 2, 3, 21, 1 &+ 0x9E37_79B9])
func clickCountEqualsTheVisibleStripes(seed: UInt64) throws {
    var gen = SoundGenerator(seed: seed)
    for sound in gen.makeSet(perKind: 15) where sound.kind == .clickTrain {
        let said = try #require(sound.summary.split(separator: ",").dropFirst().first?.split(separator: " ").first.flatMap { Int($0) },
                                "the summary counts the clicks: \(sound.summary)")
        #expect(visibleStripes(Spectrogram(samples: sound.samples, sampleRate: sound.sampleRate)) == said, "\(sound.summary)")
    }
}
