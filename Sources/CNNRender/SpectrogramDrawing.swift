// Draws `SpectrogramFigure`: cells, Hz and seconds axes, and a colour bar.

import CNNFigures
import Foundation

extension Palette {
    /// Matplotlib's "inferno" at 0, 0.1, …, 1: black → purple → red → orange → pale yellow.
    /// Its lightness rises the whole way, so a grayscale print keeps the order.
    static let inferno: [RGB] = [0x000004, 0x160B39, 0x420A68, 0x6A176E, 0x932667, 0xBC3754,
                                 0xDD513A, 0xF37819, 0xFCA50A, 0xF6D746, 0xFCFFA4].map { RGB(hex: $0) }

    /// The sequential colour of `value` on `range` (clamped), interpolated in sRGB between inferno stops.
    static func sequential(_ value: Double, range: ClosedRange<Double>) -> RGB {
        guard value.isFinite else { return RGB(hex: 0xDDDDDD) }
        let span = range.upperBound - range.lowerBound
        let t = span > 0 ? max(0, min(1, (value - range.lowerBound) / span)) : 1
        let x = t * Double(inferno.count - 1)
        let i = min(inferno.count - 2, Int(x))
        return inferno[i].mix(inferno[i + 1], x - Double(i))
    }
}

extension Drawer {
    /// Where a frequency sits on the band axis, in cells from the bottom: band `b` spans `b … b + 1`,
    /// with linear interpolation inside it. Frequencies outside the edges are clamped.
    static func bandPosition(_ hz: Double, edges: [Double]) -> Double {
        guard let first = edges.first, let last = edges.last, edges.count >= 2 else { return 0 }
        if hz <= first { return 0 }
        if hz >= last { return Double(edges.count - 1) }
        for b in 0..<(edges.count - 1) where hz < edges[b + 1] {
            let w = edges[b + 1] - edges[b]
            return Double(b) + (w > 0 ? (hz - edges[b]) / w : 0)
        }
        return Double(edges.count - 1)
    }

    /// Round frequencies for the Hz axis, chosen from the bottom up so labels are at least
    /// `minGap` points apart; the top edge is always labelled.
    static func frequencyTicks(edges: [Double], cellHeight: Double, minGap: Double = 13) -> [Double] {
        guard let low = edges.first, let high = edges.last, high > low else { return [] }
        let candidates: [Double] = [0, 100, 250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 11025, 16000, 22050]
        let top = bandPosition(high, edges: edges) * cellHeight
        var ticks: [Double] = []
        var lastY = -Double.infinity
        for f in candidates where f >= low && f < high {
            let y = bandPosition(f, edges: edges) * cellHeight
            if y - lastY >= minGap && top - y >= minGap { ticks.append(f); lastY = y }
        }
        ticks.append(high)
        return ticks
    }

