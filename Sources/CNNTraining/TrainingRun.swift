import CNNCore
import CNNData
import CNNFigures
import CNNFiles
import Foundation

/// The settings `cnn-explain train` uses by default: with 8,000 generated images they take the
/// shipped `xo-train.json` from random weights to 99.1–99.4% on 1,000 held-out generated images
/// (seeds 0–3, about 4 s in a release build).
public enum TrainingDefaults {
    public static let options = TrainingOptions(epochs: 30, learningRate: 0.05, batchSize: 16, momentum: 0.9, seed: 0,
                                                method: .backprop, nudgeStep: 0.02)
}

/// What `cnn-explain data xo` needs: how many images, their size, the seed and where to write them.
public struct DataRequest: Sendable {
    public var count: Int
    public var seed: UInt64
    public var size: Int
    public var out: String
    public var format: TrainingDataFolder.Format
    /// The memory and work the images may take (checked before any is drawn).
    public var limits: BudgetLimits = .standard

    public init(count: Int, seed: UInt64, size: Int = 9, out: String, format: TrainingDataFolder.Format = .text) {
        self.count = count
        self.seed = seed
        self.size = size
        self.out = out
        self.format = format
    }

    /// The images, X and O alternating, generated from the seed (no file is written).
    public func images() -> [LabeledImage] {
        var gen = XOGenerator(size: size, seed: seed)
        return gen.makeSet(count: count)
    }

    /// Generates and writes the images and `labels.json`.
    /// - Returns: the images written.
    @discardableResult
    public func run() throws(FileError) -> [LabeledImage] {
        do { try limits.check(dataSetEstimate(count: count, size: size)) } catch { throw FileError(file: out, error.message) }
        let set = images()
        try TrainingDataFolder.write(set, classes: XOGenerator.Shape.allCases.map(\.name), to: out, format: format)
        return set
    }
}

/// What `cnn-explain train` needs.
public struct TrainRequest: Sendable {
    /// The model file.
    public var model: String
    /// `xo` to generate images from the seed, or a folder of images (see `TrainingDataFolder`).
    public var data: String
    /// A folder of held-out images; without one, `xo` generates `heldOutCount` images and a
    /// folder keeps back its last fifth (after a seeded shuffle).
    public var heldOut: String?
    public var options: TrainingOptions
    /// Training images generated for `--data xo`.
    public var trainCount: Int
    /// Held-out images generated for `--data xo`.
    public var heldOutCount: Int
    /// Images per named variant (shifted, shrunk, rotated, thick, deformed) to check on, for `--data xo`.
    public var variantCount: Int
    /// The memory and work training may take (checked before any image is made or read).
    public var limits: BudgetLimits = .standard

    public init(model: String, data: String = "xo", heldOut: String? = nil, options: TrainingOptions = TrainingDefaults.options,
                trainCount: Int = TrainRequest.defaultTrainCount, heldOutCount: Int = 1000, variantCount: Int = 200) {
        self.model = model
        self.data = data
        self.heldOut = heldOut
        self.options = options
        self.trainCount = trainCount
        self.heldOutCount = heldOutCount
        self.variantCount = variantCount
    }

    /// The default number of generated training images.
    public static let defaultTrainCount = 8000

    /// The cost of this run for a model (see `ModelCost.train`): generated images, or as many
    /// images as the data folders hold files.
    func estimate(_ cost: ModelCost) -> Estimate {
        func files(_ folder: String?) -> Int {
            folder.map { (try? FileManager.default.contentsOfDirectory(atPath: $0).count) ?? 0 } ?? 0
        }
        let generated = data == "xo"
        let images = generated ? trainCount + heldOutCount + 5 * variantCount : files(data) + files(heldOut)
        return cost.train(images: images, trainImages: generated ? trainCount : images, batch: options.batchSize,
                          epochs: options.epochs, nudge: options.method == .nudge)
    }

