import CNNCore
import CNNData
import CNNFigures
import Foundation

/// The article's rule of thumb, tested: "If your data is just as useful after swapping any of
/// your columns with each other, then you can't use Convolutional Neural Networks."
///
/// The generated X/O images are shown three ways: as drawn, with their pixel columns in a fixed
/// random order, and with all their pixels in a fixed random order. The same permutation is
/// applied to every image, training and held-out alike, so no information is lost: a shuffled
/// image can be put back exactly. A CNN and a dense-only network of about the same number of
/// weights are trained on each version, and both are scored on held-out images shuffled the same way.
///
/// What to expect: a dense layer has one weight per pixel and no idea which pixels are
/// neighbours, so a fixed permutation only relabels its inputs: it can learn the shuffled task
/// exactly as well as the original. A CNN's 3×3 features and 2×2 pooling assume neighbouring
/// pixels belong together; shuffling breaks that assumption (columns: across the rows only; all
/// pixels: everywhere).
public enum ShuffleExperiment {
    /// The three versions of the data.
    public enum Arrangement: String, Sendable, CaseIterable {
        /// The images as drawn.
        case original
        /// Every image's columns in the same fixed random order: `out[r, c] = in[r, π(c)]`.
        case columnsShuffled = "columns shuffled"
        /// Every image's pixels in the same fixed random order: `out[i] = in[σ(i)]` over the flattened image.
        case pixelsShuffled = "pixels shuffled"
    }

    /// The two networks.
    public enum Architecture: String, Sendable, CaseIterable {
        /// `ShuffleExperiment.cnn`: 8 learned 3×3 features, ReLU, 2×2 pooling, votes.
        case cnn = "CNN"
        /// `ShuffleExperiment.dense`: every pixel to 4 hidden units, ReLU, votes.
        case dense = "dense only"
    }

    /// How much data and training; `.lesson` is what the lesson runs, tests use smaller ones.
    public struct Sizes: Sendable, Equatable {
        /// Generated training and held-out images (X and O alternating).
        public var trainCount: Int
        public var heldOutCount: Int
        /// Training settings, the same for every run (the seed is replaced by the experiment's).
        public var options: TrainingOptions
        /// How many times each network is trained on each version, from different initial weights
        /// and minibatch orders (seeds `seed`, `seed + 1`, …), to show how much accuracy varies by luck.
        public var repeats: Int

        public init(trainCount: Int, heldOutCount: Int, options: TrainingOptions, repeats: Int = 1) {
            self.trainCount = trainCount
            self.heldOutCount = heldOutCount
            self.options = options
            self.repeats = max(1, repeats)
        }

        /// 4,000 training and 1,000 held-out 9×9 images, 20 epochs, each network trained three
        /// times on each version: 18 trainings.
        public static let lesson = Sizes(trainCount: 4000, heldOutCount: 1000,
                                         options: TrainingOptions(epochs: 20, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                         repeats: 3)
    }

    /// The image side.
    public static let imageSize = 9

