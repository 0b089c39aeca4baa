import CNNCore
import CNNData
import CNNFigures
@testable import CNNTraining
import Foundation
import Testing
@testable import CNNLessons

/// The audio lesson's control experiment: fixed permutations of bands and chunks, a fair dense
/// baseline, and a table that is the experiment's results, the same every time for a seed.
@Suite struct AudioControlTests {
    /// Each version is one permutation of the cells, the same for every spectrogram: bands
    /// shuffled moves whole rows, chunks shuffled whole columns, both does both.
    @Test func versionsAreFixedPermutationsOfRowsAndColumns() {
        let orders = AudioControl.orders(bands: 24, steps: 24, seed: 1)
        let identity = Array(0..<576)
        #expect(orders[.original] == identity)
        for a in AudioControl.Arrangement.allCases where a != .original {
            #expect(orders[a]?.sorted() == identity, "\(a.rawValue) is a permutation")
            #expect(orders[a] != identity, "\(a.rawValue) moves cells")
        }
        let bands = orders[.bandsShuffled] ?? [], chunks = orders[.chunksShuffled] ?? [], both = orders[.bothShuffled] ?? []
        for i in identity {
            #expect(bands[i] % 24 == i % 24, "a band shuffle keeps the column")
            #expect(chunks[i] / 24 == i / 24, "a chunk shuffle keeps the row")
            #expect(both[i] == (bands[i] / 24) * 24 + chunks[i] % 24)
        }
        #expect(AudioControl.orders(bands: 24, steps: 24, seed: 1)[.bothShuffled] == both, "the same seed, the same shuffle")
    }

    /// The dense baseline has at least as many weights as the CNN.
    @Test func denseBaselineIsAtLeastAsLarge() throws {
        let cnn = try Network(model: AudioExperiment.model, seed: 0), dense = try Network(model: AudioControl.dense, seed: 0)
        let count = { (n: Network) in n.parameters.reduce(0) { $0 + $1.tensor.count } }
        #expect(count(dense) >= count(cnn))
        #expect(Double(count(dense)) <= 1.1 * Double(count(cnn)), "and not many more: \(count(dense)) against \(count(cnn))")
    }

    /// The lesson's table is the experiment's results, and a second run from the same seed
    /// gives the same numbers.
    @Test func tableIsTheResultsAndTheSeedFixesThem() throws {
        let first = try #require(try LessonExperiments.run("audio", seed: 1, scale: .quick, draw: { _ in [] }))
        let second = try #require(try LessonExperiments.run("audio", seed: 1, scale: .quick, draw: { _ in [] }))
        #expect(first.values == second.values)
        let figure = try #require(first.figures.first { $0.name == "audio-control" })
        guard case .table(let table) = figure.figure else { Issue.record("audio-control is a table"); return }
        #expect(table.rows.map { $0[0] } == AudioControl.Arrangement.allCases.map(\.rawValue))
        for (row, a) in zip(table.rows, AudioControl.Arrangement.allCases) {
            for (column, k) in [(1, "cnn"), (2, "dense")] {
                let v = { (suffix: String) in first.values["control.\(k).\(a.key)\(suffix)"].map { formatNumber($0, .rounded(1)) } ?? "?" }
                #expect(row[column] == "\(v(""))%  (\(v(".low"))–\(v(".high")))", "\(a.rawValue), \(k)")
            }
        }
        #expect(table.header[1].contains("\(Int(first.values["control.cnn.weights"] ?? 0)) weights"))
        #expect(table.header[2].contains("\(Int(first.values["control.dense.weights"] ?? 0)) weights"))
    }

    /// Every run's mean lies within its range, and the range comes from `repeats` trainings.
    @Test func meansLieWithinTheirRanges() throws {
        var gen = SoundGenerator(seed: 5)
        let images = gen.makeSet(perKind: 6).map { LabeledImage(image: Spectrogram(samples: $0.samples, sampleRate: $0.sampleRate).image, label: $0.kind.rawValue) }
        let sizes = AudioControl.Sizes(trainPerKind: 4, options: TrainingOptions(epochs: 1, learningRate: 0.05, batchSize: 8, momentum: 0.9), repeats: 2)
        let r = try AudioControl.run(seed: 5, train: Array(images.prefix(16)), heldOut: Array(images.dropFirst(16)), sizes: sizes)
        let again = try AudioControl.run(seed: 5, train: Array(images.prefix(16)), heldOut: Array(images.dropFirst(16)), sizes: sizes)
        #expect(r.runs == again.runs)
        #expect(r.runs.count == 8)
        for run in r.runs {
            #expect(run.accuracies.count == 2)
            #expect(run.lowest <= run.mean && run.mean <= run.highest)
        }
    }
}
