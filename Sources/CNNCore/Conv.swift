import CNNKernels

/// Convolution kernels (see `ConvSpec` for the formula), written as im2col plus a matrix product.
///
/// For one sample, `columns[k, p]` holds the input pixel that weight `k = (c·kh + a)·kw + b`
/// meets at output position `p = i·W' + j`, `x[c, i·s + a·d − top, j·s + b·d − left]` (zero in the
/// padding). Then
///
///     out[o, p]     = (Σ_k w[o, k] · columns[k, p]) / n + bias[o]
///     gradW[o, k]  += Σ_p (g[o, p] / n) · columns[k, p]
///     gradCol[k, p] = Σ_o w[o, k] · g[o, p] / n        (then added back into the input: col2im)
///     gradB[o]     += Σ_p g[o, p]
///
/// with `n = C·kh·kw` when normalizing, else 1. Stride-1 unpadded layers (`isDirect`) compute the
/// forward pass, and with few filters the weight gradient, from the input's rows in place
/// (`cnn_direct.h`), with the same bits.
struct ConvGeometry {
    let channels, height, width: Int
    let filters, kh, kw, stride, dilation: Int
    /// Zeros before the first row and column; the bottom and right padding follow from the output size.
    let padTop, padLeft: Int
    let outH, outW: Int
    let normalize: Bool

    init(spec: ConvSpec, input: [Int], output: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        filters = spec.filters; kh = spec.kernelH; kw = spec.kernelW
        stride = spec.stride; dilation = spec.dilation
        padTop = spec.pads.top; padLeft = spec.pads.left
        outH = output[1]; outW = output[2]
        normalize = spec.normalize
    }

    /// Rows of the column matrix: weights per filter, `C·kh·kw`.
    var k: Int { channels * kh * kw }
    /// Columns of the column matrix: output positions, `H'·W'`.
    var positions: Int { outH * outW }
    var inputSize: Int { channels * height * width }
    var outputSize: Int { filters * positions }
    /// The divisor `n` of the formula.
    var divisor: Double { normalize ? Double(k) : 1 }

    /// Output rows per block: a block's columns (`k × rows·W'`) fill at most `ConvPlan.budget`
    /// numbers, so they stay in L2 between im2col and the product, but the block has at least
    /// `ConvPlan.minPositions` positions (whole rows), so the product is not narrower than its
    /// register tiles.
    var rowsPerBlock: Int { rows(depth: k) }
    /// Output rows per block for columns of `depth` rows (`depth × rows·W'` numbers), by the rule above.
    func rows(depth: Int) -> Int {
        max(1, min(outH, max(ConvPlan.budget / max(1, depth * outW), minimumRows)))
    }
    /// Rows that hold at least `ConvPlan.minPositions` positions (at most the whole output).
    private var minimumRows: Int { min(outH, (ConvPlan.minPositions + outW - 1) / max(1, outW)) }
    /// Blocks of output rows per sample.
    var blocksPerSample: Int { (outH + rowsPerBlock - 1) / rowsPerBlock }
    /// Numbers of one part's column buffer, enough for any block of any phase.
    var scratchSize: Int { max(ConvPlan.budget, k * outW * max(1, minimumRows)) }

    /// How many parts a phase with `items` items runs in: up to `ConvPlan.maxParts` when the
    /// layer's work for the batch is large enough to pay for a second thread, else 1. It depends
    /// only on the geometry and the batch, never on the machine or the thread count, so the order
    /// of every sum, and so every bit of the result, is the same everywhere.
    func parts(items: Int, batch: Int) -> Int {
        filters * k * positions * batch >= 100_000 ? min(ConvPlan.maxParts, items) : 1
    }

    /// Whether the weight gradient is split by groups of input channels (each part owns columns of
    /// `gradW`, no partial sums) rather than by samples (each part sums into its own `gradW`).
    var splitsWeightGradientByChannel: Bool { channels >= ConvPlan.maxParts && filters * k >= 16_384 }

    /// Whether the forward pass keeps the whole batch's columns for the backward pass (`N × k ×
    /// positions` numbers, block after block): when the weight gradient reads im2col's columns
    /// and they take at most `ConvPlan.keptColumns` numbers. Larger layers make them again, block
    /// by block, in L2 (cheaper than writing them out to memory and reading them back).
    func keepsColumns(batch: Int) -> Bool {
        usesDotProducts && !isDirectWeightGradient && batch * k * positions <= ConvPlan.keptColumns
    }

