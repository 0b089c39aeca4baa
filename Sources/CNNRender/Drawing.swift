// The one place that turns figure values into pictures. Each `draw…` function draws
// with its top-left corner at the current origin and returns the size it used, so the
// same code measures (on a recording surface) and draws (on PNG, PDF or SVG).

import CNNFigures
import Foundation

/// A width and height in points.
struct Size { var width: Double; var height: Double }

/// How grid cells get their colour.
enum Coloring {
    /// Article pixels: +scale white, −scale black.
    case pixels(scale: Double)
    /// Diverging blue/orange with white at 0; negatives hatched.
    case diverging(scale: Double)
}

/// How highlighted cells are outlined.
enum HighlightStyle {
    /// Amber inside a black rim (for black/white pixel images).
    case amber
    /// White inside a black rim (for coloured maps, where amber would meet orange).
    case ink
}

private let titleFont = FontStyle(size: 13, bold: true)
private let labelFont = FontStyle(size: 11)
private let smallFont = FontStyle(size: 9.5)
/// Row and column numbers of labelled grids: 9.5 pt stays at 7.6 pt in a figure shrunk by a fifth.
private let gridLabelFont = FontStyle(size: 9.5)
private let titleHeight = 24.0
private let labelHeight = 18.0
private let legendHeight = 34.0

/// Draws figures on a painter.
struct Drawer {
    let painter: Painter
    private var p: Painter { painter }

    init(painter: Painter) { self.painter = painter }

    func draw(_ figure: Figure) throws -> Size {
        switch figure {
        case .image(let f): return try drawImage(f)
        case .feature(let f): return try drawFeature(f)
        case .convolutionStep(let f): return try drawConvolutionStep(f)
        case .featureMap(let f): return try drawFeatureMap(f)
        case .layer(let f): return try drawLayer(f)
        case .relu(let f): return try drawReLU(f)
        case .pooling(let f): return try drawPooling(f)
        case .poolingGradient(let f): return try drawPoolingGradient(f)
        case .slidingWindow(let f): return try drawSlidingWindow(f)
        case .votes(let f): return try drawVotes(f)
        case .voteBars(let f): return try drawVoteBars(f)
        case .pipeline(let f): return drawPipeline(f)
        case .linePlot(let f): return try drawLinePlot(f)
        case .errorCurve(let f): return drawErrorCurve(f)
        case .filterBank(let f): return try drawFilterBank(f)
        case .spectrogram(let f): return try drawSpectrogram(f)
        case .table(let f): return try drawTable(f)
        case .text(let f): return drawText(f)
        case .worksheetGrid(let f): return drawWorksheetGrid(f)
        case .row(let figures, let spacing): return try drawRow(figures, spacing: spacing)
        case .column(let figures, let spacing): return try drawColumn(figures, spacing: spacing)
        }
    }

    /// Draws `figure` with its top-left at (x, y).
    private func draw(_ figure: Figure, at x: Double, _ y: Double) throws -> Size {
        p.save(); defer { p.restore() }
        p.translate(x, y)
        return try draw(figure)
    }

    // MARK: building blocks

    /// Draws a title on one line at (x, y); returns the height used.
    func title(_ text: String?, x: Double = 0, y: Double = 0) -> Double {
        guard let text, !text.isEmpty else { return 0 }
        p.text(text, x: x, y: y + 15, titleFont)
        return titleHeight
    }

    func titleWidth(_ text: String?) -> Double {
        guard let text, !text.isEmpty else { return 0 }
        return p.textWidth(text, titleFont)
    }

    /// Draws a grid of cells with its top-left at (x, y).
    func drawGrid(_ grid: Grid, x: Double, y: Double, cell: Double, coloring: Coloring,
                  numbers: NumberStyle?, highlights: Set<Cell> = [], highlightStyle: HighlightStyle = .amber,
                  bold: Set<Cell> = [], integersPlain: Bool = false) {
        // One font size for the whole grid: the largest that fits the widest number,
        // so digits line up and no cell shouts louder than another.
        let available = highlights.isEmpty ? cell * 0.84 : min(cell * 0.84, cell - 9)
        var texts: [String] = []
        if let style = numbers {
            texts = grid.values.map { v in
                if v == 0 { return "0" }
                return integersPlain ? formatCount(v, style) : formatNumber(v, style)
            }
        }
        var numberFont = FontStyle(size: max(6, cell * 0.3), bold: !bold.isEmpty)
        if let widest = texts.map({ p.textWidth($0, numberFont) }).max(), widest > available {
            numberFont.size *= available / widest
        }
        for r in 0..<grid.rows {
            for c in 0..<grid.cols {
                let v = grid[r, c]
                let cx = x + Double(c) * cell, cy = y + Double(r) * cell
                let fill: RGB
                switch coloring {
                case .pixels(let scale): fill = Palette.pixel(v, scale: scale)
                case .diverging(let scale): fill = Palette.diverging(v, scale: scale)
                }
                // Without lines between them (cells under 5 pt), each cell reaches half a point into
                // the next, drawn after it: no hairline of white shows between two anti-aliased cells.
                let reach = cell < 5 ? 0.5 : 0
                p.fillRect(cx, cy, cell + (c < grid.cols - 1 ? reach : 0), cell + (r < grid.rows - 1 ? reach : 0), fill)
                let text = texts.isEmpty ? nil : texts[r * grid.cols + c]
                // Hatch negatives, unless the number as printed is zero ("0.00" or "−0.00" would not be shown).
                let printsAsZero = text.map { !$0.contains(where: { "123456789".contains($0) }) } ?? (v == 0)
                if case .diverging = coloring, v < 0, !printsAsZero {
                    p.hatch(cx, cy, cell, cell, Palette.negativeHatch, spacing: max(4, cell / 6))
                }
                if let text {
                    var font = numberFont
                    font.bold = bold.contains(Cell(row: r, col: c))
                    if case .diverging = coloring, v < 0, !printsAsZero {
                        // A backing of the cell colour under the digits keeps them crisp over the hatching.
                        let w = min(available + 2, p.textWidth(text, font) + 4)
                        p.fillRect(cx + (cell - w) / 2, cy + cell / 2 - font.size * 0.58, w, font.size * 1.16, fill, alpha: 0.85)
                    }
                    p.textCentered(text, cx: cx + cell / 2, cy: cy + cell / 2, font, maxWidth: available,
                                   color: Palette.text(on: fill))
                }
            }
        }
        let lineColor: RGB
        switch coloring {
        case .pixels: lineColor = Palette.pixelGridLine
        case .diverging: lineColor = Palette.mapGridLine
        }
        let w = Double(grid.cols) * cell, h = Double(grid.rows) * cell
        // Cells under 5 pt (a 28×28 picture) get no lines between them: a line would cover a quarter of each.
        for c in 1..<max(1, cell < 5 ? 1 : grid.cols) { p.line(x + Double(c) * cell, y, x + Double(c) * cell, y + h, lineColor, width: 0.75) }
        for r in 1..<max(1, cell < 5 ? 1 : grid.rows) { p.line(x, y + Double(r) * cell, x + w, y + Double(r) * cell, lineColor, width: 0.75) }
        p.strokeRect(x, y, w, h, Palette.ink, width: 1)
        for cellPosition in highlights.sorted(by: { ($0.row, $0.col) < ($1.row, $1.col) })
        where cellPosition.row >= 0 && cellPosition.row < grid.rows && cellPosition.col >= 0 && cellPosition.col < grid.cols {
            outline(x + Double(cellPosition.col) * cell, y + Double(cellPosition.row) * cell, cell, cell, style: highlightStyle)
        }
    }

