import CNNFigures

/// A flip-book of a sliding window as SVG: one small frame per step of the walk, each the input
/// with the window's box and the output so far (cells not computed yet are blank, with a dot), and its label.
enum FlipBookSVG {
    static func draw(_ f: SlidingWindowFigure) -> HTML {
        let frames: [HTML] = f.frames.indices.map { k in
            let frame = f.frames[k]
            var c = Canvas()
            let inCell = 11.0, outCell = 14.0, gap = 26.0
            let scale = f.scale ?? FigureSVG.scale(nil, [f.input])
            FigureSVG.grid(f.input, at: 0, 0, cell: inCell, color: f.inputIsImage ? .image : .diverging(scale: scale), style: nil, into: &c)
            c.add(.group(FigureSVG.outline(x: Double(frame.cols.lowerBound) * inCell, y: Double(frame.rows.lowerBound) * inCell,
                                           width: Double(frame.cols.count) * inCell, height: Double(frame.rows.count) * inCell)),
                  right: 0, bottom: 0)
            let ox = Double(f.input.cols) * inCell + gap
            var cells: [HTML] = []
            for r in 0..<f.outputRows {
                for col in 0..<f.outputCols {
                    let x = ox + Double(col) * outCell, y = Double(r) * outCell
                    let attrs = [("x", n(x)), ("y", n(y)), ("width", n(outCell)), ("height", n(outCell))]
                    if let v = frame.output[r * f.outputCols + col] {
                        let fill = FigureSVG.fill(v, .diverging(scale: scale))
                        cells.append(.element("rect", attrs + [("fill", fill.fill), ("class", "c")], []))
                        if fill.negative { cells.append(.element("rect", attrs + [("fill", "url(#neg-hatch)")], [])) }
                    } else {
                        cells.append(.element("rect", attrs + [("class", "c blank")], []))
                        cells.append(.element("circle", [("cx", n(x + outCell / 2)), ("cy", n(y + outCell / 2)), ("r", "1.4"), ("class", "dot")], []))
                    }
                }
            }
            cells += FigureSVG.outline(x: ox + Double(frame.position.col) * outCell, y: Double(frame.position.row) * outCell,
                                       width: outCell, height: outCell)
            let bottom = max(Double(f.input.rows) * inCell, Double(f.outputRows) * outCell)
            c.add(.group(cells), right: ox + Double(f.outputCols) * outCell, bottom: bottom)
            return .el("div", ["class": "frame"], c.svg(label: f.label(k)), frameLabel(f, k))
        }
        var parts: [HTML] = []
        if let t = f.title { parts.append(.el("div", ["class": "fig-title"], .text(t))) }
        parts.append(.el("div", ["class": "fig-row"], children: frames))
        parts.append(.el("div", ["class": "fig-note"], .text(f.key)))
        return .el("div", ["class": "fig-col"], children: parts)
    }

    /// "3. row 1, column 3: match 0.11" under a frame, its value a button for its derivation when
    /// the figure names its trace element.
    static func frameLabel(_ f: SlidingWindowFigure, _ k: Int) -> HTML {
        let parts = f.labelParts(k)
        guard let v = parts.value else { return .el("div", ["class": "frame-label"], .text(f.label(k))) }
        let text = formatNumber(v, f.numberStyle)
        let source = parts.cell < f.outputSources.count ? f.outputSources[parts.cell] : nil
        let value = source.map { HTML.element("span", FigureSVG.target($0, value: v, text: text), [.text(text)]) } ?? .text(text)
        return .el("div", ["class": "frame-label"], .text(parts.words), value)
    }
}
