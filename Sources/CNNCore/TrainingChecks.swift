/// Checks on learning: the article's nudging against backprop, and backprop against finite differences.

/// For every weight, the direction nudging would move it beside the direction backprop would.
public struct NudgeComparison: Sendable, Equatable {
    /// One weight's comparison.
    public struct Entry: Sendable, Equatable {
        /// The parameter (`conv1.weight`) and the element's multi-index in its shape.
        public var parameter: String
        public var index: [Int]
        /// `∂L/∂w` from backprop; backprop moves the weight by `−lr·g`.
        public var gradient: Double
        /// The error at `w + δ` and at `w − δ` (the error at `w` is `NudgeComparison.loss`).
        public var lossUp: Double
        public var lossDown: Double
        /// The way nudging moves the weight: +1 (`w + δ` lowers the error most), −1, or 0 (neither lowers it).
        public var nudge: Int

        /// The way backprop moves the weight: `−sign(g)`, or 0 when `g = 0`.
        public var backprop: Int { gradient > 0 ? -1 : gradient < 0 ? 1 : 0 }
        /// Whether both methods move the weight, and the same way.
        public var agrees: Bool { nudge != 0 && nudge == backprop }
    }

    /// The error on the batch at the current weights.
    public var loss: Double
    /// The nudge size `δ`.
    public var delta: Double
    /// One entry per compared weight, in parameter order: every weight, or every `sampleStride`-th
    /// (counting through all parameters in order, from the first) when there are more than the limit.
    public var entries: [Entry]
    /// All weights and biases of the network, compared or not.
    public var totalWeights: Int = 0
    /// 1 when every weight is compared; else the stride of the sample.
    public var sampleStride: Int = 1
    /// Whether only a sample of the weights was compared.
    public var isSample: Bool { sampleStride > 1 }
    /// Images run forward by each method to find every weight's direction once:
    /// nudging needs `N·(1 + 2P)` for `P` weights, backprop `N` forward (and `N` backward).
    public var nudgeForwardPasses: Int
    public var backpropForwardPasses: Int

    /// Weights both methods move, and the same way.
    public var agreeing: Int { entries.filter(\.agrees).count }
    /// Weights both methods move, in opposite ways.
    public var disagreeing: Int { entries.filter { $0.nudge != 0 && $0.backprop != 0 && $0.nudge != $0.backprop }.count }
    /// Weights nudging leaves alone (neither `w + δ` nor `w − δ` lowers the error).
    public var unmoved: Int { entries.filter { $0.nudge == 0 }.count }
}

/// Compares, weight by weight, the article's nudging with backprop on one batch, starting every
/// weight from the same network (nudges are tried one at a time and undone).
///
///     nudge:    +1 if L(w + δ) < min(L(w), L(w − δ)),  −1 if L(w − δ) < L(w),  else 0
///     backprop: −sign(∂L/∂w)
///
/// For small `δ`, `L(w ± δ) ≈ L(w) ± δ·g`, so the two agree wherever `g` is not tiny.
///
/// Each compared weight costs two forward passes of the batch, so at most `limit` weights are
/// compared: with `P > limit` weights, every `⌈P / limit⌉`-th one (flat index 0, s, 2s, … through
/// the parameters in order). `nudgeForwardPasses` still counts what nudging every weight costs.
/// - Precondition: `batch` is not empty and matches the network's input shape and classes.
public func compareNudgeWithBackprop(_ network: Network, on batch: [LabeledImage], delta: Double = 0.02,
                                     limit: Int = 256) -> NudgeComparison {
    precondition(!batch.isEmpty)
    var net = network
    let ws = Workspace(network: net, batch: batch.count)
    for (s, ex) in batch.enumerated() { ws.setInput(ex.image.data, sample: s) }
    let targets = batch.map(\.label)
    net.forward(ws)
    let loss = net.loss(ws, targets: targets)
    net.backward(ws, inputGradient: false)
    let gradients = net.parameters.indices.map { ws.parameterGradient($0) }
    var entries: [NudgeComparison.Entry] = []
    let total = net.parameters.reduce(0) { $0 + $1.tensor.count }
    let stride = total > max(limit, 1) ? (total + max(limit, 1) - 1) / max(limit, 1) : 1
    var flat = 0
    for p in net.parameters.indices {
        let shape = net.parameters[p].tensor.shape
        let count = net.parameters[p].tensor.count
        let first = (stride - flat % stride) % stride
        flat += count
        for j in Swift.stride(from: first, to: count, by: stride) {
            let w = net.parameters[p].tensor.data[j]
            let up = net.loss(setting: p, j, to: w + delta, ws, targets: targets)
            let down = net.loss(setting: p, j, to: w - delta, ws, targets: targets)
            net.parameters[p].tensor.data[j] = w
            let nudge = up < loss && up <= down ? 1 : down < loss ? -1 : 0
            entries.append(.init(parameter: net.parameters[p].name, index: multiIndex(j, shape: shape), gradient: gradients[p][j],
                                 lossUp: up, lossDown: down, nudge: nudge))
        }
    }
    return NudgeComparison(loss: loss, delta: delta, entries: entries, totalWeights: total, sampleStride: stride,
                           nudgeForwardPasses: batch.count * (1 + 2 * total), backpropForwardPasses: batch.count)
}