    /// The room the numbers of a labelled grid take: at its left (the widest row number) and on top.
    func labelRoom(_ g: Grid, _ labelled: Bool) -> (left: Double, top: Double) {
        labelled ? (p.textWidth(String(max(1, g.rows)), gridLabelFont) + 6, 14) : (0, 0)
    }

    /// Row numbers left of and column numbers above a grid drawn at (x, y), counted from 1.
    func gridLabels(_ g: Grid, x: Double, y: Double, cell: Double) {
        for r in 0..<g.rows {
            p.text(String(r + 1), x: x - 5, y: y + (Double(r) + 0.5) * cell + 3.4, gridLabelFont, color: Palette.muted, align: .right)
        }
        for c in 0..<g.cols {
            p.text(String(c + 1), x: x + (Double(c) + 0.5) * cell, y: y - 4, gridLabelFont, color: Palette.muted, align: .center)
        }
    }

    /// A grid with its top-left at (x, y), its row and column numbers first when `labelled`
    /// (the grid itself then starts `labelRoom` further right and down). Returns the size used.
    @discardableResult
    func labelledGrid(_ grid: Grid, labelled: Bool, x: Double, y: Double, cell: Double, coloring: Coloring,
                      numbers: NumberStyle?, highlights: Set<Cell> = [], highlightStyle: HighlightStyle = .amber,
                      bold: Set<Cell> = [], integersPlain: Bool = false) -> Size {
        let room = labelRoom(grid, labelled)
        if labelled { gridLabels(grid, x: x + room.left, y: y + room.top, cell: cell) }
        drawGrid(grid, x: x + room.left, y: y + room.top, cell: cell, coloring: coloring, numbers: numbers, highlights: highlights,
                 highlightStyle: highlightStyle, bold: bold, integersPlain: integersPlain)
        return Size(width: room.left + Double(grid.cols) * cell, height: room.top + Double(grid.rows) * cell)
    }

    /// A two-tone outline inset in a rectangle: a black rim with a light line inside, readable on any fill.
    /// `heavy` (a box around a block of cells): a wider rim and line, so one box reads at a glance.
    private func outline(_ x: Double, _ y: Double, _ w: Double, _ h: Double, style: HighlightStyle, heavy: Bool = false) {
        // The black rim covers the cell border (0…3.5 pt in), the light line sits on it (1…2.5 pt in).
        let inset = heavy ? 2.5 : 1.75
        p.strokeRect(x + inset, y + inset, w - 2 * inset, h - 2 * inset, .black, width: heavy ? 5 : 3.5)
        let inner: RGB = style == .amber ? Palette.highlight : .white
        p.strokeRect(x + inset, y + inset, w - 2 * inset, h - 2 * inset, inner, width: heavy ? 2.5 : 1.5)
    }

    /// A horizontal colour bar for the diverging scale with ticks at −scale, 0, +scale.
    private func legend(x: Double, y: Double, width: Double, scale: Double, style: NumberStyle) -> Size {
        let barHeight = 10.0
        let steps = 40
        let stepWidth = width / Double(steps)
        for i in 0..<steps {
            let v = scale * (-1 + (Double(i) + 0.5) * 2 / Double(steps))
            p.fillRect(x + Double(i) * stepWidth, y, stepWidth + 0.01, barHeight, Palette.diverging(v, scale: scale))
        }
        p.hatch(x, y, width / 2, barHeight, Palette.negativeHatch, spacing: 4)
        p.strokeRect(x, y, width, barHeight, Palette.ink, width: 0.75)
        for (i, v) in [-scale, 0, scale].enumerated() {
            let tx = x + width * Double(i) / 2
            p.line(tx, y + barHeight, tx, y + barHeight + 3, Palette.ink, width: 0.75)
            let align: Align = i == 0 ? .left : (i == 1 ? .center : .right)
            p.text(v == 0 ? "0" : formatNumber(v, style), x: tx, y: y + barHeight + 14, smallFont, align: align)
        }
        return Size(width: width, height: legendHeight)
    }

    private func mapScale(_ explicit: Double?, _ grids: [Grid]) -> Double {
        if let explicit, explicit > 0, explicit.isFinite { return explicit }
        let m = grids.map(\.maxAbs).max() ?? 0
        return m > 0 && m.isFinite ? m : 1
    }

    private func gridSize(_ g: Grid, _ cell: Double) -> Size {
        Size(width: Double(g.cols) * cell, height: Double(g.rows) * cell)
    }

    /// A label centred over a width, shrunk to fit it.
    private func centeredLabel(_ text: String, x: Double, y: Double, width: Double, _ font: FontStyle = labelFont,
                               color: RGB = Palette.ink) {
        p.textCentered(text, cx: x + width / 2, cy: y + labelHeight / 2, font, maxWidth: width, color: color)
    }

    // MARK: 1. image, 2. feature

