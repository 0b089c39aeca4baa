import CNNFigures

/// Draws `Figure` values as terminal text no wider than `width` columns.
///
/// - Pixels are two columns wide so they look square: +1 `██`, −1 `··`, marked cells `▓▓`/`░░`.
/// - Numbers are right-aligned in cells of one width per grid, with a true minus sign, and
///   coloured by sign when colour is on (positive blue, negative orange).
struct FigureText {
    var palette: Palette
    var width: Int

    func panel(_ figure: Figure) -> Panel {
        switch figure {
        case .image(let f): return image(f)
        case .feature(let f): return feature(grid: f.grid, name: f.name, numbers: true, style: f.numberStyle)
        case .convolutionStep(let f): return convolutionStep(f)
        case .featureMap(let f): return featureMap(f)
        case .layer(let f): return layer(f)
        case .relu(let f): return relu(f)
        case .pooling(let f): return pooling(f)
        case .poolingGradient(let f): return poolingGradient(f)
        case .slidingWindow(let f): return slidingWindow(f)
        case .votes(let f): return votes(f)
        case .voteBars(let f): return voteBars(f, barWidth: 24)
        case .pipeline(let f): return pipeline(f)
        case .linePlot(let f): return linePlot(f)
        case .errorCurve(let f): return errorCurve(f)
        case .filterBank(let f): return filterBank(f)
        case .spectrogram(let f): return spectrogram(f)
        case .table(let f): return table(f)
        case .text(let f): return text(f)
        case .worksheetGrid(let f): return worksheetGrid(f)
        case .row(let figures, _): return Panel.flow(figures.map(panel), width: width, gap: 4)
        case .column(let figures, _): return Panel.stacked(figures.map(panel))
        }
    }

    // MARK: Pixels

    /// Two columns per pixel: +1 `██`, −1 `··`, grays `▒▒`; marked cells `▓▓` (light) or `░░` (dark).
    /// - `labelled`: row numbers at the left and column numbers on top, counted from 1.
    func pixels(_ g: Grid, marked: Set<Cell> = [], labelled: Bool = false) -> Panel {
        var lines: [String] = []
        let lead = labelled ? String(g.rows).count + 1 : 0
        if labelled {
            lines.append(palette.paint(String(repeating: " ", count: lead) + (0..<g.cols).map { padLeft(String($0 + 1), 2) }.joined(), Ink(dim: true)))
        }
        for r in 0..<g.rows {
            var line = labelled ? palette.paint(padLeft(String(r + 1), lead - 1), Ink(dim: true)) + " " : ""
            for c in 0..<g.cols {
                let v = g[r, c]
                if marked.contains(Cell(row: r, col: c)) {
                    line += palette.paint(v >= 0 ? "▓▓" : "░░", Ink(bold: true, tone: .highlight))
                } else if v > 0.5 {
                    line += "██"
                } else if v < -0.5 || v.isNaN {
                    line += palette.paint("··", Ink(dim: true))
                } else {
                    line += "▒▒"
                }
            }
            lines.append(line)
        }
        return Panel(lines)
    }

    /// The symbols a pixel panel uses, as one legend line.
    func pixelLegend(_ grids: [Grid], marked: Bool, markMeaning: String) -> String {
        let values = grids.flatMap(\.values)
        var parts = ["██ +1 (white)", "·· −1 (black)"]
        if values.contains(where: { $0 > -0.5 && $0 <= 0.5 }) { parts.append("▒▒ between") }
        if marked { parts.append("▓▓ ░░ \(markMeaning)") }
        return parts.joined(separator: "   ")
    }

    func image(_ f: ImageFigure) -> Panel {
        if f.grid.cols > 24 && !f.showNumbers && f.highlighted.isEmpty { return compactImage(f) }
        let marked = f.highlighted.union(f.region?.cells ?? [])
        var body = pixels(f.grid, marked: marked, labelled: f.labelled)
        if f.showNumbers {
            body = Panel.flow([body, numbers(f.grid, style: f.numberStyle, counts: true)], width: width)
        }
        let legend = pixelLegend([f.grid], marked: !marked.isEmpty, markMeaning: "marked (+1 / −1)")
        return Panel.stacked([body.titled(f.title, palette: palette), Panel([palette.paint(legend, Ink(dim: true))])], gap: 0)
    }

