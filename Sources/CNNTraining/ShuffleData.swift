import CNNCore
import CNNData
import CNNFigures
import Foundation

/// The shuffle experiment's data: both data sets, as made and shuffled, training and held out.
public struct ShuffleData: Sendable {
    /// One data set in one version.
    public struct Split: Sendable {
        public var train: [LabeledImage]
        public var heldOut: [LabeledImage]
    }

    /// `σ` for the digits: shuffled pixel `i` (row-major) shows original pixel `digitPermutation[i]`.
    public var digitPermutation: [Int]
    /// `π` for the customers: shuffled column `j` holds original column `columnPermutation[j]`.
    public var columnPermutation: [Int]
    /// The held-out customers with their raw values (the rule is `heldOutCustomers.rule`).
    public var heldOutCustomers: CustomerTable
    /// Every data set in every version.
    public var splits: [ShuffleExperiment.Dataset: [ShuffleExperiment.Arrangement: Split]]

    /// The split of `dataset` in `arrangement` (empty if missing, which `make` never leaves).
    public func split(_ dataset: ShuffleExperiment.Dataset, _ arrangement: ShuffleExperiment.Arrangement) -> Split {
        splits[dataset]?[arrangement] ?? Split(train: [], heldOut: [])
    }

    /// The permutation applied to `dataset`'s flattened examples.
    public func permutation(_ dataset: ShuffleExperiment.Dataset) -> [Int] {
        dataset == .digits ? digitPermutation : columnPermutation
    }

    /// Makes every set from `seed`. Digits are drawn as strokes by `DigitGenerator` and turned
    /// into pixels (ink 1, paper 0) by `draw`; customers come from `CustomerTable`, standardized.
    /// - Throws: what `draw` throws.
    public static func make(seed: UInt64, sizes: ShuffleExperiment.Sizes,
                            draw: (StrokeDrawing) throws -> [Double]) throws -> ShuffleData {
        let s = ShuffleExperiment.digitSize
        func digits(_ count: Int, _ stream: UInt64) throws -> [LabeledImage] {
            var gen = DigitGenerator(size: s, seed: seed &+ stream)
            return try gen.makeSet(count: count).map { LabeledImage(image: Tensor(shape: [1, s, s], data: try draw($0.drawing)), label: $0.label) }
        }
        let rule = CustomerTable.Rule(seed: seed)
        let trainTable = CustomerTable(count: sizes.customerTrain, seed: seed, stream: "train", rule: rule)
        let heldTable = CustomerTable(count: sizes.customerHeldOut, seed: seed, stream: "held-out", rule: rule)
        func rows(_ t: CustomerTable) -> [LabeledImage] {
            zip(t.rows, t.labels).map { LabeledImage(image: Tensor(shape: [1, 1, $0.count], data: CustomerTable.standardized($0)), label: $1) }
        }
        let made: [ShuffleExperiment.Dataset: Split] = [
            .digits: Split(train: try digits(sizes.digitTrain, 0), heldOut: try digits(sizes.digitHeldOut, 0x9E37_79B9)),
            .customers: Split(train: rows(trainTable), heldOut: rows(heldTable)),
        ]
        let sigma = ShuffleExperiment.permutation(s * s, seed: seed, stream: "shuffle.pixels")
        let pi = ShuffleExperiment.permutation(CustomerTable.columns.count, seed: seed, stream: "shuffle.columns")
        var splits: [ShuffleExperiment.Dataset: [ShuffleExperiment.Arrangement: Split]] = [:]
        for (dataset, split) in made {
            let order = dataset == .digits ? sigma : pi
            func moved(_ set: [LabeledImage]) -> [LabeledImage] {
                set.map { LabeledImage(image: ShuffleExperiment.rearranged($0.image, order), label: $0.label) }
            }
            splits[dataset] = [.original: split, .shuffled: Split(train: moved(split.train), heldOut: moved(split.heldOut))]
        }
        return ShuffleData(digitPermutation: sigma, columnPermutation: pi, heldOutCustomers: heldTable, splits: splits)
    }
}
