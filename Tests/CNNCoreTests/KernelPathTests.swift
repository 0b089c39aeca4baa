@testable import CNNCore
import CNNKernels
import CNNTraining
import Testing

/// The kernel paths (portable C, AVX2, AVX-512) against each other, and the engine's determinism
/// across thread counts. Paths the processor lacks are skipped; `CNN_EXPLAIN_KERNEL` picks the path
/// the rest of the suite runs on.
struct KernelPathTests {
    /// Shapes around every edge of the blocked kernels: rows around 4 and 8, columns around
    /// 4, 8 and 16, and k around 4 (the NT product's partial sums).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (3, 5, 2), (4, 4, 4), (5, 7, 3), (8, 16, 25), (9, 17, 7), (16, 64, 200), (13, 37, 11),
        (200, 64, 16), (7, 3, 30), (12, 20, 5), (2, 33, 9), (4, 8, 4), (8, 25, 576), (6, 47, 13),
        // Past every cache block: rows over 96, depth over 128, columns over 480.
        (101, 497, 131),
        // B read in place (at most 16 row panels, at most 10 column panels, rows not 32·k apart):
        // a conv block's forward product (depth past several blocks, a partial last panel), the
        // weight gradient by channel, a partial row panel; and one packed (columns 32·k apart).
        (128, 66, 1600), (128, 200, 66), (40, 33, 130), (33, 240, 50), (64, 64, 70),
        // NT tails: depth 1, 2 and 3 past a multiple of 4, an odd last column, a last pair, rows
        // past a multiple of 4.
        (16, 200, 66), (8, 27, 627), (20, 9, 6), (8, 25, 5), (18, 11, 33),
    ]

    func random(_ count: Int, _ rng: inout SeededGenerator) -> [Double] { (0..<count).map { _ in rng.uniform(-1, 1) } }

    /// 1e-12 relative, against the larger of the element and the sum of absolute products (a sum
    /// with cancellation keeps the absolute error of its terms, not of its result).
    func expectClose(_ x: [Double], _ reference: [Double], scale: [Double], _ what: String) {
        for i in x.indices where !isClose(x[i], reference[i], rtol: 0, atol: 1e-12 * max(scale[i], 1e-300)) {
            Issue.record("\(what): element \(i): \(x[i]) against \(reference[i])")
            return
        }
    }

    @Test(arguments: [Kernels.Path.avx2, .avx512])
    func pathsAgreeWithPortable(path: Kernels.Path) {
        guard path.isSupported else { return }
        var rng = SeededGenerator(seed: 17)
        for (m, n, k) in Self.shapes {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            for transposed in [false, true] {
                let fast = Kernels.matrixProduct(a, b, m: m, n: n, k: k, transposedB: transposed, path: path)
                let slow = Kernels.matrixProduct(a, b, m: m, n: n, k: k, transposedB: transposed, path: .portable)
                let scale = Kernels.matrixProduct(a.map(abs), b.map(abs), m: m, n: n, k: k, transposedB: transposed, path: .portable)
                expectClose(fast, slow, scale: scale, "\(path) \(transposed ? "NT" : "NN") \(m)×\(n)×\(k)")
            }
        }
    }

    /// AVX-512 computes each element with the same fused multiply-adds in the same order as AVX2.
    @Test func avx512GivesTheBitsOfAVX2() {
        guard Kernels.Path.avx512.isSupported else { return }
        var rng = SeededGenerator(seed: 5)
        for (m, n, k) in Self.shapes {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            for transposed in [false, true] {
                let x = Kernels.matrixProduct(a, b, m: m, n: n, k: k, transposedB: transposed, path: .avx512)
                let y = Kernels.matrixProduct(a, b, m: m, n: n, k: k, transposedB: transposed, path: .avx2)
                #expect(x.map(\.bitPattern) == y.map(\.bitPattern), "\(transposed ? "NT" : "NN") \(m)×\(n)×\(k)")
            }
        }
    }

    /// A product with A packed once (`cnn_pack_a`, as the conv layers pack their weights) gives the
    /// bits of the same product packed block by block.
    @Test func packedWeightsGiveTheSameBits() {
        var rng = SeededGenerator(seed: 8)
        for (m, n, k) in Self.shapes {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            var packed = [Double](repeating: .nan, count: cnn_packed_a_size(m, k))
            var fromPacked = [Double](repeating: 0, count: m * n)
            packed.withUnsafeMutableBufferPointer { p in
                cnn_pack_a(m, k, a, k, p.baseAddress!)
                cnn_gemm_nn_packed(m, n, k, p.baseAddress!, b, n, &fromPacked, n, 0)
            }
            let direct = Kernels.matrixProduct(a, b, m: m, n: n, k: k, path: Kernels.path)
            #expect(fromPacked.map(\.bitPattern) == direct.map(\.bitPattern), "\(m)×\(n)×\(k)")
        }
    }

    /// A product with B given in panels of `CNN_GEMM_PANEL` columns (`cnn_gemm_nn_prepacked`, as
    /// the Winograd input transform writes them) gives the bits of the packed product, accumulating
    /// or not: partial last panels, depths past one block of 128, rows not a multiple of 8. Columns
    /// past n are junk up to n rounded up to 8 and NaN beyond, and never reach C.
    @Test func prepackedColumnsGiveTheSameBits() {
        var rng = SeededGenerator(seed: 9)
        let w = Int(CNN_GEMM_PANEL)
        for (m, n, k) in Self.shapes + [(128, 96, 64), (64, 48, 32), (13, 29, 200), (64, 1, 131), (9, 24, 1)] {
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            let panels = (n + w - 1) / w
            var pb = [Double](repeating: .nan, count: max(panels * w * k, 1))
            for j in 0..<(panels * w) where j < (n + 7) / 8 * 8 {
                for p in 0..<k { pb[(j / w) * w * k + p * w + j % w] = j < n ? b[p * n + j] : 1e300 }
            }
            var packed = [Double](repeating: .nan, count: cnn_packed_a_size(m, k))
            for accumulate: Int32 in [0, 1] {
                var viaPanels = c0, viaPacked = c0
                packed.withUnsafeMutableBufferPointer { p in
                    cnn_pack_a(m, k, a, k, p.baseAddress!)
                    cnn_gemm_nn_packed(m, n, k, p.baseAddress!, b, n, &viaPacked, n, accumulate)
                    cnn_gemm_nn_prepacked(m, n, k, p.baseAddress!, pb, &viaPanels, n, accumulate)
                }
                #expect(viaPanels.map(\.bitPattern) == viaPacked.map(\.bitPattern), "\(m)×\(n)×\(k) accumulate \(accumulate)")
            }
        }
    }

    /// A step with one, two and three threads gives every bit the same, for each way the passes
    /// split their work: weight gradients by samples (kept columns, or made again) and by channels,
    /// a single large image split by rows, dense layers on the product kernels, the direct NN
    /// weight gradient of a 16 → 32 conv (AVX-512).
    @Test(arguments: [(28, 8, 16, 16), (56, 32, 64, 3), (72, 8, 16, 1), (120, 4, 8, 2), (30, 16, 32, 4)])
    func threadCountChangesNoBit(image: Int, f1: Int, f2: Int, batch: Int) throws {
        let model = AllocationTests.digits(image, f1, f2)
        let net = try Network(model: model, seed: 3)
        let size = image * image
        func gradients() -> [[UInt64]] {
            let ws = Workspace(network: net, batch: batch)
            var rng = SeededGenerator(seed: 4)
            for s in 0..<batch { ws.setInput(random(size, &rng), sample: s) }
            net.forward(ws)
            net.loss(ws, targets: (0..<batch).map { $0 % 10 })
            net.backward(ws)
            return (0..<net.parameters.count).map { ws.parameterGradient($0).map(\.bitPattern) } + [ws.gradient(0).map(\.bitPattern)]
        }
        let previous = Kernels.maxThreads
        defer { Kernels.maxThreads = previous }
        Kernels.maxThreads = 1
        let one = gradients()
        Kernels.maxThreads = 2
        let two = gradients()
        Kernels.maxThreads = 3
        let three = gradients()
        #expect(one == two)
        #expect(one == three)
    }

    /// The 2×2 pooling kernel picks the winners `PoolWindows` defines: ties to the first cell,
    /// a NaN wins, +∞ beside −∞ is no NaN.
    @Test func pool2x2MatchesPoolWindows() {
        var rng = SeededGenerator(seed: 9)
        let h = 8, w = 10, planes = 3
        let specials: [Double] = [0, 0, 1, 1, -1, .nan, .infinity, -.infinity, -0.0]
        let x = (0..<(planes * h * w)).map { _ in
            rng.uniform(0, 1) < 0.5 ? specials[Int(rng.uniform(0, Double(specials.count)))] : rng.uniform(-1, 1)
        }
        let g = PoolGeometry(spec: PoolSpec(size: 2, stride: 2), input: [planes, h, w])
        var y = [Double](repeating: 0, count: planes * g.outH * g.outW)
        var arg = [Int32](repeating: 0, count: y.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                arg.withUnsafeMutableBufferPointer { pa in
                    g.forward(batch: 1, x: px.baseAddress!, y: py.baseAddress!, argmax: pa.baseAddress!)
                }
            }
        }
        for c in 0..<planes {
            for i in 0..<g.outH {
                for j in 0..<g.outW {
                    let at = x.withUnsafeBufferPointer { g.windows.winnerOffset(i, j, in: $0.baseAddress! + c * h * w) }
                    let q = (c * g.outH + i) * g.outW + j
                    #expect(Int(arg[q]) == at, "plane \(c) cell (\(i), \(j))")
                    #expect(y[q].bitPattern == x[c * h * w + at].bitPattern)
                }
            }
        }
    }
}

