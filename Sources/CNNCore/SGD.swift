/// Stochastic gradient descent with optional momentum, as in PyTorch's `torch.optim.SGD`:
///
///     v ← μ·v + g        (v starts at g on the first step)
///     w ← w − lr·v       (with μ = 0 this is w ← w − lr·g)
public struct SGD: Sendable {
    public var learningRate: Double
    public var momentum: Double
    private var velocity: [[Double]] = []

    public init(learningRate: Double, momentum: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// Updates every parameter of `network` from the gradients in `ws` (after `backward`).
    public mutating func step(_ network: inout Network, _ ws: Workspace) {
        let useMomentum = momentum != 0
        if useMomentum && velocity.isEmpty {
            velocity = network.parameters.map { Array(repeating: 0, count: $0.tensor.count) }
        }
        let first = useMomentum && !started
        for i in network.parameters.indices {
            let g = ws.parameterGradients[i]
            let count = network.parameters[i].tensor.count
            let lr = learningRate, mu = momentum
            network.parameters[i].tensor.data.withUnsafeMutableBufferPointer { w in
                if useMomentum {
                    velocity[i].withUnsafeMutableBufferPointer { v in
                        for j in 0..<count {
                            v[j] = first ? g[j] : mu * v[j] + g[j]
                            w[j] -= lr * v[j]
                        }
                    }
                } else {
                    for j in 0..<count { w[j] -= lr * g[j] }
                }
            }
        }
        started = true
    }

    private var started = false
}
