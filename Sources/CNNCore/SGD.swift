/// Stochastic gradient descent with optional momentum, as in PyTorch's `torch.optim.SGD`:
///
///     v ← μ·v + g        (v starts at g on the first step)
///     w ← w − lr·v       (with μ = 0 this is w ← w − lr·g)
public struct SGD: Sendable {
    public var learningRate: Double
    public var momentum: Double
    private var velocity: [[Double]] = []
    private var started = false

    public init(learningRate: Double, momentum: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// Updates every parameter of `network` from the gradients in `ws` (after `backward`).
    public mutating func step(_ network: inout Network, _ ws: Workspace) {
        step(&network) { i, body in body(UnsafePointer(ws.parameterGradients[i])) }
    }

    /// Updates every parameter of `network` from gradients given as arrays, one per parameter in
    /// `network.parameters` order, each with the parameter's element count (e.g. read back from a
    /// trace with `Trace.parameterGradients(of:)`).
    /// - Precondition: `gradients[i].count == network.parameters[i].tensor.count`.
    public mutating func step(_ network: inout Network, gradients: [[Double]]) {
        precondition(gradients.map(\.count) == network.parameters.map(\.tensor.count), "one gradient per parameter, of its size")
        step(&network) { i, body in
            gradients[i].withUnsafeBufferPointer { g in if let base = g.baseAddress { body(base) } }
        }
    }

    /// The update itself, given a way to lend parameter `i`'s gradient.
    private mutating func step(_ network: inout Network,
                               gradient: (Int, (UnsafePointer<Double>) -> Void) -> Void) {
        let useMomentum = momentum != 0
        if useMomentum && velocity.isEmpty {
            velocity = network.parameters.map { Array(repeating: 0, count: $0.tensor.count) }
        }
        let first = useMomentum && !started
        let lr = learningRate, mu = momentum
        for i in network.parameters.indices {
            let count = network.parameters[i].tensor.count
            gradient(i) { g in
                network.parameters[i].tensor.data.withUnsafeMutableBufferPointer { w in
                    if useMomentum {
                        velocity[i].withUnsafeMutableBufferPointer { v in
                            // Two loops, no test inside either, so both vectorize.
                            if first {
                                for j in 0..<count { v[j] = g[j]; w[j] -= lr * v[j] }
                            } else {
                                for j in 0..<count { v[j] = mu * v[j] + g[j]; w[j] -= lr * v[j] }
                            }
                        }
                    } else {
                        for j in 0..<count { w[j] -= lr * g[j] }
                    }
                }
            }
        }
        started = true
    }
}

extension Trace {
    /// The gradient this trace recorded for each parameter of `network`, in `network.parameters`
    /// order: record `LAYER.grad_ROLE` (backward pass) for parameter `LAYER.ROLE`.
    /// - Returns: the gradients, or the name of the first parameter whose gradient the trace lacks
    ///   (or holds with the wrong size), e.g. a trace without a target.
    public func parameterGradients(of network: Network) -> Result<[[Double]], MissingGradient> {
        var out: [[Double]] = []
        for param in network.parameters {
            guard let dot = param.name.lastIndex(of: ".") else { return .failure(MissingGradient(parameter: param.name)) }
            let layer = String(param.name[..<dot])
            guard let role = TraceRole(rawValue: String(param.name[param.name.index(after: dot)...]))?.gradient,
                  let g = record(layer, role), g.data.count == param.tensor.count else {
                return .failure(MissingGradient(parameter: param.name))
            }
            out.append(g.data)
        }
        return .success(out)
    }
}

/// A parameter whose gradient a trace does not hold.
public struct MissingGradient: Error, Sendable, Equatable {
    /// The parameter, e.g. `conv1.weight`; its gradient record is `conv1.grad_weight`.
    public var parameter: String
}