    /// Where block `i0` of sample `s` starts in kept columns.
    func columnOffset(sample s: Int, row i0: Int) -> Int { s * k * positions + k * i0 * outW }

    /// Writes rows `i0 ..< i0 + rows` of sample `x`'s columns into `col` (`k × rows·W'`).
    func im2col(_ x: UnsafePointer<Double>, rows i0: Int, _ rows: Int, into col: UnsafeMutablePointer<Double>) {
        cnn_im2col(x, channels, height, width, kh, kw, stride, padTop - i0 * stride, padLeft, dilation, rows, outW, col)
    }

    /// Forward pass for a batch: `x` is `[N, C, H, W]`, `y` is `[N, filters, H', W']`. Each part
    /// takes whole blocks of output rows: im2col of the block into its own buffer, then
    /// `out[:, block] = w · col` (each element one chain over k), then `/ n + bias`.
    /// With `pool` (`poolsInBlocks`), each block's rows are also rectified and max-pooled into
    /// `pool` as soon as they are written, while they are in cache.
    func forward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias: UnsafePointer<Double>?,
                 y: UnsafeMutablePointer<Double>, scratch: [ConvScratch], packed: UnsafeMutablePointer<Double>,
                 columns: UnsafeMutablePointer<Double>, pool: ConvPool? = nil) {
        let blocks = blocksPerSample, rows = rowsPerBlock, items = batch * blocks
        let keep = keepsColumns(batch: batch)
        let partCount = parts(items: items, batch: batch)
        // Kept columns are written here for the weight gradient; otherwise no columns are needed.
        if isDirect && !keep {
            directForward(batch: batch, x: x, weight: w, bias: bias, y: y, packed: packed, pool: pool)
            return
        }
        // The weights, packed once for every block's product.
        cnn_pack_a(filters, k, w, k, packed)
        let work = Pointers(x: x, w: UnsafePointer(packed), bias: bias, y: y, cols: columns)
        parallel(partCount) { part in
            for item in chunk(part, of: partCount, count: items) {
                let s = item / blocks, i0 = (item % blocks) * rows, r = min(rows, outH - i0), np = r * outW
                let col = keep ? work.cols + columnOffset(sample: s, row: i0) : scratch[part].col
                im2col(work.x + s * inputSize, rows: i0, r, into: col)
                let out = work.y + s * outputSize + i0 * outW
                cnn_gemm_nn_packed(filters, np, k, work.w, col, np, out, positions, 0)
                addBias(work.bias, out, count: np)
            }
        }
    }

    /// Whether the layer runs the direct kernels (`cnn_direct.h`): stride 1, dilation 1, no padding
    /// and `k ≤ ConvPlan.directDepth`. They read the input in place instead of im2col's columns and
    /// give the same bits.
    var isDirect: Bool {
        stride == 1 && dilation == 1 && padTop == 0 && padLeft == 0 && outH + kh - 1 <= height
            && outW + kw - 1 <= width && k <= ConvPlan.directDepth
    }

    /// Whether the weight gradient's dot products read the input in place (`cnn_direct_weight_gradient`):
    /// a direct layer with few filters whose blocks are one output row, or rows a multiple of 4 wide.
    var isDirectWeightGradient: Bool { isDirect && usesDotProducts && (rowsPerBlock == 1 || outW % 4 == 0) }

    /// The forward pass with the direct kernel: the same blocks and parts as with im2col, each
    /// block's `w · col / n + bias` computed from the input's rows in place.
    private func directForward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>,
                               bias: UnsafePointer<Double>?, y: UnsafeMutablePointer<Double>, packed: UnsafeMutablePointer<Double>,
                               pool: ConvPool?) {
        let blocks = blocksPerSample, rows = rowsPerBlock, items = batch * blocks
        let partCount = parts(items: items, batch: batch)
        let path = cnn_kernel_path()
        cnn_direct_pack(path, filters, k, w, packed)
        let mode: Int32 = normalize ? 2 : bias != nil ? 1 : 0
        let work = Pointers(x: x, w: UnsafePointer(packed), bias: bias, y: y, cols: packed)
        parallel(partCount) { part in
            for item in chunk(part, of: partCount, count: items) {
                let s = item / blocks, i0 = (item % blocks) * rows, r = min(rows, outH - i0)
                cnn_direct_forward(path, work.x + s * inputSize, channels, height, width, kh, kw, i0, r, outW, work.w, filters,
                                   work.y + s * outputSize + i0 * outW, positions, mode, divisor, work.bias)
                if let pool { self.pool(sample: s, rows: i0, r, of: UnsafePointer(work.y), into: pool) }
            }
        }
    }

    /// Whether the forward pass can rectify and pool its blocks as it goes (`forward`'s `pool`):
    /// a direct layer whose output feeds 2×2 max pooling with whole windows (`pool`, after a
    /// ReLU), and whose blocks start on even rows (an even number of rows, or one block a sample).
    func poolsInBlocks(_ pool: PoolGeometry, batch: Int) -> Bool {
        isDirect && !keepsColumns(batch: batch) && pool.isWhole2x2 && pool.channels == filters && pool.height == outH
            && pool.width == outW && (rowsPerBlock % 2 == 0 || blocksPerSample == 1)
    }

    /// `cnn_relu_maxpool2x2` of output rows `i0 ..< i0 + rows` of sample `s` (in `y`), for the
    /// pooled rows they hold whole.
    private func pool(sample s: Int, rows i0: Int, _ rows: Int, of y: UnsafePointer<Double>, into pool: ConvPool) {
        let first = i0 / 2, count = min((i0 + rows) / 2, pool.outH) - first
        guard count > 0 else { return }
        let plane = pool.outH * pool.outW
        cnn_relu_maxpool2x2_rows(y + s * outputSize, filters, outH, outW, first, count, pool.outH, pool.outW,
                                 pool.y + s * filters * plane, pool.argmax + s * filters * plane)
    }

    /// `out[o, q] = out[o, q] / n + bias[o]` for the `count` positions of each filter's row at `out`.
    private func addBias(_ bias: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>, count: Int) {
        let n = divisor
        for o in 0..<filters {
            let orow = out + o * positions
            let b = bias?[o] ?? 0
            if normalize {
                // Divide the exact sum once, so ±1 pixels give exactly sum / n.
                for q in 0..<count { orow[q] = orow[q] / n + b }
            } else if bias != nil {
                for q in 0..<count { orow[q] += b }
            }
        }
    }

    /// Backward pass for a batch. Overwrites `gradW`, `gradB` and (when given) `gx`. `gy` is
    /// `[N, filters, H', W']`; `scaled` holds `N × filters × H'·W'` numbers for a normalizing
    /// layer's `g / n`; `scratch` holds one `ConvScratch` per part; `transposed` holds `k × filters`
    /// and `packed` `cnn_packed_a_size(k, filters)` numbers.
    func backward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?, gx: UnsafeMutablePointer<Double>?,
                  scaled: UnsafeMutablePointer<Double>, scratch: [ConvScratch],
                  transposed: UnsafeMutablePointer<Double>, packed: UnsafeMutablePointer<Double>, columns: UnsafePointer<Double>) {
        if let gradB { biasGradient(batch: batch, gy: gy, gradB: gradB) }
        let g = scaledGradient(gy, batch: batch, into: scaled)
        if splitsWeightGradientByChannel {
            weightGradientByChannel(batch: batch, x: x, g: g, gradW: gradW, scratch: scratch)
        } else {
            weightGradientBySample(batch: batch, x: x, g: g, gradW: gradW, scratch: scratch, columns: columns)
        }
        if let gx {
            // wᵀ (k × filters), for the gradient of the columns.
            transpose(w, rows: filters, cols: k, lds: k, into: transposed)
            inputGradient(batch: batch, wT: UnsafePointer(transposed), g: g, gx: gx, scratch: scratch, packed: packed)
        }
    }

    /// `g / n` for a normalizing layer, written once into `scaled` (`N × filters × H'·W'`
    /// numbers), else `gy` itself.
    func scaledGradient(_ gy: UnsafePointer<Double>, batch: Int, into scaled: UnsafeMutablePointer<Double>) -> UnsafePointer<Double> {
        guard normalize else { return gy }
        let n = divisor
        for q in 0..<(batch * outputSize) { scaled[q] = gy[q] / n }
        return UnsafePointer(scaled)
    }

    /// `gradB[o] = Σ_s Σ_q g[s, o, q]`: each part takes whole filters; each sample's sum is one
    /// chain over q in order, and the samples' sums are added in order. Four samples' chains run
    /// side by side (independent adds: the same bits as one sample at a time).
    func biasGradient(batch: Int, gy: UnsafePointer<Double>, gradB: UnsafeMutablePointer<Double>) {
        let partCount = filters * positions * batch >= 200_000 ? min(ConvPlan.maxParts, filters) : 1
        let work = Pointers(x: gy, w: gy, bias: nil, y: gradB, cols: gradB)
        parallel(partCount) { part in
            for o in chunk(part, of: partCount, count: filters) {
                work.y[o] = biasSum(work.x + o * positions, batch: batch)
            }
        }
    }

    /// `Σ_s Σ_q g[s·outputSize + q]` over the batch's planes of one filter (`g` is its plane in sample 0),
    /// summed as `biasGradient` says.
    private func biasSum(_ g: UnsafePointer<Double>, batch: Int) -> Double {
        let p = positions
        var total = 0.0, s = 0
        while s + 4 <= batch {
            let r0 = g + s * outputSize, r1 = r0 + outputSize, r2 = r1 + outputSize, r3 = r2 + outputSize
            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
            for q in 0..<p { a0 += r0[q]; a1 += r1[q]; a2 += r2[q]; a3 += r3[q] }
            total += a0; total += a1; total += a2; total += a3
            s += 4
        }
        while s < batch {
            let r = g + s * outputSize
            var acc = 0.0
            for q in 0..<p { acc += r[q] }
            total += acc
            s += 1
        }
        return total
    }
}

