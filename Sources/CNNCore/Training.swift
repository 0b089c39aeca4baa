/// One example of a data set: an image `[C, H, W]` and the index of its class.
public struct LabeledImage: Sendable, Equatable {
    /// The image, shape `[C, H, W]`; for the X/O data `[1, S, S]` with pixels ±1.
    public var image: Tensor
    /// The class index, e.g. 0 for X and 1 for O.
    public var label: Int

    public init(image: Tensor, label: Int) {
        self.image = image
        self.label = label
    }
}

/// How the weights are adjusted after each minibatch.
public enum TrainingMethod: String, Sendable, CaseIterable {
    /// Backpropagation: one forward and one backward pass give every gradient, then
    /// `SGD` moves each weight: `v ← μ·v + g`, `w ← w − lr·v`.
    case backprop
    /// The article's method (slides 77–78): for each feature pixel and voting weight in turn,
    /// try `w + δ` and `w − δ` and keep whichever of `w − δ`, `w`, `w + δ` gives the lowest
    /// error on the minibatch. Two forward passes per weight, no backward pass.
    case nudge
}

/// The settings of a training run.
public struct TrainingOptions: Sendable, Equatable {
    /// Passes over the training set.
    public var epochs: Int
    /// SGD's step size `lr` (backprop).
    public var learningRate: Double
    /// Images per minibatch; the last minibatch of an epoch may be smaller.
    public var batchSize: Int
    /// SGD's momentum `μ` (backprop; 0 turns it off).
    public var momentum: Double
    /// Seeds the shuffling of the training set before each epoch.
    public var seed: UInt64
    /// Backprop or the article's nudging.
    public var method: TrainingMethod
    /// The nudge size `δ` (nudge).
    public var nudgeStep: Double

    public init(epochs: Int = 20, learningRate: Double = 0.1, batchSize: Int = 16, momentum: Double = 0.9,
                seed: UInt64 = 0, method: TrainingMethod = .backprop, nudgeStep: Double = 0.02) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.momentum = momentum
        self.seed = seed
        self.method = method
        self.nudgeStep = nudgeStep
    }
}

/// How a network does on a data set.
public struct Evaluation: Sendable, Equatable {
    /// The mean loss per image.
    public var loss: Double
    /// The fraction of images whose largest output is the right class.
    public var accuracy: Double
    /// `confusion[t][p]`: how many images of class `t` were classified as `p`; `[K, K]`.
    public var confusion: [[Int]]
    /// The predicted class of each image, in data set order.
    public var predictions: [Int]

    /// The number of images evaluated.
    public var count: Int { predictions.count }
    /// The number classified correctly (the confusion matrix's diagonal).
    public var correct: Int { confusion.indices.reduce(0) { $0 + confusion[$1][$1] } }
}

/// One minibatch's progress, for a progress bar.
public struct TrainingStep: Sendable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// The minibatch within the epoch, from 1, and how many there are.
    public var step: Int
    public var steps: Int
    /// The mean loss and accuracy over the epoch's minibatches so far (measured before each update).
    public var loss: Double
    public var accuracy: Double
}

/// The record of one epoch.
public struct EpochSummary: Sendable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// The mean training loss and accuracy over the epoch (each minibatch measured before its update).
    public var loss: Double
    public var accuracy: Double
    /// The held-out set's evaluation after the epoch, when one was given.
    public var heldOut: Evaluation?
    /// Images run forward and backward so far in training (held-out evaluation not counted).
    public var forwardPasses: Int
    public var backwardPasses: Int
}

/// What the trainer reports while it runs.
public enum TrainingEvent: Sendable {
    case step(TrainingStep)
    case epoch(EpochSummary)
}

/// Where training stopped because the loss was no longer a finite number (a learning rate far
/// too large sends the weights to infinity within a step or two).
public struct Divergence: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based epoch and minibatch step whose loss was infinite or NaN.
    public var epoch: Int
    public var step: Int
    public var loss: Double

    public var description: String {
        let shown = loss.isNaN ? "nan" : loss > 0 ? "inf" : "-inf"
        return "training diverged at epoch \(epoch), step \(step) (loss = \(shown)); try a smaller --lr"
    }
}

/// One weight update written out with its numbers: `w − lr·v = w′` (with `v = g` on the first step).
public struct WeightUpdate: Sendable, Equatable {
    /// The parameter (`conv1.weight`) and the element's multi-index in its shape.
    public var parameter: String
    public var index: [Int]
    /// The weight before, its gradient `g`, the step direction `v` (momentum), the learning rate,
    /// and the weight after.
    public var weight: Double
    public var gradient: Double
    public var velocity: Double
    public var learningRate: Double
    public var newWeight: Double
}

