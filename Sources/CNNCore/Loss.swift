import Foundation

/// Loss kernels. `y` is `[N, K]` (K outputs per sample), `targets` holds one class index per sample.
///
/// - `mse`:            `L = (1 / (N·K)) Σ_{n,k} (y[n,k] − t[n,k])²`,  `∂L/∂y = 2 (y − t) / (N·K)`,
///                     with `t` one-hot from the class index.
/// - `cross_entropy`:  `L = (1 / N) Σ_n (log Σ_k exp y[n,k] − y[n, target])`,
///                     `∂L/∂y = (softmax(y) − onehot) / N`.
/// - `nll`:            `L = −(1 / N) Σ_n y[n, target]`, `∂L/∂y = −onehot / N` (y are log-probabilities).
enum LossKernel {
    /// Returns the loss and writes `∂L/∂y` into `grad`.
    static func evaluate(_ kind: LossKind, batch: Int, classes k: Int, y: UnsafePointer<Double>, targets: [Int],
                         grad: UnsafeMutablePointer<Double>) -> Double {
        switch kind {
        case .mse:
            let scale = 1.0 / Double(batch * k)
            var total = 0.0
            for n in 0..<batch {
                for c in 0..<k {
                    let d = y[n * k + c] - (c == targets[n] ? 1.0 : 0.0)
                    total += d * d
                    grad[n * k + c] = 2 * d * scale
                }
            }
            return total * scale
        case .crossEntropy:
            var total = 0.0
            let scale = 1.0 / Double(batch)
            for n in 0..<batch {
                let row = y + n * k
                var m = -Double.infinity
                for c in 0..<k { m = max(m, row[c]) }
                var sum = 0.0
                for c in 0..<k { sum += exp(row[c] - m) }
                let logZ = m + log(sum)
                total += logZ - row[targets[n]]
                for c in 0..<k {
                    grad[n * k + c] = (exp(row[c] - logZ) - (c == targets[n] ? 1.0 : 0.0)) * scale
                }
            }
            return total * scale
        case .nll:
            var total = 0.0
            let scale = 1.0 / Double(batch)
            for n in 0..<batch {
                total -= y[n * k + targets[n]]
                for c in 0..<k { grad[n * k + c] = c == targets[n] ? -scale : 0 }
            }
            return total * scale
        }
    }
}

/// The softmax of a vector: `p[k] = exp(y[k]) / Σ_j exp(y[j])`, computed stably.
public func softmax(_ y: [Double]) -> [Double] {
    guard let m = y.max() else { return [] }
    let e = y.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}