    /// A picture too wide for two columns a pixel (a 28×28 digit): one character for each 2×2
    /// block of pixels, a quadrant character inked where the pixels are ink (a value above 0),
    /// so a 28×28 picture takes 14×14 characters. The picture is framed so paper shows too.
    func compactImage(_ f: ImageFigure) -> Panel {
        let g = f.grid
        let quadrants = Array(" ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█")
        func ink(_ r: Int, _ c: Int) -> Int { r < g.rows && c < g.cols && g[r, c] > 0 ? 1 : 0 }
        let width = (g.cols + 1) / 2
        var lines = ["┌" + String(repeating: "─", count: width) + "┐"]
        for r in stride(from: 0, to: g.rows, by: 2) {
            let chars = stride(from: 0, to: g.cols, by: 2).map { c in
                quadrants[ink(r, c) + 2 * ink(r, c + 1) + 4 * ink(r + 1, c) + 8 * ink(r + 1, c + 1)]
            }
            lines.append("│" + String(chars) + "│")
        }
        lines.append("└" + String(repeating: "─", count: width) + "┘")
        return Panel(lines).titled(f.title, palette: palette)
    }

    func feature(grid: Grid, name: String, numbers showNumbers: Bool, style: NumberStyle) -> Panel {
        let (g, note) = grayScaled(grid)
        var parts = [pixels(g)]
        if showNumbers { parts.append(numbers(grid, style: style, counts: true)) }
        let body = Panel.beside(parts, gap: 2).titled(name, palette: palette)
        return note.map { Panel.stacked([body, Panel([palette.paint($0, Ink(dim: true))])], gap: 0) } ?? body
    }

    /// A feature with values other than ±1 drawn on its own scale (its largest |value| is ±1),
    /// and a note saying so.
    func grayScaled(_ g: Grid) -> (Grid, String?) {
        let m = g.maxAbs
        if g.values.allSatisfy({ $0 == 1 || $0 == -1 }) || m == 0 { return (g, nil) }
        let scaled = Grid(rows: g.rows, cols: g.cols, values: g.values.map { $0 / m }) ?? g
        return (scaled, "(scaled: ±\(formatNumber(m, .rounded(2))) = ██/··)")
    }

    // MARK: Numbers

    /// A grid of numbers, right-aligned in cells of one width.
    ///
    /// - `counts`: write integral values without decimals (images, features, products).
    /// - `marks`: cells followed by `*` (and bold in colour), e.g. the winners of pooling windows.
    /// - `window`: draw `│` and `─` between windows of this many rows and columns.
    /// Grids wider than `width` are split into bands of columns, each labelled.
    /// - `numberWidth`: at least this many columns per number, so related grids line up.
    /// - `labelled`: row numbers at the left and column numbers on top, counted from 1.
    func numbers(_ g: Grid, style: NumberStyle, counts: Bool = false, marks: Set<Cell> = [], window: Int? = nil,
                 maxWidth: Int? = nil, numberWidth: Int = 0, labelled: Bool = false) -> Panel {
        guard g.rows > 0, g.cols > 0 else { return Panel(["(empty)"]) }
        let texts = g.values.map { counts ? formatCount($0, style) : formatNumber($0, style) }
        let w = max(numberWidth, texts.map { $0.unicodeScalars.count }.max() ?? 1)
        let hasMarks = !marks.isEmpty
        let cellWidth = 1 + w + (hasMarks ? 1 : 0)
        let lead = labelled ? String(g.rows).count + 1 : 0
        let limit = (maxWidth ?? width) - lead
        var perBand = max(1, limit / cellWidth)
        if let window, window > 0, perBand >= window, perBand < g.cols { perBand -= perBand % window }
        var bands: [Panel] = []
        var start = 0
        while start < g.cols {
            let end = min(g.cols, start + perBand)
            var lines: [String] = []
            var rule: String?
            if labelled {
                let header = (start..<end).map { " " + padLeft(String($0 + 1), w) + (hasMarks ? " " : "") }.joined()
                lines.append(palette.paint(trimTrailingSpaces(String(repeating: " ", count: lead) + header), Ink(dim: true)))
            }
            for r in 0..<g.rows {
                if let window, window > 0, r > 0, r % window == 0, let rule {
                    lines.append(String(repeating: " ", count: lead) + palette.paint(rule, Ink(dim: true)))
                }
                var plain = ""
                var line = labelled ? palette.paint(padLeft(String(r + 1), lead - 1), Ink(dim: true)) + " " : ""
                for c in start..<end {
                    let text = texts[r * g.cols + c]
                    let lead = (window.map { $0 > 0 && c > start && c % $0 == 0 } ?? false) ? "│" : " "
                    let marked = marks.contains(Cell(row: r, col: c))
                    let trail = hasMarks ? (marked ? "*" : " ") : ""
                    let padded = padLeft(text, w)
                    plain += lead + padded + trail
                    var ink = palette.signInk(g[r, c], shown: text)
                    if marked { ink.bold = true; ink.underline = true }
                    line += (lead == "│" ? palette.paint(lead, Ink(dim: true)) : lead)
                        + String(repeating: " ", count: w - text.unicodeScalars.count) + palette.paint(text, ink)
                        + (marked ? palette.paint(trail, Ink(bold: true, tone: .highlight)) : trail)
                }
                if rule == nil {
                    rule = String(plain.unicodeScalars.map { $0 == "│" ? "┼" : "─" })
                }
                lines.append(trimTrailingSpaces(line))
            }
            var band = Panel(lines)
            if start > 0 || end < g.cols { band = band.titled("columns \(start + 1)–\(end) of \(g.cols)", palette: palette) }
            bands.append(band)
            start = end
        }
        return Panel.stacked(bands)
    }

