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
/// with `n = C·kh·kw` when normalizing, else 1.
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

    /// Fills `col` (`k × positions`) from one sample `x` (`[C, H, W]`) (the C kernel `cnn_im2col`).
    func im2col(_ x: UnsafePointer<Double>, _ col: UnsafeMutablePointer<Double>) {
        cnn_im2col(x, channels, height, width, kh, kw, stride, padTop, padLeft, dilation, outH, outW, col)
    }

    /// Adds `col` (`k × positions`) back into one sample's input gradient `gx` (`[C, H, W]`).
    func col2imAdd(_ col: UnsafePointer<Double>, _ gx: UnsafeMutablePointer<Double>) {
        cnn_col2im_add(col, channels, height, width, kh, kw, stride, padTop, padLeft, dilation, outH, outW, gx)
    }

    /// How many chunks of samples a pass runs in parallel: 2 when a batch has enough work to pay
    /// for a second thread, else 1. It depends only on the geometry and the batch, never on the
    /// machine, so the order of every sum, and so every bit of the result, is the same everywhere.
    func chunks(batch: Int) -> Int {
        batch >= 2 && filters * k * positions * batch >= 200_000 ? 2 : 1
    }

    /// Forward pass for a batch: `x` is `[N, C, H, W]`, `y` is `[N, filters, H', W']`.
    /// `cols` holds `N × k × positions` and keeps every sample's columns for `backward`.
    func forward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias: UnsafePointer<Double>?,
                 y: UnsafeMutablePointer<Double>, cols: UnsafeMutablePointer<Double>) {
        let k = self.k, p = positions, n = divisor
        let chunkCount = chunks(batch: batch)
        let work = Pointers(x: x, w: w, bias: bias, y: y, cols: cols)
        parallel(chunkCount) { chunk in
            for s in CNNCore.chunk(chunk, of: chunkCount, count: batch) {
                let col = work.cols + s * k * p
                im2col(work.x + s * inputSize, col)
                let out = work.y + s * outputSize
                gemm(m: filters, n: p, k: k, a: work.w, lda: k, b: col, ldb: p, c: out, ldc: p, accumulate: false)
                for o in 0..<filters {
                    let orow = out + o * p
                    let b = work.bias?[o] ?? 0
                    if normalize {
                        // Divide the exact sum once, so ±1 pixels give exactly sum / n.
                        for q in 0..<p { orow[q] = orow[q] / n + b }
                    } else if work.bias != nil {
                        for q in 0..<p { orow[q] += b }
                    }
                }
            }
        }
    }

    /// Backward pass for a batch, after `forward` filled `cols`. Overwrites `gradW`, `gradB` and
    /// (when given) `gx`. `gy` is `[N, filters, H', W']`; `scratch` holds one `ConvScratch` per chunk.
    func backward(batch: Int, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?, gx: UnsafeMutablePointer<Double>?,
                  cols: UnsafePointer<Double>, scratch: [ConvScratch], packed: UnsafeMutablePointer<Double>) {
        let k = self.k, p = positions, n = divisor
        let chunkCount = chunks(batch: batch)
        // wᵀ (k × filters), for the gradient of the columns.
        if gx != nil { transpose(w, rows: filters, cols: k, lds: k, into: packed) }
        let work = Pointers(x: cols, w: UnsafePointer(packed), bias: nil, y: gx ?? packed, cols: UnsafeMutablePointer(mutating: cols))
        parallel(chunkCount) { chunk in
            let sc = scratch[chunk]
            // Each chunk sums into its own gradients; chunk 0 writes straight into the result.
            let gw = chunk == 0 ? gradW : sc.gradW
            let gb = gradB.map { chunk == 0 ? $0 : sc.gradB }
            gw.update(repeating: 0, count: filters * k)
            gb?.update(repeating: 0, count: filters)
            for s in CNNCore.chunk(chunk, of: chunkCount, count: batch) {
                let g = gy + s * outputSize
                if let gb {
                    for o in 0..<filters {
                        var acc = 0.0
                        let grow = g + o * p
                        for q in 0..<p { acc += grow[q] }
                        gb[o] += acc
                    }
                }
                // g / n, once per sample (without normalizing, g itself).
                let scaled: UnsafePointer<Double>
                if normalize {
                    for q in 0..<(filters * p) { sc.scaled[q] = g[q] / n }
                    scaled = UnsafePointer(sc.scaled)
                } else {
                    scaled = g
                }
                // gradW (filters × k) += scaled (filters × p) · colᵀ
                gemmNT(m: filters, n: k, k: p, a: scaled, lda: p, b: work.x + s * k * p, ldb: p, c: gw, ldc: k)
                if gx != nil {
                    // gradCol (k × p) = wᵀ (k × filters) · scaled (filters × p), then back into the image.
                    gemm(m: k, n: p, k: filters, a: work.w, lda: filters, b: scaled, ldb: p, c: sc.colGrad, ldc: p, accumulate: false)
                    let gxs = work.y + s * inputSize
                    gxs.update(repeating: 0, count: inputSize)
                    col2imAdd(sc.colGrad, gxs)
                }
            }
        }
        if chunkCount == 2 {
            let sc = scratch[1]
            for i in 0..<(filters * k) { gradW[i] += sc.gradW[i] }
            if let gradB { for o in 0..<filters { gradB[o] += sc.gradB[o] } }
        }
    }

}

/// Per-chunk scratch of a conv layer's backward pass.
struct ConvScratch: @unchecked Sendable {
    /// `k × positions`.
    let colGrad: UnsafeMutablePointer<Double>
    /// `filters × positions`.
    let scaled: UnsafeMutablePointer<Double>
    /// `filters × k` and `filters`: a second chunk's partial gradients.
    let gradW: UnsafeMutablePointer<Double>
    let gradB: UnsafeMutablePointer<Double>
}

/// Pointers handed to the threads of one pass; each thread writes only its own samples.
struct Pointers: @unchecked Sendable {
    let x: UnsafePointer<Double>
    let w: UnsafePointer<Double>
    let bias: UnsafePointer<Double>?
    let y: UnsafeMutablePointer<Double>
    let cols: UnsafeMutablePointer<Double>
}