    /// The training, held-out and variant sets, read or generated; and the network, initialized
    /// from the seed. Every file is checked before any training starts.
    public func prepare() throws(FileError) -> TrainingSetup {
        let network = try loadNetwork(model: model, weights: nil, seed: options.seed, initialization: .random,
                                      limits: limits, estimate: estimate)
        let shape = network.shapes[0]
        let classes = network.model.classNames
        var train: [LabeledImage], held: [LabeledImage]
        var variants: [(name: String, images: [LabeledImage])] = []
        if data == "xo" {
            guard shape[0] == 1 && shape[1] == shape[2] && shape[1] >= 5 else {
                throw FileError(file: model, field: "input", "--data xo makes [1, S, S] images (S ≥ 5), but the model's input is \(shape)")
            }
            guard classes.count == 2 else {
                throw FileError(file: model, field: "classes", "--data xo has two classes, X and O, but the model has \(classes.count) outputs")
            }
            var gen = XOGenerator(size: shape[1], seed: options.seed)
            train = gen.makeSet(count: trainCount)
            var heldGen = XOGenerator(size: shape[1], seed: options.seed &+ 0x9E37_79B9)
            held = heldGen.makeSet(count: heldOutCount)
            for v in XOGenerator.Variant.allCases {
                var g = XOGenerator(size: shape[1], seed: options.seed, variant: v)
                variants.append((v.rawValue, g.makeSet(count: variantCount)))
            }
        } else {
            train = try TrainingDataFolder.load(data, shape: shape, classes: classes)
            if let heldOut {
                held = try TrainingDataFolder.load(heldOut, shape: shape, classes: classes)
            } else {
                var rng = SeededGenerator(seed: options.seed, stream: "held-out")
                for i in stride(from: train.count - 1, to: 0, by: -1) { train.swapAt(i, rng.below(i + 1)) }
                let keep = train.count - train.count / 5
                held = Array(train[keep...])
                train = Array(train[..<keep])
            }
        }
        guard !train.isEmpty else { throw FileError(file: data, "no training images") }
        return TrainingSetup(network: network, train: train, heldOut: held, variants: variants)
    }
}

/// Everything a training run works on.
public struct TrainingSetup: Sendable {
    /// The network, with weights initialized from the seed.
    public var network: Network
    public var train: [LabeledImage]
    public var heldOut: [LabeledImage]
    /// Named sets of images the network never saw, one kind of variation each.
    public var variants: [(name: String, images: [LabeledImage])]
}

/// What a training run produced.
public struct TrainingOutcome: Sendable {
    public var setup: TrainingSetup
    /// The trained network.
    public var network: Network
    public var options: TrainingOptions
    public var history: [EpochSummary]
    public var heldOut: Evaluation?
    public var variants: [(name: String, evaluation: Evaluation)]
    /// The first weight update, written out.
    public var firstUpdate: WeightUpdate?
    /// Nudging against backprop, weight by weight, on the first 32 training images at the
    /// initial weights: every weight, or an evenly spaced sample of 256 that the report names
    /// (`NudgeComparison.isSample`), so training time follows the epochs, not the model's size.
    public var nudgeComparison: NudgeComparison
    /// Images run forward and backward in training.
    public var forwardPasses: Int
    public var backwardPasses: Int
    /// Wall-clock seconds spent training (held-out evaluation included, data preparation not).
    public var seconds: Double
    /// Set when the loss became infinite or NaN and training stopped; the network is then useless.
    public var divergence: Divergence?

    /// A few lines for the end of `cnn-explain train`.
    public func summaryLines() -> [String] {
        var lines: [String] = []
        let pct = { (x: Double) in formatNumber(100 * x, .rounded(1)) + "%" }
        lines.append("trained \(options.epochs) epochs on \(setup.train.count) images with \(options.method.rawValue) in \(formatNumber(seconds, .rounded(2))) s")
        lines.append("forward passes: \(forwardPasses) images, backward passes: \(backwardPasses)")
        if let h = heldOut {
            lines.append("held-out accuracy: \(pct(h.accuracy)) (\(h.correct) of \(h.count)), loss \(formatNumber(h.loss, .rounded(4)))")
        }
        for (name, e) in variants {
            lines.append("  \(padRight(name, 9)) \(pct(e.accuracy)) (\(e.correct) of \(e.count))")
        }
        let c = nudgeComparison
        lines.append("nudge vs backprop on \(c.backpropForwardPasses) images: same direction for \(c.agreeing) of \(c.entries.count) weights\(c.isSample ? " (every \(ordinal(c.sampleStride)) of \(c.totalWeights))" : ""), opposite for \(c.disagreeing), \(c.unmoved) not moved by a nudge of \(formatNumber(c.delta, .full)); finding every direction once takes \(c.nudgeForwardPasses) forward passes by nudging, \(c.backpropForwardPasses) (+ \(c.backpropForwardPasses) backward) by backprop")
        return lines
    }
}

extension TrainingSetup {
    /// Trains a copy of the network, calling `progress` after every minibatch and epoch.
    public func train(options: TrainingOptions, progress: (TrainingEvent) -> Void = { _ in }) -> TrainingOutcome {
        let comparison = compareNudgeWithBackprop(network, on: Array(train.prefix(32)), delta: options.nudgeStep)
        var trainer = Trainer(network: network, options: options)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            trainer.train(on: train, heldOut: heldOut, progress: progress)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let trained = trainer.network
        return TrainingOutcome(setup: self, network: trained, options: options, history: trainer.history,
                               heldOut: heldOut.isEmpty ? nil : (trainer.history.last?.heldOut ?? evaluate(trained, on: heldOut)),
                               variants: variants.map { ($0.name, evaluate(trained, on: $0.images)) },
                               firstUpdate: trainer.firstUpdate, nudgeComparison: comparison,
                               forwardPasses: trainer.forwardPasses, backwardPasses: trainer.backwardPasses, seconds: seconds,
                               divergence: trainer.divergence)
    }
}
