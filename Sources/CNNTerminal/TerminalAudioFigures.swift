import CNNFigures

// Terminal text for the spectrogram and table figures (see `FigureText`).
extension FigureText {
    /// Shades from quiet to loud: ` ░▒▓█`, two columns per cell when they fit, with Hz labels on
    /// the left (every fourth band's lower edge, and the top) and the time range underneath.
    func spectrogram(_ f: SpectrogramFigure) -> Panel {
        let shades = Array(" ░▒▓█")
        let rows = f.grid.rows, cols = f.grid.cols
        guard rows > 0, cols > 0, f.bandEdges.count == rows + 1, f.timeEdges.count == cols + 1 else {
            return Panel(["(empty spectrogram)"]).titled(f.title, palette: palette)
        }
        func hz(_ v: Double) -> String { String(Int(v.rounded())) }
        let labelWidth = max(displayWidth(hz(f.bandEdges[rows])), displayWidth(hz(f.bandEdges[0]))) + 1
        let perCell = labelWidth + 2 + 2 * cols <= width ? 2 : 1
        let lo = f.range.lowerBound, span = f.range.upperBound - f.range.lowerBound
        var lines: [String] = []
        for r in 0..<rows {
            let band = rows - 1 - r
            let label = r == 0 ? hz(f.bandEdges[rows]) : (band % 4 == 0 ? hz(f.bandEdges[band]) : "")
            var line = padLeft(label, labelWidth) + (label.isEmpty ? " │" : " ┤")
            for c in 0..<cols {
                let v = f.grid[r, c]
                let t = span > 0 && v.isFinite ? max(0, min(1, (v - lo) / span)) : 0
                let ch = shades[min(shades.count - 1, Int(t * Double(shades.count - 1) + 0.5))]
                line += String(repeating: ch, count: perCell)
            }
            lines.append(line)
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: perCell * cols))
        let t0 = formatNumber(f.timeEdges[0], .rounded(2)), t1 = formatNumber(f.timeEdges[cols], .rounded(2)) + " s"
        let gap = max(1, perCell * cols - displayWidth(t0) - displayWidth(t1))
        lines.append(String(repeating: " ", count: labelWidth + 2) + t0 + String(repeating: " ", count: gap) + t1)
        let legend = "frequency (Hz) up, time across; ░▒▓█ quiet → loud (\(formatNumber(lo, .rounded(1))) … \(formatNumber(f.range.upperBound, .rounded(1))))"
        return Panel.stacked([Panel(lines), Panel(wrap([Span(text: legend, ink: Ink(dim: true))], width: width, palette: palette))], gap: 0)
            .titled(f.title, palette: palette)
    }

    /// A box-drawn table: header, a rule, rows; the first column left-aligned and the rest right
    /// unless the figure says otherwise.
    func table(_ f: TableFigure) -> Panel {
        let columns = max(f.header.count, f.rows.map(\.count).max() ?? 0)
        guard columns > 0 else { return Panel([]).titled(f.title, palette: palette) }
        func cell(_ row: [String], _ c: Int) -> String { c < row.count ? row[c] : "" }
        let widths = (0..<columns).map { c in ([f.header] + f.rows).map { displayWidth(cell($0, c)) }.max() ?? 0 }
        func line(_ row: [String], bold: (Int) -> Bool) -> String {
            let cells = (0..<columns).map { c -> String in
                let text = cell(row, c)
                let right: Bool
                if let a = f.alignments, c < a.count { right = a[c] == .right } else { right = c > 0 }
                let padded = right ? padLeft(text, widths[c]) : padRight(text, widths[c])
                return " " + (bold(c) ? palette.paint(padded, .bold) : padded) + " "
            }
            return "│" + cells.joined(separator: "│") + "│"
        }
        func rule(_ l: String, _ m: String, _ r: String) -> String {
            l + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: m) + r
        }
        var lines = [rule("┌", "┬", "┐"), line(f.header) { _ in true }, rule("├", "┼", "┤")]
        for (r, row) in f.rows.enumerated() { lines.append(line(row) { f.bold.contains(Cell(row: r, col: $0)) }) }
        lines.append(rule("└", "┴", "┘"))
        return Panel(lines).titled(f.title, palette: palette)
    }
}
