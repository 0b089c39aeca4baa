import CNNAnalysis
import CNNCore
import CNNFigures

extension WhatIfResult {
    /// One figure per forward array that changed: the array before (the original grid, changed
    /// cells outlined) beside the array after (the same cells outlined). Images are drawn as
    /// pixels, maps with their numbers, parameters as grids of numbers, the votes as bars.
    /// A later layer's `input` (the previous layer's output) is not drawn twice.
    public func figures(style: NumberStyle) -> [LessonFigure] {
        var result: [LessonFigure] = []
        let layers = before.model.layers.map(\.name)
        for d in differences where d.pass == .forward {
            guard let li = layers.firstIndex(of: d.layer), d.role != .input || li == 0,
                  let a = before.record(d.layer, d.role), let b = after.record(d.layer, d.role) else { continue }
            let cells = d.elements.map(\.index)
            let name = String(format: "%02d-%@-%@", result.count + 1, d.layer, d.role.rawValue)
            let figure = pair(a, b, changed: cells, isImage: d.role == .input, isVotes: li == layers.count - 1 && d.role == .output,
                              style: style)
            result.append(LessonFigure(name: name, caption: "\(d.layer).\(d.role): \(d.elements.count) changed (outlined), before and after",
                                       figure: figure))
        }
        return result
    }

    /// All the figures in one column, with the changes as a heading: the one-page summary.
    public func summaryFigure(style: NumberStyle) -> Figure {
        let heading = TextBlock(markup: "<b>What if we " + TextBlock.escape(describeChanges()) + "?</b>  "
                                + "\(changedCount) numbers changed. Changed cells are outlined, before and after.",
                                width: 620, fontSize: 13)
        let parts = figures(style: style).map { f in
            Figure.column([.text(TextBlock(markup: TextBlock.escape(f.caption), width: 620, fontSize: 11)), f.figure], spacing: 4)
        }
        return .column([.text(heading)] + parts, spacing: 18)
    }

    private func pair(_ a: TraceRecord, _ b: TraceRecord, changed: [[Int]], isImage: Bool, isVotes: Bool,
                      style: NumberStyle) -> Figure {
        if isVotes {
            let names = before.model.classNames
            let labels = a.data.indices.map { $0 < names.count ? names[$0] : "\($0)" }
            let range = min(0, a.data.min() ?? 0, b.data.min() ?? 0)...max(1, a.data.max() ?? 1, b.data.max() ?? 1)
            return .row([.voteBars(VoteBarsFigure(labels: labels, values: a.data, title: "votes before", range: range, numberStyle: style)),
                         .voteBars(VoteBarsFigure(labels: labels, values: b.data, title: "votes after", range: range, numberStyle: style))])
        }
        let before = grids(a, changed: changed, isImage: isImage, when: "before", style: style)
        let after = grids(b, changed: changed, isImage: isImage, when: "after", style: style)
        // Several maps: before above after, so the page stays narrow; one grid: side by side.
        let planes = a.shape.count >= 3 ? a.data.count / max(1, a.shape.suffix(2).reduce(1, *)) : 1
        return planes > 1 ? .column([before, after], spacing: 12) : .row([before, after], spacing: 36)
    }

    /// The planes of a record as grids: `[C, H, W]` one per channel, `[O, C, h, w]` one per
    /// (o, c), anything else as rows of its last dimension.
    private func grids(_ r: TraceRecord, changed: [[Int]], isImage: Bool, when: String, style: NumberStyle) -> Figure {
        let cols = r.shape.last ?? 1, rows = r.shape.count >= 2 ? r.shape[r.shape.count - 2] : 1
        let planeSize = max(1, rows * cols)
        let planes = max(1, r.data.count / planeSize)
        var figures: [Figure] = []
        for p in 0..<planes {
            let values = Array(r.data[(p * planeSize)..<((p + 1) * planeSize)])
            guard let grid = Grid(rows: rows, cols: cols, values: values) else { continue }
            let outlined = Set(changed.filter { offset(of: $0, shape: r.shape) / planeSize == p }.map { idx -> Cell in
                let o = offset(of: idx, shape: r.shape) % planeSize
                return Cell(row: o / cols, col: o % cols)
            })
            let title = planes > 1 ? "\(when), \(r.role == .weight ? "weights" : "map") \(p + 1)" : when
            if isImage {
                figures.append(.image(ImageFigure(grid: grid, title: title, highlighted: outlined, cellSize: 20)))
            } else if r.role == .output {
                figures.append(.featureMap(FeatureMapFigure(map: grid, title: title, numberStyle: style, showLegend: false,
                                                            highlighted: outlined, cellSize: 30)))
            } else {
                figures.append(.worksheetGrid(WorksheetGridFigure(cells: WorksheetGridFigure.numbers(grid, style: style),
                                                                  outlined: outlined, cellWidth: 40, cellHeight: 26, fontSize: 11, title: title)))
            }
        }
        return figures.count > 3 ? .column(stride(from: 0, to: figures.count, by: 3).map { .row(Array(figures[$0..<min($0 + 3, figures.count)]), spacing: 12) }, spacing: 10)
            : .row(figures, spacing: 12)
    }

    private func offset(of index: [Int], shape: [Int]) -> Int {
        zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }
}
