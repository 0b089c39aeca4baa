import CNNFigures

/// The figures that are not grids: votes, bars, the pipeline, line plots.
enum VotesSVG {
    typealias L = FigureSVG

    /// Inputs in a column on the left, outputs on the right, one line per non-zero weight: thicker
    /// for larger |w|, solid for positive, dashed for negative.
    static func votes(_ f: VotesFigure) -> HTML {
        var c = Canvas()
        let rowH = 22.0, left = 120.0, right = 350.0
        let maxW = f.weights.flatMap { $0 }.map(abs).max() ?? 1
        let outY = f.outputLabels.indices.map { 20 + (Double(f.inputs.count) * rowH - 40) * (Double($0) + 0.5) / Double(max(1, f.outputLabels.count)) }
        var lines: [HTML] = []
        for (u, row) in f.weights.enumerated() where u < outY.count {
            for (i, w) in row.enumerated() where w != 0 && i < f.inputs.count {
                let y = 12 + Double(i) * rowH
                lines.append(.element("line", [("x1", n(left)), ("y1", n(y)), ("x2", n(right)), ("y2", n(outY[u])),
                                               ("stroke-width", n(0.5 + 3 * abs(w) / (maxW > 0 ? maxW : 1))),
                                               ("class", w > 0 ? "w-pos" : "w-neg")], []))
            }
        }
        c.add(.group(lines), right: right, bottom: 0)
        for (i, v) in f.inputs.enumerated() {
            let y = 12 + Double(i) * rowH
            // A rule between the maps the values come from (e.g. three 2×2 maps, four values each).
            if let g = f.groupSize, g > 0, i > 0, i % g == 0 {
                c.add(.element("line", [("x1", "4"), ("y1", n(y - rowH / 2)), ("x2", n(left)), ("y2", n(y - rowH / 2)), ("class", "group")], []),
                      right: left, bottom: y)
            }
            let name = f.inputLabels.map { i < $0.count ? $0[i] : "" } ?? "\(i + 1)"
            c.add(L.label(name, x: left - 56, y: y + 4, size: 11, anchor: "end"), right: left, bottom: y + rowH / 2)
            c.add(number(v, f.numberStyle, i < f.inputSources.count ? f.inputSources[i] : nil, x: left - 6, y: y + 4, size: 11, anchor: "end"),
                  right: left, bottom: y + rowH / 2)
        }
        for (u, name) in f.outputLabels.enumerated() {
            c.add(L.label(name + (f.outputValues == nil ? "" : " ="), x: right + 8, y: outY[u] + 4, size: 13, anchor: "start", cls: "t"),
                  right: right + 110, bottom: outY[u] + 10)
            if let values = f.outputValues, u < values.count {
                c.add(number(values[u], f.numberStyle, u < f.outputSources.count ? f.outputSources[u] : nil,
                             x: right + 14 + Double(name.count + 2) * 8, y: outY[u] + 4, size: 13, anchor: "start", cls: "t"),
                      right: right + 110, bottom: outY[u] + 10)
            }
        }
        // The key names only the kinds of weights drawn, as the PDF's does.
        let weights = f.weights.flatMap { $0 }
        let kinds = [weights.contains { $0 > 0 } ? "solid: positive weight" : nil, weights.contains { $0 < 0 } ? "dashed: negative weight" : nil,
                     weights.contains { $0 == 0 } ? "no line: weight 0" : nil].compactMap { $0 }
        if !kinds.isEmpty {
            let y = c.height + 18
            c.add(L.label((kinds + ["thicker: larger |weight|"]).joined(separator: " · "), x: 4, y: y, size: 11, anchor: "start"),
                  right: right, bottom: y + 6)
        }
        return c.svg(label: f.title ?? "votes: inputs joined to \(f.outputLabels.joined(separator: ", ")) by their weights")
    }

    /// A number written at `(x, y)`, a button for its derivation when it has a source or is worked out.
    static func number(_ v: Double, _ style: NumberStyle, _ source: TraceSource?, derived: DerivedNumber? = nil,
                       x: Double, y: Double, size: Double, anchor: String, cls: String = "") -> HTML {
        let text = formatNumber(v, style)
        let label = L.label(text, x: x, y: y, size: size, anchor: anchor, cls: cls)
        if let source { return .element("g", FigureSVG.target(source, value: v, text: text), [label]) }
        if let derived { return .element("g", DerivedHTML.target(derived, text: text), [label]) }
        return label
    }