    private func drawImage(_ f: ImageFigure) throws -> Size {
        let top = title(f.title)
        let g = labelledGrid(f.grid, labelled: f.labelled, x: 0, y: top, cell: f.cellSize, coloring: .pixels(scale: 1),
                             numbers: f.showNumbers ? f.numberStyle : nil, highlights: f.highlighted, integersPlain: true)
        if let region = f.region {
            let room = labelRoom(f.grid, f.labelled), cell = f.cellSize
            outline(room.left + Double(region.cols.lowerBound) * cell, top + room.top + Double(region.rows.lowerBound) * cell,
                    Double(region.cols.count) * cell, Double(region.rows.count) * cell, style: .amber, heavy: true)
        }
        return Size(width: max(g.width, titleWidth(f.title)), height: top + g.height)
    }

    private func drawFeature(_ f: FeatureFigure) throws -> Size {
        drawGrid(f.grid, x: 0, y: 0, cell: f.cellSize, coloring: .pixels(scale: 1),
                 numbers: f.showNumbers ? f.numberStyle : nil, integersPlain: true)
        let g = gridSize(f.grid, f.cellSize)
        let width = max(g.width, p.textWidth(f.name, labelFont))
        centeredLabel(f.name, x: 0, y: g.height + 4, width: width)
        return Size(width: width, height: g.height + 4 + labelHeight)
    }

    // MARK: 3. convolution step

    private func drawConvolutionStep(_ f: ConvolutionStepFigure) throws -> Size {
        let (h, w) = (f.feature.rows, f.feature.cols)
        guard f.row >= 0, f.col >= 0, f.row + h <= f.image.rows, f.col + w <= f.image.cols, h * w > 0 else {
            throw RenderError.invalidFigure("the \(h)×\(w) feature at row \(f.row), column \(f.col) does not fit the \(f.image.shapeText) image")
        }
        guard f.patch.rows == h, f.patch.cols == w, f.products.rows == h, f.products.cols == w else {
            throw RenderError.invalidFigure("the patch and the products must be \(h)×\(w), as the feature")
        }
        let (patch, products) = (f.patch, f.products)
        let top = title(f.title)
        let imageCell = 22.0, smallCell = 30.0, operatorWidth = 34.0
        let room = labelRoom(f.image, f.labelled)
        let image = labelledGrid(f.image, labelled: f.labelled, x: 0, y: top, cell: imageCell, coloring: .pixels(scale: 1), numbers: nil)
        let px = room.left + Double(f.col) * imageCell, py = top + room.top + Double(f.row) * imageCell
        p.strokeRect(px, py, Double(w) * imageCell, Double(h) * imageCell, .black, width: 5)
        p.strokeRect(px, py, Double(w) * imageCell, Double(h) * imageCell, Palette.highlight, width: 2.5)
        centeredLabel("image, patch at row \(f.row + 1), column \(f.col + 1)", x: 0, y: top + image.height + 4, width: image.width)

        let small = gridSize(patch, smallCell)
        let rightX = image.width + 30
        let gy = top + max(0, (image.height - small.height - labelHeight - 40) / 2)
        var x = rightX
        let parts: [(Grid, String, Bool)] = [(patch, "patch", true), (f.feature, f.featureName, true), (products, "products", true)]
        for (i, (grid, label, numbers)) in parts.enumerated() {
            drawGrid(grid, x: x, y: gy, cell: smallCell, coloring: .pixels(scale: 1),
                     numbers: numbers ? f.numberStyle : nil, integersPlain: true)
            centeredLabel(label, x: x - 10, y: gy + small.height + 4, width: small.width + 20)
            x += small.width
            if i < 2 {
                p.textCentered(i == 0 ? "⊙" : "=", cx: x + operatorWidth / 2, cy: gy + small.height / 2,
                               FontStyle(size: 20), maxWidth: operatorWidth)
                x += operatorWidth
            }
        }
        let sumText = "sum = \(formatCount(f.sum, f.numberStyle))    " + f.resultText
        let resultY = gy + small.height + labelHeight + 12
        let resultFont = FontStyle(size: 15, bold: true)
        p.text(sumText, x: rightX, y: resultY + 16, resultFont)
        let right = max(x, rightX + p.textWidth(sumText, resultFont))
        let height = max(top + image.height + 4 + labelHeight, resultY + 24)
        return Size(width: max(right, titleWidth(f.title)), height: height)
    }

    // MARK: 4. feature map and layer

    private func drawFeatureMap(_ f: FeatureMapFigure) throws -> Size {
        let top = title(f.title)
        let scale = mapScale(f.scale, [f.map])
        let g = labelledGrid(f.map, labelled: f.labelled, x: 0, y: top, cell: f.cellSize, coloring: .diverging(scale: scale),
                             numbers: f.showNumbers ? f.numberStyle : nil, highlights: f.highlighted, highlightStyle: .ink)
        var height = top + g.height
        if f.showLegend {
            _ = legend(x: 0, y: height + 10, width: max(120, min(200, g.width)), scale: scale, style: f.numberStyle)
            height += 10 + legendHeight
        }
        return Size(width: max(g.width, titleWidth(f.title), f.showLegend ? 120 : 0), height: height)
    }

    private func drawLayer(_ f: LayerFigure) throws -> Size {
        guard f.features.count == f.maps.count || f.features.isEmpty else {
            throw RenderError.invalidFigure("a layer needs one map per feature (\(f.features.count) features, \(f.maps.count) maps)")
        }
        let top = title(f.title)
        let scale = mapScale(f.scale, f.maps)
        let featureCell = 16.0, gap = 28.0
        var x = 0.0, bottom = top
        for (i, map) in f.maps.enumerated() {
            let room = labelRoom(map, f.labelled)
            var ms = gridSize(map, f.cellSize)
            ms.width += room.left; ms.height += room.top
            var my = top
            var width = ms.width
            if f.features.isEmpty {
                // Maps alone (e.g. gradients): a name over each.
                centeredLabel(i < f.mapNames.count ? f.mapNames[i] : "map \(i + 1)", x: x, y: top, width: width)
                my = top + labelHeight + 4
            } else {
                let feature = f.features[i]
                let fs = gridSize(feature.grid, featureCell)
                width = max(fs.width, ms.width)
                drawGrid(feature.grid, x: x + (width - fs.width) / 2, y: top, cell: featureCell, coloring: .pixels(scale: 1), numbers: nil)
                centeredLabel(feature.name, x: x, y: top + fs.height + 2, width: width)
                my = top + fs.height + 2 + labelHeight + 6
            }
            labelledGrid(map, labelled: f.labelled, x: x + (width - ms.width) / 2, y: my, cell: f.cellSize,
                         coloring: .diverging(scale: scale), numbers: f.numberStyle)
            bottom = max(bottom, my + ms.height)
            x += width + gap
        }
        let width = max(0, x - gap)
        _ = legend(x: 0, y: bottom + 10, width: min(200, max(120, width)), scale: scale, style: f.numberStyle)
        return Size(width: max(width, titleWidth(f.title), 120), height: bottom + 10 + legendHeight)
    }

