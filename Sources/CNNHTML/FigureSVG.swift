import CNNFigures

// The HTML drawer's figures: each figure value as inline SVG (grids, bars, lines) or an HTML table.
// Colours follow the PDF: positive blue, negative orange with hatching and a minus sign, so signs
// read in grayscale; ±1 images are white and black.

/// How a grid's cells are coloured.
enum CellColor {
    /// +1 white, −1 black, grays between.
    case image
    /// Blue for positive, orange and hatched for negative, white at 0; `scale` is full colour.
    case diverging(scale: Double)
}

/// SVG elements placed on a canvas that grows to hold them.
struct Canvas {
    var parts: [HTML] = []
    var width = 0.0
    var height = 0.0
    /// The top-left corner of the grid a `titledGrid` drew, for boxes drawn over its cells.
    var gridX = 0.0
    var gridY = 0.0

    mutating func add(_ part: HTML, right: Double, bottom: Double) {
        parts.append(part)
        width = max(width, right)
        height = max(height, bottom)
    }

    /// The canvas as an `<svg>` with a text alternative.
    func svg(label: String) -> HTML {
        .element("svg", [("viewBox", "0 0 \(n(width)) \(n(height))"), ("width", n(width)), ("role", "img"),
                         ("aria-label", label), ("class", "fig")], parts)
    }
}

/// A length for SVG attributes: at most 2 decimals, no trailing zeros.
func n(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(r)
}

enum FigureSVG {
    /// Text at `(x, y)` (its baseline centre unless `anchor` says otherwise).
    static func label(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "middle", cls: String = "") -> HTML {
        .element("text", [("x", n(x)), ("y", n(y)), ("font-size", n(size)), ("text-anchor", anchor), ("class", cls)], [.text(s)])
    }

    /// A two-tone outline, as the PDF draws it: a black rim under an amber line, so it shows on
    /// black and white pixels alike and in grayscale.
    static func outline(x: Double, y: Double, width: Double, height: Double) -> [HTML] {
        ["hl-rim", "hl"].map { cls in
            .element("rect", [("x", n(x)), ("y", n(y)), ("width", n(width)), ("height", n(height)), ("class", cls)], [])
        }
    }

    static func isImage(_ color: CellColor) -> Bool {
        if case .image = color { return true }
        return false
    }

    static func fill(_ v: Double, _ color: CellColor) -> (fill: String, dark: Bool, negative: Bool) {
        guard v.isFinite else { return ("#ccc", false, false) }
        switch color {
        case .image:
            let g = Int(((min(1, max(-1, v)) + 1) / 2 * 255).rounded())
            return ("rgb(\(g),\(g),\(g))", g < 128, false)
        case .diverging(let scale):
            let t = min(1, abs(v) / (scale > 0 ? scale : 1))
            let (r, g, b) = v >= 0 ? (33.0, 102.0, 172.0) : (230.0, 120.0, 20.0)
            func mix(_ c: Double) -> Int { Int((255 - (255 - c) * t).rounded()) }
            return ("rgb(\(mix(r)),\(mix(g)),\(mix(b)))", v > 0 && t > 0.55, v < 0)
        }
    }

    /// The attributes that make a drawn number a button for its derivation: which trace element it
    /// is and the value drawn. The page's script gives it its name, focus order and panel.
    static func target(_ s: TraceSource, value: Double?, text: String) -> [(String, String)] {
        var a = [("class", "src"), ("role", "button"), ("tabindex", "-1"), ("aria-label", text),
                 ("data-trace", s.trace), ("data-key", s.key), ("data-k", String(s.index))]
        if let value { a.append(("data-v", "\(value)")) }
        return a
    }