    /// One bar per label, from 0, with its value; negative bars hatched.
    static func bars(_ f: VoteBarsFigure) -> HTML {
        var c = Canvas()
        let lo = min(0, f.range?.lowerBound ?? (f.values.min() ?? 0)), hi = max(f.range?.upperBound ?? (f.values.max() ?? 1), lo + 1e-9)
        let x0 = 60.0, w = 260.0
        func x(_ v: Double) -> Double { x0 + (v - lo) / (hi - lo) * w }
        if let t = f.title { c.add(L.label(t, x: x0 + w / 2, y: 13, size: 13, cls: "t"), right: x0 + w, bottom: 18) }
        for (k, v) in f.values.enumerated() {
            let y = 24 + Double(k) * 30
            let a = min(x(0), x(v)), b = max(x(0), x(v))
            c.add(.element("rect", [("x", n(a)), ("y", n(y)), ("width", n(max(1, b - a))), ("height", "22"),
                                    ("class", v < 0 ? "bar-neg" : "bar-pos")], []), right: x0 + w, bottom: y + 22)
            let label = k < f.labels.count ? f.labels[k] : ""
            c.add(L.label(label, x: x0 - 8, y: y + 16, size: 13, anchor: "end"), right: x0, bottom: y + 22)
            c.add(number(v, f.numberStyle, k < f.sources.count ? f.sources[k] : nil, derived: k < f.derived.count ? f.derived[k] : nil,
                         x: b + 6, y: y + 16, size: 12, anchor: "start"),
                  right: x0 + w + 50, bottom: y + 22)
        }
        return c.svg(label: f.title ?? "bars")
    }

    /// One box per stage with its shape, joined by arrows; wraps onto rows via CSS.
    static func pipeline(_ f: PipelineFigure) -> HTML {
        let boxes: [HTML] = f.stages.enumerated().map { k, s in
            .el("li", ["class": "stage"], .el("strong", .text(s.name)), .el("span", .text(s.shape)),
                k + 1 < f.stages.count ? .el("span", ["class": "arrow", "aria-hidden": "true"], .text("→")) : .group([]))
        }
        var parts: [HTML] = []
        if let t = f.title { parts.append(.el("p", ["class": "fig-title"], .text(t))) }
        parts.append(.el("ol", ["class": "pipeline"], children: boxes))
        return .el("div", children: parts)
    }

    /// Series as polylines on shared axes, each with its own dash pattern so they differ in grayscale.
    static func linePlot(_ f: LinePlotFigure) -> HTML {
        var c = Canvas()
        let w = min(f.width, 420), h = min(f.height, 240), x0 = 44.0, y0 = 24.0
        let ys = f.series.flatMap(\.y).filter(\.isFinite)
        let lo = f.yRange?.lowerBound ?? (ys.min() ?? 0), hi = f.yRange?.upperBound ?? (ys.max() ?? 1)
        let xs = f.series.flatMap { s in s.x ?? s.y.indices.map(Double.init) }
        let xl = xs.min() ?? 0, xh = max(xs.max() ?? 1, xl + 1e-9)
        if let t = f.title { c.add(L.label(t, x: x0 + w / 2, y: 14, size: 13, cls: "t"), right: x0 + w, bottom: 18) }
        c.add(.element("rect", [("x", n(x0)), ("y", n(y0)), ("width", n(w)), ("height", n(h)), ("class", "axes")], []),
              right: x0 + w + 10, bottom: y0 + h + 30)
        for (k, s) in f.series.enumerated() {
            let sx = s.x ?? s.y.indices.map(Double.init)
            let pts = zip(sx, s.y).filter { $0.1.isFinite }.map { p in
                "\(n(x0 + (p.0 - xl) / (xh - xl) * w)),\(n(y0 + h - (p.1 - lo) / max(hi - lo, 1e-9) * h))"
            }
            if pts.count == 1, let xy = pts.first?.split(separator: ","), xy.count == 2 {
                // A marked point: a large dot (a one-point polyline would not show).
                c.add(.element("circle", [("cx", String(xy[0])), ("cy", String(xy[1])), ("r", "5"), ("class", "point s\(k % 4)")], []), right: 0, bottom: 0)
            } else {
                c.add(.element("polyline", [("points", pts.joined(separator: " ")), ("class", "series s\(k % 4)")], []), right: 0, bottom: 0)
            }
            c.add(L.label(s.name, x: x0 + w + 6, y: y0 + 14 + Double(k) * 16, size: 11, anchor: "start", cls: "s\(k % 4)-t"),
                  right: x0 + w + 120, bottom: 0)
        }
        c.add(L.label(f.xLabel, x: x0 + w / 2, y: y0 + h + 26, size: 11), right: 0, bottom: y0 + h + 30)
        c.add(L.label(formatNumber(hi, .rounded(2)), x: x0 - 4, y: y0 + 10, size: 10, anchor: "end", cls: "axis"), right: 0, bottom: 0)
        c.add(L.label(formatNumber(lo, .rounded(2)), x: x0 - 4, y: y0 + h, size: 10, anchor: "end", cls: "axis"), right: 0, bottom: 0)
        return c.svg(label: f.title ?? "\(f.yLabel) against \(f.xLabel)")
    }
}
