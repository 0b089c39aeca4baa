import CNNFigures

/// Draws figure values as HTML: inline SVG for pictures, tables as HTML tables. Each kind of
/// figure has its own function; `row` and `column` lay their parts out with CSS.
public enum FigureHTML {
    /// The figure as HTML.
    public static func draw(_ figure: Figure) -> HTML {
        switch figure {
        case .image(let f):
            var c = FigureSVG.titledGrid(f.grid, title: f.title, cell: min(f.cellSize, 30), color: .image,
                                         style: f.showNumbers ? f.numberStyle : nil, highlighted: f.highlighted, labelled: f.labelled,
                                         sources: f.sources)
            if let region = f.region, !f.showNumbers {
                let cell = min(f.cellSize, 30)
                c.add(.group(FigureSVG.outline(x: c.gridX + Double(region.cols.lowerBound) * cell, y: c.gridY + Double(region.rows.lowerBound) * cell,
                                               width: Double(region.cols.count) * cell, height: Double(region.rows.count) * cell)),
                      right: c.width, bottom: c.height)
            }
            return c.svg(label: f.title ?? "image \(f.grid.shapeText)")
        case .feature(let f):
            return FigureSVG.titledGrid(f.grid, title: f.name, cell: min(f.cellSize, 30), color: .image,
                                        style: f.showNumbers ? f.numberStyle : nil, sources: f.sources).svg(label: "feature \(f.name)")
        case .featureMap(let f):
            return FigureSVG.titledGrid(f.map, title: f.title, cell: min(f.cellSize, 34),
                                        color: .diverging(scale: FigureSVG.scale(f.scale, [f.map])),
                                        style: f.showNumbers ? f.numberStyle : nil, highlighted: f.highlighted, labelled: f.labelled,
                                        sources: f.sources)
                .svg(label: f.title ?? "feature map \(f.map.shapeText)")
        case .convolutionStep(let f): return convolutionStep(f)
        case .layer(let f): return layer(f)
        case .relu(let f): return relu(f)
        case .pooling(let f): return pooling(f)
        case .poolingGradient(let f): return poolingGradient(f)
        case .slidingWindow(let f): return FlipBookSVG.draw(f)
        case .votes(let f): return VotesSVG.votes(f)
        case .voteBars(let f): return VotesSVG.bars(f)
        case .pipeline(let f): return VotesSVG.pipeline(f)
        case .linePlot(let f): return VotesSVG.linePlot(f)
        case .errorCurve(let f): return ErrorCurveSVG.draw(f)
        case .filterBank(let f): return filterBank(f)
        case .spectrogram(let f): return spectrogram(f)
        case .table(let f): return table(f)
        case .worksheetGrid(let f): return worksheetGrid(f)
        case .text(let t): return .el("div", ["class": t.monospaced ? "fig-text mono" : "fig-text"], Markup.pango(t.markup, sources: t.sources))
        case .row(let parts, _): return .el("div", ["class": "fig-row"], children: parts.map(draw))
        case .column(let parts, _): return .el("div", ["class": "fig-col"], children: parts.map(draw))
        }
    }

    static func row(_ canvases: [(Canvas, String)]) -> HTML {
        .el("div", ["class": "fig-row"], children: canvases.map { $0.0.svg(label: $0.1) })
    }

    /// The image with the patch outlined, then patch × feature = products, and the sum step to the
    /// traced value, as the PDF draws it.
    static func convolutionStep(_ f: ConvolutionStepFigure) -> HTML {
        var image = FigureSVG.titledGrid(f.image, title: f.title ?? "the image", cell: 26, color: .image, style: nil, labelled: f.labelled)
        image.add(.group(FigureSVG.outline(x: image.gridX + Double(f.col) * 26, y: image.gridY + Double(f.row) * 26,
                                           width: Double(f.feature.cols) * 26, height: Double(f.feature.rows) * 26)), right: 0, bottom: 0)
        let patch = FigureSVG.titledGrid(f.patch, title: "patch", cell: 26, color: .image, style: f.numberStyle, sources: f.patchSources)
        let feature = FigureSVG.titledGrid(f.feature, title: f.featureName, cell: 26, color: .image, style: f.numberStyle,
                                           sources: f.featureSources)
        let products = FigureSVG.titledGrid(f.products, title: "products", cell: 26, color: .image, style: f.numberStyle,
                                            derived: f.productDerivations)
        let op = { (s: String) in HTML.el("span", ["class": "op", "aria-hidden": "true"], .text(s)) }
        return .el("div", ["class": "fig-row conv-step"], children: [
            image.svg(label: "image with the patch at row \(f.row + 1), column \(f.col + 1)"),
            patch.svg(label: "the patch"), op("⊙"), feature.svg(label: "feature \(f.featureName)"), op("="),
            products.svg(label: "the products"), .el("p", ["class": "conv-result"], children: convResult(f)),
        ])
    }

