import Foundation

/// Elementwise layers, each backward rule beside its forward rule (`x` input, `y` output, `g` gradients):
///
///     sigmoid:     y = 1 / (1 + e^(−x))            gx = gy · y · (1 − y)
///     tanh:        y = tanh(x)                      gx = gy · (1 − y²)
///     leaky ReLU:  y = x > 0 ? x : slope · x        gx = x > 0 ? gy : slope · gy
enum Activation: Sendable {
    case sigmoid
    case tanh
    case leakyRelu(Double)

    func forward(count: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        switch self {
        case .sigmoid: for i in 0..<count { y[i] = 1 / (1 + exp(-x[i])) }
        case .tanh: for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
        case .leakyRelu(let slope): for i in 0..<count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
        }
    }

    func backward(count: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gx: UnsafeMutablePointer<Double>) {
        switch self {
        case .sigmoid: for i in 0..<count { gx[i] = gy[i] * (y[i] * (1 - y[i])) }
        case .tanh: for i in 0..<count { gx[i] = gy[i] * (1 - y[i] * y[i]) }
        case .leakyRelu(let slope): for i in 0..<count { gx[i] = x[i] > 0 ? gy[i] : gy[i] * slope }
        }
    }
}

/// Softmax and log-softmax over each sample's vector of `k` values (`x`, `y`, `gy`, `gx` are `[N, k]`):
///
///     softmax:      y[k] = e^(x[k] − m) / Σ_j e^(x[j] − m)         gx[k] = y[k] · (gy[k] − Σ_j gy[j] · y[j])
///     log-softmax:  y[k] = x[k] − m − log Σ_j e^(x[j] − m)         gx[k] = gy[k] − e^(y[k]) · Σ_j gy[j]
///
/// with `m = max_j x[j]`, which changes nothing but keeps every exponent ≤ 0.
struct SoftmaxGeometry {
    let k: Int
    let log: Bool

    func forward(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        for n in 0..<batch {
            let xr = x + n * k, yr = y + n * k
            var m = -Double.infinity
            for j in 0..<k { m = max(m, xr[j]) }
            var sum = 0.0
            for j in 0..<k { sum += exp(xr[j] - m) }
            if log {
                let logZ = m + Foundation.log(sum)
                for j in 0..<k { yr[j] = xr[j] - logZ }
            } else {
                for j in 0..<k { yr[j] = exp(xr[j] - m) / sum }
            }
        }
    }

    func backward(batch: Int, y: UnsafePointer<Double>, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>) {
        for n in 0..<batch {
            let yr = y + n * k, gr = gy + n * k, out = gx + n * k
            var dot = 0.0
            if log {
                for j in 0..<k { dot += gr[j] }
                for j in 0..<k { out[j] = gr[j] - exp(yr[j]) * dot }
            } else {
                for j in 0..<k { dot += gr[j] * yr[j] }
                for j in 0..<k { out[j] = yr[j] * (gr[j] - dot) }
            }
        }
    }
}

/// Dropout's forward and backward: `y = x · mask`, `gx = gy · mask`, the mask holding `1/(1 − p)`
/// or 0 per value (see `DropoutSpec`; the workspace draws it).
enum DropoutKernel {
    static func apply(count: Int, _ a: UnsafePointer<Double>, mask: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        for i in 0..<count { out[i] = a[i] * mask[i] }
    }

    /// Fills `mask` (`count` values, sample after sample) from `rng`: kept with probability `1 − p`.
    static func draw(count: Int, p: Double, _ rng: inout SeededGenerator, into mask: UnsafeMutablePointer<Double>) {
        let scale = p < 1 ? 1 / (1 - p) : 0
        for i in 0..<count { mask[i] = rng.nextUnit() < p ? 0 : scale }
    }
}