    func drawSpectrogram(_ f: SpectrogramFigure) throws -> Size {
        let rows = f.grid.rows, cols = f.grid.cols
        guard rows > 0, cols > 0 else { throw RenderError.invalidFigure("a spectrogram needs at least one band and one time step") }
        guard f.bandEdges.count == rows + 1, zip(f.bandEdges, f.bandEdges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw RenderError.invalidFigure("a spectrogram with \(rows) bands needs \(rows + 1) ascending band edges, got \(f.bandEdges.count)")
        }
        guard f.timeEdges.count == cols + 1, zip(f.timeEdges, f.timeEdges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw RenderError.invalidFigure("a spectrogram with \(cols) time steps needs \(cols + 1) ascending time edges, got \(f.timeEdges.count)")
        }
        let p = painter
        let titleFont = FontStyle(size: 13, bold: true), labelFont = FontStyle(size: 11), tickFont = FontStyle(size: 9.5)
        var top = 0.0
        if let title = f.title, !title.isEmpty {
            p.text(title, x: 0, y: 15, titleFont)
            top = 24
        }
        let cw = f.cellWidth, ch = f.cellHeight
        let plotW = Double(cols) * cw, plotH = Double(rows) * ch

        // Left margin: the axis label (rotated) and the widest Hz tick label.
        let fTicks = Drawer.frequencyTicks(edges: f.bandEdges, cellHeight: ch)
        func hzText(_ v: Double) -> String { String(Int(v.rounded())) }
        let tickWidth = fTicks.map { p.textWidth(hzText($0), tickFont) }.max() ?? 0
        let plotX = 16 + tickWidth + 8
        let plotY = top + 6

        // Cells, row 0 at the top. Each cell but the last in its row and column reaches half a point
        // under its right and lower neighbours, which then paint over it, so no anti-aliased seam shows.
        for r in 0..<rows {
            for c in 0..<cols {
                let extraW = c < cols - 1 ? 0.5 : 0, extraH = r < rows - 1 ? 0.5 : 0
                p.fillRect(plotX + Double(c) * cw, plotY + Double(r) * ch, cw + extraW, ch + extraH,
                           Palette.sequential(f.grid[r, c], range: f.range))
            }
        }
        p.strokeRect(plotX, plotY, plotW, plotH, Palette.ink, width: 1)

        // Frequency axis: Hz ticks on the left; every band edge as a short tick on the right,
        // so the unequal band widths show.
        for hz in fTicks {
            let y = plotY + plotH - Drawer.bandPosition(hz, edges: f.bandEdges) * ch
            p.line(plotX - 4, y, plotX, y, Palette.ink, width: 1)
            p.text(hzText(hz), x: plotX - 6, y: y + 3.5, tickFont, align: .right)
        }
        for b in 1..<rows {
            let y = plotY + plotH - Double(b) * ch
            p.line(plotX + plotW, y, plotX + plotW + 3, y, Palette.muted, width: 0.6)
        }
        p.verticalText("frequency (Hz)", cx: 7, cy: plotY + plotH / 2, labelFont)

        // Time axis: round seconds, placed linearly between the first and last edge.
        let t0 = f.timeEdges[0], t1 = f.timeEdges[cols]
        func xOf(_ t: Double) -> Double { plotX + plotW * (t - t0) / (t1 - t0) }
        let candidates = Drawer.ticks(t0, t1, target: max(2, min(8, Int(plotW / 32))))
        for t in candidates where t >= t0 - 1e-9 && t <= t1 + 1e-9 {
            let x = xOf(t)
            p.line(x, plotY + plotH, x, plotY + plotH + 4, Palette.ink, width: 1)
            let s = formatNumber((t * 1e6).rounded() / 1e6, .full)
            p.text(s.hasSuffix(".0") ? String(s.dropLast(2)) : s, x: x, y: plotY + plotH + 15, tickFont, align: .center)
        }
        p.text("time (s)", x: plotX + plotW / 2, y: plotY + plotH + 30, labelFont, align: .center)
        var bottom = plotY + plotH + 34
        var right = plotX + plotW + 3

        // Colour bar: the range from dark to light, with its ends and middle labelled.
        if let legend = f.legend {
            (bottom, right) = drawColorBar(f, legend: legend, x: plotX, plotWidth: plotW, top: bottom, right: right)
        }
        let titleWidth = f.title.map { p.textWidth($0, titleFont) } ?? 0
        return Size(width: max(right, titleWidth), height: bottom)
    }

    /// The colour bar under a spectrogram and its wrapped legend; returns the new bottom and right edges.
    private func drawColorBar(_ f: SpectrogramFigure, legend: String, x plotX: Double, plotWidth plotW: Double,
                              top bottom: Double, right: Double) -> (bottom: Double, right: Double) {
        let p = painter
        let tickFont = FontStyle(size: 9.5)
        var right = right
        let barY = bottom + 8, barW = max(120, min(200, plotW)), barH = 9.0
        let steps = 48
        for i in 0..<steps {
            let v = f.range.lowerBound + (Double(i) + 0.5) / Double(steps) * (f.range.upperBound - f.range.lowerBound)
            p.fillRect(plotX + Double(i) * barW / Double(steps), barY, barW / Double(steps) + 0.02, barH,
                       Palette.sequential(v, range: f.range))
        }
        p.strokeRect(plotX, barY, barW, barH, Palette.ink, width: 0.75)
        let mid = (f.range.lowerBound + f.range.upperBound) / 2
        for (i, v) in [f.range.lowerBound, mid, f.range.upperBound].enumerated() {
            let x = plotX + barW * Double(i) / 2
            p.line(x, barY + barH, x, barY + barH + 3, Palette.ink, width: 0.75)
            let text = v == 0 ? "0" : formatNumber(v, .rounded(abs(v) < 10 && v != v.rounded() ? 1 : 0))
            let align: Align = i == 0 ? .left : (i == 1 ? .center : .right)
            p.text(i == 0 ? text + " quiet" : (i == 2 ? "loud " + text : text), x: x, y: barY + barH + 13, tickFont, align: align)
        }
        // The explanation wraps at the plot's width (or the bar's, if wider).
        let wrapWidth = max(plotW, barW)
        var lines: [String] = [], current = ""
        for word in legend.split(separator: " ").map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if !current.isEmpty && p.textWidth(candidate, tickFont) > wrapWidth {
                lines.append(current)
                current = word
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        for (i, line) in lines.enumerated() {
            p.text(line, x: plotX, y: barY + barH + 27 + Double(i) * 12, tickFont, color: Palette.muted)
            right = max(right, plotX + p.textWidth(line, tickFont))
        }
        right = max(right, plotX + barW)
        return (barY + barH + 31 + Double(max(0, lines.count - 1)) * 12, right)
    }
}