    /// "sum = 5    5 / 9 = 0.5556": the sum, the step from it and the traced value, each a button.
    static func convResult(_ f: ConvolutionStepFigure) -> [HTML] {
        let value = formatNumber(f.value, f.numberStyle), sum = formatCount(f.sum, f.numberStyle)
        func button(_ text: String, _ d: DerivedNumber?, shown: String? = nil) -> HTML {
            d.map { .element("span", DerivedHTML.target($0, text: text, shown: shown), [.text(text)]) } ?? .text(text)
        }
        var result: [HTML] = [.text("sum = "), button(sum, f.sumDerivation), .text("    ")]
        let step = String(f.resultText.dropLast(value.count))
        if step.hasSuffix(" = ") {
            result += [button(String(step.dropLast(3)), f.resultDerivation, shown: value), .text(" = ")]
        } else {
            result.append(.text(step))
        }
        if let s = f.valueSource {
            result.append(.element("span", FigureSVG.target(s, value: f.value, text: value), [.text(value)]))
        } else {
            result.append(.text(value))
        }
        return result
    }

    static func layer(_ f: LayerFigure) -> HTML {
        let s = FigureSVG.scale(f.scale, f.maps)
        let cell = min(f.cellSize, 30)
        var parts: [HTML] = []
        for (k, map) in f.maps.enumerated() {
            let feature = k < f.features.count ? f.features[k] : nil
            var col: [HTML] = []
            if let feature {
                col.append(FigureSVG.titledGrid(feature.grid, title: feature.name, cell: 22, color: .image, style: nil)
                    .svg(label: "feature \(feature.name)"))
            }
            let name = k < f.mapNames.count ? f.mapNames[k] : "map \(k + 1)"
            col.append(FigureSVG.titledGrid(map, title: name, cell: cell, color: .diverging(scale: s), style: f.numberStyle,
                                            labelled: f.labelled, sources: k < f.mapSources.count ? f.mapSources[k] : []).svg(label: name))
            parts.append(.el("div", ["class": "fig-col"], children: col))
        }
        return .el("div", ["class": "fig-row"], children: parts)
    }

    static func relu(_ f: ReLUFigure) -> HTML {
        let s = FigureSVG.scale(nil, [f.before] + (f.after.map { [$0] } ?? []))
        var canvases = [(FigureSVG.titledGrid(f.before, title: "before ReLU", cell: min(f.cellSize, 30),
                                              color: .diverging(scale: s), style: f.numberStyle, labelled: f.labelled,
                                              sources: f.beforeSources), "before ReLU")]
        if let after = f.after {
            canvases.append((FigureSVG.titledGrid(after, title: "after ReLU", cell: min(f.cellSize, 30),
                                                  color: .diverging(scale: s), style: f.numberStyle, labelled: f.labelled,
                                                  sources: f.afterSources), "after ReLU"))
        }
        return row(canvases)
    }

    /// The input with every window outlined (the engine's windows, as the figure carries them) and
    /// each winner double-outlined, beside the pooled output.
    static func pooling(_ f: PoolingFigure) -> HTML {
        let s = FigureSVG.scale(nil, [f.input])
        var input = FigureSVG.titledGrid(f.input, title: "windows of \(f.size)×\(f.size), step \(f.stride)",
                                         cell: 38, color: .diverging(scale: s), style: f.numberStyle, labelled: f.labelled,
                                         sources: f.inputSources)
        let x0 = input.gridX, y0 = input.gridY
        func box(_ rows: Range<Int>, _ cols: Range<Int>, _ cls: String) -> HTML {
            .element("rect", [("x", n(x0 + Double(cols.lowerBound) * 38)), ("y", n(y0 + Double(rows.lowerBound) * 38)),
                              ("width", n(Double(cols.count) * 38)), ("height", n(Double(rows.count) * 38)), ("class", cls)], [])
        }
        for w in f.windows {
            input.add(box(w.rows, w.cols, "win"), right: 0, bottom: 0)
            let r = w.winner.row, c = w.winner.col
            input.add(box(r..<(r + 1), c..<(c + 1), "winner"), right: 0, bottom: 0)
        }
        let output = FigureSVG.titledGrid(f.output, title: "pooled", cell: 38, color: .diverging(scale: s), style: f.numberStyle,
                                          labelled: f.labelled, sources: f.outputSources)
        return row([(input, "pooling input with its windows and winners"), (output, "pooled output")])
    }