    /// A grid of cells at `(x, y)`, with numbers when `style` is given, and outlined `highlighted` cells.
    /// A cell with a source in `sources` (row-major) is a button for its number's derivation.
    static func grid(_ grid: Grid, at x: Double, _ y: Double, cell: Double, color: CellColor, style: NumberStyle?,
                     highlighted: Set<Cell> = [], sources: [TraceSource?] = [], into c: inout Canvas) {
        var parts: [HTML] = []
        for r in 0..<grid.rows {
            for k in 0..<grid.cols {
                let v = grid[r, k], f = fill(v, color)
                let cx = x + Double(k) * cell, cy = y + Double(r) * cell
                var cellParts: [HTML] = [.element("rect", [("x", n(cx)), ("y", n(cy)), ("width", n(cell)), ("height", n(cell)),
                                                            ("fill", f.fill), ("class", "c")], [])]
                if f.negative {
                    cellParts.append(.element("rect", [("x", n(cx)), ("y", n(cy)), ("width", n(cell)), ("height", n(cell)),
                                                       ("fill", "url(#neg-hatch)")], []))
                }
                guard let style else { parts += cellParts; continue }
                // ±1 pixels read as the article writes them ("1", "−1"), as in the PDF.
                let text = isImage(color) ? formatCount(v, style) : formatNumber(v, style)
                // Small enough that "−0.0309" stays inside its cell.
                let size = min(12, cell * 0.3, cell * 0.92 / (Double(text.count) * 0.62))
                cellParts.append(label(text, x: cx + cell / 2, y: cy + cell * 0.5 + size * 0.36, size: size, cls: f.dark ? "on-dark" : ""))
                let i = r * grid.cols + k
                if i < sources.count, let s = sources[i] {
                    parts.append(.element("g", target(s, value: v, text: text), cellParts))
                } else {
                    parts += cellParts
                }
            }
        }
        // In reading order, so the same figure gives the same bytes (a Set has no order).
        let marked = highlighted.sorted { ($0.row, $0.col) < ($1.row, $1.col) }
        for h in marked where h.row < grid.rows && h.col < grid.cols {
            parts += outline(x: x + Double(h.col) * cell, y: y + Double(h.row) * cell, width: cell, height: cell)
        }
        c.add(.group(parts), right: x + Double(grid.cols) * cell, bottom: y + Double(grid.rows) * cell)
    }

    /// A titled grid on its own canvas; `labelled` writes row numbers at the left and column
    /// numbers on top, counted from 1.
    static func titledGrid(_ g: Grid, title: String?, cell: Double, color: CellColor, style: NumberStyle?,
                           highlighted: Set<Cell> = [], labelled: Bool = false, sources: [TraceSource?] = []) -> Canvas {
        var c = Canvas()
        // Numbers need room: "−0.11" at 11 px.
        let cell = style == nil ? cell : max(cell, 38)
        let left = labelled ? Double(String(g.rows).count) * 7 + 6 : 0
        let top = (title == nil ? 0.0 : 18) + (labelled ? 14 : 0)
        let gridW = Double(g.cols) * cell + left, titleW = Double(title?.count ?? 0) * 7.8
        let x = max(0, (titleW - gridW) / 2) + left
        if let title { c.add(label(title, x: max(gridW, titleW) / 2, y: 13, size: 13, cls: "t"), right: titleW, bottom: top) }
        if labelled { c.add(.group(axisLabels(g, x: x, y: top, cell: cell)), right: x, bottom: top) }
        grid(g, at: x, top, cell: cell, color: color, style: style, highlighted: highlighted, sources: sources, into: &c)
        c.gridX = x
        c.gridY = top
        return c
    }

    /// Row numbers left of and column numbers above a grid at `(x, y)`, counted from 1.
    static func axisLabels(_ g: Grid, x: Double, y: Double, cell: Double) -> [HTML] {
        var parts: [HTML] = []
        for r in 0..<g.rows {
            let cy: Double = y + (Double(r) + 0.5) * cell + 4
            parts.append(label(String(r + 1), x: x - 4, y: cy, size: 10, anchor: "end", cls: "axis"))
        }
        for c in 0..<g.cols {
            let cx: Double = x + (Double(c) + 0.5) * cell
            parts.append(label(String(c + 1), x: cx, y: y - 4, size: 10, cls: "axis"))
        }
        return parts
    }

    static func scale(_ s: Double?, _ grids: [Grid]) -> Double {
        if let s, s > 0 { return s }
        let m = grids.map(\.maxAbs).max() ?? 0
        return m > 0 ? m : 1
    }
}