    /// The CNN of `lessons/models/xo-train.json`: 330 weights.
    ///
    ///     [1, 9, 9] → conv1 8@3×3 (÷9, no bias) → [8, 7, 7] → relu → pool 2×2 (ceil) → [8, 4, 4] → dense → [2]
    public static let cnn = ModelSpec(
        input: [1, imageSize, imageSize],
        layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 8, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2))),
        ],
        loss: .crossEntropy, classes: ["X", "O"])

    /// A dense-only network of about the CNN's size: 338 weights.
    ///
    ///     [1, 9, 9] → hidden (81 → 4) → relu → dense (4 → 2)
    public static let dense = ModelSpec(
        input: [1, imageSize, imageSize],
        layers: [
            LayerSpec(name: "hidden", kind: .dense(DenseSpec(units: 4))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2))),
        ],
        loss: .crossEntropy, classes: ["X", "O"])

    /// A random permutation of `0..<n` from the named stream (Fisher–Yates), redrawn until it
    /// moves at least half of the positions, so the shuffle is never nearly the identity.
    static func permutation(_ n: Int, seed: UInt64, stream: String) -> [Int] {
        var rng = SeededGenerator(seed: seed, stream: stream)
        var p = Array(0..<n)
        for _ in 0..<100 {
            p = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.below(i + 1)) }
            if p.enumerated().filter({ $0.offset != $0.element }).count * 2 >= n { break }
        }
        return p
    }

    /// `image` with its pixels moved: `out[i] = in[order[i]]` over the flattened `[1, S, S]` image.
    static func rearranged(_ image: Tensor, _ order: [Int]) -> Tensor {
        Tensor(shape: image.shape, data: order.map { image.data[$0] })
    }

    /// The flattened pixel order that shuffles columns by `columns`: pixel `(r, c)` takes `(r, columns[c])`.
    static func columnOrder(_ columns: [Int], size: Int) -> [Int] {
        (0..<(size * size)).map { i in (i / size) * size + columns[i % size] }
    }

    /// Runs all six trainings and builds the figures.
    /// - Throws: `ModelError` never in practice (both models are fixed and valid).
    public static func run(seed: UInt64, sizes: Sizes = .lesson) throws -> ShuffleResult {
        let clock = ContinuousClock()
        let start = clock.now
        let s = imageSize
        var gen = XOGenerator(size: s, seed: seed)
        let train = gen.makeSet(count: sizes.trainCount)
        var heldGen = XOGenerator(size: s, seed: seed &+ 0x9E37_79B9)
        let heldOut = heldGen.makeSet(count: sizes.heldOutCount)
        let columns = permutation(s, seed: seed, stream: "shuffle.columns")
        let pixels = permutation(s * s, seed: seed, stream: "shuffle.pixels")
        let orders: [Arrangement: [Int]] = [.original: Array(0..<(s * s)), .columnsShuffled: columnOrder(columns, size: s), .pixelsShuffled: pixels]

        var options = sizes.options
        options.seed = seed
        var runs: [ShuffleResult.Run] = []
        var networks: [String: Network] = [:]
        for arrangement in Arrangement.allCases {
            let order = orders[arrangement] ?? []
            let t = train.map { LabeledImage(image: rearranged($0.image, order), label: $0.label) }
            let h = heldOut.map { LabeledImage(image: rearranged($0.image, order), label: $0.label) }
            for architecture in Architecture.allCases {
                let spec = architecture == .cnn ? cnn : dense
                var accuracies: [Double] = []
                var first: (evaluation: Evaluation, history: [EpochSummary], network: Network)?
                let runStart = clock.now
                for j in 0..<sizes.repeats {
                    // Repeat j starts from the same weights, in the same minibatch order, on every version of the data.
                    var o = options
                    o.seed = seed &+ UInt64(j)
                    var trainer = Trainer(network: try Network(model: spec, seed: o.seed), options: o)
                    trainer.train(on: t, heldOut: h)
                    let evaluation = trainer.history.last?.heldOut ?? evaluate(trainer.network, on: h)
                    accuracies.append(evaluation.accuracy)
                    if first == nil { first = (evaluation, trainer.history, trainer.network) }
                }
                let seconds = AudioExperiment.seconds(clock.now - runStart)
                guard let first else { continue }
                runs.append(ShuffleResult.Run(arrangement: arrangement, architecture: architecture, heldOut: first.evaluation,
                                              accuracies: accuracies, history: first.history,
                                              parameterCount: first.network.parameters.reduce(0) { $0 + $1.tensor.count },
                                              seconds: seconds))
                networks["\(arrangement.rawValue)/\(architecture.rawValue)"] = first.network
            }
        }
        var result = ShuffleResult(seed: seed, imageSize: s, trainCount: train.count, heldOutCount: heldOut.count,
                                   options: options, columnPermutation: columns, pixelPermutation: pixels, runs: runs, repeats: sizes.repeats,
                                   totalSeconds: 0, figures: [])
        result.figures = ShuffleFigures.make(result, examples: (x: heldOut.first { $0.label == 0 }?.image, o: heldOut.first { $0.label == 1 }?.image),
                                             orders: orders, networks: networks)
        result.totalSeconds = AudioExperiment.seconds(clock.now - start)
        return result
    }
}

/// What the shuffle experiment found: plain values for a lesson's text, and its figures.
public struct ShuffleResult: Sendable {
    /// One network on one version of the data, trained `repeats` times.
    public struct Run: Sendable {
        public var arrangement: ShuffleExperiment.Arrangement
        public var architecture: ShuffleExperiment.Architecture
        /// The first repeat's held-out evaluation after the last epoch.
        public var heldOut: Evaluation
        /// Each repeat's held-out accuracy, 0…1.
        public var accuracies: [Double]
        /// The first repeat's epochs.
        public var history: [EpochSummary]
        /// Weights and biases in the network.
        public var parameterCount: Int
        /// Wall-clock seconds of training, all repeats (per-epoch held-out evaluation included).
        public var seconds: Double