/// Minibatch training of a network on labelled images.
///
///     for each epoch:
///         shuffle the training set (from the seed)
///         for each minibatch B:
///             L = loss(network(B), labels(B))
///             backprop: g = ∂L/∂w, then SGD with momentum
///             nudge:    for each weight, keep the best of w − δ, w, w + δ
///
/// One `Workspace` is allocated per minibatch size and reused, so the inner loops allocate nothing.
/// The same network, data, options and seed give bit-identical weights.
public struct Trainer {
    /// The network being trained.
    public private(set) var network: Network
    public let options: TrainingOptions
    /// One summary per finished epoch.
    public private(set) var history: [EpochSummary] = []
    /// The first update of the first step, on the conv weight with the largest gradient
    /// (backprop only), for the report's worked example.
    public private(set) var firstUpdate: WeightUpdate?
    /// Set when a minibatch's loss came out infinite or NaN; training stops there.
    public private(set) var divergence: Divergence?
    /// Images run forward, and backward, so far.
    public private(set) var forwardPasses = 0
    public private(set) var backwardPasses = 0

    private var sgd: SGD
    private var rng: SeededGenerator
    /// Steps taken so far, over all epochs: the round of each step's dropout masks.
    private var stepsTaken = 0
    private var workspaces: [Int: Workspace] = [:]

    /// A trainer for `network`.
    /// - Precondition: `options.batchSize ≥ 1`, `options.epochs ≥ 0`.
    public init(network: Network, options: TrainingOptions) {
        precondition(options.batchSize >= 1 && options.epochs >= 0)
        self.network = network
        self.options = options
        sgd = SGD(learningRate: options.learningRate, momentum: options.momentum)
        rng = SeededGenerator(seed: options.seed, stream: "shuffle")
    }

    private mutating func workspace(_ batch: Int) -> Workspace {
        if let ws = workspaces[batch] { return ws }
        let ws = Workspace(network: network, batch: batch)
        workspaces[batch] = ws
        return ws
    }

    /// Runs `options.epochs` epochs on `data`, evaluating `heldOut` (when not empty) after each,
    /// and calling `progress` after every minibatch and every epoch.
    /// - Precondition: every image has the network's input shape and every label is a class index.
    public mutating func train(on data: [LabeledImage], heldOut: [LabeledImage] = [],
                               progress: (TrainingEvent) -> Void = { _ in }) {
        for _ in 0..<options.epochs where divergence == nil {
            runEpoch(on: data, heldOut: heldOut, progress: progress)
        }
    }

