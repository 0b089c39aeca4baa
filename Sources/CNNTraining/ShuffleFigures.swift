import CNNCore
import CNNData
import CNNFigures
import Foundation

/// The shuffle lesson's figures, built from the experiment's result.
enum ShuffleFigures {
    typealias Dataset = ShuffleExperiment.Dataset
    typealias Arrangement = ShuffleExperiment.Arrangement
    typealias Architecture = ShuffleExperiment.Architecture

    static func make(_ r: ShuffleResult) -> [(name: String, caption: String, figure: Figure)] {
        [digitExamples(r), customerExamples(r), accuracyTable(r), trainingCurves(r), cnnFeatures(r)].compactMap { $0 }
    }

    /// A 28×28 picture as the lesson draws it: ink (1) white, paper (0) black, as the article's ±1.
    static func picture(_ image: Tensor, title: String?) -> Figure {
        let s = ShuffleExperiment.digitSize
        let grid = Grid(rows: s, cols: s, values: image.data.map { 2 * $0 - 1 }) ?? Grid([[]])
        return .image(ImageFigure(grid: grid, title: title, cellSize: 1.55))
    }

    /// 1. Twenty held-out digits, two of each, each drawn above its shuffled version.
    static func digitExamples(_ r: ShuffleResult) -> (name: String, caption: String, figure: Figure)? {
        let original = r.data.split(.digits, .original).heldOut, shuffled = r.data.split(.digits, .shuffled).heldOut
        let count = min(20, original.count, shuffled.count)
        guard count > 0 else { return nil }
        var rows: [Figure] = []
        for start in stride(from: 0, to: count, by: 10) {
            let shown = start..<min(start + 10, count)
            rows.append(.row(shown.map { picture(original[$0].image, title: "\(original[$0].label)") }, spacing: 4))
            rows.append(.row(shown.map { picture(shuffled[$0].image, title: nil) }, spacing: 4))
        }
        let n = ShuffleExperiment.digitSize
        return ("shuffle-digits", "The first \(count) held-out digits: each drawn picture (titled with its digit) above the same "
                + "picture with its \(n * n) pixels shuffled, ink white on black. Every picture, in the training and the held-out set alike, gets the same "
                + "shuffle: pixel i of a shuffled picture is pixel σ(i) of the drawn one, for one fixed random order σ. So a shuffled "
                + "picture holds exactly the drawn picture's values, and can be put back.", .column(rows, spacing: 8))
    }

    /// 2. The first six held-out customers, columns as made and shuffled.
    static func customerExamples(_ r: ShuffleResult) -> (name: String, caption: String, figure: Figure)? {
        let table = r.data.heldOutCustomers
        let count = min(6, table.rows.count)
        guard count > 0 else { return nil }
        let columns = CustomerTable.columns
        func cell(_ v: Double, _ j: Int) -> String { formatNumber(v, .rounded(columns[j].decimals)) }
        func make(_ order: [Int], title: String) -> Figure {
            let rows = (0..<count).map { i in order.map { cell(table.rows[i][$0], $0) } + [CustomerTable.classes[table.labels[i]]] }
            // Every numeric column right-aligned, so digits line up; the label is a word.
            var figure = TableFigure(header: order.map { columns[$0].name } + ["label"], rows: rows, title: title,
                                     alignments: Array(repeating: .right, count: order.count) + [.left], fontSize: 9.5)
            for i in 0..<count {
                for (c, j) in order.enumerated() {
                    let why = "a value of the generated data: held-out customer \(i + 1)'s \(columns[j].name), drawn by the customer table's generator from the lesson's seed"
                    figure.sources[Cell(row: i, col: c)] = [TextSource(rows[i][c], derived: DerivedNumber("customer \(i + 1)'s \(columns[j].name)", .given(why), [], value: table.rows[i][j]))]
                }
            }
            return .table(figure)
        }
        let pi = r.data.columnPermutation
        let figure = Figure.column([make(Array(columns.indices), title: "columns as made"), make(pi, title: "columns shuffled")], spacing: 14)
        return ("shuffle-customers", "The first six held-out customers, with the columns as made and in the shuffled order, "
                + "the same for every row. The label is the rule's answer: "
                + ruleText(table.rule) + " (z = the value's distance from the column's mean, in standard deviations).", figure)
    }

    /// The rule as a formula, e.g. `stays when 0.8·visits − 1.2·distance + 0.6·tenure > 0`.
    static func ruleText(_ rule: CustomerTable.Rule) -> String {
        var terms: [String] = []
        for (j, w) in rule.weights.enumerated() where w != 0 {
            let size = formatNumber(abs(w), .rounded(1)) + "·z(\(CustomerTable.columns[j].name))"
            terms.append(terms.isEmpty ? (w < 0 ? "−" : "") + size : (w < 0 ? "− " : "+ ") + size)
        }
        return "stays when " + terms.joined(separator: " ") + " > 0"
    }

    /// One cell of the accuracy table: `mean (lowest–highest)`.
    static func accuracyCell(_ run: ShuffleResult.Run) -> String {
        let f = { (x: Double) in formatNumber(100 * x, .rounded(1)) }
        return "\(f(run.accuracy))% (\(f(run.lowest))–\(f(run.highest)))"
    }

