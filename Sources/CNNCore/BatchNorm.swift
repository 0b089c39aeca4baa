/// Batch-normalization kernels (see `BatchNormSpec`). `x`, `y` and their gradients are
/// `[N, C, H, W]`; per channel `c` over its `M = N·H·W` values, with `x̂ = (x − mean) · invstd`
/// and `invstd = 1 / √(var + eps)`:
///
///     y       = weight · x̂ + bias
///     gradB   = Σ gy                     gradW = Σ gy · x̂
///     gx      = weight · invstd · (gy − gradB / M − x̂ · gradW / M)      (train: the batch's mean and var)
///     gx      = weight · invstd · gy                                     (eval: the running ones)
///
/// `state` holds five `[C]` rows the forward pass fills and the backward pass and the tracer
/// read: the mean used, `invstd`, the batch's biased variance, and the updated running mean and
/// variance (train mode; in eval mode the last three are the running statistics as given).
struct BatchNormGeometry {
    let channels, area: Int
    let eps, momentum: Double
    let train: Bool

    init(spec: BatchNormSpec, input: [Int]) {
        channels = input[0]; area = input[1] * input[2]
        eps = spec.eps; momentum = spec.momentum; train = spec.mode == .train
    }

    static let stateRows = 5
    func mean(_ state: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { state }
    func invstd(_ state: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { state + channels }
    func batchVariance(_ state: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { state + 2 * channels }
    func updatedMean(_ state: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { state + 3 * channels }
    func updatedVariance(_ state: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { state + 4 * channels }

    /// Works out the statistics into `state`, then normalizes.
    func forward(batch: Int, x: UnsafePointer<Double>, weight: UnsafePointer<Double>, bias: UnsafePointer<Double>,
                 runningMean: UnsafePointer<Double>, runningVar: UnsafePointer<Double>,
                 y: UnsafeMutablePointer<Double>, state: UnsafeMutablePointer<Double>) {
        let m = Double(batch * area)
        for c in 0..<channels {
            var mu = runningMean[c], v = runningVar[c]
            if train {
                var sum = 0.0
                for n in 0..<batch { for q in 0..<area { sum += x[(n * channels + c) * area + q] } }
                mu = sum / m
                var sq = 0.0
                for n in 0..<batch { for q in 0..<area { let d = x[(n * channels + c) * area + q] - mu; sq += d * d } }
                v = sq / m
                updatedMean(state)[c] = (1 - momentum) * runningMean[c] + momentum * mu
                updatedVariance(state)[c] = (1 - momentum) * runningVar[c] + momentum * v * m / (m - 1)
            } else {
                updatedMean(state)[c] = mu
                updatedVariance(state)[c] = v
            }
            let inv = 1 / (v + eps).squareRoot()
            mean(state)[c] = mu; invstd(state)[c] = inv; batchVariance(state)[c] = v
            for n in 0..<batch {
                let base = (n * channels + c) * area
                for q in 0..<area { y[base + q] = (x[base + q] - mu) * inv * weight[c] + bias[c] }
            }
        }
    }

    /// Overwrites `gradW`, `gradB` and (when given) `gx`.
    func backward(batch: Int, x: UnsafePointer<Double>, weight: UnsafePointer<Double>, gy: UnsafePointer<Double>,
                  gradW: UnsafeMutablePointer<Double>, gradB: UnsafeMutablePointer<Double>, gx: UnsafeMutablePointer<Double>?,
                  state: UnsafeMutablePointer<Double>) {
        let m = Double(batch * area)
        for c in 0..<channels {
            let mu = mean(state)[c], inv = invstd(state)[c]
            var gb = 0.0, gw = 0.0
            for n in 0..<batch {
                let base = (n * channels + c) * area
                for q in 0..<area { gb += gy[base + q]; gw += gy[base + q] * (x[base + q] - mu) * inv }
            }
            gradB[c] = gb; gradW[c] = gw
            guard let gx else { continue }
            let scale = weight[c] * inv
            for n in 0..<batch {
                let base = (n * channels + c) * area
                for q in 0..<area {
                    gx[base + q] = train ? scale * (gy[base + q] - gb / m - (x[base + q] - mu) * inv * gw / m) : scale * gy[base + q]
                }
            }
        }
    }
}
