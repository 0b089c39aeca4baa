import CNNAnalysis
import CNNCore
import CNNFigures

extension WorksheetBuilder {
    /// The cells of pooling window `(i, j)`.
    func cells(ofWindow w: (row: Int, col: Int)) -> [Cell] {
        windows.rows(w.row).flatMap { r in windows.cols(w.col).map { Cell(row: r, col: $0) } }
    }

    /// The signed map of the chosen feature, numbers given, the part-1 cell blank, `outlined` outlined.
    func signedMap(outlined: [Cell]) -> Figure {
        let (rows, cols) = mapShape
        let cells: [[WorksheetGridFigure.Content]] = (0..<rows).map { r in (0..<cols).map { c in
            (r, c) == (patch.row, patch.col) ? .blank("1b") : .given(formatNumber(value(conv, .output, [feature, r, c]), .standard))
        } }
        return .worksheetGrid(WorksheetGridFigure(cells: cells, outlined: Set(outlined), cellWidth: Paper.cell + 4,
                                                  cellHeight: Paper.cell - 4, fontSize: 10,
                                                  title: "the map of feature \(feature + 1)", showRowColumnNumbers: true))
    }

    mutating func reluPart() -> WorksheetPart {
        let full = (0..<windows.outH).flatMap { i in (0..<windows.outW).map { (row: i, col: $0) } }
            .filter { !windows.isPartial($0.row, $0.col) && !cells(ofWindow: $0).contains(Cell(row: patch.row, col: patch.col)) }
        func signs(_ w: (row: Int, col: Int)) -> (neg: Bool, pos: Bool) {
            let v = cells(ofWindow: w).map { value(conv, .output, [feature, $0.row, $0.col]) }
            return (v.contains { $0 < 0 }, v.contains { $0 > 0 })
        }
        windowA = pick(full.filter { signs($0).neg && signs($0).pos }) ?? pick(full) ?? (0, 0)
        let rest = full.filter { $0 != windowA }
        windowB = pick(rest.filter { signs($0).neg }) ?? pick(rest) ?? (0, 0)
        let labels = ["2a", "2b", "2c", "2d"]
        var questions: [WorksheetQuestion] = []
        for (k, cell) in cells(ofWindow: windowA).enumerated() where k < labels.count {
            let c = value(conv, .output, [feature, cell.row, cell.col])
            let query = "\(relu).output\(ix([feature, cell.row, cell.col]))"
            questions.append(question(labels[k], .relu, "ReLU of the number at row \(cell.row + 1), column \(cell.col + 1)",
                                      answer: value(relu, .output, [feature, cell.row, cell.col]), source: query,
                                      derivation: derivation(query), mistakes: c < 0 ? [(.keptNegative, c), (.signFlipped, -c)] : [(.signFlipped, -c)]))
        }
        let blanks = WorksheetGridFigure(cells: [[.blank("2a"), .blank("2b")], [.blank("2c"), .blank("2d")]],
                                         cellWidth: Paper.box.width + 8, cellHeight: Paper.box.height + 8, fontSize: Paper.font,
                                         title: "after ReLU")
        let text = ["Here is the whole map of feature \(feature + 1), as the network computed it (your answer 1b is the empty cell). "
            + "ReLU keeps positive numbers and turns every negative number into 0. "
            + "Write ReLU of the four outlined numbers in the grid on the right, in the same places."]
        return WorksheetPart(title: "2. ReLU", text: text,
                             student: [.row([signedMap(outlined: cells(ofWindow: windowA)), .worksheetGrid(blanks)], spacing: 24)],
                             questions: questions)
    }

    mutating func poolingPart() -> WorksheetPart {
        let q = [poolQuestion("3a", windowA, "max pooling of your four numbers 2a–2d"),
                 poolQuestion("3b", windowB, "max pooling of the window outlined below (ReLU first!)")]
        let text = ["Max pooling keeps the largest number in each 2×2 window. "
            + "3a: pool the window you just put through ReLU. 3b: pool the outlined window below; put its numbers through ReLU first."]
        return WorksheetPart(title: "3. Pooling", text: text,
                             student: [signedMap(outlined: cells(ofWindow: windowB)), answerBoxes(q)], questions: q)
    }

    private func poolQuestion(_ id: String, _ w: (row: Int, col: Int), _ prompt: String) -> WorksheetQuestion {
        let answer = value(pool, .output, [feature, w.row, w.col])
        let inWindow = cells(ofWindow: w)
        let after = inWindow.map { value(relu, .output, [feature, $0.row, $0.col]) }
        let before = inWindow.map { value(conv, .output, [feature, $0.row, $0.col]) }
        var mistakes: [(MistakeKind, Double)] = [(.minInsteadOfMax, after.min() ?? .nan), (.pooledBeforeReLU, before.max() ?? .nan),
                                                 (.signFlipped, -answer)]
        // Neighbouring windows, and the same window moved by one cell (as if the stride were 1).
        for (di, dj) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let (ni, nj) = (w.row + di, w.col + dj)
            if ni >= 0, nj >= 0, ni < windows.outH, nj < windows.outW { mistakes.append((.wrongWindow, value(pool, .output, [feature, ni, nj]))) }
            let shifted = inWindow.map { Cell(row: $0.row + di, col: $0.col + dj) }
            if shifted.allSatisfy({ $0.row >= 0 && $0.col >= 0 && $0.row < mapShape.rows && $0.col < mapShape.cols }) {
                mistakes.append((.wrongWindow, shifted.map { value(relu, .output, [feature, $0.row, $0.col]) }.max() ?? .nan))
            }
        }
        let query = "\(pool).output\(ix([feature, w.row, w.col]))"
        return question(id, .pooling, prompt, answer: answer, source: query, derivation: derivation(query), mistakes: mistakes)
    }
}