        /// The mean held-out accuracy over the repeats, 0…1.
        public var accuracy: Double { accuracies.reduce(0, +) / Double(max(1, accuracies.count)) }
        /// The lowest and highest held-out accuracy of the repeats.
        public var lowest: Double { accuracies.min() ?? .nan }
        public var highest: Double { accuracies.max() ?? .nan }
    }

    public var seed: UInt64
    public var imageSize: Int
    public var trainCount: Int
    public var heldOutCount: Int
    public var options: TrainingOptions
    /// `π`: shuffled column `c` shows original column `columnPermutation[c]` (0-based).
    public var columnPermutation: [Int]
    /// `σ`: shuffled pixel `i` (row-major) shows original pixel `pixelPermutation[i]`.
    public var pixelPermutation: [Int]
    /// Six runs: for each arrangement (original, columns, pixels), the CNN then the dense network.
    public var runs: [Run]
    /// How many times each network was trained on each version.
    public var repeats: Int
    /// Wall-clock seconds for everything: data, six trainings, figures.
    public var totalSeconds: Double
    /// The figures, named `shuffle-…`, with captions.
    public var figures: [(name: String, caption: String, figure: Figure)]

    /// The run of `architecture` on `arrangement`.
    public func run(_ arrangement: ShuffleExperiment.Arrangement, _ architecture: ShuffleExperiment.Architecture) -> Run? {
        runs.first { $0.arrangement == arrangement && $0.architecture == architecture }
    }

    /// The mean held-out accuracy of `architecture` on `arrangement` (0…1), NaN if it did not run.
    public func accuracy(_ arrangement: ShuffleExperiment.Arrangement, _ architecture: ShuffleExperiment.Architecture) -> Double {
        run(arrangement, architecture)?.accuracy ?? .nan
    }

    /// Weights and biases in the CNN and the dense network.
    public var cnnParameterCount: Int { run(.original, .cnn)?.parameterCount ?? 0 }
    public var denseParameterCount: Int { run(.original, .dense)?.parameterCount ?? 0 }

    /// How many of the 8 pairs of neighbouring columns are still neighbours (in either order)
    /// after the column shuffle: the local structure the shuffle left by chance.
    public var columnNeighboursKept: Int {
        zip(columnPermutation, columnPermutation.dropFirst()).filter { abs($0 - $1) == 1 }.count
    }

    /// Seconds spent training all the networks.
    public var trainSeconds: Double { runs.reduce(0) { $0 + $1.seconds } }
}

/// The shuffle lesson's figures.
enum ShuffleFigures {
    static func percent(_ x: Double) -> String { formatNumber(100 * x, .rounded(1)) + "%" }