    /// A worksheet grid: given numbers and empty boxes to write in, outlined cells dashed.
    static func worksheetGrid(_ f: WorksheetGridFigure) -> HTML {
        let rows: [HTML] = f.cells.enumerated().map { r, cells in
            .el("tr", children: cells.enumerated().map { c, content in
                let cls = f.outlined.contains(Cell(row: r, col: c)) ? "ws outlined" : "ws"
                switch content {
                case .given(let text): return .el("td", ["class": cls], .text(text))
                case .blank(let label): return .el("td", ["class": cls + " blank"], .el("small", .text(label ?? "")))
                }
            })
        }
        var parts: [HTML] = []
        if let t = f.title { parts.append(.el("caption", .text(t))) }
        parts.append(.el("tbody", children: rows))
        return .el("table", ["class": "worksheet"], children: parts)
    }

    static func poolingGradient(_ f: PoolingGradientFigure) -> HTML {
        let grids = [("pooling input", f.input, f.inputSources), ("gradient at the output", f.outputGradient, f.outputGradientSources),
                     ("gradient at the input", f.inputGradient, f.inputGradientSources)]
        return row(grids.map { t, g, sources in
            (FigureSVG.titledGrid(g, title: t, cell: min(f.cellSize, 30), color: .diverging(scale: FigureSVG.scale(nil, [g])),
                                  style: f.numberStyle, labelled: f.labelled, sources: sources), t)
        })
    }

    static func filterBank(_ f: FilterBankFigure) -> HTML {
        let rows: [HTML] = f.rows.map { r in
            .el("div", ["class": "fig-row"], children: [.el("span", ["class": "bank-label"], .text(r.label))] + r.features.map { g in
                FigureSVG.titledGrid(g.grid, title: g.name, cell: min(f.cellSize, 24),
                                     color: .diverging(scale: FigureSVG.scale(nil, [g.grid])),
                                     style: f.showNumbers ? f.numberStyle : nil, sources: g.sources).svg(label: "feature \(g.name)")
            })
        }
        return .el("div", ["class": "fig-col"], children: rows)
    }

    static func spectrogram(_ f: SpectrogramFigure) -> HTML {
        let span = f.range.upperBound - f.range.lowerBound
        let scaled = Grid(rows: f.grid.rows, cols: f.grid.cols,
                          values: f.grid.values.map { span > 0 ? ($0 - f.range.lowerBound) / span * 2 - 1 : 0 })
        // Low frequencies at the bottom, as in the PDF.
        let flipped = scaled.map { Grid(Array($0.rowArrays.reversed())) } ?? f.grid
        return FigureSVG.titledGrid(flipped, title: f.title, cell: 8, color: .image, style: nil)
            .svg(label: f.title ?? "spectrogram")
    }

    static func table(_ f: TableFigure) -> HTML {
        let head = HTML.el("tr", children: f.header.map { .el("th", ["scope": "col"], .text($0)) })
        let body = f.rows.enumerated().map { r, cells in
            HTML.el("tr", children: cells.enumerated().map { c, s in
                let sources = f.sources[Cell(row: r, col: c)] ?? []
                let text: HTML = sources.isEmpty ? .text(s) : .raw(Markup.numbered(HTML.escape(s), sources, inTable: true))
                return .el("td", children: [f.bold.contains(Cell(row: r, col: c)) ? .el("strong", text) : text])
            })
        }
        var parts: [HTML] = []
        if let t = f.title { parts.append(.el("caption", .text(t))) }
        parts.append(.el("thead", head))
        parts.append(.el("tbody", children: body))
        return .el("table", ["class": "fig-table"], children: parts)
    }
}