    // MARK: 5. ReLU

    private func drawReLU(_ f: ReLUFigure) throws -> Size {
        let after = f.after ?? Grid(rows: f.before.rows, cols: f.before.cols, values: f.before.values.map { max(0, $0) })
        guard let after, after.rows == f.before.rows, after.cols == f.before.cols else {
            throw RenderError.invalidFigure("ReLU 'after' must have the shape of 'before' (\(f.before.shapeText))")
        }
        let top = title(f.title)
        let scale = mapScale(nil, [f.before, after])
        let room = labelRoom(f.before, f.labelled)
        var g = gridSize(f.before, f.cellSize)
        g.width += room.left
        var negatives = Set<Cell>()
        for r in 0..<f.before.rows { for c in 0..<f.before.cols where f.before[r, c] < 0 { negatives.insert(Cell(row: r, col: c)) } }
        // Negatives are already hatched by the diverging colouring; an outline as well would crowd the digits.
        centeredLabel(negatives.isEmpty ? "before" : "before (\(negatives.count) negatives, hatched)", x: 0, y: top, width: g.width)
        let gy = top + labelHeight + 4
        labelledGrid(f.before, labelled: f.labelled, x: 0, y: gy, cell: f.cellSize, coloring: .diverging(scale: scale),
                     numbers: f.numberStyle)
        let arrowWidth = 90.0
        let ay = gy + room.top + g.height / 2
        p.text("ReLU", x: g.width + arrowWidth / 2, y: ay - 8, labelFont, align: .center)
        p.text("max(0, x)", x: g.width + arrowWidth / 2, y: ay + 18, smallFont, color: Palette.muted, align: .center)
        p.arrow(g.width + 12, ay, g.width + arrowWidth - 12, ay, Palette.ink, width: 2, head: 10)
        let ax = g.width + arrowWidth
        centeredLabel("after ReLU", x: ax, y: top, width: g.width)
        labelledGrid(after, labelled: f.labelled, x: ax, y: gy, cell: f.cellSize, coloring: .diverging(scale: scale),
                     numbers: f.numberStyle)
        let bottom = gy + room.top + g.height
        _ = legend(x: 0, y: bottom + 10, width: min(200, max(120, g.width)), scale: scale, style: f.numberStyle)
        return Size(width: max(ax + g.width, titleWidth(f.title)), height: bottom + 10 + legendHeight)
    }

    // MARK: 6. pooling

    /// The windows of a pooling figure, checked against its input and output: one per output cell,
    /// row-major, each inside the input with its winner inside the window.
    static func checkedWindows(_ windows: [PoolWindowCells], input: Grid, output: Grid) throws -> [PoolWindowCells] {
        guard !input.values.isEmpty, windows.count == output.rows * output.cols else {
            throw RenderError.invalidFigure("a pooled \(output.shapeText) output needs \(output.rows * output.cols) windows, not \(windows.count)")
        }
        for w in windows {
            guard w.rows.lowerBound >= 0, w.cols.lowerBound >= 0, w.rows.upperBound <= input.rows, w.cols.upperBound <= input.cols,
                  w.rows.contains(w.winner.row), w.cols.contains(w.winner.col) else {
                throw RenderError.invalidFigure("a pooling window (output row \(w.output.row), column \(w.output.col)) lies outside the \(input.shapeText) input")
            }
        }
        return windows
    }

    /// Outlines every window on a grid drawn at (x, y); the parts of edge windows that fall outside are dotted.
    private func drawWindows(_ windows: [PoolWindowCells], size: Int, stride: Int, x: Double, y: Double, cell: Double) {
        for w in windows {
            let wx = x + Double(w.cols.lowerBound) * cell, wy = y + Double(w.rows.lowerBound) * cell
            if w.rows.count < size || w.cols.count < size {
                p.strokeRect(wx, wy, Double(size) * cell, Double(size) * cell, Palette.muted, width: 1, dash: [2, 3])
            }
        }
        for w in windows {
            let wx = x + Double(w.cols.lowerBound) * cell, wy = y + Double(w.rows.lowerBound) * cell
            p.strokeRect(wx, wy, Double(w.cols.count) * cell, Double(w.rows.count) * cell, Palette.ink, width: 2.5)
        }
    }

    private func drawPooling(_ f: PoolingFigure) throws -> Size {
        let output = f.output
        let windows = try Drawer.checkedWindows(f.windows, input: f.input, output: output)
        let top = title(f.title)
        let scale = mapScale(nil, [f.input, output])
        let cell = f.cellSize
        let g = gridSize(f.input, cell)
        // Room for the dotted overhang of partial windows.
        let overhangCols = (windows.map { $0.cols.lowerBound + f.size }.max() ?? 0) - f.input.cols
        let overhangRows = (windows.map { $0.rows.lowerBound + f.size }.max() ?? 0) - f.input.rows
        let inputWidth = g.width + Double(max(0, overhangCols)) * cell
        let inputHeight = g.height + Double(max(0, overhangRows)) * cell
        let winners = Set(windows.map(\.winner))
        let room = labelRoom(f.input, f.labelled)
        let gy = top + labelHeight + 4
        centeredLabel("input \(f.input.shapeText): each window's max outlined", x: 0, y: top, width: max(room.left + g.width, 200))
        labelledGrid(f.input, labelled: f.labelled, x: 0, y: gy, cell: cell, coloring: .diverging(scale: scale), numbers: f.numberStyle,
                     highlights: winners, highlightStyle: .ink, bold: winners)
        drawWindows(windows, size: f.size, stride: f.stride, x: room.left, y: gy + room.top, cell: cell)

        let arrowWidth = 110.0
        let ax = room.left + inputWidth + 10
        let ay = gy + room.top + g.height / 2
        p.text("max \(f.size)×\(f.size)", x: ax + arrowWidth / 2, y: ay - 8, labelFont, align: .center)
        p.text("stride \(f.stride)", x: ax + arrowWidth / 2, y: ay + 18, smallFont, color: Palette.muted, align: .center)
        p.arrow(ax + 8, ay, ax + arrowWidth - 12, ay, Palette.ink, width: 2, head: 10)
        let ox = ax + arrowWidth
        let oRoom = labelRoom(output, f.labelled)
        var o = gridSize(output, cell)
        o.width += oRoom.left
        let oy = gy + max(0, (g.height - o.height) / 2)
        centeredLabel("pooled \(output.shapeText)", x: ox, y: oy - labelHeight - 4, width: max(o.width, 80))
        labelledGrid(output, labelled: f.labelled, x: ox, y: oy, cell: cell, coloring: .diverging(scale: scale), numbers: f.numberStyle)
        let bottom = gy + room.top + inputHeight
        let sizeText = "\(f.input.shapeText) → \(output.shapeText)"
        p.text(sizeText, x: 0, y: bottom + 22, FontStyle(size: 14, bold: true))
        let width = max(ox + max(o.width, 80), titleWidth(f.title))
        return Size(width: width, height: bottom + 30)
    }

