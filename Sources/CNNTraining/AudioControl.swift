import CNNCore
import CNNData
import CNNFigures
import Foundation

/// The control experiment of the audio lesson: does the CNN need the spectrogram's neighbours?
///
/// The spectrograms are shown four ways: as made, with their frequency bands (rows) in one fixed
/// random order, with their time chunks (columns) in another, and with both. The same
/// permutations, drawn from the seed, are applied to every spectrogram, training and held-out
/// alike, so nothing is lost: `out[r, c] = in[ρ(r), π(c)]` can be put back exactly. The lesson's
/// CNN and a dense network with at least as many weights are each trained `repeats` times on
/// each version (seeds `seed`, `seed + 1`, …: repeat j starts from the same weights, in the same
/// minibatch order, on every version) and scored on the held-out sounds.
///
/// A dense layer has one weight per cell and no notion of neighbours, so a fixed permutation only
/// relabels its inputs; the CNN's 5×5 features and 2×2 pooling read neighbouring bands and chunks.
public enum AudioControl {
    /// The four versions of the spectrograms.
    public enum Arrangement: String, Sendable, CaseIterable {
        case original = "as made"
        /// Every spectrogram's rows in one fixed order: `out[r, c] = in[ρ(r), c]`.
        case bandsShuffled = "bands shuffled"
        /// Every spectrogram's columns in one fixed order: `out[r, c] = in[r, π(c)]`.
        case chunksShuffled = "time chunks shuffled"
        /// Both: `out[r, c] = in[ρ(r), π(c)]`.
        case bothShuffled = "both shuffled"

        /// The key in the experiment's values: `original`, `bands`, `chunks`, `both`.
        public var key: String {
            switch self {
            case .original: return "original"
            case .bandsShuffled: return "bands"
            case .chunksShuffled: return "chunks"
            case .bothShuffled: return "both"
            }
        }
    }

    /// The two networks.
    public enum Architecture: String, Sendable, CaseIterable {
        /// `AudioExperiment.model`.
        case cnn = "CNN"
        /// `AudioControl.dense`.
        case dense = "dense"
    }

    /// How much data and training.
    public struct Sizes: Sendable, Equatable {
        /// Training sounds of each kind: the first ones of the main experiment's training set.
        public var trainPerKind: Int
        /// Training settings, the same for every run (the seed is replaced by each repeat's).
        public var options: TrainingOptions
        /// How many times each network is trained on each version.
        public var repeats: Int

        public init(trainPerKind: Int, options: TrainingOptions, repeats: Int) {
            self.trainPerKind = trainPerKind
            self.options = options
            self.repeats = max(1, repeats)
        }

        /// 25 training sounds of each kind (100), 12 epochs, 5 repeats: 40 trainings.
        public static let lesson = Sizes(trainPerKind: 25,
                                         options: TrainingOptions(epochs: 12, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                         repeats: 5)
    }

    /// A dense network with a few more weights than the CNN (3490 against 3412):
    ///
    ///     [1, 24, 24] → hidden (576 → 6) → relu → out (6 → 4)
    public static let dense = ModelSpec(
        input: AudioExperiment.model.input,
        layers: [
            LayerSpec(name: "hidden", kind: .dense(DenseSpec(units: 6))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 4))),
        ],
        loss: .crossEntropy,
        classes: AudioExperiment.model.classNames)

    /// The flattened cell order of each version of a `bands`×`steps` spectrogram: version cell
    /// `i` shows original cell `order[i]`.
    static func orders(bands: Int, steps: Int, seed: UInt64) -> [Arrangement: [Int]] {
        let rows = ShuffleExperiment.permutation(bands, seed: seed, stream: "audio.bands")
        let cols = ShuffleExperiment.permutation(steps, seed: seed, stream: "audio.chunks")
        func order(_ rho: [Int], _ pi: [Int]) -> [Int] { (0..<(bands * steps)).map { rho[$0 / steps] * steps + pi[$0 % steps] } }
        let identityRows = Array(0..<bands), identityCols = Array(0..<steps)
        return [.original: order(identityRows, identityCols), .bandsShuffled: order(rows, identityCols),
                .chunksShuffled: order(identityRows, cols), .bothShuffled: order(rows, cols)]
    }

    /// One spectrogram in each version, side by side, as gray pictures (+1 white, −1 black).
    static func versionsFigure(_ spectrogram: Spectrogram, seed: UInt64) -> Figure {
        let orders = orders(bands: spectrogram.bands, steps: spectrogram.steps, seed: seed)
        return .row(Arrangement.allCases.map { a in
            let values = (orders[a] ?? []).map { spectrogram.values[$0] }
            let grid = Grid(rows: spectrogram.bands, cols: spectrogram.steps, values: values) ?? Grid([[]])
            return .image(ImageFigure(grid: grid, title: a.rawValue, cellSize: 4))
        }, spacing: 20)
    }

    /// Trains both networks `repeats` times on each version of `train` and scores them on the
    /// same version of `heldOut`. `progress` gets one line per version.
    /// - Throws: `ModelError` never in practice (both models are fixed and valid).
    public static func run(seed: UInt64, train: [LabeledImage], heldOut: [LabeledImage], sizes: Sizes,
                           progress: (String) -> Void = { _ in }) throws -> AudioControlResult {
        let shape = AudioExperiment.model.input
        let orders = orders(bands: shape[1], steps: shape[2], seed: seed)
        var runs: [AudioControlResult.Run] = []
        for (n, arrangement) in Arrangement.allCases.enumerated() {
            progress("audio control: \(arrangement.rawValue) (\(n + 1) of \(Arrangement.allCases.count)), \(2 * sizes.repeats) trainings")
            let order = orders[arrangement] ?? []
            let t = train.map { LabeledImage(image: ShuffleExperiment.rearranged($0.image, order), label: $0.label) }
            let h = heldOut.map { LabeledImage(image: ShuffleExperiment.rearranged($0.image, order), label: $0.label) }
            for architecture in Architecture.allCases {
                var accuracies: [Double] = []
                var weights = 0
                for j in 0..<sizes.repeats {
                    var o = sizes.options
                    o.seed = seed &+ UInt64(j)
                    let network = try Network(model: architecture == .cnn ? AudioExperiment.model : dense, seed: o.seed)
                    weights = network.parameters.reduce(0) { $0 + $1.tensor.count }
                    var trainer = Trainer(network: network, options: o)
                    trainer.train(on: t)
                    accuracies.append(evaluate(trainer.network, on: h).accuracy)
                }
                runs.append(.init(arrangement: arrangement, architecture: architecture, accuracies: accuracies, parameterCount: weights))
            }
        }
        return AudioControlResult(trainCount: train.count, heldOutCount: heldOut.count, options: sizes.options,
                                  repeats: sizes.repeats, runs: runs)
    }
}