/// The branch-free ReLU backward gives the bits of `y > 0 ? gy : 0.0`, signed zeros and NaN included.
/// im2col (row copies by AVX-512 where the processor has it, for stride 1 and dilation 1; plain
/// loops elsewhere) writes exactly `x[c][i·s + a·d − top][j·s + b·d − left]`, 0 outside the image.
@Test(arguments: [(1, 1), (2, 1), (1, 2)])
func im2colCopiesEveryPixel(stride: Int, dilation: Int) {
    let (channels, height, width, kh, kw) = (2, 11, 13, 3, 5)
    let x = (0..<(channels * height * width)).map { Double($0) + 0.5 }
    for top in -2...3 {
        for left in -2...3 {
            for (outH, outW) in [(1, 1), (4, 9), (7, 17), (9, 3)] {
                let k = channels * kh * kw, positions = outH * outW
                var col = [Double](repeating: .nan, count: k * positions)
                col.withUnsafeMutableBufferPointer { c in
                    cnn_im2col(x, channels, height, width, kh, kw, stride, top, left, dilation, outH, outW, c.baseAddress)
                }
                var expected = [Double](repeating: 0, count: k * positions)
                for c in 0..<channels {
                    for a in 0..<kh {
                        for b in 0..<kw {
                            for i in 0..<outH {
                                for j in 0..<outW {
                                    let y = i * stride + a * dilation - top, xx = j * stride + b * dilation - left
                                    guard y >= 0, y < height, xx >= 0, xx < width else { continue }
                                    expected[((c * kh + a) * kw + b) * positions + i * outW + j] = x[(c * height + y) * width + xx]
                                }
                            }
                        }
                    }
                }
                #expect(col.map(\.bitPattern) == expected.map(\.bitPattern), "top \(top) left \(left) out \(outH)×\(outW)")
            }
        }
    }
}

