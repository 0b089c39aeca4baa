// Worksheet grids: given numbers and blank boxes sized for handwriting.

import CNNFigures

extension Drawer {
    /// Draws a `WorksheetGridFigure` with its top-left at the origin; returns its size.
    func drawWorksheetGrid(_ f: WorksheetGridFigure) -> Size {
        let titleFont = FontStyle(size: max(11, f.fontSize), bold: true)
        let labelFont = FontStyle(size: max(7, f.fontSize * 0.6))
        var top = 0.0
        if let title = f.title, !title.isEmpty {
            painter.text(title, x: 0, y: titleFont.size, titleFont)
            top = titleFont.size * 1.6
        }
        let left = f.showRowColumnNumbers ? labelFont.size * 2.2 : 0
        if f.showRowColumnNumbers { top += labelFont.size * 1.5 }
        let columns = f.cells.map(\.count).max() ?? 0
        for (r, row) in f.cells.enumerated() {
            for (c, content) in row.enumerated() {
                let x = left + Double(c) * f.cellWidth, y = top + Double(r) * f.cellHeight
                drawWorksheetCell(content, f: f, row: r, col: c, x: x, y: y)
            }
        }
        if f.showRowColumnNumbers {
            for c in 0..<columns {
                painter.textCentered(String(f.firstColumn + c), cx: left + (Double(c) + 0.5) * f.cellWidth,
                                     cy: top - labelFont.size * 0.8, labelFont, maxWidth: f.cellWidth, color: Palette.muted)
            }
            for r in f.cells.indices {
                painter.textCentered(String(f.firstRow + r), cx: left / 2, cy: top + (Double(r) + 0.5) * f.cellHeight,
                                     labelFont, maxWidth: left, color: Palette.muted)
            }
        }
        // Sorted: a Set's order changes from run to run, and the bytes must not.
        let outlined = f.outlined.sorted { ($0.row, $0.col) < ($1.row, $1.col) }
        for cell in outlined where cell.row < f.cells.count && cell.col < columns {
            let x = left + Double(cell.col) * f.cellWidth, y = top + Double(cell.row) * f.cellHeight
            // Amber under a dashed black line: visible on white and black pixels, and in grayscale.
            painter.strokeRect(x + 2, y + 2, f.cellWidth - 4, f.cellHeight - 4, Palette.highlight, width: 4)
            painter.strokeRect(x + 2, y + 2, f.cellWidth - 4, f.cellHeight - 4, Palette.ink, width: 2.5, dash: [5, 3])
        }
        let width = left + Double(columns) * f.cellWidth
        let titleWidth = f.title.map { painter.textWidth($0, titleFont) } ?? 0
        return Size(width: max(width, titleWidth), height: top + Double(f.cells.count) * f.cellHeight)
    }

    private func drawWorksheetCell(_ content: WorksheetGridFigure.Content, f: WorksheetGridFigure, row: Int, col: Int,
                                   x: Double, y: Double) {
        let w = f.cellWidth, h = f.cellHeight
        switch content {
        case .given(let text):
            var fill = RGB(hex: 0xF2F2F2)
            if let shades = f.shades, row < shades.rows, col < shades.cols { fill = Palette.pixel(shades[row, col]) }
            painter.fillRect(x, y, w, h, fill)
            painter.strokeRect(x, y, w, h, Palette.pixelGridLine, width: 1)
            painter.textCentered(text, cx: x + w / 2, cy: y + h / 2, FontStyle(size: f.fontSize), maxWidth: w - 4,
                                 color: Palette.text(on: fill))
        case .blank(let label):
            painter.fillRect(x, y, w, h, .white)
            painter.strokeRect(x + 1, y + 1, w - 2, h - 2, Palette.ink, width: 1.6)
            if let label, !label.isEmpty {
                painter.text(label, x: x + 4, y: y + 4 + max(7, f.fontSize * 0.55), FontStyle(size: max(7, f.fontSize * 0.55)),
                             color: Palette.muted)
            }
        }
    }
}
