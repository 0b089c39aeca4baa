import CNNCore
import CNNData
import CNNFigures
import CNNRender
@testable import CNNTraining
import Foundation
import Testing

/// A shuffle experiment small enough for a debug build: the same figures, values and sentences.
let tinyShuffle = ShuffleExperiment.Sizes(digitTrain: 60, digitHeldOut: 30, customerTrain: 80, customerHeldOut: 40,
                                          digitOptions: TrainingOptions(epochs: 1, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                          customerOptions: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                          runs: 2)

@Suite struct ShuffleExperimentTests {
    /// The accuracy table is the runs' results: each cell is the mean, lowest and highest of that
    /// row's run accuracies; one run, trained again here by hand, gives the accuracy recorded; and
    /// the same seed gives the same table, sentences and figure bytes.
    @Test func theTableIsTheRunsResultsAndTheSeedFixesIt() throws {
        let a = try ShuffleExperiment.run(seed: 4, sizes: tinyShuffle, draw: rasterize)
        let b = try ShuffleExperiment.run(seed: 4, sizes: tinyShuffle, draw: rasterize)
        #expect(a.runs.count == 8)
        let table = try #require(a.figures.first { $0.name == "shuffle-accuracy" })
        guard case .table(let t) = table.figure else { Issue.record("shuffle-accuracy is not a table"); return }
        #expect(t.rows.count == 4)
        var row = 0
        for d in ShuffleExperiment.Dataset.allCases {
            for arrangement in ShuffleExperiment.Arrangement.allCases {
                for (column, m) in ShuffleExperiment.Architecture.allCases.enumerated() {
                    let run = try #require(a.run(d, arrangement, m))
                    #expect(run.accuracies.count == 2)
                    let mean = run.accuracies.reduce(0, +) / 2
                    let f = { (x: Double) in formatNumber(100 * x, .rounded(1)) }
                    let expected = "\(f(mean))% (\(f(run.accuracies.min() ?? 0))–\(f(run.accuracies.max() ?? 0)))"
                    #expect(t.rows[row][2 + column] == expected, "\(d) \(arrangement) \(m)")
                }
                row += 1
            }
        }
        // The customers' dense network on shuffled columns, second run (seed 5), trained again by hand.
        let split = a.data.split(.customers, .shuffled)
        var options = tinyShuffle.customerOptions
        options.seed = 5
        var trainer = Trainer(network: try Network(model: ShuffleExperiment.customerDense, seed: 5), options: options)
        trainer.train(on: split.train)
        let again = evaluate(trainer.network, on: split.heldOut).accuracy
        #expect(a.run(.customers, .shuffled, .dense)?.accuracies[1] == again)
        // The first run's last epoch is the first accuracy.
        for run in a.runs { #expect(run.history.last?.heldOut?.accuracy == run.accuracies.first) }

        #expect(a.runs.map(\.accuracies) == b.runs.map(\.accuracies))
        #expect(a.claims == b.claims)
        for (fa, fb) in zip(a.figures, b.figures) {
            #expect(fa.caption == fb.caption)
            #expect(try renderData(fa.figure, format: .png) == renderData(fb.figure, format: .png), "\(fa.name)")
        }
    }

    /// The customer tables right-align every numeric column (the label is a word), and the
    /// predictions about a change say it as the runs can show it: within or beyond their spread.
    @Test func customerTablesAlignNumbersAndClaimsSayTheSpread() throws {
        let r = try ShuffleExperiment.run(seed: 4, sizes: tinyShuffle, draw: rasterize)
        let customers = try #require(r.figures.first { $0.name == "shuffle-customers" })
        guard case .column(let tables, _) = customers.figure else { Issue.record("two tables"); return }
        #expect(tables.count == 2)
        for case .table(let t) in tables {
            let numeric = t.header.indices.filter { c in t.rows.allSatisfy { Double($0[c].replacingOccurrences(of: "−", with: "-")) != nil } }
            #expect(numeric.count == t.header.count - 1, "every column but the label is numeric")
            for c in numeric { #expect(t.alignments?[c] == .right, "column \(t.header[c]) is right-aligned") }
        }
        for p in r.predictions where p.text.hasPrefix("shuffling") {
            #expect(p.text.contains("spread of its runs"), "\(p.text)")
            #expect(!p.text.contains("did not change") && !p.text.contains("changed neither"))
        }
    }

    /// Every shuffled example holds its original's values, moved by one permutation σ:
    /// `shuffled[i] = original[σ(i)]`, the same σ for every example and both splits.
    @Test func shuffledExamplesArePermutationsOfTheOriginals() throws {
        let data = try ShuffleData.make(seed: 7, sizes: tinyShuffle, draw: rasterize)
        for d in ShuffleExperiment.Dataset.allCases {
            let sigma = data.permutation(d)
            let n = d == .digits ? 28 * 28 : CustomerTable.columns.count
            #expect(sigma.sorted() == Array(0..<n), "\(d): σ is a permutation")
            #expect(sigma.enumerated().filter { $0.offset != $0.element }.count * 2 >= n, "\(d): σ moves at least half")
            let original = data.split(d, .original), shuffled = data.split(d, .shuffled)
            for (o, s) in zip(original.train + original.heldOut, shuffled.train + shuffled.heldOut) {
                #expect(s.label == o.label)
                #expect(s.image.shape == o.image.shape)
                #expect(s.image.data == sigma.map { o.image.data[$0] })
                #expect(s.image.data.sorted() == o.image.data.sorted())
            }
            #expect(original.train.count + original.heldOut.count == shuffled.train.count + shuffled.heldOut.count)
        }
        // Antialiased digits: ink 1, paper 0, and gray edges between.
        let pixels = data.split(.digits, .original).train.flatMap(\.image.data)
        #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(pixels.contains(1) && pixels.contains(0) && pixels.contains { $0 > 0.1 && $0 < 0.9 })
    }

    /// The table's labels are the rule's: `stays` exactly when Σ w_j · (value_j − mean_j) / spread_j > 0,
    /// worked out here from the raw values and the columns' stated means and spreads.
    @Test func customerLabelsFollowTheRule() {
        let rule = CustomerTable.Rule(seed: 3)
        let used = rule.weights.filter { $0 != 0 }
        #expect(used.count == 3 && used.allSatisfy { abs($0) >= 0.5 && abs($0) <= 1.5 })
        let table = CustomerTable(count: 400, seed: 3, stream: "t", rule: rule)
        #expect(table.rows.count == 400 && table.labels.count == 400)
        for (row, label) in zip(table.rows, table.labels) {
            var score = 0.0
            for j in 0..<row.count { score += rule.weights[j] * (row[j] - CustomerTable.columns[j].mean) / CustomerTable.columns[j].spread }
            #expect(label == (score > 0 ? 1 : 0))
            for (v, c) in zip(row, CustomerTable.columns) {
                #expect(v >= c.lowest)
                let scaled = v * pow(10, Double(c.decimals))
                #expect(abs(scaled - scaled.rounded()) < 1e-6, "\(c.name) = \(v) has \(c.decimals) decimals")
            }
        }
        // Both answers occur.
        let stays = table.labels.filter { $0 == 1 }.count
        #expect(stays > 80 && stays < 320)
        #expect(CustomerTable(count: 400, seed: 3, stream: "t", rule: rule) == table)
    }

    @Test func digitDrawingsStayOnTheCanvasAndFollowTheSeed() {
        var a = DigitGenerator(seed: 9), b = DigitGenerator(seed: 9)
        let set = a.makeSet(count: 40)
        #expect(set.map(\.label) == (0..<40).map { $0 % 10 })
        for (drawing, _) in set {
            let r = drawing.lineWidth / 2
            for p in drawing.strokes.flatMap({ $0 }) {
                #expect(p.x - r >= 0 && p.x + r <= 28 && p.y - r >= 0 && p.y + r <= 28)
            }
            #expect(drawing.lineWidth >= 1.5 && drawing.lineWidth <= 2.8)
        }
        #expect(b.makeSet(count: 40).map(\.drawing) == set.map(\.drawing))
    }
}
