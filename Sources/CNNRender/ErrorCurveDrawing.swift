// Draws `ErrorCurveFigure`: the error against one weight (the slides' U), the point now with its
// tangent, the two nudged points, and the lines of numbers under the plot.

import CNNFigures
import Foundation

extension Drawer {
    func drawErrorCurve(_ f: ErrorCurveFigure) -> Size {
        let titleFont = FontStyle(size: 13, bold: true), small = FontStyle(size: 9.5), label = FontStyle(size: 11)
        var top = 0.0
        if let t = f.title, !t.isEmpty { painter.text(t, x: 0, y: 15, titleFont); top = 24 }
        let points = zip(f.weights, f.errors).filter { $0.0.isFinite && $0.1.isFinite }
        let xs = points.map(\.0) + [f.weight], ys = points.map(\.1) + [f.error]
        var xlo = xs.min() ?? 0, xhi = xs.max() ?? 1
        if xhi <= xlo { xhi = xlo + 1 }
        let yTicks = Drawer.ticks(min(0, ys.min() ?? 0), max(ys.max() ?? 1, 1e-9))
        let ylo = min(0, yTicks.first ?? 0), yhi = max(ys.max() ?? 1, yTicks.last ?? 1)
        let xTicks = Drawer.ticks(xlo, xhi, target: 6)
        xlo = min(xlo, xTicks.first ?? xlo)
        let tick = { (v: Double) in ErrorCurveFigure.short(v) }
        let plotX = 20 + (yTicks.map { painter.textWidth(tick($0), small) }.max() ?? 0) + 8
        let plotW = max(80, f.width - plotX), plotH = max(80, f.height - 44), plotY = top + 8
        let px = { (x: Double) in plotX + plotW * (x - xlo) / (xhi - xlo) }
        let py = { (y: Double) in plotY + plotH * (1 - (y - ylo) / (yhi - ylo)) }
        for t in yTicks {
            painter.line(plotX, py(t), plotX + plotW, py(t), RGB(hex: 0xE3E3E3), width: 0.75)
            painter.text(tick(t), x: plotX - 7, y: py(t) + 3.5, small, align: .right)
        }
        for t in xTicks where t >= xlo && t <= xhi {
            painter.line(px(t), plotY + plotH, px(t), plotY + plotH + 4, Palette.ink, width: 1)
            painter.text(tick(t), x: px(t), y: plotY + plotH + 16, small, align: .center)
        }
        painter.save()
        painter.clip(plotX, plotY, plotW, plotH)
        for (a, b) in zip(points, points.dropFirst()) {
            painter.line(px(a.0), py(a.1), px(b.0), py(b.1), Palette.positive, width: 2)
        }
        for pt in points { painter.marker(0, px(pt.0), py(pt.1), 3, Palette.positive) }
        // The tangent: the straight line through the point now with the traced gradient as its slope.
        let span = (xhi - xlo) * 0.22
        let (t0, t1) = (f.weight - span, f.weight + span)
        painter.line(px(t0), py(f.error + f.gradient * (t0 - f.weight)), px(t1), py(f.error + f.gradient * (t1 - f.weight)),
                     Palette.ink, width: 1.5, dash: [6, 3])
        painter.restore()
        for (x, y) in [(f.weightDown, f.errorDown), (f.weightUp, f.errorUp)] {
            painter.circle(px(x), py(y), 3.5, fill: .white, stroke: Palette.ink, width: 1.2)
        }
        painter.circle(px(f.weight), py(f.error), 5.5, fill: Palette.highlight, stroke: Palette.ink, width: 1.5)
        painter.text("now", x: px(f.weight) - 8, y: py(f.error) - 9, label, align: .right)
        painter.line(plotX, plotY, plotX, plotY + plotH, Palette.ink, width: 1)
        painter.line(plotX, plotY + plotH, plotX + plotW, plotY + plotH, Palette.ink, width: 1)
        painter.text("the weight (\(f.weightName))", x: plotX + plotW / 2, y: plotY + plotH + 34, label, align: .center)
        painter.verticalText("error (loss L)", cx: 8, cy: plotY + plotH / 2, label)
        legend(f, x: plotX, y: plotY + plotH + 54)
        var y = plotY + plotH + 66
        for note in f.notes {
            y += painter.paragraph(TextBlock.escape(note), x: 0, y: y, width: plotX + plotW, FontStyle(size: 10)) + 2
        }
        return Size(width: max(plotX + plotW, f.title.map { painter.textWidth($0, titleFont) } ?? 0), height: y)
    }

    /// The key, one line under the plot: the dashed tangent with its slope, and the open circles of the nudges.
    private func legend(_ f: ErrorCurveFigure, x: Double, y: Double) {
        let small = FontStyle(size: 9.5)
        let tangent = "tangent at now, slope \(formatNumber(f.gradient, f.numberStyle))"
        painter.line(x, y - 3.5, x + 22, y - 3.5, Palette.ink, width: 1.5, dash: [6, 3])
        painter.text(tangent, x: x + 28, y: y, small)
        let x2 = x + 28 + painter.textWidth(tangent, small) + 24
        painter.circle(x2 + 4, y - 3.5, 3.5, fill: .white, stroke: Palette.ink, width: 1.2)
        painter.text("nudged up and down", x: x2 + 14, y: y, small)
    }
}
