@testable import CNNCore
import CNNKernels
import CNNTraining
import Testing

/// One conv layer run both ways, im2col (`ConvGeometry.forward`, `backward`) and Winograd
/// F(m×m, r×r), on buffers of its own, so any layer can take either path.
private final class TwoPaths {
    let g: ConvGeometry
    let w: WinogradShape
    let batch: Int
    private var owned: [UnsafeMutablePointer<Double>] = []
    private var scratch: [ConvScratch] = []
    private var buffers: WinogradBuffers?
    /// im2col's kept columns, written by `forward` and read by `backward`.
    private var columns: UnsafeMutablePointer<Double>?

    init(_ g: ConvGeometry, _ w: WinogradShape, batch: Int) {
        self.g = g; self.w = w; self.batch = batch
        scratch = (0..<ConvPlan.maxParts).map { _ in
            ConvScratch(col: make(g.scratchSize), colGrad: make(g.scratchSize), gradW: make(g.filters * g.k))
        }
        var sizes = WinogradSizes()
        sizes.include(g, w, batch: batch)
        buffers = WinogradBuffers(parts: (0..<WinogradPlan.maxParts).map { _ in
            WinogradScratch(tiles: make(sizes.tiles), products: make(sizes.products), kernels: make(sizes.kernels))
        }, packed: make(sizes.packed))
        columns = make(batch * g.k * g.positions)
    }

    deinit { for p in owned { p.deallocate() } }

    private func make(_ n: Int) -> UnsafeMutablePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        p.initialize(repeating: .nan, count: max(n, 1))
        owned.append(p)
        return p
    }

    private var packedSize: Int { max(cnn_packed_a_size(g.filters, g.k), cnn_packed_a_size(g.k, g.filters)) }

    /// The layer's output for the batch `x` on one path.
    func forward(winograd: Bool, x: [Double], weight: [Double], bias: [Double]?) -> [Double] {
        var y = [Double](repeating: .nan, count: batch * g.outputSize)
        let packed = make(packedSize), columns = self.columns!
        let b = bias ?? [], hasBias = bias != nil
        b.withUnsafeBufferPointer { pb in x.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                y.withUnsafeMutableBufferPointer { py in
                    let b = hasBias ? pb.baseAddress : nil
                    if winograd, let buffers {
                        g.forwardWinograd(w, batch: batch, x: px.baseAddress!, weight: pw.baseAddress!, bias: b, y: py.baseAddress!,
                                          buffers: buffers)
                    } else {
                        g.forward(batch: batch, x: px.baseAddress!, weight: pw.baseAddress!, bias: b, y: py.baseAddress!,
                                  scratch: scratch, packed: packed, columns: columns)
                    }
                }
            }
        } }
        return y
    }

    /// `(gradW, gx)` for the output gradient `gy` on one path.
    /// (With `inputGradient` false on the Winograd path, `gx` is not asked for and stays NaN.)
    func backward(winograd: Bool, x: [Double], weight: [Double], gy: [Double], inputGradient: Bool = true) -> (gradW: [Double], gx: [Double]) {
        var gradW = [Double](repeating: .nan, count: g.filters * g.k), gx = [Double](repeating: .nan, count: batch * g.inputSize)
        let scaled = make(batch * g.outputSize), transposed = make(g.filters * g.k), packed = make(packedSize)
        let columns = self.columns!
        if !winograd && g.keepsColumns(batch: batch) { _ = forward(winograd: false, x: x, weight: weight, bias: nil) }
        x.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                gy.withUnsafeBufferPointer { pg in
                    gradW.withUnsafeMutableBufferPointer { pgw in
                        gx.withUnsafeMutableBufferPointer { pgx in
                            if winograd, let buffers {
                                g.backwardWinograd(w, batch: batch, x: px.baseAddress!, weight: pw.baseAddress!, gy: pg.baseAddress!,
                                                   gradW: pgw.baseAddress!, gradB: nil, gx: inputGradient ? pgx.baseAddress! : nil,
                                                   scaled: scaled, buffers: buffers)
                            } else {
                                g.backward(batch: batch, x: px.baseAddress!, weight: pw.baseAddress!, gy: pg.baseAddress!,
                                           gradW: pgw.baseAddress!, gradB: nil, gx: pgx.baseAddress!, scaled: scaled, scratch: scratch,
                                           transposed: transposed, packed: packed, columns: columns)
                            }
                        }
                    }
                }
            }
        }
        return (gradW, gx)
    }
}

