import CNNFigures

// Terminal text for the error curve (see `FigureText`): the slides' U turned on its side.
extension FigureText {
    /// One row per weight tried, with its error and a bar as long as the error, so the bars
    /// trace the U; the row of the weight now is marked, and the figure's notes follow.
    func errorCurve(_ f: ErrorCurveFigure) -> Panel {
        var rows = zip(f.weights, f.errors).map { (w: $0.0, e: $0.1, now: false) }
        if let at = rows.firstIndex(where: { $0.w == f.weight }) {
            rows[at].now = true
        } else {
            rows.append((f.weight, f.error, true))
            rows.sort { $0.w < $1.w }
        }
        let top = rows.map(\.e).filter(\.isFinite).max() ?? 1
        let weightWidth = max(6, rows.map { displayWidth(ErrorCurveFigure.short($0.w)) }.max() ?? 0)
        let errorWidth = max(5, rows.map { displayWidth(formatNumber($0.e, f.numberStyle)) }.max() ?? 0)
        let barWidth = max(4, min(30, width - weightWidth - errorWidth - 14))
        var lines = [padRight("weight", weightWidth) + "  " + padLeft("error", errorWidth)]
        for r in rows {
            let n = top > 0 && r.e.isFinite ? Int((r.e / top * Double(barWidth)).rounded()) : 0
            var line = padLeft(ErrorCurveFigure.short(r.w), weightWidth) + "  " + padLeft(formatNumber(r.e, f.numberStyle), errorWidth)
            line += "  " + String(repeating: "█", count: max(0, n))
            if r.now { line += " ← now" }
            lines.append(line)
        }
        let notes = f.notes.flatMap { wrap([Span(text: $0, ink: Ink())], width: width, palette: palette) }
        return Panel.stacked([Panel(lines), Panel(notes)], gap: 0).titled(f.title ?? "error against \(f.weightName)", palette: palette)
    }
}