    /// Runs one epoch (see `train`) and returns its summary.
    @discardableResult
    public mutating func runEpoch(on data: [LabeledImage], heldOut: [LabeledImage] = [],
                                  progress: (TrainingEvent) -> Void = { _ in }) -> EpochSummary {
        let epoch = history.count + 1
        let k = network.shapes[network.shapes.count - 1].reduce(1, *)
        precondition(data.allSatisfy { $0.image.shape == network.shapes[0] && $0.label >= 0 && $0.label < k },
                     "training images must match the network's input shape and classes")
        // Fisher–Yates shuffle from the trainer's seeded stream.
        var order = Array(data.indices)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        }
        let b = options.batchSize
        let steps = (data.count + b - 1) / b
        var lossSum = 0.0, correct = 0
        var targets = [Int](repeating: 0, count: b)
        for step in 0..<steps {
            let start = step * b, n = min(b, data.count - start)
            let ws = workspace(n)
            // Let go of the workspace's copy of the last targets so `targets` is changed in place.
            ws.targets = []
            if targets.count != n { targets = [Int](repeating: 0, count: n) }
            for s in 0..<n {
                let ex = data[order[start + s]]
                ex.image.data.withUnsafeBufferPointer { ws.setInput($0, sample: s) }
                targets[s] = ex.label
            }
            // A new dropout mask for every step (round 0 is the one `trace` uses).
            stepsTaken += 1
            ws.drawMasks(network, round: stepsTaken)
            network.forward(ws)
            let loss = network.loss(ws, targets: targets)
            // Batchnorm in train mode moves its running statistics on every forward pass, as PyTorch's does.
            network.updateRunningStatistics(from: ws)
            guard loss.isFinite else {
                divergence = Divergence(epoch: epoch, step: step + 1, loss: loss)
                return EpochSummary(epoch: epoch, loss: loss, accuracy: 0, heldOut: nil,
                                    forwardPasses: forwardPasses, backwardPasses: backwardPasses)
            }
            forwardPasses += n
            lossSum += loss * Double(n)
            correct += Self.countCorrect(ws, classes: k)
            switch options.method {
            case .backprop:
                network.backward(ws, inputGradient: false)
                backwardPasses += n
                if firstUpdate == nil { recordFirstUpdate(ws) }
                sgd.step(&network, ws)
            case .nudge:
                nudgeStep(ws, targets: targets, loss: loss)
            }
            if network.parameters.contains(where: { $0.tensor.data.contains { !$0.isFinite } }) {
                // The update overflowed: at infinite weights the loss is infinite too.
                divergence = Divergence(epoch: epoch, step: step + 1, loss: .infinity)
                return EpochSummary(epoch: epoch, loss: .infinity, accuracy: 0, heldOut: nil,
                                    forwardPasses: forwardPasses, backwardPasses: backwardPasses)
            }
            let seen = start + n
            progress(.step(TrainingStep(epoch: epoch, step: step + 1, steps: steps,
                                        loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen))))
        }
        let count = max(data.count, 1)
        let summary = EpochSummary(epoch: epoch, loss: lossSum / Double(count), accuracy: Double(correct) / Double(count),
                                   heldOut: heldOut.isEmpty ? nil : evaluate(network, on: heldOut),
                                   forwardPasses: forwardPasses, backwardPasses: backwardPasses)
        history.append(summary)
        progress(.epoch(summary))
        return summary
    }

    /// One pass of the article's nudging over every weight, on the minibatch in `ws`.
    private mutating func nudgeStep(_ ws: Workspace, targets: [Int], loss: Double) {
        var best = loss
        let delta = options.nudgeStep
        for p in network.parameters.indices {
            for j in 0..<network.parameters[p].tensor.count {
                let w = network.parameters[p].tensor.data[j]
                let up = network.loss(setting: p, j, to: w + delta, ws, targets: targets)
                let down = network.loss(setting: p, j, to: w - delta, ws, targets: targets)
                forwardPasses += 2 * ws.batch
                if up < best && up <= down {
                    network.parameters[p].tensor.data[j] = w + delta
                    best = up
                } else if down < best {
                    best = down
                } else {
                    network.parameters[p].tensor.data[j] = w
                }
            }
        }
    }

    private mutating func recordFirstUpdate(_ ws: Workspace) {
        // The first conv weight (or, without one, the first parameter); its largest gradient.
        var p = 0
        for (i, layer) in network.model.layers.enumerated() {
            if case .conv = layer.kind, let w = network.slots[i].weight { p = w; break }
        }
        guard p < network.parameters.count else { return }
        let g = ws.parameterGradients[p]
        var j = 0
        for i in 0..<ws.parameterCounts[p] where abs(g[i]) > abs(g[j]) { j = i }
        let w = network.parameters[p].tensor.data[j]
        // On the first step SGD's velocity is the gradient itself (see `SGD`).
        let lr = options.learningRate
        firstUpdate = WeightUpdate(parameter: network.parameters[p].name, index: multiIndex(j, shape: network.parameters[p].tensor.shape),
                                   weight: w, gradient: g[j], velocity: g[j], learningRate: lr, newWeight: w - lr * g[j])
    }

    /// The number of samples in `ws` whose largest output is their target (first maximum wins).
    static func countCorrect(_ ws: Workspace, classes k: Int) -> Int {
        let y = ws.activations[ws.activations.count - 1]
        var correct = 0
        for s in 0..<ws.batch where argmax(y + s * k, k) == ws.targets[s] { correct += 1 }
        return correct
    }
}

/// The index of the largest of `count` values (the first, on a tie).
func argmax(_ p: UnsafePointer<Double>, _ count: Int) -> Int {
    var best = 0
    for i in 1..<max(count, 1) where p[i] > p[best] { best = i }
    return best
}


/// Runs `network` on every image of `data` in minibatches of `batchSize` and counts what it got right.
///
///     accuracy = (1/N) Σ_n [argmax_k y[n, k] = label[n]],   confusion[t][p] = #{n : label = t, argmax = p}
///
/// - Precondition: every image has the network's input shape and every label is a class index.
public func evaluate(_ network: Network, on data: [LabeledImage], batchSize: Int = 64) -> Evaluation {
    let k = network.shapes[network.shapes.count - 1].reduce(1, *)
    precondition(batchSize >= 1)
    precondition(data.allSatisfy { $0.image.shape == network.shapes[0] && $0.label >= 0 && $0.label < k },
                 "images must match the network's input shape and classes")
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
    var predictions = [Int](repeating: 0, count: data.count)
    var lossSum = 0.0
    var workspaces: [Int: Workspace] = [:]
    var start = 0
    while start < data.count {
        let n = min(batchSize, data.count - start)
        let ws = workspaces[n] ?? Workspace(network: network, batch: n)
        workspaces[n] = ws
        for s in 0..<n { data[start + s].image.data.withUnsafeBufferPointer { ws.setInput($0, sample: s) } }
        network.forward(ws)
        lossSum += network.loss(ws, targets: data[start..<(start + n)].map(\.label)) * Double(n)
        let y = ws.activations[ws.activations.count - 1]
        for s in 0..<n {
            let p = argmax(y + s * k, k)
            predictions[start + s] = p
            confusion[data[start + s].label][p] += 1
        }
        start += n
    }
    let total = max(data.count, 1)
    let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
    return Evaluation(loss: lossSum / Double(total), accuracy: Double(correct) / Double(total),
                      confusion: confusion, predictions: predictions)
}
