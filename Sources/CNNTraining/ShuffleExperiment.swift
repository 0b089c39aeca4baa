import CNNCore
import CNNData
import CNNFigures
import Foundation

/// The article's rule of thumb, tested: "If your data is just as useful after swapping any of
/// your columns with each other, then you can't use Convolutional Neural Networks."
///
/// Two data sets, each seen as a table with one row per example:
/// - digits: 28×28 pictures of the digits 0–9, drawn with an antialiased pen at random sizes,
///   turns, pen widths and places (`DigitGenerator`); each pixel is one column, 784 in all;
/// - customers: seven measurements of a shop's customers and whether they stay, by a seeded
///   rule (`CustomerTable`); each measurement is one column.
///
/// Each set is used twice: as made, and with its columns in one fixed random order, the same
/// for every row, training and held-out alike (for the digits: every pixel moved to a fixed
/// random place). Nothing is lost, since the shuffle can be undone exactly. A CNN and a dense
/// network with at least as many weights are trained on each version from `runs` different
/// seeds, and scored on held-out rows shuffled the same way.
///
/// A dense layer has one weight per column and no idea which columns are neighbours: a fixed
/// shuffle only relabels its inputs. A CNN's features read neighbouring columns together, which
/// helps only where neighbours belong together: in pictures, not in a table.
public enum ShuffleExperiment {
    /// The two data sets.
    public enum Dataset: String, Sendable, CaseIterable {
        case digits
        case customers
    }

    /// The two versions of each data set.
    public enum Arrangement: String, Sendable, CaseIterable {
        /// Columns in the order they were made.
        case original
        /// Every row's columns in the same fixed random order: `out[i] = in[σ(i)]`.
        case shuffled
    }

    /// The two networks.
    public enum Architecture: String, Sendable, CaseIterable {
        case cnn = "CNN"
        case dense = "dense"
    }

    /// How much data and training; `.lesson` is what the lesson runs, `.quick` what its tests run.
    public struct Sizes: Sendable, Equatable {
        public var digitTrain: Int
        public var digitHeldOut: Int
        public var customerTrain: Int
        public var customerHeldOut: Int
        /// Training settings for each data set (the seed is replaced by each run's).
        public var digitOptions: TrainingOptions
        public var customerOptions: TrainingOptions
        /// How many times each network is trained on each version, from seeds `seed`, `seed + 1`, ….
        public var runs: Int

        public init(digitTrain: Int, digitHeldOut: Int, customerTrain: Int, customerHeldOut: Int,
                    digitOptions: TrainingOptions, customerOptions: TrainingOptions, runs: Int) {
            self.digitTrain = digitTrain
            self.digitHeldOut = digitHeldOut
            self.customerTrain = customerTrain
            self.customerHeldOut = customerHeldOut
            self.digitOptions = digitOptions
            self.customerOptions = customerOptions
            self.runs = max(1, runs)
        }

        /// 2,000 training and 500 held-out digits, 8 epochs; 1,000 and 500 customers, 10 epochs;
        /// 4 runs of each network on each version: 32 trainings.
        public static let lesson = Sizes(digitTrain: 2000, digitHeldOut: 500, customerTrain: 1000, customerHeldOut: 500,
                                         digitOptions: TrainingOptions(epochs: 8, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                         customerOptions: TrainingOptions(epochs: 10, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                         runs: 4)

        /// A few hundred examples, 2 epochs, 2 runs: the same figures and values, less accurate.
        public static let quick = Sizes(digitTrain: 200, digitHeldOut: 100, customerTrain: 200, customerHeldOut: 100,
                                        digitOptions: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                        customerOptions: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                        runs: 2)
    }

    /// The digit pictures' side.
    public static let digitSize = 28

    /// The digits' CNN: 3,098 weights.
    ///
    ///     [1, 28, 28] → conv1 8@5×5 → [8, 24, 24] → relu → pool 4×4 → [8, 6, 6] → dense → [10]
    public static let digitCNN = ModelSpec(
        input: [1, digitSize, digitSize],
        layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 8, kernelH: 5, kernelW: 5, bias: true, normalize: false))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 4, stride: 4, ceil: true))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 10))),
        ],
        loss: .crossEntropy, classes: DigitGenerator.classes)

    /// The digits' dense network: 25,450 weights, about eight times the CNN's.
    ///
    ///     [1, 28, 28] → hidden (784 → 32) → relu → dense (32 → 10)
    public static let digitDense = ModelSpec(
        input: [1, digitSize, digitSize],
        layers: [
            LayerSpec(name: "hidden", kind: .dense(DenseSpec(units: 32))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 10))),
        ],
        loss: .crossEntropy, classes: DigitGenerator.classes)

    /// The customers' CNN: 114 weights. A row of 7 values is too short to pool.
    ///
    ///     [1, 1, 7] → conv1 8@1×3 → [8, 1, 5] → relu → dense → [2]
    public static let customerCNN = ModelSpec(
        input: [1, 1, CustomerTable.columns.count],
        layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 8, kernelH: 1, kernelW: 3, bias: true, normalize: false))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2))),
        ],
        loss: .crossEntropy, classes: CustomerTable.classes)

    /// The customers' dense network: 162 weights.
    ///
    ///     [1, 1, 7] → hidden (7 → 16) → relu → dense (16 → 2)
    public static let customerDense = ModelSpec(
        input: [1, 1, CustomerTable.columns.count],
        layers: [
            LayerSpec(name: "hidden", kind: .dense(DenseSpec(units: 16))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2))),
        ],
        loss: .crossEntropy, classes: CustomerTable.classes)

    /// The network of `architecture` for `dataset`.
    public static func model(_ dataset: Dataset, _ architecture: Architecture) -> ModelSpec {
        switch (dataset, architecture) {
        case (.digits, .cnn): return digitCNN
        case (.digits, .dense): return digitDense
        case (.customers, .cnn): return customerCNN
        case (.customers, .dense): return customerDense
        }
    }

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

    /// `image` with its values moved: `out[i] = in[order[i]]` over the flattened image.
    static func rearranged(_ image: Tensor, _ order: [Int]) -> Tensor {
        Tensor(shape: image.shape, data: order.map { image.data[$0] })
    }
}
