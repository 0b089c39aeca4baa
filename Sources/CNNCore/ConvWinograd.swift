import CNNKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Winograd convolution F(m×m, r×r) for wide stride-1 conv layers (see `cnn_winograd.h`).
///
/// An m×m tile of outputs comes from an α×α tile of inputs, α = m + r − 1:
///
///     Y = Aᵀ [ Σ_c U[o, c] ⊙ V[c] ] A,   U[o, c] = G w[o, c] Gᵀ,   V[c] = Bᵀ d[c] B
///
/// so for each of the α² points ξ the sum over channels is one matrix product
/// `M[ξ] (filters × tiles) = U[ξ] (filters × C) · V[ξ] (C × tiles)`, done by `cnn_gemm_nn`. For
/// 5×5 kernels and m = 4 that is 64 / 16 = 4 multiply-adds per output per channel pair, against
/// 25 for im2col. Then `out = Y / n + bias`, as `ConvGeometry.forward` does it.
///
/// - Both gradients on the forward pass's tiles, from `dM[ξ] = (A dY Aᵀ)[ξ]` per tile (made once):
/// - Weight gradient: `dU[ξ] = Σ_tiles dM[ξ] · V[ξ]ᵀ` (a product over the tiles),
///   `dW[o, c] = Gᵀ dU[o, c] G`.
/// - Input gradient: `dV[ξ] (C × tiles) = U[ξ]ᵀ · dM[ξ]`, then each tile's window gets `B dV Bᵀ`,
///   added where windows overlap (by `r − 1` rows and columns) and dropped outside the input.
///
/// Every m and r the tables have agree with im2col to about 1e-15 relative to the sum of absolute
/// products (`WinogradTests`), so the largest, m = 4, is used.
struct WinogradShape: Sendable, Equatable {
    /// Outputs per tile side, kernel side, and α = m + r − 1.
    let m, r, alpha: Int

    /// F(m×m, r×r), when the tables have it.
    init?(m: Int, r: Int) {
        let a = Int(cnn_winograd_alpha(m, r))
        guard a > 0 else { return nil }
        self.m = m; self.r = r; alpha = a
    }

    /// α² points.
    var points: Int { alpha * alpha }

    /// Tiles per side for `size` outputs.
    func tiles(_ size: Int) -> Int { (size + m - 1) / m }

    /// Numbers from one point's matrix of `size` numbers to the next: one cache line more, so the
    /// α² values of a tile, one per point, do not all map to the same cache sets.
    static func pointStride(_ size: Int) -> Int { size + 8 }

    /// Numbers from one tile's row of `channels` transformed values to the next in the gradients'
    /// tile-major blocks: `channels`, or 8 more when that is a multiple of 32, so that the weight
    /// gradient's product reads the rows in place rather than packing them (`cnn_gemm_nn`).
    static func tileRow(_ channels: Int) -> Int { channels % 32 == 0 ? channels + 8 : channels }
}

/// Sizes of the Winograd passes' work split.
enum WinogradPlan {
    /// The most parts a pass is split into (each holds its own transformed blocks).
    static let maxParts = 4
    /// The most tiles per block: the products are `filters × tiles` wide.
    static let maxTiles = 64
    /// The fewest tiles per block when the batch is split into more blocks for the parts.
    static let minTiles = 32
    /// The most numbers of a block's transformed tiles (`α² × channels × tiles`): 2 MB, L2.
    static let budget = 1 << 18

    /// Tiles per block (a multiple of 8, at most `maxTiles`, and at most what keeps a block's
    /// transformed tiles, `depth` numbers a tile, within `budget`) and the number of blocks for
    /// `tiles` tiles: at least one block per part while blocks keep `minTiles` tiles. Depends only
    /// on the shapes, so the sums' order never depends on the thread count.
    static func blocks(tiles: Int, depth: Int) -> (size: Int, count: Int) {
        let most = max(8, min(maxTiles, budget / max(depth, 1) / 8 * 8)), fewest = min(minTiles, most)
        let wanted = max(1, (tiles + most - 1) / most, min(maxParts, tiles / fewest))
        let size = ((tiles + wanted - 1) / wanted + 7) / 8 * 8
        return (size, (tiles + size - 1) / size)
    }

