import CNNKernels

/// Fully connected kernels (see `DenseSpec`). `x` is `[N, inputs]`, `y` is `[N, units]`:
///
///     y[n, u]       = Σ_i w[u, i] · x[n, i] + b[u]
///     gradW[u, i]   = Σ_n g[n, u] · x[n, i]
///     gradB[u]      = Σ_n g[n, u]
///     gradX[n, i]   = Σ_u w[u, i] · g[n, u]
struct DenseGeometry {
    let inputs, units: Int

    /// Whether the layer runs on the matrix-product kernels, split in parts over the threads
    /// (large layers); small ones keep plain loops, one sum in order per element.
    var usesProducts: Bool { inputs >= 1024 }

    func forward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias: UnsafePointer<Double>?, y: UnsafeMutablePointer<Double>) {
        if usesProducts { return forwardByProducts(batch: batch, x: x, weight: w, bias: bias, y: y) }
        for n in 0..<batch {
            let xr = x + n * inputs
            for u in 0..<units {
                let wr = w + u * inputs
                var acc = 0.0
                for i in 0..<inputs { acc += wr[i] * xr[i] }
                y[n * units + u] = acc + (bias?[u] ?? 0)
            }
        }
    }

    /// `y = x · wᵀ` by dot products (`gemmNT`), then `+ b`; parts take rows of samples.
    private func forwardByProducts(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>,
                                   bias: UnsafePointer<Double>?, y: UnsafeMutablePointer<Double>) {
        let partCount = min(batch, 8)
        let work = Pointers(x: x, w: w, bias: bias, y: y, cols: y)
        parallel(partCount) { part in
            let mine = chunk(part, of: partCount, count: batch)
            guard !mine.isEmpty else { return }
            let out = work.y + mine.lowerBound * units
            out.update(repeating: 0, count: mine.count * units)
            gemmNT(m: mine.count, n: units, k: inputs, a: work.x + mine.lowerBound * inputs, lda: inputs, b: work.w, ldb: inputs,
                   c: out, ldc: units)
            if let b = work.bias { for n in 0..<mine.count { for u in 0..<units { out[n * units + u] += b[u] } } }
        }
    }

    func backward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?, gx: UnsafeMutablePointer<Double>?,
                  scratch: UnsafeMutablePointer<Double>) {
        if usesProducts {
            return backwardByProducts(batch: batch, x: x, weight: w, gy: gy, gradW: gradW, gradB: gradB, gx: gx, gT: scratch)
        }
        gradW.update(repeating: 0, count: units * inputs)
        gradB?.update(repeating: 0, count: units)
        if let gx { gx.update(repeating: 0, count: batch * inputs) }
        for n in 0..<batch {
            let xr = x + n * inputs
            for u in 0..<units {
                let g = gy[n * units + u]
                gradB?[u] += g
                let gw = gradW + u * inputs
                for i in 0..<inputs { gw[i] += g * xr[i] }
                if let gx {
                    let wr = w + u * inputs
                    let gr = gx + n * inputs
                    for i in 0..<inputs { gr[i] += wr[i] * g }
                }
            }
        }
    }
}

extension DenseGeometry {
    /// `gradW = gᵀ · x` and `gx = g · w` (each element one chain over samples, or over units, in
    /// order); parts take ranges of input columns, so no part adds into another's numbers.
    /// `gT` holds `units × batch` numbers.
    fileprivate func backwardByProducts(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                                        gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?,
                                        gx: UnsafeMutablePointer<Double>?, gT: UnsafeMutablePointer<Double>) {
        transpose(gy, rows: batch, cols: units, lds: units, into: gT)
        if let gradB {
            for u in 0..<units {
                var acc = 0.0
                for n in 0..<batch { acc += gy[n * units + u] }
                gradB[u] = acc
            }
        }
        let partCount = 8
        let work = Pointers(x: x, w: w, bias: gy, y: gradW, cols: gx ?? gradW)
        let hasGx = gx != nil
        parallel(partCount) { part in
            let mine = chunk(part, of: partCount, count: inputs)
            guard !mine.isEmpty else { return }
            let c0 = mine.lowerBound
            gemm(m: units, n: mine.count, k: batch, a: UnsafePointer(gT), lda: batch, b: work.x + c0, ldb: inputs,
                 c: work.y + c0, ldc: inputs, accumulate: false)
            if hasGx, let g = work.bias {
                gemm(m: batch, n: mine.count, k: units, a: g, lda: units, b: work.w + c0, ldb: inputs,
                     c: work.cols + c0, ldc: inputs, accumulate: false)
            }
        }
    }
}

/// ReLU kernels: `y = max(0, x)`; `gradX = gradY` where `y > 0`, else 0. Large arrays are split
/// in 8 parts (each element is computed on its own, so the split changes no bit).
enum ReLUKernel {
    static func forward(count: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        let work = ReLUPointers(y: x, gy: x, gx: y)
        let halves = count >= 65_536 ? 8 : 1
        parallel(halves) { h in
            let range = chunk(h, of: halves, count: count)
            // Here `y` holds the input and `gx` the output.
            cnn_relu_forward(range.count, work.y + range.lowerBound, work.gx + range.lowerBound)
        }
    }

    static func backward(count: Int, y: UnsafePointer<Double>, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>) {
        let work = ReLUPointers(y: y, gy: gy, gx: gx)
        let halves = count >= 65_536 ? 8 : 1
        parallel(halves) { h in
            let range = chunk(h, of: halves, count: count)
            cnn_relu_backward(range.count, work.y + range.lowerBound, work.gy + range.lowerBound, work.gx + range.lowerBound)
        }
    }
}

/// Pointers handed to the threads of a ReLU pass; each thread writes its own half of `gx`.
struct ReLUPointers: @unchecked Sendable {
    let y: UnsafePointer<Double>
    let gy: UnsafePointer<Double>
    let gx: UnsafeMutablePointer<Double>
}
