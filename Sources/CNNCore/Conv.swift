/// Convolution kernels (see `ConvSpec` for the formula), written as im2col plus a matrix product.
///
/// For one sample, `columns[k, p]` holds the input pixel that weight `k = (c·kh + a)·kw + b`
/// meets at output position `p = i·W' + j` (zero in the padding). Then
///
///     out[o, p]     = (Σ_k w[o, k] · columns[k, p]) / n + bias[o]
///     gradW[o, k]  += Σ_p (g[o, p] / n) · columns[k, p]
///     gradCol[k, p] = Σ_o w[o, k] · g[o, p] / n        (then added back into the input: col2im)
///     gradB[o]     += Σ_p g[o, p]
///
/// with `n = C·kh·kw` when normalizing, else 1.
struct ConvGeometry {
    let channels, height, width: Int
    let filters, kh, kw, stride, padding: Int
    let outH, outW: Int
    let normalize: Bool

    init(spec: ConvSpec, input: [Int], output: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        filters = spec.filters; kh = spec.kernelH; kw = spec.kernelW
        stride = spec.stride; padding = spec.padding
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

    /// Fills `col` (`k × positions`) from one sample `x` (`[C, H, W]`).
    func im2col(_ x: UnsafePointer<Double>, _ col: UnsafeMutablePointer<Double>) {
        var row = 0
        for c in 0..<channels {
            let plane = x + c * height * width
            for a in 0..<kh {
                for b in 0..<kw {
                    let dst = col + row * positions
                    for i in 0..<outH {
                        let y = i * stride + a - padding
                        let d = dst + i * outW
                        if y < 0 || y >= height {
                            d.update(repeating: 0, count: outW)
                            continue
                        }
                        let src = plane + y * width
                        for j in 0..<outW {
                            let xx = j * stride + b - padding
                            d[j] = (xx >= 0 && xx < width) ? src[xx] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds `col` (`k × positions`) back into one sample's input gradient `gx` (`[C, H, W]`).
    func col2imAdd(_ col: UnsafePointer<Double>, _ gx: UnsafeMutablePointer<Double>) {
        var row = 0
        for c in 0..<channels {
            let plane = gx + c * height * width
            for a in 0..<kh {
                for b in 0..<kw {
                    let src = col + row * positions
                    for i in 0..<outH {
                        let y = i * stride + a - padding
                        if y < 0 || y >= height { continue }
                        let s = src + i * outW
                        let d = plane + y * width
                        for j in 0..<outW {
                            let xx = j * stride + b - padding
                            if xx >= 0 && xx < width { d[xx] += s[j] }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Forward pass for a batch: `x` is `[N, C, H, W]`, `y` is `[N, filters, H', W']`.
    func forward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias: UnsafePointer<Double>?,
                 y: UnsafeMutablePointer<Double>, col: UnsafeMutablePointer<Double>) {
        let k = self.k, p = positions, n = divisor
        for s in 0..<batch {
            im2col(x + s * inputSize, col)
            let out = y + s * outputSize
            gemm(m: filters, n: p, k: k, a: w, lda: k, b: col, ldb: p, c: out, ldc: p, accumulate: false)
            for o in 0..<filters {
                let orow = out + o * p
                let b = bias?[o] ?? 0
                if normalize {
                    // Divide the exact sum once, so ±1 pixels give exactly sum / n.
                    for q in 0..<p { orow[q] = orow[q] / n + b }
                } else if bias != nil {
                    for q in 0..<p { orow[q] += b }
                }
            }
        }
    }

    /// Backward pass for a batch. Overwrites `gradW`, `gradB` and (when given) `gx`.
    /// `gy` is `[N, filters, H', W']`; `col`, `colGrad` and `scaled` are scratch of
    /// `max(k, filters) × positions` elements, `packed` of `k × filters`.
    func backward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?, gx: UnsafeMutablePointer<Double>?,
                  col: UnsafeMutablePointer<Double>, colGrad: UnsafeMutablePointer<Double>, scaled: UnsafeMutablePointer<Double>,
                  packed: UnsafeMutablePointer<Double>) {
        let k = self.k, p = positions, n = divisor
        gradW.update(repeating: 0, count: filters * k)
        gradB?.update(repeating: 0, count: filters)
        if let gx { gx.update(repeating: 0, count: batch * inputSize) }
        // wᵀ (k × filters), for the gradient of the columns.
        if gx != nil { transpose(w, rows: filters, cols: k, lds: k, into: packed) }
        for s in 0..<batch {
            let g = gy + s * outputSize
            if let gradB {
                for o in 0..<filters {
                    var acc = 0.0
                    let grow = g + o * p
                    for q in 0..<p { acc += grow[q] }
                    gradB[o] += acc
                }
            }
            // g / n, once per sample.
            if normalize {
                for q in 0..<(filters * p) { scaled[q] = g[q] / n }
            } else {
                scaled.update(from: g, count: filters * p)
            }
            im2col(x + s * inputSize, col)
            // gradW (filters × k) += scaled (filters × p) · colᵀ (p × k)
            transpose(col, rows: k, cols: p, lds: p, into: colGrad)
            gemm(m: filters, n: k, k: p, a: scaled, lda: p, b: colGrad, ldb: k, c: gradW, ldc: k, accumulate: true)
            if let gx {
                // gradCol (k × p) = wᵀ (k × filters) · scaled (filters × p), then back into the image.
                gemm(m: k, n: p, k: filters, a: packed, lda: filters, b: scaled, ldb: p, c: colGrad, ldc: p, accumulate: false)
                col2imAdd(colGrad, gx + s * inputSize)
            }
        }
    }
}
