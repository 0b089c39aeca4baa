import CNNAnalysis
import CNNCore
import CNNFigures

/// Sizes on paper, in points: answer boxes 17 mm × 11 mm, grid cells at least 8 mm.
enum Paper {
    static let box = (width: 48.0, height: 32.0)
    static let pixel = 24.0
    static let cell = 34.0
    static let font = 11.0
}

extension WorksheetBuilder {
    // MARK: part 1, convolution

    mutating func convolutionPart() -> WorksheetPart {
        let (rows, cols) = mapShape
        feature = Int(rng.next() % UInt64(record(conv, .weight).shape[0]))
        let all = (0..<rows).flatMap { i in (0..<cols).compactMap { convDerivation(feature, i, $0) } }
        let candidates = all.filter { (2...7).contains($0.patch.filter { $0 > 0 }.count) }
        // A sum of at least 3 either way, so ÷8 and ÷9 differ by more than the marking tolerance.
        let clear = candidates.filter { abs($0.sum) >= 3 }
        let chosen = pick(clear.isEmpty ? candidates : clear) ?? all.first
        patch = chosen.map { (row: $0.row, col: $0.col) } ?? (0, 0)
        let o = feature, (i, j) = patch
        let v = value(conv, .output, [o, i, j]), sum = chosen?.sum ?? .nan, n = Double(chosen?.divisor ?? 1)
        let added = zip(chosen?.patch ?? [], chosen?.weights ?? []).map { $0 + $1 }.reduce(0, +)
        let neighbours = [(i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)].filter { $0.0 >= 0 && $0.0 < rows && $0.1 >= 0 && $0.1 < cols }
            .compactMap { convDerivation(o, $0.0, $0.1) }
        let query = "\(conv).output\(ix([o, i, j]))"
        let where_ = "rows \(i + 1)–\(i + 3), columns \(j + 1)–\(j + 3)"
        let q = [
            prediction("1p", "Predict before you compute: will the value be close to 1, close to 0, or close to −1?",
                       answer: v > 1.0 / 3 ? "1" : v < -1.0 / 3 ? "-1" : "0", derivation: "the value is \(formatNumber(v, .standard))"),
            question("1a", .convolution, "the sum of the 9 products (feature pixel × picture pixel)", answer: sum, source: query,
                     derivation: derivation(query),
                     mistakes: [(.signFlipped, -sum), (.addedInsteadOfMultiplied, added)] + neighbours.map { (.offByOnePatch, $0.sum) }),
            question("1b", .convolution, "the sum divided by 9, to 2 decimals", answer: v, source: query, derivation: derivation(query),
                     mistakes: [(.divideBy8, sum / 8), (.noDivision, sum), (.signFlipped, -v), (.addedInsteadOfMultiplied, added / n)]
                        + neighbours.map { (.offByOnePatch, $0.value) }),
        ]
        let student = convolutionFigures(products: nil), key = convolutionFigures(products: chosen?.products)
        let text = ["The picture is \(picture). Lay feature \(o + 1) over the patch outlined at \(where_). "
            + "Multiply each feature pixel by the picture pixel under it and write the 9 products in the empty grid. "
            + "Then add them up (1a), and divide the sum by 9 (1b). First, answer 1p."]
        return WorksheetPart(title: "1. Convolution by hand", text: text, student: student + [answerBoxes(q)],
                             key: key + [answerBoxes(q)], questions: q)
    }

    private func convolutionFigures(products: [Double]?) -> [Figure] {
        let x = record(conv, .input), o = feature
        guard let image = Grid(rows: x.shape[1], cols: x.shape[2], values: Array(x.data.prefix(x.shape[1] * x.shape[2]))),
              let weight = Grid(rows: 3, cols: 3, values: (0..<9).map { value(conv, .weight, [o, 0, $0 / 3, $0 % 3]) }) else { return [] }
        let outlined = Set((0..<3).flatMap { a in (0..<3).map { Cell(row: patch.row + a, col: patch.col + $0) } })
        let picture = WorksheetGridFigure(cells: WorksheetGridFigure.numbers(image, style: .rounded(0)), shades: image, outlined: outlined,
                                          cellWidth: Paper.pixel, cellHeight: Paper.pixel, fontSize: 9, title: "the picture",
                                          showRowColumnNumbers: true)
        let feat = WorksheetGridFigure(cells: WorksheetGridFigure.numbers(weight, style: .rounded(0)), shades: weight,
                                       cellWidth: Paper.cell, cellHeight: Paper.cell, fontSize: Paper.font, title: "feature \(o + 1)")
        let cells: [[WorksheetGridFigure.Content]] = (0..<3).map { a in (0..<3).map { b in
            products.map { .given(formatCount($0[a * 3 + b], .standard)) } ?? .blank(nil)
        } }
        let prods = WorksheetGridFigure(cells: cells, cellWidth: Paper.box.width, cellHeight: Paper.box.height, fontSize: Paper.font,
                                        title: "products")
        return [.row([.worksheetGrid(picture), .worksheetGrid(feat), .worksheetGrid(prods)], spacing: 22)]
    }

    /// One labelled box per scored or predicted question: "1a  the sum of …  [    ]".
    func answerBoxes(_ questions: [WorksheetQuestion]) -> Figure {
        .column(questions.map { q in
            .row([.worksheetGrid(WorksheetGridFigure(cells: [[.blank(q.id)]], cellWidth: 72,
                                                     cellHeight: Paper.box.height, fontSize: Paper.font)),
                  .text(TextBlock(markup: "<b>\(q.id)</b>  " + TextBlock.escape(q.prompt), width: 380, fontSize: Paper.font))], spacing: 10)
        }, spacing: 8)
    }
}