    func featureMap(_ f: FeatureMapFigure) -> Panel {
        let body = f.showNumbers
            ? numbers(f.map, style: f.numberStyle, marks: f.highlighted, labelled: f.labelled)
            : signs(f.map, marked: f.highlighted)
        var notes: [String] = []
        if !f.highlighted.isEmpty { notes.append("* marked") }
        if f.showLegend { notes.append(signLegend) }
        let legend = notes.isEmpty ? Panel.empty : Panel([palette.paint(notes.joined(separator: "   "), Ink(dim: true))])
        return Panel.stacked([body.titled(f.title, palette: palette), legend], gap: 0)
    }

    /// The sign key: colours are named only when they are shown (`--no-color` has none).
    var signLegend: String {
        guard palette.color else { return "negative values carry a −" }
        return "positive " + palette.paint("blue", Ink(tone: .positive)) + ", negative " + palette.paint("orange", Ink(tone: .negative)) + " with −"
    }

    /// A map without numbers: `+`, `−` or `0` per cell.
    func signs(_ g: Grid, marked: Set<Cell>) -> Panel {
        Panel((0..<g.rows).map { r in
            (0..<g.cols).map { c in
                let v = g[r, c]
                let s = v > 0 ? "+" : (v < 0 ? "−" : "0")
                let ink = marked.contains(Cell(row: r, col: c)) ? Ink(bold: true, tone: .highlight) : Ink(tone: v > 0 ? .positive : (v < 0 ? .negative : nil))
                return " " + palette.paint(s, ink)
            }.joined()
        })
    }

    // MARK: Convolution