    /// The most tiles per block of a correlation (forward, input gradient).
    static let maxCorrelationTiles = 96

    /// Tiles per block of a correlation and the number of blocks: as `blocks`, but a multiple of
    /// the products' panel width (`CNN_GEMM_PANEL`, 24 tiles), so every panel but the batch's
    /// last is full, and at most `maxCorrelationTiles`; rounded down, so there are at least as
    /// many blocks as `blocks` wants.
    static func correlationBlocks(tiles: Int, depth: Int) -> (size: Int, count: Int) {
        let w = Int(CNN_GEMM_PANEL)
        let most = max(w, min(maxCorrelationTiles, budget / max(depth, 1) / w * w))
        let wanted = max(1, (tiles + most - 1) / most, min(maxParts, tiles / w))
        let size = max(w, tiles / wanted / w * w)
        return (size, (tiles + size - 1) / size)
    }

    /// Tiles per block of the gradients: `blocks`' size rounded up to a multiple of the products'
    /// panel width (`CNN_GEMM_PANEL`, 24 tiles), so the input gradient's product has no narrow
    /// edge panel and reads `dM` in place (rows of a multiple of 24 numbers, not of 32).
    static func gradientBlock(tiles: Int, depth: Int) -> Int {
        let w = Int(CNN_GEMM_PANEL)
        return (blocks(tiles: tiles, depth: depth).size + w - 1) / w * w
    }

    /// Whether `CNN_EXPLAIN_CONV=direct` forces the im2col path for every layer.
    static let forcedDirect: Bool = {
        guard let value = getenv("CNN_EXPLAIN_CONV") else { return false }
        return String(cString: value) == "direct"
    }()
}

/// One part's buffers for the Winograd passes (sizes from `WinogradSizes`).
struct WinogradScratch: @unchecked Sendable {
    /// A block's transformed input tiles, `α² × C × tiles` (or `tiles × C` per point), or the
    /// input gradient's `dV`, `α² × C × tiles`.
    let tiles: UnsafeMutablePointer<Double>
    /// A block's products `M` (or `dM`), `α² × filters × tiles`.
    let products: UnsafeMutablePointer<Double>
    /// Transformed kernels `U`, or the part's sums `dU`, `α² × filters × C`.
    let kernels: UnsafeMutablePointer<Double>
}

/// The Winograd buffers of a workspace: per-part scratch and the packed kernels of one layer.
struct WinogradBuffers: @unchecked Sendable {
    let parts: [WinogradScratch]
    /// `α²` packed matrices (`cnn_pack_a`), filters × C or C × filters.
    let packed: UnsafeMutablePointer<Double>
}

/// The numbers the Winograd passes of a network's layers need at one batch size.
struct WinogradSizes: Equatable {
    var tiles = 1, products = 1, kernels = 1, packed = 1

    /// Makes room for layer `g`'s passes at `batch`, when it takes the Winograd path.
    mutating func include(_ g: ConvGeometry, batch: Int) {
        if let w = g.winograd { include(g, w, batch: batch) }
    }

    /// Makes room for layer `g`'s passes by F(m×m, r×r) `w` at `batch`.
    mutating func include(_ g: ConvGeometry, _ w: WinogradShape, batch: Int) {
        let wide = max(g.channels, g.filters), depth = w.points * wide
        // The forward pass and both gradients run over blocks of the output's tiles (the forward
        // pass's a multiple of the products' panel width).
        let outputTiles = batch * w.tiles(g.outH) * w.tiles(g.outW)
        let block = max(WinogradPlan.gradientBlock(tiles: outputTiles, depth: depth),
                        WinogradPlan.correlationBlocks(tiles: outputTiles, depth: depth).size)
        let row = max(wide, WinogradShape.tileRow(g.channels))
        tiles = max(tiles, w.points * WinogradShape.pointStride(row * block))
        products = max(products, w.points * WinogradShape.pointStride(wide * block))
        kernels = max(kernels, w.points * WinogradShape.pointStride(g.filters * g.channels))
        packed = max(packed, w.points * max(cnn_packed_a_size(g.filters, g.channels), cnn_packed_a_size(g.channels, g.filters)))
    }