    // MARK: 9. pooling backward

    private func drawPoolingGradient(_ f: PoolingGradientFigure) throws -> Size {
        let windows = try Drawer.checkedWindows(f.windows, input: f.input, output: f.outputGradient)
        let inputGradient = f.inputGradient
        guard inputGradient.rows == f.input.rows, inputGradient.cols == f.input.cols else {
            throw RenderError.invalidFigure("the input gradient must be \(f.input.shapeText)")
        }
        let cell = f.cellSize
        let winners = Set(windows.map(\.winner))
        let overhangWidth = Double(max(0, (windows.map { $0.cols.lowerBound + f.size }.max() ?? 0) - f.input.cols)) * cell
        let overhangHeight = Double(max(0, (windows.map { $0.rows.lowerBound + f.size }.max() ?? 0) - f.input.rows)) * cell
        // Room above the grids for the example arrow that bows over them; the panels' labels go
        // under the grids so the arrow never crosses them.
        let room = labelRoom(f.input, f.labelled), oRoom = labelRoom(f.outputGradient, f.labelled)
        let top = title(f.title) + 34
        let gy = top + 4 + room.top
        let bottom = gy + Double(f.input.rows) * cell + overhangHeight
        // Panel 1: forward input with the winner of each window (grids' origins below leave room for their labels).
        let inScale = mapScale(nil, [f.input])
        let g = gridSize(f.input, cell)
        centeredLabel("forward input: winners", x: room.left, y: bottom + 4, width: g.width)
        labelledGrid(f.input, labelled: f.labelled, x: 0, y: gy - room.top, cell: cell, coloring: .diverging(scale: inScale),
                     numbers: f.numberStyle, highlights: winners, highlightStyle: .ink, bold: winners)
        drawWindows(windows, size: f.size, stride: f.stride, x: room.left, y: gy, cell: cell)
        // Panel 2: gradient arriving at the pooled output.
        let gradScale = mapScale(nil, [f.outputGradient, inputGradient])
        let o = gridSize(f.outputGradient, cell)
        let ox = room.left + g.width + overhangWidth + 40 + oRoom.left
        let oy = gy + max(0, (g.height - o.height) / 2)
        centeredLabel("gradient at output \(f.outputGradient.shapeText)", x: ox - 30, y: oy + o.height + 4, width: o.width + 60)
        labelledGrid(f.outputGradient, labelled: f.labelled, x: ox - oRoom.left, y: oy - oRoom.top, cell: cell,
                     coloring: .diverging(scale: gradScale), numbers: f.numberStyle)
        // Wide maps put panel 3 under panel 1, so the numbers keep a readable size on a page.
        let stacked = f.stacked
        let arrowWidth = 120.0
        let ax = ox + o.width, ay = oy + o.height / 2
        let ix = (stacked ? 0 : ax + arrowWidth) + room.left
        let iy = stacked ? bottom + 4 + labelHeight + 56 + room.top : gy
        let ibottom = iy + Double(f.input.rows) * cell + overhangHeight
        if stacked {
            // Arrow from panel 2 down to panel 3.
            let sx = ox + o.width / 2, sy = oy + o.height + labelHeight + 10
            let ex = room.left + g.width * 0.8, ey = iy - room.top - 6
            // The label sits just right of the arrow's middle, where a reader's eye follows it.
            p.text("to each window's winner", x: (sx + ex) / 2 + 12, y: (sy + ey) / 2 + 14, smallFont, align: .left)
            p.arrow(sx, sy, ex, ey, Palette.ink, width: 2, head: 10)
        } else {
            p.text("to each", x: ax + arrowWidth / 2, y: ay - 20, smallFont, align: .center)
            p.text("window's winner", x: ax + arrowWidth / 2, y: ay - 8, smallFont, align: .center)
            p.arrow(ax + 10, ay, ax + arrowWidth - 10, ay, Palette.ink, width: 2, head: 10)
        }
        // Panel 3: gradient routed back to the winners.
        centeredLabel("gradient at input \(inputGradient.shapeText)", x: ix, y: ibottom + 4, width: g.width)
        labelledGrid(inputGradient, labelled: f.labelled, x: ix - room.left, y: iy - room.top, cell: cell,
                     coloring: .diverging(scale: gradScale), numbers: f.numberStyle, highlights: winners, highlightStyle: .ink, bold: winners)
        drawWindows(windows, size: f.size, stride: f.stride, x: ix, y: iy, cell: cell)
        // One worked example: the first window whose gradient is not 0 (the first window if all are),
        // from its output cell to its winning input cell.
        if !stacked, let example = windows.first(where: { f.outputGradient[$0.output.row, $0.output.col] != 0 }) ?? windows.first {
            exampleArrow(example, from: (ox, oy), to: (ix, gy), top: top, cell: cell)
        }
        let notesY = ibottom + 4 + labelHeight
        let note = "each output gradient goes to the cell that won its window; the others get 0"
        p.text(note, x: 0, y: notesY + 18, labelFont, color: Palette.muted)
        _ = legend(x: ix, y: notesY + 30, width: min(200, max(120, g.width)), scale: gradScale, style: f.numberStyle)
        let width = max(ix + g.width + overhangWidth, ox + o.width + 30, p.textWidth(note, labelFont), titleWidth(f.title))
        return Size(width: width, height: notesY + 30 + legendHeight)
    }