    func convolutionStep(_ f: ConvolutionStepFigure) -> Panel {
        let h = f.feature.rows, w = f.feature.cols
        guard f.row >= 0, f.col >= 0, f.row + h <= f.image.rows, f.col + w <= f.image.cols, h > 0, w > 0 else {
            return Panel(["(the \(f.feature.shapeText) feature does not fit the \(f.image.shapeText) image at row \(f.row + 1), column \(f.col + 1))"])
        }
        guard f.patch.rows == h, f.patch.cols == w, f.products.rows == h, f.products.cols == w else {
            return Panel(["(the patch and the products must be \(f.feature.shapeText), as the feature)"])
        }
        var cells = Set<Cell>()
        for a in 0..<h { for b in 0..<w { cells.insert(Cell(row: f.row + a, col: f.col + b)) } }
        let (patch, product) = (f.patch, f.products)
        let style = f.numberStyle
        func op(_ symbol: String) -> Panel {
            Panel(Array(repeating: "", count: 1 + h / 2) + [symbol])
        }
        let image = pixels(f.image, marked: cells, labelled: f.labelled).titled("image", palette: palette)
        let math = Panel.beside([
            numbers(patch, style: style, counts: true).titled("patch", palette: palette), op("⊙"),
            numbers(f.feature, style: style, counts: true).titled(f.featureName, palette: palette), op("="),
            numbers(product, style: style, counts: true).titled("products", palette: palette),
        ], gap: 1)
        let top = Panel.flow([image, math], width: width, gap: 4)
        let terms = product.values.map { formatCount($0, style) }.joined(separator: " + ")
            .replacingOccurrences(of: "+ \u{2212}", with: "\u{2212} ")
        var lines = wrap([Span(text: "sum = \(terms) = \(formatCount(f.sum, style))", ink: .plain)], width: width, palette: palette)
        let shown = formatNumber(f.value, style)
        let result = f.resultText
        lines.append(String(result.dropLast(shown.count)) + palette.paint(shown, palette.signInk(f.value, shown: shown).merged(with: .bold)))
        if let n = f.divisor {
            lines += wrap([Span(text: "(divide by \(n), the number of pixels in the feature)", ink: Ink(dim: true))], width: width, palette: palette)
        }
        let where_ = "▓▓ ░░ the patch at row \(f.row + 1), column \(f.col + 1) (+1 / −1)"
        return Panel.stacked([top.titled(f.title, palette: palette), Panel([palette.paint(where_, Ink(dim: true))]), Panel(lines)], gap: 0)
    }

    func layer(_ f: LayerFigure) -> Panel {
        var parts: [Panel] = []
        for (i, map) in f.maps.enumerated() {
            var pieces: [Panel] = []
            if i < f.features.count {
                let feat = f.features[i]
                pieces.append(Panel.beside([pixels(grayScaled(feat.grid).0), Panel(["", palette.paint(feat.name, .bold)])], gap: 2))
            } else {
                pieces.append(Panel([palette.paint("map \(i + 1)", .bold)]))
            }
            pieces.append(numbers(map, style: f.numberStyle, labelled: f.labelled))
            parts.append(Panel.stacked(pieces, gap: 0))
        }
        let body = Panel.flow(parts, width: width, gap: 3)
        return Panel.stacked([body.titled(f.title, palette: palette), Panel([palette.paint(signLegend, Ink(dim: true))])], gap: 0)
    }

    func relu(_ f: ReLUFigure) -> Panel {
        let after = f.after ?? (Grid(rows: f.before.rows, cols: f.before.cols, values: f.before.values.map { max(0, $0) }) ?? f.before)
        let negatives = f.before.values.filter { $0 < 0 }.count
        let w = numberWidth([f.before, after], f.numberStyle)
        let before = numbers(f.before, style: f.numberStyle, numberWidth: w, labelled: f.labelled).titled("before", palette: palette)
        let out = numbers(after, style: f.numberStyle, numberWidth: w, labelled: f.labelled).titled("after: max(0, x)", palette: palette)
        let arrow = Panel(f.labelled ? ["", "", "→"] : ["", "→"])
        let side = Panel.beside([before, arrow, out], gap: 2)
        let body = side.width <= width
            ? side
            : Panel.stacked([before, Panel([palette.paint("↓ relu: \(negatives) negative values become 0", Ink(dim: true))]), out], gap: 0)
        return body.titled(f.title, palette: palette)
    }

    /// The widest number of `grids` written in `style`.
    func numberWidth(_ grids: [Grid], _ style: NumberStyle) -> Int {
        grids.flatMap(\.values).map { formatNumber($0, style).unicodeScalars.count }.max() ?? 0
    }

    // MARK: Pooling

    func pooling(_ f: PoolingFigure) -> Panel {
        let cells = Set(f.windows.map(\.winner))
        let output = f.output
        let window = f.size == f.stride ? f.size : nil
        let input = numbers(f.input, style: f.numberStyle, marks: cells, window: window, labelled: f.labelled)
            .titled("input \(f.input.shapeText)", palette: palette)
        let out = numbers(output, style: f.numberStyle, labelled: f.labelled).titled("pooled \(output.shapeText)", palette: palette)
        let body = Panel.flow([input, Panel(f.labelled ? ["", "", "→"] : ["", "→"]), out], width: width, gap: 2)
        var note = "* the largest value of its \(f.size)×\(f.size) window (stride \(f.stride))"
        if f.windows.contains(where: { $0.rows.count < f.size || $0.cols.count < f.size }) { note += "; windows at the edge are partial" }
        let covered = (rows: f.windows.map(\.rows.upperBound).max() ?? 0, cols: f.windows.map(\.cols.upperBound).max() ?? 0)
        if covered.rows < f.input.rows || covered.cols < f.input.cols { note += "; the last rows or columns fall in no window" }
        return Panel.stacked([body.titled(f.title, palette: palette), Panel(wrap([Span(text: note, ink: Ink(dim: true))], width: width, palette: palette))], gap: 0)
    }