    /// Numbers allocated: `WinogradPlan.maxParts` sets of part scratch and the packed kernels.
    var count: Int { WinogradPlan.maxParts * (tiles + products + kernels) + packed }
}

/// A correlation the Winograd passes run: `input` (`inC × inH × inW` per sample) with transformed
/// kernels (`outC × inC` per point), into `outC × outH × outW` per sample.
struct WinogradCorrelation {
    let inC, inH, inW, outC, outH, outW, padTop, padLeft: Int
    var inSize: Int { inC * inH * inW }
    var outSize: Int { outC * outH * outW }
}

extension ConvGeometry {
    /// F(4×4, r×r) when this layer takes the Winograd path: stride 1, dilation 1, square 3×3 or
    /// 5×5 kernels, at least 32 input channels and 32 filters (the lessons' layers and the digits
    /// network never qualify), and `CNN_EXPLAIN_CONV` is not `direct`. With 16 channels (28²,
    /// 16 → 32) the transforms cost more than the shorter products save (docs/performance.md).
    var winograd: WinogradShape? {
        guard !WinogradPlan.forcedDirect, stride == 1, dilation == 1, kh == kw, kh == 3 || kh == 5,
              channels >= 32, filters >= 32 else { return nil }
        return WinogradShape(m: 4, r: kh)
    }

    /// The forward correlation's shape.
    var winogradForward: WinogradCorrelation {
        WinogradCorrelation(inC: channels, inH: height, inW: width, outC: filters, outH: outH, outW: outW,
                            padTop: padTop, padLeft: padLeft)
    }

    /// Forward pass by Winograd F(m×m, r×r): the kernels transformed and packed once, then
    /// `winogradCorrelate`, then `/ n + bias`.
    func forwardWinograd(_ w: WinogradShape, batch: Int, x: UnsafePointer<Double>, weight: UnsafePointer<Double>,
                         bias: UnsafePointer<Double>?, y: UnsafeMutablePointer<Double>, buffers: WinogradBuffers) {
        let u = buffers.parts[0].kernels, ps = WinogradShape.pointStride(filters * channels), area = kh * kw
        let work = Pointers(x: weight, w: weight, bias: nil, y: u, cols: buffers.packed)
        // Parts own filters (each kernel's transform is its own), then points.
        parallel(WinogradPlan.maxParts) { part in
            let o = chunk(part, of: WinogradPlan.maxParts, count: filters)
            guard !o.isEmpty else { return }
            cnn_winograd_kernels(w.m, w.r, o.count, channels, work.x + o.lowerBound * channels * area, 0,
                                 work.y + o.lowerBound * channels, ps)
        }
        pack(w, rows: filters, cols: channels, u, into: buffers.packed)
        winogradCorrelate(w, winogradForward, batch: batch, input: x, output: y, buffers: buffers,
                          divisor: divisor, normalize: normalize, bias: bias)
    }

    /// Packs each point's `rows × cols` matrix of `u` for `cnn_gemm_nn_packed`; parts own points.
    private func pack(_ w: WinogradShape, rows: Int, cols: Int, _ u: UnsafeMutablePointer<Double>, into packed: UnsafeMutablePointer<Double>) {
        let size = cnn_packed_a_size(rows, cols), ps = WinogradShape.pointStride(rows * cols)
        let work = Pointers(x: u, w: u, bias: nil, y: packed, cols: u)
        parallel(WinogradPlan.maxParts) { part in
            for xi in chunk(part, of: WinogradPlan.maxParts, count: w.points) {
                cnn_pack_a(rows, cols, work.x + xi * ps, cols, work.y + xi * size)
            }
        }
    }