/// Sizes of the conv layers' work split.
enum ConvPlan {
    /// The most parts a phase is split into (the same on every machine).
    static let maxParts = 8
    /// Numbers per block of columns: 16 K doubles, 128 KB, well inside L2.
    static let budget = 16_384
    /// The fewest output positions per block (two AVX-512 register tiles wide).
    static let minPositions = 48
    /// The most numbers of columns a layer keeps for the whole batch: 128 K, 1 MB, half of L2.
    static let keptColumns = 1 << 17
    /// The largest `k` (`C·kh·kw`) the direct kernels take (`CNN_DIRECT_MAX_K`). The direct
    /// forward pass measured 1.2–2.9× faster than im2col + the product up to k = 1000 (128 filters
    /// of k = 1000 on 22 × 22 outputs: even).
    static let directDepth = Int(CNN_DIRECT_MAX_K)
}

extension ConvGeometry {
    /// `gradW[o, k] = Σ_s Σ_q g[s, o, q] · columns_s[k, q]`, split by blocks of samples' output rows:
    /// part `j` sums its blocks, in order, into its own matrix (part 0 into `gradW`); the parts'
    /// matrices are then added in order. Each block's columns are made again. With few filters
    /// (`usesDotProducts`) each block adds its dot products (`gemmNT` of g and the im2col columns);
    /// else the product is one chain over the block's positions (im2row columns, `gemm`),
    /// continuing the part's sums.
    func weightGradientBySample(batch: Int, x: UnsafePointer<Double>, g: UnsafePointer<Double>,
                                gradW: UnsafeMutablePointer<Double>, scratch: [ConvScratch], columns: UnsafePointer<Double>) {
        let dots = usesDotProducts, keep = keepsColumns(batch: batch)
        let direct = isDirectWeightGradient, path = cnn_kernel_path()
        let wide = takesDirectGradientNN(path: path), f = cnn_direct_gradient_nn_width(filters)
        let rows = wide ? directGradientNNRows : rowsPerBlock, blocks = (outH + rows - 1) / rows, items = batch * blocks
        let partCount = parts(items: items, batch: batch)
        let work = Pointers(x: x, w: g, bias: nil, y: gradW, cols: UnsafeMutablePointer(mutating: columns))
        parallel(partCount) { part in
            let sc = scratch[part]
            let gw = part == 0 ? work.y : sc.gradW
            if dots { gw.update(repeating: 0, count: filters * k) }
            if wide { sc.colGrad.update(repeating: 0, count: k * f) }
            for (n, item) in chunk(part, of: partCount, count: items).enumerated() {
                let s = item / blocks, i0 = (item % blocks) * rows, r = min(rows, outH - i0), np = r * outW
                let xs = work.x + s * inputSize, gs = work.w + s * outputSize + i0 * outW
                if wide {
                    _ = cnn_direct_gradient_nn(path, xs, channels, height, width, kh, kw, i0, r, outW, gs, positions, filters,
                                               sc.col, sc.colGrad)
                } else if dots && direct {
                    cnn_direct_weight_gradient(path, xs, channels, height, width, kh, kw, i0, r, outW, gs, positions, filters, gw)
                } else if dots {
                    var col = UnsafePointer(work.cols + columnOffset(sample: s, row: i0))
                    if !keep { im2col(xs, rows: i0, r, into: sc.col); col = UnsafePointer(sc.col) }
                    gemmNT(m: filters, n: k, k: np, a: gs, lda: positions, b: col, ldb: np, c: gw, ldc: k)
                } else {
                    cnn_im2row(xs, channels, height, width, kh, kw, stride, padTop - i0 * stride, padLeft, dilation, r, outW, sc.col)
                    gemm(m: filters, n: k, k: np, a: gs, lda: positions, b: sc.col, ldb: k, c: gw, ldc: k, accumulate: n > 0)
                }
            }
            if wide { transpose(sc.colGrad, rows: k, cols: filters, lds: f, into: gw) }
        }
        for part in 1..<max(partCount, 1) {
            let partial = scratch[part].gradW
            for i in 0..<(filters * k) { gradW[i] += partial[i] }
        }
    }