    func poolingGradient(_ f: PoolingGradientFigure) -> Panel {
        let cells = Set(f.windows.map(\.winner))
        let gradient = f.inputGradient
        let window = f.size == f.stride ? f.size : nil
        var parts = [
            numbers(f.input, style: f.numberStyle, marks: cells, window: window, labelled: f.labelled)
                .titled("forward input (winners *)", palette: palette),
            numbers(f.outputGradient, style: f.numberStyle, labelled: f.labelled).titled("gradient of the output", palette: palette),
        ]
        parts.append(numbers(gradient, style: f.numberStyle, marks: cells, window: window, labelled: f.labelled)
            .titled("gradient of the input", palette: palette))
        let note = "each window's gradient goes to the cell that won it (*); every other cell gets 0"
        return Panel.stacked([Panel.flow(parts, width: width, gap: 3).titled(f.title, palette: palette),
                              Panel(wrap([Span(text: note, ink: Ink(dim: true))], width: width, palette: palette))], gap: 0)
    }

    // MARK: Votes

    func votes(_ f: VotesFigure) -> Panel {
        let style = f.numberStyle
        let labels = f.inputLabels ?? (1...max(1, f.inputs.count)).map(String.init)
        let labelWidth = max(1, labels.map { displayWidth($0) }.max() ?? 1)
        let valueTexts = f.inputs.map { formatNumber($0, style) }
        let weightTexts = f.weights.map { $0.map { formatNumber($0, style) } }
        let numberWidth = max(5, (valueTexts + weightTexts.flatMap { $0 }).map { $0.unicodeScalars.count }.max() ?? 5)
        // Columns: label, value, then one weight per output class (split into groups if too many).
        let columnWidth = max(numberWidth, (f.outputLabels.map { displayWidth("w→" + $0) }.max() ?? 0)) + 2
        let fixed = labelWidth + 2 + columnWidth
        let perGroup = max(1, (width - fixed) / columnWidth)
        var groups: [Panel] = []
        var start = 0
        repeat {
            let end = min(f.outputLabels.count, start + perGroup)
            var lines: [String] = []
            var header = padLeft("#", labelWidth) + "  " + padLeft("value", columnWidth)
            for k in start..<end { header += padLeft("w→" + f.outputLabels[k], columnWidth) }
            lines.append(palette.paint(header, .bold))
            for i in 0..<f.inputs.count {
                var line = padLeft(i < labels.count ? labels[i] : String(i + 1), labelWidth) + "  "
                line += numberCell(f.inputs[i], valueTexts[i], columnWidth)
                for k in start..<end {
                    let wk = i < f.weights[k].count ? f.weights[k][i] : .nan
                    line += numberCell(wk, formatNumber(wk, style), columnWidth)
                }
                lines.append(line)
            }
            groups.append(Panel(lines))
            start = end
        } while start < f.outputLabels.count
        var totals: [String] = []
        for (k, label) in f.outputLabels.enumerated() {
            let sum = k < f.weights.count ? zip(f.inputs, f.weights[k]).map { $0 * $1 }.reduce(0, +) : .nan
            let value = f.outputValues.flatMap { k < $0.count ? $0[k] : nil } ?? sum
            let shown = formatNumber(value, style)
            totals.append("vote for \(label) = sum of value × w→\(label) = " + palette.paint(shown, palette.signInk(value, shown: shown).merged(with: .bold)))
        }
        let totalLines = totals.flatMap { line -> [String] in displayWidth(line) <= width ? [line] : wrap([Span(text: stripANSI(line), ink: .plain)], width: width, palette: palette) }
        return Panel.stacked([Panel.stacked(groups).titled(f.title, palette: palette), Panel(totalLines)], gap: 1)
    }

