import CNNFigures

/// The error against one weight as SVG, as the PDF draws it: the curve of the engine's errors,
/// the point now (a filled circle), its tangent (dashed, the traced gradient as its slope), the
/// two nudged points (open circles), and the figure's notes under it as text.
enum ErrorCurveSVG {
    typealias L = FigureSVG

    static func draw(_ f: ErrorCurveFigure) -> HTML {
        var c = Canvas()
        let w = min(f.width, 420), h = min(f.height, 240), x0 = 56.0
        let y0 = f.title == nil ? 8.0 : 26.0
        if let t = f.title { c.add(L.label(t, x: x0 + w / 2, y: 14, size: 13, cls: "t"), right: x0 + w, bottom: 18) }
        let points = zip(f.weights, f.errors).filter { $0.0.isFinite && $0.1.isFinite }
        let xs = points.map(\.0) + [f.weight], ys = points.map(\.1) + [f.error]
        let xl = xs.min() ?? 0, xh = max(xs.max() ?? 1, xl + 1e-9)
        let lo = min(0, ys.min() ?? 0), hi = max(ys.max() ?? 1, lo + 1e-9)
        let px = { (x: Double) in x0 + (x - xl) / (xh - xl) * w }
        let py = { (y: Double) in y0 + h - (y - lo) / (hi - lo) * h }
        c.add(.element("rect", [("x", n(x0)), ("y", n(y0)), ("width", n(w)), ("height", n(h)), ("class", "axes")], []),
              right: x0 + w + 10, bottom: y0 + h + 34)
        let curve = points.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
        c.add(.element("polyline", [("points", curve), ("class", "series s0")], []), right: 0, bottom: 0)
        for p in points {
            c.add(.element("circle", [("cx", n(px(p.0))), ("cy", n(py(p.1))), ("r", "3"), ("fill", "#1f4e99")], []), right: 0, bottom: 0)
        }
        let span = (xh - xl) * 0.22
        var (t0, t1) = (max(xl, f.weight - span), min(xh, f.weight + span))
        if f.gradient != 0 {
            // Inside the axes: where the tangent meets the bottom and the top of the plot.
            let a = f.weight + (lo - f.error) / f.gradient, b = f.weight + (hi - f.error) / f.gradient
            (t0, t1) = (max(t0, min(a, b)), min(t1, max(a, b)))
        }
        c.add(.element("line", [("x1", n(px(t0))), ("y1", n(py(f.error + f.gradient * (t0 - f.weight)))),
                                ("x2", n(px(t1))), ("y2", n(py(f.error + f.gradient * (t1 - f.weight)))),
                                ("stroke", "#1a1a1a"), ("stroke-width", "1.5"), ("stroke-dasharray", "6 3")], []), right: 0, bottom: 0)
        for (x, y) in [(f.weightDown, f.errorDown), (f.weightUp, f.errorUp)] {
            c.add(.element("circle", [("cx", n(px(x))), ("cy", n(py(y))), ("r", "3.5"), ("fill", "#fff"), ("stroke", "#1a1a1a")], []),
                  right: 0, bottom: 0)
        }
        c.add(.element("circle", [("cx", n(px(f.weight))), ("cy", n(py(f.error))), ("r", "5.5"), ("fill", "#ffc20a"),
                                  ("stroke", "#1a1a1a"), ("stroke-width", "1.5")], []), right: 0, bottom: 0)
        // The key, under the plot.
        let kx = x0, ky = y0 + h + 48
        c.add(.element("line", [("x1", n(kx)), ("y1", n(ky - 4)), ("x2", n(kx + 22)), ("y2", n(ky - 4)), ("stroke", "#1a1a1a"),
                                ("stroke-width", "1.5"), ("stroke-dasharray", "6 3")], []), right: 0, bottom: 0)
        c.add(L.label("tangent at now, slope \(formatNumber(f.gradient, f.numberStyle))", x: kx + 30, y: ky, size: 10, anchor: "start"),
              right: 0, bottom: 0)
        c.add(.element("circle", [("cx", n(kx + 214)), ("cy", n(ky - 4)), ("r", "3.5"), ("fill", "#fff"), ("stroke", "#1a1a1a")], []),
              right: 0, bottom: ky + 6)
        c.add(L.label("nudged up and down", x: kx + 224, y: ky, size: 10, anchor: "start"), right: 0, bottom: 0)
        c.add(L.label("now", x: px(f.weight) - 8, y: py(f.error) - 9, size: 11, anchor: "end"), right: 0, bottom: 0)
        c.add(L.label("the weight (\(f.weightName))", x: x0 + w / 2, y: y0 + h + 30, size: 11), right: 0, bottom: 0)
        c.add(L.label(ErrorCurveFigure.short(xl), x: x0, y: y0 + h + 14, size: 10, cls: "axis"), right: 0, bottom: 0)
        c.add(L.label(ErrorCurveFigure.short(xh), x: x0 + w, y: y0 + h + 14, size: 10, cls: "axis"), right: 0, bottom: 0)
        c.add(L.label(formatNumber(hi, f.numberStyle), x: x0 - 4, y: y0 + 10, size: 10, anchor: "end", cls: "axis"), right: 0, bottom: 0)
        c.add(L.label(formatNumber(lo, f.numberStyle), x: x0 - 4, y: y0 + h, size: 10, anchor: "end", cls: "axis"), right: 0, bottom: 0)
        c.add(L.label("error", x: x0 - 4, y: y0 + h / 2, size: 11, anchor: "end"), right: 0, bottom: 0)
        let svg = c.svg(label: f.title ?? "error against \(f.weightName)")
        let lines: [HTML] = f.noteParts.map { line in
            .element("p", [("class", "fig-text")], line.map { piece -> HTML in
                switch piece {
                case .text(let t): return .text(t)
                case .number(let t, let d): return .element("span", DerivedHTML.target(d, text: t), [.text(t)])
                }
            })
        }
        return .el("div", ["class": "fig-col"], children: [svg] + lines)
    }
}