/// What the control experiment found.
public struct AudioControlResult: Sendable {
    /// One network on one version of the data, trained `repeats` times.
    public struct Run: Sendable, Equatable {
        public var arrangement: AudioControl.Arrangement
        public var architecture: AudioControl.Architecture
        /// Each repeat's held-out accuracy, 0…1.
        public var accuracies: [Double]
        /// Weights and biases in the network.
        public var parameterCount: Int

        /// The mean, lowest and highest held-out accuracy over the repeats, 0…1.
        public var mean: Double { accuracies.reduce(0, +) / Double(max(1, accuracies.count)) }
        public var lowest: Double { accuracies.min() ?? .nan }
        public var highest: Double { accuracies.max() ?? .nan }
    }

    public var trainCount: Int
    public var heldOutCount: Int
    public var options: TrainingOptions
    public var repeats: Int
    /// Eight runs: for each arrangement in order, the CNN then the dense network.
    public var runs: [Run]

    /// The run of `architecture` on `arrangement`.
    public func run(_ arrangement: AudioControl.Arrangement, _ architecture: AudioControl.Architecture) -> Run? {
        runs.first { $0.arrangement == arrangement && $0.architecture == architecture }
    }

    /// Values for the lesson's text, accuracies in percent: `control.cnn.original`,
    /// `control.cnn.original.low`, `….high`, `control.dense.weights`, `control.repeats`, ….
    public var values: [String: Double] {
        var v: [String: Double] = ["control.repeats": Double(repeats), "control.train": Double(trainCount),
                                   "control.heldout": Double(heldOutCount), "control.epochs": Double(options.epochs)]
        for r in runs {
            let k = "control.\(r.architecture == .cnn ? "cnn" : "dense")"
            v["\(k).\(r.arrangement.key)"] = 100 * r.mean
            v["\(k).\(r.arrangement.key).low"] = 100 * r.lowest
            v["\(k).\(r.arrangement.key).high"] = 100 * r.highest
            v["\(k).weights"] = Double(r.parameterCount)
        }
        return v
    }

    /// The table: one row per version, one column per network, each cell `mean% (low–high)`.
    public var table: TableFigure {
        func cell(_ a: AudioControl.Arrangement, _ k: AudioControl.Architecture) -> String {
            guard let r = run(a, k) else { return "–" }
            let p = { (x: Double) in formatNumber(100 * x, .rounded(1)) }
            return "\(p(r.mean))%  (\(p(r.lowest))–\(p(r.highest)))"
        }
        let weights = { (k: AudioControl.Architecture) in runs.first { $0.architecture == k }?.parameterCount ?? 0 }
        let header = ["spectrograms", "CNN (\(weights(.cnn)) weights)", "dense (\(weights(.dense)) weights)"]
        let rows = AudioControl.Arrangement.allCases.map { a in [a.rawValue, cell(a, .cnn), cell(a, .dense)] }
        var table = TableFigure(header: header, rows: rows, alignments: [.left, .right, .right])
        for (row, a) in AudioControl.Arrangement.allCases.enumerated() {
            for (col, k) in AudioControl.Architecture.allCases.enumerated() {
                if let r = run(a, k) { table.sources[Cell(row: row, col: col + 1)] = RunStatistics.sources(r.accuracies, of: "\(k.rawValue), \(a.rawValue)") }
            }
        }
        return table
    }

    /// The table's caption.
    public var caption: String {
        "Held-out accuracy on \(heldOutCount) sounds shuffled the same way as the \(trainCount) training sounds (\(options.epochs) epochs). "
            + "Each network was trained \(repeats) times from different random starting weights: the mean, and in brackets the lowest and highest. Chance is 25%."
    }
}