    /// The accuracy table's rows: data set, version, CNN, dense.
    static func accuracyRows(_ r: ShuffleResult) -> [[String]] {
        let names: [Dataset: (String, String)] = [.digits: ("digits", "pixels shuffled"), .customers: ("customers", "columns shuffled")]
        var rows: [[String]] = []
        for d in Dataset.allCases {
            for a in Arrangement.allCases {
                let version = a == .original ? (d == .digits ? "as drawn" : "as made") : (names[d]?.1 ?? "")
                rows.append([names[d]?.0 ?? d.rawValue, version] + Architecture.allCases.map { m in r.run(d, a, m).map(accuracyCell) ?? "–" })
            }
        }
        return rows
    }

    /// The share of the commoner of two labels (0 or 1).
    static func majority(_ labels: [Int]) -> Double {
        let ones = Double(labels.filter { $0 == 1 }.count), n = Double(max(1, labels.count))
        return max(ones, n - ones) / n
    }

    static func epochs(_ n: Int) -> String { n == 1 ? "1 epoch" : "\(n) epochs" }

    /// 3. The accuracy table.
    static func accuracyTable(_ r: ShuffleResult) -> (name: String, caption: String, figure: Figure)? {
        func weights(_ d: Dataset, _ m: Architecture) -> String { formatCount(Double(r.run(d, .original, m)?.parameterCount ?? 0), .standard) }
        let header = ["data", "version", "CNN", "dense"]
        let s = r.sizes
        let caption = "Held-out accuracy: the mean of \(s.runs) trainings from different seeds, and in brackets the lowest and "
            + "highest. Digits: \(s.digitTrain) training and \(s.digitHeldOut) held-out pictures, \(epochs(s.digitOptions.epochs)); "
            + "the CNN has \(weights(.digits, .cnn)) weights, the dense network \(weights(.digits, .dense)). Customers: "
            + "\(s.customerTrain) training and \(s.customerHeldOut) held-out rows, \(epochs(s.customerOptions.epochs)); the CNN has "
            + "\(weights(.customers, .cnn)) weights, the dense network \(weights(.customers, .dense)). Guessing gets 10% of the digits "
            + "right; always answering the commoner label gets \(ShuffleResult.pct(majority(r.data.heldOutCustomers.labels))) of the "
            + "held-out customers right."
        var table = TableFigure(header: header, rows: accuracyRows(r), alignments: [.left, .left, .right, .right], fontSize: 10)
        for (d, dataset) in Dataset.allCases.enumerated() {
            for (a, arrangement) in Arrangement.allCases.enumerated() {
                for (m, architecture) in Architecture.allCases.enumerated() {
                    guard let run = r.run(dataset, arrangement, architecture) else { continue }
                    table.sources[Cell(row: d * Arrangement.allCases.count + a, col: 2 + m)] =
                        RunStatistics.sources(run.accuracies, of: "\(architecture == .cnn ? "CNN" : "dense"), \(dataset.rawValue) \(arrangement.rawValue)")
                }
            }
        }
        return ("shuffle-accuracy", caption, .table(table))
    }

    /// 4. Held-out accuracy per epoch on the digits, the first run of each network.
    static func trainingCurves(_ r: ShuffleResult) -> (name: String, caption: String, figure: Figure)? {
        let plots: [Figure] = Architecture.allCases.map { m in
            let series = Arrangement.allCases.compactMap { a in
                r.run(.digits, a, m).map { run in Series(name: a == .original ? "as drawn" : "shuffled", y: run.history.map { 100 * ($0.heldOut?.accuracy ?? .nan) }) }
            }
            return .linePlot(LinePlotFigure(series: series, title: m == .cnn ? "CNN" : "dense network", xLabel: "epoch",
                                            yLabel: "held-out % right", yRange: 0...100, width: 230, height: 190))
        }
        return ("shuffle-training", "Held-out accuracy on the digits after each epoch: the first of the \(r.sizes.runs) trainings "
                + "of each network, on the pictures as drawn and shuffled.", .row(plots, spacing: 20))
    }

    /// 5. The CNN's learned features on the digits, as drawn and shuffled.
    static func cnnFeatures(_ r: ShuffleResult) -> (name: String, caption: String, figure: Figure)? {
        let rows: [FilterRow] = Arrangement.allCases.compactMap { a in
            r.network(.digits, a, .cnn).map { FilterRow(label: a == .original ? "as drawn" : "shuffled", features: AudioFigures.featureGrids($0, layer: "conv1")) }
        }
        guard !rows.isEmpty else { return nil }
        return ("shuffle-features", "The CNN's eight learned 5×5 features on the digits (the first training on each version), "
                + "each with its own gray scale. On the drawn pictures a 5×5 patch holds a piece of a stroke; on the shuffled ones it "
                + "holds 25 pixels from all over the picture.",
                .filterBank(FilterBankFigure(rows: rows, showNumbers: false, cellSize: 9)))
    }
}