/// col2im (by rows of gx on AVX-512 for stride 1 and dilation 1) gives the bits of the plain loop
/// over (c, a, b), rows, positions, onto a gx that already holds values: magnitudes from 2^−27 to
/// 2^27 of both signs make the order of the adds show, and −0.0 among the columns and in gx shows
/// an add where none belongs (−0.0 + +0.0 is +0.0). Padding on every side, kernels wider than a
/// vector reaches, rows wider than several vectors.
@Test(arguments: [(1, 1), (2, 1), (1, 2)])
func col2imGivesTheBitsOfTheLoop(stride: Int, dilation: Int) {
    var rng = SeededGenerator(seed: 77)
    func value() -> Double {
        let r = rng.uniform(0, 1)
        return r < 0.15 ? -0.0 : Double(sign: r < 0.5 ? .minus : .plus, exponent: Int(rng.uniform(-27, 27)), significand: rng.uniform(1, 2))
    }
    for (channels, height, width, kh, kw) in [(2, 11, 13, 3, 5), (1, 9, 31, 5, 5), (3, 6, 20, 2, 11), (1, 4, 70, 1, 3)] {
        for (top, left) in [(0, 0), (2, 2), (-1, 3), (1, -2)] {
            for (outH, outW) in [(1, 1), (3, 9), (5, 17), (2, 27)] {
                let col = (0..<(channels * kh * kw * outH * outW)).map { _ in value() }
                let start = (0..<(channels * height * width)).map { _ in value() }
                var got = start, expected = start
                cnn_col2im_add(col, channels, height, width, kh, kw, stride, top, left, dilation, outH, outW, &got)
                cnn_col2im_add_loop(col, channels, height, width, kh, kw, stride, top, left, dilation, outH, outW, &expected)
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern),
                        "\(channels)×\(height)×\(width) \(kh)×\(kw) top \(top) left \(left) out \(outH)×\(outW)")
            }
        }
    }
}

@Test func reluBackwardKeepsEveryBit() {
    let ys: [Double] = [1, 0, -0.0, -1, .nan, .infinity, -.infinity, 1e-300, 2]
    let gs: [Double] = [.nan, -0.0, 3, -2, 5, .infinity, 7, -0.0, -.nan]
    var gx = [Double](repeating: 9, count: ys.count)
    ys.withUnsafeBufferPointer { y in
        gs.withUnsafeBufferPointer { g in
            gx.withUnsafeMutableBufferPointer { ReLUKernel.backward(count: ys.count, y: y.baseAddress!, gy: g.baseAddress!, gx: $0.baseAddress!) }
        }
    }
    #expect(gx.map(\.bitPattern) == zip(ys, gs).map { ($0 > 0 ? $1 : 0.0).bitPattern })
}

/// The branch-free ReLU forward gives the bits of `x > 0 ? x : 0.0`: +0.0 for −0.0, NaN and negatives.
@Test func reluForwardKeepsEveryBit() {
    let xs: [Double] = [1, 0, -0.0, -1, .nan, .infinity, -.infinity, 1e-300, -1e-300]
    var y = [Double](repeating: 9, count: xs.count)
    xs.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { ReLUKernel.forward(count: xs.count, x: x.baseAddress!, y: $0.baseAddress!) }
    }
    #expect(y.map(\.bitPattern) == xs.map { ($0 > 0 ? $0 : 0.0).bitPattern })
}