    /// The worked example of a pooling-gradient figure: a curved arrow over the grids from the
    /// example's output cell (panel at `from`) to its winning input cell (panel at `to`).
    private func exampleArrow(_ example: PoolWindowCells, from: (Double, Double), to: (Double, Double), top: Double, cell: Double) {
        let sx = from.0 + (Double(example.output.col) + 0.5) * cell, sy = from.1
        let tx = to.0 + (Double(example.winner.col) + 0.5) * cell, ty = to.1 + Double(example.winner.row) * cell
        p.circle(sx, sy, 3, fill: Palette.ink, stroke: nil)
        let apex = top - 30
        p.curvedArrow(sx, sy, tx, ty, apexY: apex, Palette.ink, width: 1.5)
        // The label sits on the curve's highest point, on a white patch that interrupts the line,
        // so text and line never cross.
        let midY = 0.125 * sy + 0.75 * apex + 0.125 * ty
        let label = "for example", labelWidth = p.textWidth(label, smallFont)
        p.fillRect((sx + tx) / 2 - labelWidth / 2 - 4, midY - 7, labelWidth + 8, 14, .white)
        p.text(label, x: (sx + tx) / 2, y: midY + 3.5, smallFont, color: Palette.muted, align: .center)
    }

    // MARK: 7. votes

    private func drawVotes(_ f: VotesFigure) throws -> Size {
        let n = f.inputs.count, m = f.outputLabels.count
        guard n > 0, m > 0, f.weights.count == m, f.weights.allSatisfy({ $0.count == n }) else {
            throw RenderError.invalidFigure("votes need \(m) rows of \(n) weights")
        }
        if let values = f.outputValues, values.count != m {
            throw RenderError.invalidFigure("votes need one output value per output (\(m))")
        }
        let top = title(f.title)
        let rowHeight = 24.0, cellWidth = 48.0
        let labelWidth = (f.inputLabels ?? []).map { p.textWidth($0, smallFont) }.max().map { $0 + 8 } ?? 0
        let colX = labelWidth
        let colHeight = Double(n) * rowHeight
        let nodeRadius = 20.0
        let nodeX = colX + cellWidth + 230
        let scale = mapScale(nil, [Grid(rows: 1, cols: n, values: f.inputs) ?? Grid([[]])])
        let maxWeight = f.weights.flatMap { $0 }.map(abs).max() ?? 1
        func nodeY(_ k: Int) -> Double { top + colHeight * (Double(k) + 0.5) / Double(m) }
        // Lines first, thinnest on top of thickest so small weights stay visible.
        var lines: [(i: Int, k: Int, w: Double)] = []
        for k in 0..<m { for i in 0..<n { lines.append((i, k, f.weights[k][i])) } }
        lines.sort { abs($0.w) > abs($1.w) || (abs($0.w) == abs($1.w) && ($0.k, $0.i) < ($1.k, $1.i)) }
        for line in lines where line.w != 0 {
            let width = votesLineWidth(line.w, maxWeight)
            let y1 = top + (Double(line.i) + 0.5) * rowHeight
            let color = line.w > 0 ? Palette.positive : Palette.negative
            p.line(colX + cellWidth, y1, nodeX - nodeRadius, nodeY(line.k), color, width: width,
                   dash: line.w > 0 ? [] : [7, 4], alpha: 0.85)
        }
        for i in 0..<n {
            let v = f.inputs[i]
            let y = top + Double(i) * rowHeight
            let fill = Palette.diverging(v, scale: scale)
            p.fillRect(colX, y, cellWidth, rowHeight, fill)
            if v < 0 { p.hatch(colX, y, cellWidth, rowHeight, Palette.negativeHatch) }
            p.strokeRect(colX, y, cellWidth, rowHeight, Palette.mapGridLine, width: 0.75)
            p.textCentered(formatNumber(v, f.numberStyle), cx: colX + cellWidth / 2, cy: y + rowHeight / 2,
                           FontStyle(size: 10.5), maxWidth: cellWidth - 6, color: Palette.text(on: fill))
            if let labels = f.inputLabels, i < labels.count {
                p.text(labels[i], x: colX - 6, y: y + rowHeight / 2 + 3.5, smallFont, color: Palette.muted, align: .right)
            }
        }
        p.strokeRect(colX, top, cellWidth, colHeight, Palette.ink, width: 1)
        var right = nodeX + nodeRadius
        for k in 0..<m {
            p.circle(nodeX, nodeY(k), nodeRadius, fill: .white, stroke: Palette.ink, width: 2)
            p.textCentered(f.outputLabels[k], cx: nodeX, cy: nodeY(k), FontStyle(size: 15, bold: true), maxWidth: nodeRadius * 1.5)
            if let values = f.outputValues {
                let text = formatNumber(values[k], f.numberStyle)
                let font = FontStyle(size: 14, bold: true)
                p.text(text, x: nodeX + nodeRadius + 8, y: nodeY(k) + 5, font)
                right = max(right, nodeX + nodeRadius + 8 + p.textWidth(text, font))
            }
        }
        if let g = f.groupSize, g > 0 {
            for start in stride(from: g, to: n, by: g) {
                p.line(colX - 4, top + Double(start) * rowHeight, colX + cellWidth + 4, top + Double(start) * rowHeight, Palette.ink, width: 2.5)
            }
        }
        let ky = top + max(colHeight, nodeY(m - 1) + nodeRadius - top) + 14
        let keyBottom = votesKey(f, x: colX, y: ky, maxWeight: maxWeight)
        return Size(width: max(right, keyBottom.width, titleWidth(f.title)), height: keyBottom.y)
    }

    /// The key of a votes figure: one sample line for each size of weight that exists, in its
    /// sign's colour and dash, and a note when some weights are 0. Returns the key's width and bottom.
    private func votesKey(_ f: VotesFigure, x: Double, y: Double, maxWeight: Double) -> (width: Double, y: Double) {
        var kx = x, ky = y, width = 0.0
        for w in f.keySamples() {
            let text = "weight \(formatNumber(w, f.numberStyle))"
            let itemWidth = 36 + p.textWidth(text, smallFont) + 18
            if kx + itemWidth > x + 360 { kx = x; ky += 18 }
            p.line(kx, ky, kx + 30, ky, w > 0 ? Palette.positive : Palette.negative, width: votesLineWidth(w, maxWeight),
                   dash: w > 0 ? [] : [7, 4])
            p.text(text, x: kx + 36, y: ky + 4, smallFont)
            kx += itemWidth
            width = max(width, kx)
        }
        var notes = ["line thickness = |weight|"]
        if f.weights.contains(where: { $0.contains(0) }) { notes.append("no line = weight 0: that value casts no vote for that class") }
        if let g = f.groupSize, g > 0, g < f.inputs.count { notes.append("thick rules separate the maps, \(g) values each") }
        for note in notes {
            ky += 18
            p.text(note, x: x, y: ky + 4, smallFont, color: Palette.muted)
            width = max(width, x + p.textWidth(note, smallFont))
        }
        return (width, ky + 10)
    }