    /// Whether the weight gradient reads the input in place with the NN product's bits
    /// (`cnn_direct_gradient_nn`, AVX-512 only): a direct layer with more filters than
    /// `usesDotProducts` takes, whose block of `gᵀ` and `gwᵀ` (`cnn_direct_gradient_nn_width`)
    /// fit in a part's `col` and `colGrad`.
    func takesDirectGradientNN(path: Int32) -> Bool { !usesDotProducts && fitsDirectGradientNN(path: path) }

    /// Whether `cnn_direct_gradient_nn` can take the layer on `path`: AVX-512, a direct layer the
    /// split by channels does not take, whose `gwᵀ` and a block of at least one row of `gᵀ` fit a
    /// part's buffers.
    private func fitsDirectGradientNN(path: Int32) -> Bool {
        let f = cnn_direct_gradient_nn_width(filters)
        return path == Int32(CNN_PATH_AVX512) && isDirect && !splitsWeightGradientByChannel
            && directGradientNNRows >= 1 && k * f <= scratchSize
    }

    /// Output rows per block of `cnn_direct_gradient_nn`: `rowsPerBlock`, or fewer so that a
    /// block's `gᵀ` (`rows·W' × F` numbers) fits a part's `col` (within a part, one chain per
    /// weight runs over its positions whatever the blocks; the wide cells' conv1, 1 channel and
    /// 32 or 64 filters, took im2row + the product before for want of room).
    var directGradientNNRows: Int {
        min(rowsPerBlock, scratchSize / max(1, outW * cnn_direct_gradient_nn_width(filters)))
    }