/// Winograd convolution against the im2col path, on the kernel path the suite runs on
/// (`CNN_EXPLAIN_KERNEL`), and its bits across thread counts.
struct WinogradTests {
    /// (channels, height, width, filters, kernel, pad top, pad left, batch): odd sizes, inputs
    /// smaller than one tile, partial tiles, padding on one side only, many channels.
    static let shapes: [(c: Int, h: Int, w: Int, f: Int, r: Int, pt: Int, pl: Int, n: Int)] = [
        (3, 7, 9, 5, 3, 1, 1, 2), (5, 11, 6, 7, 5, 2, 2, 2), (4, 3, 3, 3, 3, 1, 1, 2), (2, 5, 5, 2, 5, 0, 0, 3),
        (16, 12, 12, 32, 5, 0, 0, 3), (17, 9, 10, 33, 3, 2, 0, 2), (8, 13, 8, 9, 5, 1, 3, 1), (6, 22, 22, 4, 5, 0, 0, 1),
        (7, 10, 13, 9, 3, 2, 2, 5), (9, 6, 17, 11, 5, 2, 1, 4), (12, 9, 9, 20, 5, 1, 2, 5), (10, 4, 7, 13, 3, 0, 2, 4),
        (3, 2, 6, 5, 3, 1, 0, 3), (33, 14, 11, 35, 3, 1, 1, 5), (11, 19, 15, 6, 5, 2, 0, 2),
        // Blocks of tiles: several full panels of 24 and a partial one, several blocks per part,
        // and more channels than one depth block of the products (128).
        (3, 26, 26, 5, 5, 0, 0, 5), (2, 19, 23, 3, 3, 1, 1, 7), (130, 6, 7, 9, 3, 1, 1, 2), (9, 9, 9, 131, 5, 2, 2, 2),
    ]

    static func geometry(_ s: (c: Int, h: Int, w: Int, f: Int, r: Int, pt: Int, pl: Int, n: Int), normalize: Bool) -> ConvGeometry {
        let spec = ConvSpec(filters: s.f, kernelH: s.r, kernelW: s.r, padding: .explicit(h: s.pt, w: s.pl), normalize: normalize)
        let outH = s.h + 2 * s.pt - s.r + 1, outW = s.w + 2 * s.pl - s.r + 1
        return ConvGeometry(spec: spec, input: [s.c, s.h, s.w], output: [s.f, outH, outW])
    }

    func random(_ count: Int, _ rng: inout SeededGenerator) -> [Double] { (0..<count).map { _ in rng.uniform(-1, 1) } }

    /// The largest error relative to the sum of absolute products, which is the same pass on
    /// `|x|`, `|w|`, `|g|` (a sum with cancellation keeps the absolute error of its terms).
    func worstError(_ x: [Double], _ reference: [Double], scale: [Double]) -> Double {
        x.indices.reduce(0) { max($0, abs(x[$1] - reference[$1]) / max(scale[$1], 1e-300)) }
    }