    /// Line width for a weight: grows with the square of |weight| / max |weight|, from under 1 pt
    /// to 9 pt, so near-equal weights (0.20 and 0.25) still draw visibly different lines.
    private func votesLineWidth(_ w: Double, _ maxWeight: Double) -> Double {
        let r = abs(w) / max(maxWeight, 1e-12)
        return 0.75 + 8.25 * r * r
    }

    private func drawVoteBars(_ f: VoteBarsFigure) throws -> Size {
        guard f.labels.count == f.values.count else {
            throw RenderError.invalidFigure("vote bars need one value per label")
        }
        let top = title(f.title)
        let font = FontStyle(size: 13, bold: true)
        let labelWidth = (f.labels.map { p.textWidth($0, font) }.max() ?? 0) + 12
        let finite = f.values.filter(\.isFinite)
        let lo = f.range?.lowerBound ?? min(0, finite.min() ?? 0)
        let hi = f.range?.upperBound ?? max(1, finite.max() ?? 1)
        let span = hi - lo > 0 ? hi - lo : 1
        let barArea = 150.0, rowHeight = 30.0, barHeight = 18.0
        func xOf(_ v: Double) -> Double { labelWidth + barArea * (max(lo, min(hi, v)) - lo) / span }
        var right = labelWidth + barArea
        for (i, (label, v)) in zip(f.labels, f.values).enumerated() {
            let y = top + Double(i) * rowHeight
            p.text(label, x: labelWidth - 12, y: y + rowHeight / 2 + 5, font, align: .right)
            p.fillRect(labelWidth, y + (rowHeight - barHeight) / 2, barArea, barHeight, RGB(hex: 0xF0F0F0))
            let x0 = xOf(0), x1 = xOf(v)
            let bx = min(x0, x1), bw = abs(x1 - x0)
            let color = v >= 0 ? Palette.positive : Palette.negative
            p.fillRect(bx, y + (rowHeight - barHeight) / 2, bw, barHeight, color)
            if v < 0 { p.hatch(bx, y + (rowHeight - barHeight) / 2, bw, barHeight, Palette.negativeHatch) }
            let text = formatNumber(v, f.numberStyle)
            p.text(text, x: labelWidth + barArea + 8, y: y + rowHeight / 2 + 5, FontStyle(size: 12))
            right = max(right, labelWidth + barArea + 8 + p.textWidth(text, FontStyle(size: 12)))
        }
        let bottom = top + Double(f.labels.count) * rowHeight
        p.line(xOf(0), top, xOf(0), bottom, Palette.ink, width: 1)
        return Size(width: max(right, titleWidth(f.title)), height: bottom + 4)
    }

    // MARK: 8. pipeline

    private func drawPipeline(_ f: PipelineFigure) -> Size {
        let top = title(f.title)
        let nameFont = FontStyle(size: 11, bold: true), shapeFont = FontStyle(size: 11, mono: true)
        let boxHeight = 46.0, arrowWidth = 34.0, padding = 10.0
        var x = 0.0
        for (i, stage) in f.stages.enumerated() {
            let w = max(p.textWidth(stage.name, nameFont), p.textWidth(stage.shape, shapeFont)) + 2 * padding
            p.fillRect(x, top, w, boxHeight, RGB(hex: 0xF2F2F2))
            p.strokeRect(x, top, w, boxHeight, Palette.ink, width: 1.25)
            p.text(stage.name, x: x + w / 2, y: top + 19, nameFont, align: .center)
            p.text(stage.shape, x: x + w / 2, y: top + 36, shapeFont, color: Palette.muted, align: .center)
            x += w
            if i < f.stages.count - 1 {
                p.arrow(x + 5, top + boxHeight / 2, x + arrowWidth - 5, top + boxHeight / 2, Palette.ink, width: 1.5, head: 7)
                x += arrowWidth
            }
        }
        let chain = f.stages.map(\.shape).joined(separator: " → ")
        let chainFont = FontStyle(size: 12, mono: true)
        p.text(chain, x: 0, y: top + boxHeight + 22, chainFont)
        return Size(width: max(x, p.textWidth(chain, chainFont), titleWidth(f.title)), height: top + boxHeight + 28)
    }

    // MARK: 10. line plot