    /// Whether the weight gradient sums dot products of rows (few filters: making im2row's
    /// columns would cost more than the products gain from them): at most 8 filters, or at most
    /// 16 when `cnn_direct_gradient_nn` cannot take the layer. With 9 to 16 filters that kernel's
    /// one chain per weight over the part's positions, in registers, beats dot products over one
    /// block's positions each finished by a horizontal sum (the digits network's conv2 at 112²
    /// has blocks of one 50-wide row); the results agree to rounding (the bits are im2row + the
    /// NN product's). The lessons' layers (at most 8 filters) keep their dot products.
    var usesDotProducts: Bool { filters <= 8 || (filters <= 16 && !fitsDirectGradientNN(path: cnn_kernel_path())) }

    /// `gradW` split by groups of input channels: part `j` owns the columns of its channels and
    /// sums every sample's blocks into them, in order; no partial sums to add.
    func weightGradientByChannel(batch: Int, x: UnsafePointer<Double>, g: UnsafePointer<Double>,
                                 gradW: UnsafeMutablePointer<Double>, scratch: [ConvScratch]) {
        let groups = ConvPlan.maxParts, area = kh * kw
        let work = Pointers(x: x, w: g, bias: nil, y: gradW, cols: gradW)
        parallel(groups) { part in
            let mine = chunk(part, of: groups, count: channels)
            let kg = mine.count * area
            let rows = self.rows(depth: kg)
            var first = true
            for s in 0..<batch {
                for i0 in Swift.stride(from: 0, to: outH, by: rows) {
                    let r = min(rows, outH - i0), np = r * outW
                    cnn_im2row(work.x + s * inputSize + mine.lowerBound * height * width, mine.count, height, width, kh, kw,
                               self.stride, padTop - i0 * self.stride, padLeft, dilation, r, outW, scratch[part].col)
                    gemm(m: filters, n: kg, k: np, a: work.w + s * outputSize + i0 * outW, lda: positions,
                         b: scratch[part].col, ldb: kg, c: work.y + mine.lowerBound * area, ldc: k, accumulate: !first)
                    first = false
                }
            }
        }
    }