    static func make(_ r: ShuffleResult, examples: (x: Tensor?, o: Tensor?), orders: [ShuffleExperiment.Arrangement: [Int]],
                     networks: [String: Network]) -> [(name: String, caption: String, figure: Figure)] {
        typealias A = ShuffleExperiment.Arrangement
        var figures: [(name: String, caption: String, figure: Figure)] = []
        let s = r.imageSize
        func grid(_ values: [Double]) -> Grid { Grid(rows: s, cols: s, values: values) ?? Grid([[]]) }

        // 1. The same X and O in each version.
        if let x = examples.x, let o = examples.o {
            let columns: [Figure] = A.allCases.map { a in
                let order = orders[a] ?? []
                return .column([
                    .text(TextBlock(markup: "<b>\(a.rawValue)</b>", width: 2 * Double(s) * 14 + 12)),
                    .row([.image(ImageFigure(grid: grid(ShuffleExperiment.rearranged(x, order).data), title: "X", cellSize: 14)),
                          .image(ImageFigure(grid: grid(ShuffleExperiment.rearranged(o, order).data), title: "O", cellSize: 14))], spacing: 12),
                ], spacing: 4)
            }
            let pi = r.columnPermutation.map { String($0 + 1) }.joined(separator: " ")
            figures.append(("shuffle-images", "One held-out X and O, as drawn and in the two shuffled versions. Every image gets the same shuffle: the columns in the order \(pi) (counting from 1), or all \(s * s) pixels in one fixed random order. Nothing is lost — each shuffled image can be put back exactly — but neighbours are no longer neighbours.",
                            .row(columns, spacing: 30)))
        }

        // 2. The accuracy table.
        let header = ["data", "CNN (\(r.cnnParameterCount) weights)", "dense only (\(r.denseParameterCount) weights)"]
        func cell(_ a: A, _ arch: ShuffleExperiment.Architecture) -> String {
            guard let run = r.run(a, arch) else { return "–" }
            guard run.accuracies.count > 1 else { return percent(run.accuracy) }
            return "\(percent(run.accuracy))  (\(formatNumber(100 * run.lowest, .rounded(1)))–\(formatNumber(100 * run.highest, .rounded(1))))"
        }
        let rows = A.allCases.map { a in [a.rawValue, cell(a, .cnn), cell(a, .dense)] }
        let spread = r.repeats > 1 ? " Each network was trained \(r.repeats) times from different random starting weights; a cell gives the mean and, in brackets, the lowest and highest." : ""
        figures.append(("shuffle-accuracy", "Held-out accuracy on \(r.heldOutCount) images shuffled the same way as the training images (\(r.trainCount) training images, \(r.options.epochs) epochs).\(spread) Chance is 50%.",
                        .table(TableFigure(header: header, rows: rows, alignments: [.left, .right, .right]))))

        // 3. Held-out accuracy per epoch, one plot per network.
        let plots: [Figure] = ShuffleExperiment.Architecture.allCases.map { arch in
            .linePlot(LinePlotFigure(series: A.allCases.compactMap { a in
                r.run(a, arch).map { run in Series(name: a.rawValue, y: run.history.map { $0.heldOut?.accuracy ?? .nan }) }
            }, title: arch.rawValue, xLabel: "epoch", yLabel: "held-out accuracy", yRange: 0.4...1, width: 300, height: 200))
        }
        figures.append(("shuffle-training", "Held-out accuracy after each epoch, for each version of the data (the first of the \(r.repeats) trainings).", .row(plots, spacing: 30)))

        // 4. The CNN's learned features on each version.
        let cnnRows: [FilterRow] = A.allCases.compactMap { a in
            networks["\(a.rawValue)/\(ShuffleExperiment.Architecture.cnn.rawValue)"].map { net in
                FilterRow(label: a.rawValue, features: AudioFigures.featureGrids(net, layer: "conv1"))
            }
        }
        figures.append(("shuffle-cnn-features", "The CNN's eight learned 3×3 features, one row per version of the data (the first training of each), each with its own gray scale. A 3×3 feature can only match a pattern of neighbouring pixels. In the shuffled versions the pixels under it come from columns far apart, or from anywhere in the picture, so a pattern no longer stands for a piece of stroke.",
                        .filterBank(FilterBankFigure(rows: cnnRows, showNumbers: false, cellSize: 16))))

        // 5. The dense network's hidden units, as it sees them and put back in place.
        var denseRows: [FilterRow] = []
        for a in A.allCases {
            guard let net = networks["\(a.rawValue)/\(ShuffleExperiment.Architecture.dense.rawValue)"],
                  let w = net.parameter("hidden.weight"), let order = orders[a] else { continue }
            let units = w.shape[0], n = s * s
            func unit(_ k: Int, putBack: Bool) -> NamedGrid {
                let row = Array(w.data[(k * n)..<((k + 1) * n)])
                var values = row
                if putBack {
                    // Shuffled input i is original pixel order[i], so its weight belongs at order[i].
                    for i in 0..<n { values[order[i]] = row[i] }
                }
                return NamedGrid(name: "unit \(k + 1)", grid: grid(values))
            }
            denseRows.append(FilterRow(label: a.rawValue, features: (0..<units).map { unit($0, putBack: false) }))
            if a != .original {
                denseRows.append(FilterRow(label: "  … put back", features: (0..<units).map { unit($0, putBack: true) }))
            }
        }
        figures.append(("shuffle-dense-features", "The dense network's four hidden units: one weight per pixel, drawn as a 9×9 picture with its own gray scale. For the shuffled versions the second row moves each weight back to the pixel it reads, undoing the shuffle: a dense network has no notion of neighbours, so it can learn the shuffled task as well as the original.",
                        .filterBank(FilterBankFigure(rows: denseRows, showNumbers: false, cellSize: 7))))
        return figures
    }
}
