/// Average-pooling kernels (see `AvgPoolSpec`), on the windows of `PoolWindows`:
///
///     out[c, i, j]  = (Σ_{(a, b) in window(i, j)} in[c, a, b]) / divisor(i, j)
///     gradIn[c, a, b] += gradOut[c, i, j] / divisor(i, j)     for every window (i, j) holding (a, b)
struct AvgPoolGeometry {
    let channels: Int
    let windows: PoolWindows
    let countIncludePad: Bool

    init(spec: AvgPoolSpec, input: [Int]) {
        channels = input[0]
        windows = PoolWindows(size: spec.size, stride: spec.stride, padding: spec.padding, ceil: spec.ceil,
                              height: input[1], width: input[2])
        countIncludePad = spec.countIncludePad
    }

    var planeIn: Int { windows.height * windows.width }
    var planeOut: Int { windows.outH * windows.outW }

    /// The number the sum of window `(i, j)` is divided by (`PoolWindows.divisor`).
    @inline(__always)
    func divisor(_ i: Int, _ j: Int) -> Double { Double(windows.divisor(i, j, countIncludePad: countIncludePad)) }

    func forward(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        let w = windows.width
        for plane in 0..<(batch * channels) {
            let src = x + plane * planeIn, dst = y + plane * planeOut
            for i in 0..<windows.outH {
                for j in 0..<windows.outW {
                    var sum = 0.0
                    for r in windows.rows(i) { for c in windows.cols(j) { sum += src[r * w + c] } }
                    dst[i * windows.outW + j] = sum / divisor(i, j)
                }
            }
        }
    }

    func backward(batch: Int, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>) {
        let w = windows.width
        gx.update(repeating: 0, count: batch * channels * planeIn)
        for plane in 0..<(batch * channels) {
            let g = gy + plane * planeOut, dst = gx + plane * planeIn
            for i in 0..<windows.outH {
                for j in 0..<windows.outW {
                    let share = g[i * windows.outW + j] / divisor(i, j)
                    for r in windows.rows(i) { for c in windows.cols(j) { dst[r * w + c] += share } }
                }
            }
        }
    }
}

/// Global average pooling over `area = H·W` values per channel plane:
/// `out[c] = (Σ in[c, ·, ·]) / area`, `gradIn[c, a, b] = gradOut[c] / area`.
struct GlobalAvgPoolGeometry {
    let channels, area: Int

    func forward(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        for plane in 0..<(batch * channels) {
            var sum = 0.0
            for q in 0..<area { sum += x[plane * area + q] }
            y[plane] = sum / Double(area)
        }
    }

    func backward(batch: Int, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>) {
        for plane in 0..<(batch * channels) {
            let share = gy[plane] / Double(area)
            for q in 0..<area { gx[plane * area + q] = share }
        }
    }
}