    /// `gx` from `gradCol = wᵀ · g` and col2im, split by samples and groups of input channels (each
    /// part writes its own planes of `gx`); within a part, block after block of output rows.
    func inputGradient(batch: Int, wT: UnsafePointer<Double>, g: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>,
                       scratch: [ConvScratch], packed: UnsafeMutablePointer<Double>) {
        let groups = batch >= ConvPlan.maxParts ? 1 : min(channels, ConvPlan.maxParts / batch)
        let items = batch * groups, area = kh * kw
        let partCount = parts(items: items, batch: batch)
        // With whole samples per item, wᵀ is packed once for every product.
        if groups == 1 { cnn_pack_a(k, filters, wT, filters, packed) }
        let work = Pointers(x: g, w: wT, bias: nil, y: gx, cols: packed)
        parallel(partCount) { part in
            let colGrad = scratch[part].colGrad
            for item in chunk(part, of: partCount, count: items) {
                let s = item / groups, mine = chunk(item % groups, of: groups, count: channels)
                let mg = mine.count * area
                let planes = work.y + s * inputSize + mine.lowerBound * height * width
                planes.update(repeating: 0, count: mine.count * height * width)
                let rows = self.rows(depth: mg)
                for i0 in Swift.stride(from: 0, to: outH, by: rows) {
                    let r = min(rows, outH - i0), np = r * outW
                    let gs = work.x + s * outputSize + i0 * outW
                    if groups == 1 {
                        cnn_gemm_nn_packed(mg, np, filters, work.cols, gs, positions, colGrad, np, 0)
                    } else {
                        gemm(m: mg, n: np, k: filters, a: work.w + mine.lowerBound * area * filters, lda: filters,
                             b: gs, ldb: positions, c: colGrad, ldc: np, accumulate: false)
                    }
                    cnn_col2im_add(colGrad, mine.count, height, width, kh, kw, self.stride, padTop - i0 * self.stride, padLeft,
                                   dilation, r, outW, planes)
                }
            }
        }
    }
}

/// Where a conv layer's forward pass writes the ReLU then 2×2 max pooling of its output
/// (`ConvGeometry.poolsInBlocks`): the pooled values `[N, filters, outH, outW]` and their winners.
struct ConvPool: @unchecked Sendable {
    let y: UnsafeMutablePointer<Double>
    let argmax: UnsafeMutablePointer<Int32>
    let outH, outW: Int
}

/// Per-part scratch of a conv layer's passes.
struct ConvScratch: @unchecked Sendable {
    /// One block's columns (im2col, or im2row in the backward pass): `ConvGeometry.scratchSize`.
    let col: UnsafeMutablePointer<Double>
    /// One block's column gradient, the same size.
    let colGrad: UnsafeMutablePointer<Double>
    /// `filters × k`: the part's own weight gradient when it is split by samples.
    let gradW: UnsafeMutablePointer<Double>
}

/// Pointers handed to the threads of one pass; each thread writes only its own samples.
struct Pointers: @unchecked Sendable {
    let x: UnsafePointer<Double>
    let w: UnsafePointer<Double>
    let bias: UnsafePointer<Double>?
    let y: UnsafeMutablePointer<Double>
    let cols: UnsafeMutablePointer<Double>
}
