import CNNKernels

/// Fully connected kernels (see `DenseSpec`). `x` is `[N, inputs]`, `y` is `[N, units]`:
///
///     y[n, u]       = Σ_i w[u, i] · x[n, i] + b[u]
///     gradW[u, i]   = Σ_n g[n, u] · x[n, i]
///     gradB[u]      = Σ_n g[n, u]
///     gradX[n, i]   = Σ_u w[u, i] · g[n, u]
struct DenseGeometry {
    let inputs, units: Int

    func forward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias: UnsafePointer<Double>?, y: UnsafeMutablePointer<Double>) {
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

    func backward(batch: Int, x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>?, gx: UnsafeMutablePointer<Double>?) {
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

/// ReLU kernels: `y = max(0, x)`; `gradX = gradY` where `y > 0`, else 0. Large arrays are split
/// in two halves, one per thread (each element is computed on its own, so the split changes no bit).
enum ReLUKernel {
    static func forward(count: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        let work = ReLUPointers(y: x, gy: x, gx: y)
        let halves = count >= 65_536 ? 2 : 1
        parallel(halves) { h in
            let range = chunk(h, of: halves, count: count)
            // Here `y` holds the input and `gx` the output.
            cnn_relu_forward(range.count, work.y + range.lowerBound, work.gx + range.lowerBound)
        }
    }

    static func backward(count: Int, y: UnsafePointer<Double>, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>) {
        let work = ReLUPointers(y: y, gy: gy, gx: gx)
        let halves = count >= 65_536 ? 2 : 1
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