    /// Forward, weight gradient and input gradient, for every F(m×m, r×r) the tables have, with
    /// and without normalizing and bias: within 1e-12 of im2col relative to the sum of absolute
    /// products, the kernel paths' bound (measured: at most 4e-14, for F(4×4, 5×5)'s input gradient).
    @Test(arguments: 0..<shapes.count)
    func everyPassMatchesIm2col(index: Int) throws {
        let s = Self.shapes[index]
        var rng = SeededGenerator(seed: UInt64(10 + index))
        for m in 2...4 {
            let normalize = (m + index) % 2 == 0, g = Self.geometry(s, normalize: normalize)
            let shape = try #require(WinogradShape(m: m, r: s.r))
            let paths = TwoPaths(g, shape, batch: s.n)
            let x = random(s.n * g.inputSize, &rng), w = random(g.filters * g.k, &rng), gy = random(s.n * g.outputSize, &rng)
            let bias = (m + index) % 3 == 0 ? nil : random(g.filters, &rng)
            let ax = x.map(abs), aw = w.map(abs), ag = gy.map(abs)
            let what = "F(\(m)×\(m), \(s.r)×\(s.r)) shape \(index)"

            let y = paths.forward(winograd: true, x: x, weight: w, bias: bias)
            let yRef = paths.forward(winograd: false, x: x, weight: w, bias: bias)
            let yScale = paths.forward(winograd: false, x: ax, weight: aw, bias: bias?.map(abs))
            #expect(worstError(y, yRef, scale: yScale) < 1e-12, "\(what) forward")

            let back = paths.backward(winograd: true, x: x, weight: w, gy: gy)
            let ref = paths.backward(winograd: false, x: x, weight: w, gy: gy)
            let scale = paths.backward(winograd: false, x: ax, weight: aw, gy: ag)
            #expect(worstError(back.gradW, ref.gradW, scale: scale.gradW) < 1e-12, "\(what) weight gradient")
            #expect(worstError(back.gx, ref.gx, scale: scale.gx) < 1e-12, "\(what) input gradient")
            // gx starts as NaN: every pixel is written (no zeroing), and the weight gradient does not
            // depend on whether gx is asked for.
            #expect(back.gx.allSatisfy { $0.isFinite }, "\(what) input gradient: a pixel not written")
            let alone = paths.backward(winograd: true, x: x, weight: w, gy: gy, inputGradient: false)
            #expect(alone.gradW.map(\.bitPattern) == back.gradW.map(\.bitPattern), "\(what) weight gradient without gx")
        }
    }

    /// A network whose conv layers take the Winograd path gives the same bits with 1, 2 and 3
    /// threads: outputs, every parameter gradient and the input gradient.
    /// (Skipped when `CNN_EXPLAIN_CONV=direct` keeps every layer on im2col.)
    @Test(.enabled(if: !WinogradPlan.forcedDirect), arguments: [(Benchmarks.digitsModel(image: 28, features: (32, 64)), 5), (wide3x3, 9), (wide3x3, 2)])
    func threadCountChangesNoBit(model: ModelSpec, batch: Int) throws {
        let net = try Network(model: model, seed: 4)
        #expect(net.kernels.contains { if case .conv(let g, _, _) = $0 { g.winograd != nil } else { false } })
        var rng = SeededGenerator(seed: 5)
        let inputs = (0..<batch).map { _ in random(model.input.reduce(1, *), &rng) }
        func run() -> [[UInt64]] {
            let ws = Workspace(network: net, batch: batch)
            for (i, v) in inputs.enumerated() { ws.setInput(v, sample: i) }
            net.forward(ws)
            net.loss(ws, targets: (0..<batch).map { $0 % 3 })
            net.backward(ws)
            let arrays = [ws.output()] + net.parameters.indices.map { ws.parameterGradient($0) } + [ws.gradient(0)]
            return arrays.map { $0.map(\.bitPattern) }
        }
        let saved = Kernels.maxThreads
        defer { Kernels.maxThreads = saved }
        Kernels.maxThreads = 1
        let one = run()
        for threads in [2, 3] {
            Kernels.maxThreads = threads
            #expect(run() == one, "\(threads) threads")
        }
    }