    /// "Nice" tick values covering lo…hi (steps of 1, 2 or 5 × 10ⁿ).
    static func ticks(_ lo: Double, _ hi: Double, target: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var t = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    private func drawLinePlot(_ f: LinePlotFigure) throws -> Size {
        let top = title(f.title)
        let styles: [(RGB, [Double])] = [(Palette.positive, []), (Palette.negative, [7, 4]),
                                         (RGB(hex: 0x1B7837), [2, 3]), (RGB(hex: 0x762A83), [9, 3, 2, 3])]
        let points = f.series.map { s in zip(s.x ?? s.y.indices.map { Double($0 + 1) }, s.y).filter { $0.0.isFinite && $0.1.isFinite } }
        let xs = points.flatMap { $0.map(\.0) }, ys = points.flatMap { $0.map(\.1) }
        var xlo = xs.min() ?? 0, xhi = xs.max() ?? 1
        if xhi <= xlo { xhi = xlo + 1 }
        var ylo = f.yRange?.lowerBound ?? (ys.min() ?? 0), yhi = f.yRange?.upperBound ?? (ys.max() ?? 1)
        if f.yRange == nil, ylo >= 0 { ylo = 0 }
        if yhi <= ylo { yhi = ylo + 1 }
        let yTicks = Drawer.ticks(ylo, yhi), xTicks = Drawer.ticks(xlo, xhi, target: 6)
        if f.yRange == nil { ylo = min(ylo, yTicks.first ?? ylo); yhi = max(yhi, yTicks.last ?? yhi) }
        if let first = xTicks.first, first < xlo { xlo = first }
        let tickStyle = NumberStyle.full
        func tickText(_ v: Double) -> String {
            let s = formatNumber((v * 1e6).rounded() / 1e6, tickStyle)
            return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
        }
        let yLabelWidth = (yTicks.map { p.textWidth(tickText($0), smallFont) }.max() ?? 0)
        let plotX = (f.yLabel.isEmpty ? 0 : 20) + yLabelWidth + 8
        let plotW = max(60, f.width - plotX), plotH = max(60, f.height - 44)
        let plotY = top + (f.title == nil ? 4 : 10)
        func px(_ x: Double) -> Double { plotX + plotW * (x - xlo) / (xhi - xlo) }
        func py(_ y: Double) -> Double { plotY + plotH * (1 - (y - ylo) / (yhi - ylo)) }
        for t in yTicks {
            p.line(plotX, py(t), plotX + plotW, py(t), RGB(hex: 0xE3E3E3), width: 0.75)
            p.line(plotX - 4, py(t), plotX, py(t), Palette.ink, width: 1)
            p.text(tickText(t), x: plotX - 7, y: py(t) + 3.5, smallFont, align: .right)
        }
        for t in xTicks where t >= xlo && t <= xhi {
            p.line(px(t), plotY + plotH, px(t), plotY + plotH + 4, Palette.ink, width: 1)
            p.text(tickText(t), x: px(t), y: plotY + plotH + 16, smallFont, align: .center)
        }
        p.save()
        cairoClip(plotX - 4, plotY - 4, plotW + 8, plotH + 8)
        for (k, pts) in points.enumerated() {
            let (color, dash) = styles[k % styles.count]
            for (a, b) in zip(pts, pts.dropFirst()) {
                p.line(px(a.0), py(a.1), px(b.0), py(b.1), color, width: 2, dash: dash)
            }
            if pts.count == 1, let pt = pts.first {
                p.marker(k, px(pt.0), py(pt.1), 6.5, color)
            } else if pts.count <= 40 { for pt in pts { p.marker(k, px(pt.0), py(pt.1), 3.2, color) } }
        }
        p.restore()
        // A marked point's label beside it, right of the point (left of it near the right edge).
        for (s, pts) in zip(f.series, points) where pts.count == 1 {
            guard let label = s.pointLabel, let pt = pts.first else { continue }
            let right = px(pt.0) + 12 + p.textWidth(label, labelFont) <= plotX + plotW
            p.text(label, x: px(pt.0) + (right ? 11 : -11), y: py(pt.1) - 8, labelFont, align: right ? .left : .right)
        }
        p.line(plotX, plotY, plotX, plotY + plotH, Palette.ink, width: 1)
        p.line(plotX, plotY + plotH, plotX + plotW, plotY + plotH, Palette.ink, width: 1)
        p.text(f.xLabel, x: plotX + plotW / 2, y: plotY + plotH + 34, labelFont, align: .center)
        if !f.yLabel.isEmpty { p.verticalText(f.yLabel, cx: 8, cy: plotY + plotH / 2, labelFont) }
        // Legend under the plot, one entry after another, so it never hides data.
        var lx = plotX, legendWidth = 0.0
        let ly = plotY + plotH + 52
        for (k, s) in f.series.enumerated() {
            let (color, dash) = styles[k % styles.count]
            if points[k].count == 1 {
                p.marker(k, lx + 14, ly, 6.5, color)
            } else {
                p.line(lx, ly, lx + 28, ly, color, width: 2, dash: dash)
                p.marker(k, lx + 14, ly, 3.2, color)
            }
            p.text(s.name, x: lx + 34, y: ly + 3.5, smallFont)
            lx += 34 + p.textWidth(s.name, smallFont) + 22
            legendWidth = lx - 22
        }
        let legendSpace = f.series.isEmpty ? 0.0 : 22.0
        return Size(width: max(plotX + plotW, legendWidth, titleWidth(f.title)), height: plotY + plotH + 40 + legendSpace)
    }

    private func cairoClip(_ x: Double, _ y: Double, _ w: Double, _ h: Double) {
        p.clip(x, y, w, h)
    }

    // MARK: 11. filter bank

    private func drawFilterBank(_ f: FilterBankFigure) throws -> Size {
        let top = title(f.title)
        let rowFont = FontStyle(size: 12, bold: true)
        let labelWidth = (f.rows.map { p.textWidth($0.label, rowFont) }.max() ?? 0) + 16
        let gap = 18.0
        var y = top, right = labelWidth
        for row in f.rows {
            let rowHeight = (row.features.map { Double($0.grid.rows) * f.cellSize }.max() ?? 0)
            p.text(row.label, x: 0, y: y + rowHeight / 2 + 4, rowFont)
            var x = labelWidth
            for feature in row.features {
                let g = gridSize(feature.grid, f.cellSize)
                let width = max(g.width, min(p.textWidth(feature.name, smallFont), g.width + gap - 4))
                let scale = feature.grid.maxAbs > 0 ? feature.grid.maxAbs : 1
                drawGrid(feature.grid, x: x + (width - g.width) / 2, y: y, cell: f.cellSize, coloring: .pixels(scale: scale),
                         numbers: f.showNumbers ? f.numberStyle : nil, integersPlain: true)
                centeredLabel(feature.name, x: x, y: y + g.height + 2, width: width, smallFont)
                x += width + gap
            }
            right = max(right, x - gap)
            y += rowHeight + labelHeight + 14
        }
        return Size(width: max(right, titleWidth(f.title)), height: max(top, y - 14))
    }

    // MARK: text and composition

    private func drawText(_ f: TextBlock) -> Size {
        let font = FontStyle(size: f.fontSize, mono: f.monospaced)
        let height = p.paragraph(f.markup, x: 0, y: 0, width: f.width, font)
        return Size(width: f.width, height: height)
    }

    private func drawRow(_ figures: [Figure], spacing: Double) throws -> Size {
        var x = 0.0, height = 0.0
        for figure in figures {
            let s = try draw(figure, at: x, 0)
            x += s.width + spacing
            height = max(height, s.height)
        }
        return Size(width: max(0, x - spacing), height: height)
    }

    private func drawColumn(_ figures: [Figure], spacing: Double) throws -> Size {
        var y = 0.0, width = 0.0
        for figure in figures {
            let s = try draw(figure, at: 0, y)
            y += s.height + spacing
            width = max(width, s.width)
        }
        return Size(width: width, height: max(0, y - spacing))
    }
}