    func numberCell(_ value: Double, _ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.unicodeScalars.count)) + palette.paint(text, palette.signInk(value, shown: text))
    }

    /// Horizontal bars of `█`, `barWidth` columns for the whole range, with the value after each.
    func voteBars(_ f: VoteBarsFigure, barWidth: Int) -> Panel {
        let finite = f.values.filter(\.isFinite)
        let range = f.range ?? (min(0, finite.min() ?? 0)...max(1, finite.max() ?? 1))
        let span = range.upperBound - range.lowerBound
        let labelWidth = f.labels.map(displayWidth).max() ?? 0
        let valueWidth = f.values.map { formatNumber($0, f.numberStyle).unicodeScalars.count }.max() ?? 0
        let bar = max(4, min(barWidth, width - labelWidth - valueWidth - 3))
        func column(_ v: Double) -> Int {
            guard span > 0, v.isFinite else { return 0 }
            return Int(((min(max(v, range.lowerBound), range.upperBound) - range.lowerBound) / span * Double(bar)).rounded())
        }
        let zero = column(0)
        var lines: [String] = []
        for (i, label) in f.labels.enumerated() {
            let v = i < f.values.count ? f.values[i] : .nan
            let end = column(v)
            let (from, to) = (min(zero, end), max(zero, end))
            let body = String(repeating: " ", count: from) + palette.paint(String(repeating: "█", count: to - from), Ink(tone: v >= 0 ? .positive : .negative))
            let shown = formatNumber(v, f.numberStyle)
            lines.append(padRight(label, labelWidth) + " " + padRight(body, bar) + " " + palette.paint(shown, palette.signInk(v, shown: shown)))
        }
        return Panel(lines).titled(f.title, palette: palette)
    }

    // MARK: Pipeline, plots, banks, text

    func pipeline(_ f: PipelineFigure) -> Panel {
        // Wrap at the arrows only: shapes never break.
        let shapes = wrapAtArrows(f.stages.map(\.shape))
        let nameWidth = min(40, f.stages.map { displayWidth($0.name) }.max() ?? 0)
        let table = f.stages.enumerated().map { i, s in
            "  " + padLeft(String(i), 2) + "  " + padRight(s.name, nameWidth) + "  " + s.shape
        }
        return Panel.stacked([Panel(shapes), Panel(table.flatMap { displayWidth($0) <= width ? [$0] : wrap([Span(text: $0, ink: .plain)], width: width, palette: palette) })], gap: 1)
            .titled(f.title, palette: palette)
    }

    func wrapAtArrows(_ shapes: [String]) -> [String] {
        var lines: [String] = []
        var line = ""
        for (i, s) in shapes.enumerated() {
            let piece = palette.paint(s, .bold)
            let joiner = i == 0 ? "" : " → "
            // Keep two columns free for the " →" that ends a wrapped line.
            let reserve = i == shapes.count - 1 ? 0 : 2
            if !line.isEmpty && displayWidth(line) + displayWidth(joiner) + displayWidth(s) + reserve > width {
                lines.append(line + " →")
                line = "  " + piece
            } else {
                line += joiner + piece
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    func linePlot(_ f: LinePlotFigure) -> Panel {
        let ticks = Array("▁▂▃▄▅▆▇█".unicodeScalars)
        let all = f.series.flatMap { $0.y.filter(\.isFinite) }
        let low = f.yRange?.lowerBound ?? (all.min() ?? 0)
        let high = f.yRange?.upperBound ?? (all.max() ?? 1)
        let nameWidth = min(20, f.series.map { displayWidth($0.name) }.max() ?? 0)
        let sparkWidth = max(8, width - nameWidth - 36)
        var lines: [String] = []
        for s in f.series {
            let ys = s.y
            guard !ys.isEmpty else { lines.append(padRight(s.name, nameWidth) + "  (no points)"); continue }
            let n = min(sparkWidth, ys.count)
            var spark = ""
            for k in 0..<n {
                let lo = k * ys.count / n, hi = max(lo + 1, (k + 1) * ys.count / n)
                let chunk = ys[lo..<hi].filter(\.isFinite)
                let mean = chunk.isEmpty ? Double.nan : chunk.reduce(0, +) / Double(chunk.count)
                if mean.isNaN { spark += " "; continue }
                let t = high > low ? (min(max(mean, low), high) - low) / (high - low) : 0.5
                spark.unicodeScalars.append(ticks[min(ticks.count - 1, Int(t * Double(ticks.count - 1) + 0.5))])
            }
            let first = formatNumber(ys[0], .rounded(3)), last = formatNumber(ys[ys.count - 1], .rounded(3))
            lines.append(padRight(String(s.name.prefix(20)), nameWidth) + "  " + spark + "  " + first + " → " + last)
        }
        let xs = f.series.first.map { $0.x ?? ($0.y.indices.map { Double($0 + 1) }) } ?? []
        var footer = "\(f.xLabel): \(xs.first.map { formatCount($0) } ?? "–") … \(xs.last.map { formatCount($0) } ?? "–")"
        footer += ", \(f.yLabel.isEmpty ? "y" : f.yLabel) from \(formatNumber(low, .rounded(3))) to \(formatNumber(high, .rounded(3)))"
        return Panel.stacked([Panel(lines), Panel(wrap([Span(text: footer, ink: Ink(dim: true))], width: width, palette: palette))], gap: 0)
            .titled(f.title, palette: palette)
    }

    func filterBank(_ f: FilterBankFigure) -> Panel {
        let rows = f.rows.map { row in
            Panel.flow(row.features.map { feature(grid: $0.grid, name: $0.name, numbers: f.showNumbers, style: f.numberStyle) }, width: width, gap: 3)
                .titled(row.label, palette: palette)
        }
        return Panel.stacked(rows).titled(f.title, palette: palette)
    }

    func text(_ f: TextBlock) -> Panel {
        var lines: [String] = []
        for line in f.markup.components(separatedBy: "\n") {
            let spans = parsePangoMarkup(line)
            let preformatted = f.monospaced || line.contains("<tt>")
            let plainWidth = spans.reduce(0) { $0 + $1.text.unicodeScalars.count }
            if preformatted && plainWidth <= width {
                lines.append(render(spans, palette: palette))
            } else {
                lines += wrap(spans, width: width, palette: palette)
            }
        }
        return Panel(lines)
    }
}

extension FigureText {
    /// A flip-book as text: up to four frames (the first three and the last), each the input with
    /// the window marked and the output so far, `·` where the window has not been yet.
    func slidingWindow(_ f: SlidingWindowFigure) -> Panel {
        let shown = f.frames.count <= 4 ? Array(f.frames.indices) : [0, 1, 2, f.frames.count - 1]
        let texts = f.frames.flatMap(\.output).compactMap { $0 }.map { formatNumber($0, f.numberStyle) }
        let w = max(1, texts.map { $0.unicodeScalars.count }.max() ?? 1)
        var panels: [Panel] = []
        for k in shown {
            let frame = f.frames[k]
            var window = Set<Cell>()
            for r in frame.rows { for c in frame.cols { window.insert(Cell(row: r, col: c)) } }
            let input = f.inputIsImage ? pixels(f.input, marked: window)
                : numbers(f.input, style: f.numberStyle, marks: window)
            let lines = (0..<f.outputRows).map { r in
                (0..<f.outputCols).map { c -> String in
                    guard let v = frame.output[r * f.outputCols + c] else { return " " + padLeft("·", w) }
                    let text = formatNumber(v, f.numberStyle)
                    let ink = Cell(row: r, col: c) == frame.position ? palette.signInk(v, shown: text).merged(with: .bold) : palette.signInk(v, shown: text)
                    return " " + String(repeating: " ", count: w - text.unicodeScalars.count) + palette.paint(text, ink)
                }.joined()
            }
            panels.append(Panel.beside([input, Panel(["", "→"]), Panel(lines)], gap: 1).titled(f.label(k), palette: palette))
        }
        let marks = f.inputIsImage ? "▓▓ ░░ the window" : "* the window"
        let note = "\(marks); · not computed yet" + (shown.count < f.frames.count ? " (\(shown.count) of \(f.frames.count) frames)" : "")
        return Panel.stacked([Panel.flow(panels, width: width, gap: 4).titled(f.title, palette: palette),
                              Panel([palette.paint(note, Ink(dim: true))])], gap: 0)
    }
}
