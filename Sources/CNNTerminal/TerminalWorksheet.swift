import CNNFigures

extension FigureText {
    /// A worksheet grid as text: given cells right-aligned, blanks as `[ a ]` boxes, outlined
    /// cells between `>` and `<`.
    func worksheetGrid(_ f: WorksheetGridFigure) -> Panel {
        let texts: [[String]] = f.cells.map { row in
            row.map { c in
                switch c {
                case .given(let s): return s
                case .blank(let label): return "[" + (label ?? "") + "]"
                }
            }
        }
        let cellWidth = max(3, texts.flatMap { $0 }.map(displayWidth).max() ?? 3)
        var lines: [String] = []
        for (r, row) in texts.enumerated() {
            var line = ""
            for (c, text) in row.enumerated() {
                let marked = f.outlined.contains(Cell(row: r, col: c))
                let padded = String(repeating: " ", count: max(0, cellWidth - displayWidth(text))) + text
                line += (marked ? ">" : " ") + padded + (marked ? "<" : " ")
            }
            lines.append(line)
        }
        return Panel(lines).titled(f.title, palette: palette)
    }
}