    /// `output = correlation / divisor + bias` tile block by tile block: each part takes whole
    /// blocks (`WinogradPlan.correlationBlocks`), transforms their input tiles straight into the
    /// products' panel layout, runs the α² products with the packed kernels (nothing packed per
    /// product) and writes the output tiles. Blocks write disjoint outputs.
    func winogradCorrelate(_ w: WinogradShape, _ c: WinogradCorrelation, batch: Int, input: UnsafePointer<Double>,
                           output: UnsafeMutablePointer<Double>, buffers: WinogradBuffers,
                           divisor: Double, normalize: Bool, bias: UnsafePointer<Double>?) {
        let tilesH = w.tiles(c.outH), tilesW = w.tiles(c.outW)
        let (size, blocks) = WinogradPlan.correlationBlocks(tiles: batch * tilesH * tilesW, depth: w.points * max(c.inC, c.outC))
        let partCount = min(WinogradPlan.maxParts, blocks)
        let packedSize = cnn_packed_a_size(c.outC, c.inC), total = batch * tilesH * tilesW
        let psIn = WinogradShape.pointStride(c.inC * size), psOut = WinogradShape.pointStride(c.outC * size)
        let work = Pointers(x: input, w: UnsafePointer(buffers.packed), bias: bias, y: output, cols: buffers.packed)
        parallel(partCount) { part in
            let sc = buffers.parts[part]
            for block in chunk(part, of: partCount, count: blocks) {
                let first = block * size, count = min(size, total - first)
                cnn_winograd_input_panels(w.m, w.r, work.x, c.inSize, c.inC, c.inH, c.inW, c.padTop, c.padLeft,
                                          tilesH, tilesW, first, count, sc.tiles, psIn)
                for xi in 0..<w.points {
                    cnn_gemm_nn_prepacked(c.outC, count, c.inC, work.w + xi * packedSize, sc.tiles + xi * psIn,
                                          sc.products + xi * psOut, size, 0)
                }
                cnn_winograd_output(w.m, w.r, sc.products, size, psOut, c.outC, first, count, tilesH, tilesW, c.outH, c.outW,
                                    work.y, c.outSize, divisor, normalize ? 1 : 0, work.bias)
            }
        }
    }
}

extension ConvGeometry {
    /// Backward pass by Winograd, as `backward` says (it overwrites `gradW`, `gradB` and `gx`):
    /// the bias gradient as the im2col path sums it, `g / n` once into `scaled`, then both other
    /// gradients from the forward pass's tiling (`winogradGradients`). For `gx` the kernels are
    /// transformed once, transposed (`U[ξ]ᵀ`, channels × filters) and packed.
    func backwardWinograd(_ w: WinogradShape, batch: Int, x: UnsafePointer<Double>, weight: UnsafePointer<Double>,
                          gy: UnsafePointer<Double>, gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?,
                          gx: UnsafeMutablePointer<Double>?, scaled: UnsafeMutablePointer<Double>, buffers: WinogradBuffers) {
        if let gradB { biasGradient(batch: batch, gy: gy, gradB: gradB) }
        let g = scaledGradient(gy, batch: batch, into: scaled)
        if gx != nil {
            let ut = buffers.parts[0].kernels, ps = WinogradShape.pointStride(filters * channels)
            let work = Pointers(x: weight, w: weight, bias: nil, y: ut, cols: ut)
            // Parts own channels (pairs c·filters ..< (c + 1)·filters), then points.
            parallel(WinogradPlan.maxParts) { part in
                let c = chunk(part, of: WinogradPlan.maxParts, count: channels)
                guard !c.isEmpty else { return }
                cnn_winograd_kernels_transposed(w.m, w.r, filters, channels, work.x, work.y, ps, c.lowerBound * filters,
                                                c.count * filters)
            }
            pack(w, rows: channels, cols: filters, ut, into: buffers.packed)
        }
        winogradGradients(w, batch: batch, x: x, g: g, gradW: gradW, gx: gx, buffers: buffers)
    }

