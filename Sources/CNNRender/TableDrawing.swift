// Draws `TableFigure`: a bold header on gray, rows of text, grid lines.

import CNNFigures
import Foundation

extension Drawer {
    func drawTable(_ f: TableFigure) throws -> Size {
        let columns = max(f.header.count, f.rows.map(\.count).max() ?? 0)
        guard columns > 0 else { throw RenderError.invalidFigure("a table needs at least one column") }
        let p = painter
        let titleFont = FontStyle(size: 13, bold: true)
        let font = FontStyle(size: f.fontSize), boldFont = FontStyle(size: f.fontSize, bold: true)
        let padX = 8.0, rowHeight = (f.fontSize * 1.9).rounded()
        func cell(_ row: [String], _ c: Int) -> String { c < row.count ? row[c] : "" }
        func alignment(_ c: Int) -> TableAlignment {
            if let a = f.alignments, c < a.count { return a[c] }
            return c == 0 ? .left : .right
        }
        var widths = [Double](repeating: 0, count: columns)
        for c in 0..<columns {
            widths[c] = p.textWidth(cell(f.header, c), boldFont)
            for (r, row) in f.rows.enumerated() {
                widths[c] = max(widths[c], p.textWidth(cell(row, c), f.bold.contains(Cell(row: r, col: c)) ? boldFont : font))
            }
            widths[c] += 2 * padX
        }
        var top = 0.0
        if let title = f.title, !title.isEmpty {
            p.text(title, x: 0, y: 15, titleFont)
            top = 24
        }
        let totalW = widths.reduce(0, +), totalH = Double(f.rows.count + 1) * rowHeight
        p.fillRect(0, top, totalW, rowHeight, RGB(hex: 0xEDEDED))
        func write(_ text: String, row: Int, col: Int, _ style: FontStyle) {
            let x0 = widths[..<col].reduce(0, +)
            let baseline = top + Double(row) * rowHeight + rowHeight / 2 + style.size * 0.36
            switch alignment(col) {
            case .left: p.text(text, x: x0 + padX, y: baseline, style)
            case .center: p.text(text, x: x0 + widths[col] / 2, y: baseline, style, align: .center)
            case .right: p.text(text, x: x0 + widths[col] - padX, y: baseline, style, align: .right)
            }
        }
        for c in 0..<columns { write(cell(f.header, c), row: 0, col: c, boldFont) }
        for (r, row) in f.rows.enumerated() {
            for c in 0..<columns { write(cell(row, c), row: r + 1, col: c, f.bold.contains(Cell(row: r, col: c)) ? boldFont : font) }
        }
        // Grid: light inner lines, a darker rule under the header, a dark frame.
        var x = 0.0
        for c in 0..<(columns - 1) { x += widths[c]; p.line(x, top, x, top + totalH, Palette.mapGridLine, width: 0.75) }
        for r in 2..<max(2, f.rows.count + 1) {
            let y = top + Double(r) * rowHeight
            p.line(0, y, totalW, y, Palette.mapGridLine, width: 0.75)
        }
        p.line(0, top + rowHeight, totalW, top + rowHeight, Palette.ink, width: 1.25)
        p.strokeRect(0, top, totalW, totalH, Palette.ink, width: 1)
        let titleWidth = f.title.map { p.textWidth($0, titleFont) } ?? 0
        return Size(width: max(totalW, titleWidth), height: top + totalH)
    }
}
