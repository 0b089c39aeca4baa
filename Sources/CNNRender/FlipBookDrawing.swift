// Draws `SlidingWindowFigure`: a flip-book of small frames, each the input with the window's box
// and the output map filled up to the cell just computed (blank cells white with a dot), with a label.

import CNNFigures
import Foundation

extension Drawer {
    func drawSlidingWindow(_ f: SlidingWindowFigure) throws -> Size {
        let n = f.outputRows * f.outputCols
        for frame in f.frames {
            guard frame.output.count == n, frame.rows.lowerBound >= 0, frame.cols.lowerBound >= 0,
                  frame.rows.upperBound <= f.input.rows, frame.cols.upperBound <= f.input.cols else {
                throw RenderError.invalidFigure("a flip-book frame needs \(n) output cells and a window inside the \(f.input.shapeText) input")
            }
        }
        let p = painter
        let top = title(f.title)
        let labelFont = FontStyle(size: 10.5)
        let inW = Double(f.input.cols) * f.inputCell, inH = Double(f.input.rows) * f.inputCell
        let outW = Double(f.outputCols) * f.outputCell, outH = Double(f.outputRows) * f.outputCell
        let arrowWidth = 30.0, gap = 30.0, rowGap = 16.0, labelHeight = 16.0
        let frameW = max(inW + arrowWidth + outW, f.frames.indices.map { p.textWidth(f.label($0), labelFont) }.max() ?? 0)
        let frameH = max(inH, outH) + 4 + labelHeight
        let perRow = max(1, f.framesPerRow)
        let scale = f.scale ?? max(1e-12, f.input.maxAbs)
        for (k, frame) in f.frames.enumerated() {
            let x = Double(k % perRow) * (frameW + gap), y = top + Double(k / perRow) * (frameH + rowGap)
            drawGrid(f.input, x: x, y: y, cell: f.inputCell, coloring: f.inputIsImage ? .pixels(scale: 1) : .diverging(scale: scale),
                     numbers: nil)
            let bx = x + Double(frame.cols.lowerBound) * f.inputCell, by = y + Double(frame.rows.lowerBound) * f.inputCell
            let bw = Double(frame.cols.count) * f.inputCell, bh = Double(frame.rows.count) * f.inputCell
            p.strokeRect(bx, by, bw, bh, .black, width: 4)
            p.strokeRect(bx, by, bw, bh, Palette.highlight, width: 2)
            let ay = y + min(inH, outH) / 2
            p.arrow(x + inW + 6, ay, x + inW + arrowWidth - 6, ay, Palette.ink, width: 1.5, head: 6)
            flipBookOutput(f, frame, x: x + inW + arrowWidth, y: y + max(0, (inH - outH) / 2), scale: scale)
            p.text(f.label(k), x: x, y: y + max(inH, outH) + 4 + 11, labelFont)
        }
        let rows = (f.frames.count + perRow - 1) / perRow
        let width = Double(min(perRow, f.frames.count)) * (frameW + gap) - gap
        let keyY = top + Double(rows) * (frameH + rowGap)
        let key = f.key
        p.text(key, x: 0, y: keyY + 10, FontStyle(size: 10.5), color: Palette.muted)
        return Size(width: max(width, titleWidth(f.title), p.textWidth(key, FontStyle(size: 10.5))), height: keyY + 16)
    }

    /// The output map of one frame: computed cells in the map colours, the rest blank, the cell
    /// just computed outlined.
    private func flipBookOutput(_ f: SlidingWindowFigure, _ frame: SlidingWindowFrame, x: Double, y: Double, scale: Double) {
        let p = painter, cell = f.outputCell
        for r in 0..<f.outputRows {
            for c in 0..<f.outputCols {
                let cx = x + Double(c) * cell, cy = y + Double(r) * cell
                guard let v = frame.output[r * f.outputCols + c] else {
                    // Blank: white with a dot, so it reads apart from a computed value near 0, also in grayscale.
                    p.fillRect(cx, cy, cell, cell, .white)
                    p.circle(cx + cell / 2, cy + cell / 2, max(1, cell / 10), fill: Palette.muted, stroke: nil)
                    continue
                }
                p.fillRect(cx, cy, cell, cell, Palette.diverging(v, scale: scale))
                if v < 0 { p.hatch(cx, cy, cell, cell, Palette.negativeHatch, spacing: max(3, cell / 4)) }
            }
        }
        let w = Double(f.outputCols) * cell, h = Double(f.outputRows) * cell
        for c in 1..<max(1, f.outputCols) { p.line(x + Double(c) * cell, y, x + Double(c) * cell, y + h, Palette.mapGridLine, width: 0.5) }
        for r in 1..<max(1, f.outputRows) { p.line(x, y + Double(r) * cell, x + w, y + Double(r) * cell, Palette.mapGridLine, width: 0.5) }
        p.strokeRect(x, y, w, h, Palette.ink, width: 1)
        let px = x + Double(frame.position.col) * cell, py = y + Double(frame.position.row) * cell
        p.strokeRect(px, py, cell, cell, .black, width: 3)
        p.strokeRect(px, py, cell, cell, Palette.highlight, width: 1.4)
    }
}