    /// `gradW` and `gx` (when asked for) by Winograd from `g` (already `/ n`), over the forward
    /// pass's tiles. Part p takes whole samples (`chunk(p, of: parts, count: batch)`) and their
    /// tiles in order, in blocks (`WinogradPlan.gradientBlock`). Per block, `V = Bᵀ d B` of `x`'s tiles and
    /// `dM = A dY Aᵀ` of `g`'s are made once and used by both gradients, point by point:
    ///
    ///     dU[ξ] += dM[ξ] · V[ξ]ᵀ        (the part's own sums, filters × C)
    ///     dV[ξ]  = U[ξ]ᵀ · dM[ξ]        (C × tiles, over V[ξ], which is used up)
    ///
    /// then `gx`'s windows get `B dV Bᵀ`, added where tiles overlap (`cnn_winograd_input_gradient`):
    /// every pixel of `gx` is the sum of its tiles' values in tile order, whatever the split. The
    /// parts' `dU` are added in part order, then `gradW[o, c] = Gᵀ dU[o, c] G`.
    func winogradGradients(_ w: WinogradShape, batch: Int, x: UnsafePointer<Double>, g: UnsafePointer<Double>,
                           gradW: UnsafeMutablePointer<Double>, gx: UnsafeMutablePointer<Double>?, buffers: WinogradBuffers) {
        let tilesH = w.tiles(outH), tilesW = w.tiles(outW), perSample = tilesH * tilesW
        let size = WinogradPlan.gradientBlock(tiles: batch * perSample, depth: w.points * max(channels, filters))
        let partCount = min(WinogradPlan.maxParts, batch), row = WinogradShape.tileRow(channels)
        let psIn = WinogradShape.pointStride(row * size), psOut = WinogradShape.pointStride(filters * size)
        let psK = WinogradShape.pointStride(filters * channels), packedSize = cnn_packed_a_size(channels, filters)
        let work = Pointers(x: x, w: g, bias: nil, y: gx ?? gradW, cols: buffers.packed)
        let inputGradient = gx != nil
        parallel(partCount) { part in
            let sc = buffers.parts[part], samples = chunk(part, of: partCount, count: batch)
            var first = samples.lowerBound * perSample, block = 0
            while first < samples.upperBound * perSample {
                let count = min(size, samples.upperBound * perSample - first)
                cnn_winograd_input(w.m, w.r, work.x, inputSize, channels, height, width, padTop, padLeft,
                                   tilesH, tilesW, first, count, sc.tiles, row, psIn, 1)
                cnn_winograd_output_gradient(w.m, w.r, work.w, outputSize, filters, outH, outW, tilesH, tilesW,
                                             first, count, sc.products, size, psOut)
                for xi in 0..<w.points {
                    let dm = sc.products + xi * psOut, v = sc.tiles + xi * psIn
                    cnn_gemm_nn(filters, channels, count, dm, size, v, row, sc.kernels + xi * psK, channels, block > 0 ? 1 : 0)
                    if inputGradient { cnn_gemm_nn_packed(channels, count, filters, work.cols + xi * packedSize, dm, size, v, size, 0) }
                }
                if inputGradient {
                    cnn_winograd_input_gradient(w.m, w.r, sc.tiles, size, psIn, channels, first, count, tilesH, tilesW,
                                                height, width, padTop, padLeft, work.y, inputSize)
                }
                first += count; block += 1
            }
        }
        var filled = 0
        for part in 0..<partCount where !chunk(part, of: partCount, count: batch).isEmpty { filled += 1 }
        kernelGradient(w, parts: filled, buffers: buffers, gradW: gradW)
    }

    /// `gradW[o, c] = Gᵀ dU[o, c] G` from the first `parts` parts' sums `dU`, added in part order
    /// into part 0's (each number's sum the same chain whatever the split); parts of this pass
    /// own ranges of the (filter, channel) pairs.
    private func kernelGradient(_ w: WinogradShape, parts: Int, buffers: WinogradBuffers, gradW: UnsafeMutablePointer<Double>) {
        let pairs = filters * channels, psK = WinogradShape.pointStride(pairs), area = w.r * w.r
        let work = Pointers(x: buffers.parts[0].kernels, w: buffers.parts[0].kernels, bias: nil, y: gradW, cols: buffers.parts[0].kernels)
        parallel(WinogradPlan.maxParts) { part in
            let range = chunk(part, of: WinogradPlan.maxParts, count: pairs)
            guard !range.isEmpty else { return }
            for xi in 0..<w.points {
                let sum = work.cols + xi * psK
                for source in buffers.parts[1..<max(parts, 1)] {
                    let q = source.kernels + xi * psK
                    for i in range { sum[i] += q[i] }
                }
            }
            cnn_winograd_kernel_gradient(w.m, w.r, 1, range.count, work.x + range.lowerBound, psK, work.y + range.lowerBound * area)
        }
    }
}