    /// 3×3 convs with padding 1 (16 → 32 → 32 channels) on 10×10 images: the second takes the
    /// Winograd path, partial tiles included.
    static let wide3x3 = ModelSpec(input: [16, 10, 10], layers: [
        LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 32, kernelH: 3, kernelW: 3, padding: 1))),
        LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "conv2", kind: .conv(ConvSpec(filters: 32, kernelH: 3, kernelW: 3, padding: 1, normalize: true))),
        LayerSpec(name: "out", kind: .dense(DenseSpec(units: 3))),
    ], loss: .crossEntropy, classes: ["a", "b", "c"])

    /// The gradients of small wide layers (16 → 32, 3×3, padding 1; 9 → 12, 5×5, padding 2, three
    /// samples; normalizing) by Winograd against central finite differences of their Winograd
    /// outputs, for `L = Σ y · R`.
    @Test(arguments: 0..<2)
    func gradientsMatchFiniteDifferences(index: Int) throws {
        let s = [(c: 16, h: 6, w: 5, f: 32, r: 3, pt: 1, pl: 1, n: 2), (c: 9, h: 9, w: 7, f: 12, r: 5, pt: 2, pl: 2, n: 3)][index]
        let g = Self.geometry(s, normalize: true), shape = try #require(WinogradShape(m: 4, r: s.r))
        let paths = TwoPaths(g, shape, batch: s.n)
        var rng = SeededGenerator(seed: 7)
        var x = random(s.n * g.inputSize, &rng), w = random(g.filters * g.k, &rng)
        let r = random(s.n * g.outputSize, &rng)
        func loss() -> Double {
            zip(paths.forward(winograd: true, x: x, weight: w, bias: nil), r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let grads = paths.backward(winograd: true, x: x, weight: w, gy: r)
        let h = 1e-5
        for i in Swift.stride(from: 3, to: w.count, by: 397) {
            let saved = w[i]
            w[i] = saved + h; let up = loss()
            w[i] = saved - h; let down = loss()
            w[i] = saved
            #expect(isClose(grads.gradW[i], (up - down) / (2 * h), rtol: 1e-6, atol: 1e-9), "weight \(i)")
        }
        for i in Swift.stride(from: 1, to: x.count, by: 89) {
            let saved = x[i]
            x[i] = saved + h; let up = loss()
            x[i] = saved - h; let down = loss()
            x[i] = saved
            #expect(isClose(grads.gx[i], (up - down) / (2 * h), rtol: 1e-6, atol: 1e-9), "input \(i)")
        }
    }

    /// Which layers take the Winograd path: wide stride-1 3×3 and 5×5 layers; never the lessons'
    /// small layers, the digits network's (8 → 16), strided or dilated ones.
    @Test(.enabled(if: !WinogradPlan.forcedDirect)) func onlyWideStrideOneLayersQualify() {
        func qualifies(_ c: Int, _ f: Int, _ k: Int, stride: Int = 1, dilation: Int = 1) -> Bool {
            let spec = ConvSpec(filters: f, kernelH: k, kernelW: k, stride: stride, dilation: dilation)
            return ConvGeometry(spec: spec, input: [c, 20, 20], output: [f, 8, 8]).winograd != nil
        }
        #expect(qualifies(32, 64, 5) && qualifies(64, 128, 5) && qualifies(32, 32, 3))
        #expect(!qualifies(8, 16, 5) && !qualifies(1, 64, 5) && !qualifies(3, 8, 3) && !qualifies(16, 32, 5) && !qualifies(32, 16, 5))
        #expect(!qualifies(32, 64, 5, stride: 2) && !qualifies(32, 64, 3, dilation: 2) && !qualifies(32, 64, 7))
    }

    /// Blocks of tiles: multiples of 8, at most 64 and within L2's budget, at least one per part
    /// while they keep 32 tiles; the correlations' blocks: multiples of the panel width, 24.
    @Test func tileBlocks() {
        for tiles in [1, 7, 8, 31, 64, 65, 128, 1000, 3872] {
            for depth in [64 * 32, 64 * 128, 36 * 64, 1 << 20] {
                let (size, count) = WinogradPlan.blocks(tiles: tiles, depth: depth)
                #expect(size % 8 == 0 && size <= WinogradPlan.maxTiles && size * count >= tiles && size * (count - 1) < tiles,
                        "\(tiles) tiles of \(depth)")
                #expect(size == 8 || size * depth <= WinogradPlan.budget, "\(tiles) tiles of \(depth)")
            }
        }
        #expect(WinogradPlan.blocks(tiles: 128, depth: 64 * 32).count == 4)
        for tiles in [1, 7, 24, 31, 65, 128, 288, 1000, 1152, 3872] {
            for depth in [64 * 32, 64 * 64, 64 * 128, 36 * 64, 1 << 20] {
                let (size, count) = WinogradPlan.correlationBlocks(tiles: tiles, depth: depth)
                #expect(size % 24 == 0 && size <= WinogradPlan.maxCorrelationTiles && size * count >= tiles
                        && size * (count - 1) < tiles, "\(tiles) tiles of \(depth)")
                #expect(size == 24 || size * depth <= WinogradPlan.budget, "\(tiles) tiles of \(depth)")
                #expect(count >= min(WinogradPlan.maxParts, tiles / 24), "\(tiles) tiles of \(depth)")
            }
        }
        // 28² 64 → 128 forward (128 tiles) and 56² 32 → 64 forward (1152 tiles).
        #expect(WinogradPlan.correlationBlocks(tiles: 128, depth: 64 * 128) == (24, 6))
        #expect(WinogradPlan.correlationBlocks(tiles: 1152, depth: 64 * 64) == (48, 24))
        #expect(WinogradPlan.blocks(tiles: 1152, depth: 64 * 128) == (32, 36))
        // The gradients' blocks: `blocks`' size rounded up to whole panels of 24 (56² 64 → 128: 48;
        // 56² 32 → 64: 72), rows of V padded off multiples of 32.
        for tiles in [1, 7, 31, 128, 1152, 3872] {
            for depth in [64 * 32, 64 * 64, 64 * 128, 1 << 20] {
                let size = WinogradPlan.gradientBlock(tiles: tiles, depth: depth)
                #expect(size % 24 == 0 && size >= WinogradPlan.blocks(tiles: tiles, depth: depth).size && size <
                        WinogradPlan.blocks(tiles: tiles, depth: depth).size + 24, "\(tiles) tiles of \(depth)")
            }
        }
        #expect(WinogradPlan.gradientBlock(tiles: 1152, depth: 64 * 128) == 48)
        #expect(WinogradPlan.gradientBlock(tiles: 1152, depth: 64 * 64) == 72)
        #expect(WinogradShape.tileRow(64) == 72 && WinogradShape.tileRow(48) == 48 && WinogradShape.tileRow(32) == 40)
    }

    /// The output-gradient transform reads tiles over the output's edge (and groups of eight that
    /// mix whole tiles, edge tiles and missing lanes) as zeros outside: the same bits as the same
    /// tiles of the gradient padded with zeros to whole tiles, where every group takes the whole
    /// tiles' loads. Every F(m×m, r×r) and a range of tiles that starts and ends mid-group.
    @Test func outputGradientEdgeTilesMatchZeroPadded() {
        var rng = SeededGenerator(seed: 77)
        for (outH, outW) in [(22, 22), (7, 10), (5, 3), (9, 9)] {
            for m in 2...4 {
                for r in [3, 5] {
                    let tilesH = (outH + m - 1) / m, tilesW = (outW + m - 1) / m, a = m + r - 1
                    let samples = 2, filters = 3, tiles = samples * tilesH * tilesW
                    let padH = tilesH * m, padW = tilesW * m
                    let g = random(samples * filters * outH * outW, &rng)
                    var padded = [Double](repeating: 0, count: samples * filters * padH * padW)
                    for s in 0..<samples * filters {
                        for i in 0..<outH {
                            for j in 0..<outW { padded[(s * padH + i) * padW + j] = g[(s * outH + i) * outW + j] }
                        }
                    }
                    for (first, count) in [(0, tiles), (5, min(13, tiles - 5))] where count > 0 {
                        let ldm = (count + 7) / 8 * 8, ps = filters * ldm
                        var edge = [Double](repeating: 0, count: a * a * ps), whole = edge
                        cnn_winograd_output_gradient(m, r, g, filters * outH * outW, filters, outH, outW, tilesH,
                                                     tilesW, first, count, &edge, ldm, ps)
                        cnn_winograd_output_gradient(m, r, padded, filters * padH * padW, filters, padH, padW, tilesH,
                                                     tilesW, first, count, &whole, ldm, ps)
                        #expect(edge.map(\.bitPattern) == whole.map(\.bitPattern),
                                "F(\(m)×\(m), \(r)×\(r)) \(outH)×\(outW) tiles \(first)..<\(first + count)")
                    }
                }
            }
        }
    }
}