/// Backprop's gradients against central finite differences, for every parameter element.
public struct GradientCheck: Sendable, Equatable {
    /// One compared element.
    public struct Element: Sendable, Equatable {
        /// The parameter (`conv1.weight`) and the element's multi-index in its shape.
        public var parameter: String
        public var index: [Int]
        /// `∂L/∂w` from backprop, and `(L(w + ε) − L(w − ε)) / 2ε`.
        public var backprop: Double
        public var numeric: Double
        /// `|backprop − numeric| / max(|backprop|, |numeric|, floor)`; 0 when both are 0.
        public var relativeError: Double
        /// Whether `w ± ε` moved a pooling winner or switched a ReLU on or off: the loss has a
        /// kink there, and a finite difference straddling it is not the derivative.
        public var atKink: Bool
    }

    /// The step `ε`.
    public var epsilon: Double
    /// Every element, in parameter order.
    public var elements: [Element]

    /// The element with the largest relative error away from kinks, the one that judges backprop.
    public var worst: Element? { elements.filter { !$0.atKink }.max { $0.relativeError < $1.relativeError } }
    /// The largest relative error away from kinks (0 when every element is at a kink).
    public var worstRelativeError: Double { worst?.relativeError ?? 0 }
    /// The elements whose finite difference straddles a kink (not counted in `worst`).
    public var kinks: [Element] { elements.filter(\.atKink) }
}

/// Compares backprop's `∂L/∂w` with the central difference `(L(w + ε) − L(w − ε)) / 2ε` for every
/// weight and bias, on one input and its target class.
///
/// Central differences have error `O(ε²)` from the curvature and about `10⁻¹⁶·|L| / ε` from
/// rounding; `ε = 10⁻⁶` balances them for losses of order 1, leaving relative errors near 10⁻⁹
/// for gradients of order 10⁻². Relative errors divide by at least `floor` so that two
/// gradients of order 10⁻¹² (rounding noise around a true zero) do not count as a disagreement.
///
/// The network is piecewise smooth: where `w ± ε` moves a max-pooling winner (ties are common
/// with ±1 images) or turns a ReLU on or off, the element is marked `atKink` and left out of `worst`.
/// - Parameters:
///   - input: one sample, shape `network.shapes[0]` = `[C, H, W]`.
///   - target: its class index.
public func gradientCheck(_ network: Network, input: Tensor, target: Int, epsilon: Double = 1e-6, floor: Double = 1e-9) -> GradientCheck {
    precondition(input.shape == network.shapes[0] && epsilon > 0)
    var net = network
    let ws = Workspace(network: net, batch: 1)
    ws.setInput(input.data)
    net.forward(ws)
    net.loss(ws, targets: [target])
    net.backward(ws, inputGradient: false)
    let reference = kinkPattern(net, ws)
    var elements: [GradientCheck.Element] = []
    for p in net.parameters.indices {
        let g = ws.parameterGradient(p)
        let shape = net.parameters[p].tensor.shape
        for j in 0..<net.parameters[p].tensor.count {
            let w = net.parameters[p].tensor.data[j]
            let up = net.loss(setting: p, j, to: w + epsilon, ws, targets: [target])
            var kink = kinkPattern(net, ws) != reference
            let down = net.loss(setting: p, j, to: w - epsilon, ws, targets: [target])
            kink = kink || kinkPattern(net, ws) != reference
            net.parameters[p].tensor.data[j] = w
            let numeric = (up - down) / (2 * epsilon)
            let diff = abs(g[j] - numeric)
            let rel = diff == 0 ? 0 : diff / max(abs(g[j]), abs(numeric), floor)
            elements.append(.init(parameter: net.parameters[p].name, index: multiIndex(j, shape: shape), backprop: g[j],
                                  numeric: numeric, relativeError: rel, atKink: kink))
        }
    }
    return GradientCheck(epsilon: epsilon, elements: elements)
}

/// Which pooling cells won and which ReLUs and leaky ReLUs were on in the last forward pass.
private func kinkPattern(_ net: Network, _ ws: Workspace) -> [Int32] {
    var pattern: [Int32] = []
    for (i, kernel) in net.kernels.enumerated() {
        let count = ws.batch * ws.sizes[i + 1]
        switch kernel {
        case .pool:
            pattern.append(contentsOf: UnsafeBufferPointer(start: ws.argmax[i], count: count))
        case .relu, .activation(.leakyRelu, _):
            // The (leaky) ReLU's input: on when positive.
            let x = ws.activations[i]
            for k in 0..<count { pattern.append(x[k] > 0 ? 1 : 0) }
        default:
            break
        }
    }
    return pattern
}
