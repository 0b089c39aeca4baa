import CNNCore
import CNNFigures

// Convolution-step and pooling figures built from a trace: every number in them is the engine's
// (ConvDerivation, PoolWindows, the traced outputs and gradients); the drawers only show them.

extension PoolWindows {
    /// Every window over `plane` (one input channel, `height`×`width`), with its winner, as figure
    /// values, row-major.
    public func cells(of plane: Grid) -> [PoolWindowCells] {
        (0..<outH).flatMap { i in
            (0..<outW).map { j in
                let w = winner(i, j) { plane[$0, $1] }
                return PoolWindowCells(output: Cell(row: i, col: j), rows: rows(i), cols: cols(j), winner: Cell(row: w.row, col: w.col))
            }
        }
    }
}

extension ConvDerivation {
    /// This step drawn on a one-channel `image` (`[1, H, W]` as a grid): patch, products, sum,
    /// divisor and bias from the derivation, and `value`, the traced output.
    /// - Precondition: the patch lies inside the image, and the layer has one input channel.
    public func figure(image: Grid, kernelH: Int, kernelW: Int, featureName: String, value: Double,
                       numberStyle: NumberStyle, title: String? = nil) -> ConvolutionStepFigure {
        func grid(_ values: [Double]) -> Grid { Grid(rows: kernelH, cols: kernelW, values: values) ?? Grid([[]]) }
        return ConvolutionStepFigure(image: image, feature: grid(weights), featureName: featureName, row: top, col: left,
                                     patch: grid(patch), products: grid(products), sum: sum, divisor: divisor, bias: bias,
                                     value: value, numberStyle: numberStyle, title: title)
    }
}

extension ConvolutionStepFigure {
    /// Describes how its products, sum and `sum / divisor + bias` are worked out from its patch,
    /// feature, sum, divisor and bias (the engine's `ConvDerivation`), with the sources it has, so
    /// the HTML page can show each as an operation on its operands.
    public mutating func deriveNumbers(biasSource: TraceSource? = nil) {
        let st = numberStyle
        func at(_ a: [TraceSource?], _ k: Int) -> TraceSource? { k < a.count ? a[k] : nil }
        productDerivations = products.values.indices.map { k in
            DerivedNumber("product", .product, [
                DerivedOperand("patch", patch.values[k], text: formatCount(patch.values[k], st), source: at(patchSources, k)),
                DerivedOperand(featureName, feature.values[k], text: formatCount(feature.values[k], st), source: at(featureSources, k)),
            ], value: products.values[k])
        }
        let terms = products.values.enumerated().map { k, v in DerivedOperand("product \(k + 1)", v, text: formatCount(v, st)) }
        sumDerivation = DerivedNumber("sum of the \(terms.count) products", .sum, terms, value: sum)
        let sumOperand = DerivedOperand("sum", sum, text: formatCount(sum, st))
        var operands = [sumOperand]
        if let divisor { operands.append(DerivedOperand("divisor", Double(divisor), text: String(divisor))) }
        if let bias { operands.append(DerivedOperand("bias", bias, text: formatNumber(bias, st), source: biasSource)) }
        guard operands.count > 1 else { resultDerivation = nil; return }
        let name = (divisor == nil ? "sum" : "sum / divisor") + (bias == nil ? "" : " + bias")
        resultDerivation = DerivedNumber(name, divisor == nil ? .sum : .quotient, operands, value: value, source: valueSource)
    }
}

extension TraceFigures {
    /// The convolution step of output `[filter, row, col]` of conv layer `layer`, from its traced
    /// input, weight, bias and output. The value shown is the traced one. `source` names the
    /// trace for the figure's `TraceSource`s (none when `nil`).
    /// - Throws: when the layer is not drawn this way (more than one input channel, or a patch in
    ///   the padding), or a record is missing.
    public static func convolutionStep(_ trace: Trace, layer: String, _ c: ConvSpec, filter: Int, row: Int, col: Int,
                                       featureName: String, style: NumberStyle, title: String? = nil,
                                       source: String? = nil) throws(TraceFigureError) -> ConvolutionStepFigure {
        let x = try required(trace, layer, .input), w = try required(trace, layer, .weight), y = try required(trace, layer, .output)
        guard x.shape.count == 3, x.shape[0] == 1 else { throw TraceFigureError("convolution steps are drawn for one-channel inputs; \(layer) has \(x.shape.first ?? 0)") }
        guard y.shape.count == 3, filter >= 0, filter < y.shape[0], row >= 0, row < y.shape[1], col >= 0, col < y.shape[2] else {
            throw TraceFigureError("[\(filter), \(row), \(col)] is outside the \(ShapeText.figure(y.shape)) output of \(layer)")
        }
        let bias = c.bias ? try required(trace, layer, .bias).tensor : nil
        let d = c.derivation(input: x.tensor, weight: w.tensor, bias: bias, filter: filter, row: row, col: col)
        guard d.inside.allSatisfy({ $0 }) else { throw TraceFigureError("the patch of \(layer) at [\(row), \(col)] lies partly in the padding") }
        let at = (filter * y.shape[1] + row) * y.shape[2] + col
        var figure = d.figure(image: try channel(x, 0), kernelH: c.kernelH, kernelW: c.kernelW, featureName: featureName, value: y.data[at],
                              numberStyle: style, title: title)
        if let source {
            let n = c.kernelH * c.kernelW, width = x.shape[2]
            figure.featureSources = TraceSource.run(trace: source, key: "\(layer).weight", start: filter * n, count: n)
            figure.patchSources = (0..<n).map { k in
                let r = d.top + (k / c.kernelW) * c.dilation, q = d.left + (k % c.kernelW) * c.dilation
                return TraceSource(trace: source, key: "\(layer).input", index: r * width + q)
            }
            figure.valueSource = TraceSource(trace: source, key: "\(layer).output", index: at)
        }
        figure.deriveNumbers(biasSource: c.bias ? source.map { TraceSource(trace: $0, key: "\(layer).bias", index: filter) } : nil)
        return figure
    }

    /// Sources for channel `c` of the `[C, H, W]` record `layer.role` of trace `source` (none when `nil`).
    public static func channelSources(_ source: String?, _ layer: String, _ role: TraceRole, channel c: Int, plane: Grid) -> [TraceSource?] {
        guard let source else { return [] }
        let n = plane.rows * plane.cols
        return TraceSource.run(trace: source, key: "\(layer).\(role)", start: c * n, count: n)
    }

    /// Channel `channel` of max-pooling layer `layer`: its traced input and output, and the engine's
    /// windows. `source` names the trace for the figure's `TraceSource`s (none when `nil`).
    public static func pooling(_ trace: Trace, layer: String, _ p: PoolSpec, channel c: Int, style: NumberStyle,
                               title: String? = nil, cellSize: Double = 40, source: String? = nil) throws(TraceFigureError) -> PoolingFigure {
        let input = try channel(try required(trace, layer, .input), c)
        let output = try channel(try required(trace, layer, .output), c)
        let windows = try poolWindows(p, input: input, output: output, layer: layer)
        var figure = PoolingFigure(input: input, output: output, windows: windows.cells(of: input), size: p.size, stride: p.stride,
                                   title: title, numberStyle: style, cellSize: cellSize)
        figure.inputSources = channelSources(source, layer, .input, channel: c, plane: input)
        figure.outputSources = channelSources(source, layer, .output, channel: c, plane: output)
        return figure
    }

    /// Channel `channel` of max-pooling layer `layer` backward: traced input, output gradient and
    /// input gradient, and the engine's windows. `source` names the trace for the figure's
    /// `TraceSource`s (none when `nil`).
    public static func poolingGradient(_ trace: Trace, layer: String, _ p: PoolSpec, channel c: Int, style: NumberStyle,
                                       title: String? = nil, cellSize: Double = 38,
                                       source: String? = nil) throws(TraceFigureError) -> PoolingGradientFigure {
        let input = try channel(try required(trace, layer, .input), c)
        let gy = try channel(try required(trace, layer, .gradOutput), c)
        let gx = try channel(try required(trace, layer, .gradInput), c)
        let windows = try poolWindows(p, input: input, output: gy, layer: layer)
        var figure = PoolingGradientFigure(input: input, outputGradient: gy, inputGradient: gx, windows: windows.cells(of: input),
                                           size: p.size, stride: p.stride, title: title, numberStyle: style, cellSize: cellSize)
        figure.inputSources = channelSources(source, layer, .input, channel: c, plane: input)
        figure.outputGradientSources = channelSources(source, layer, .gradOutput, channel: c, plane: gy)
        figure.inputGradientSources = channelSources(source, layer, .gradInput, channel: c, plane: gx)
        return figure
    }

    /// The engine's windows over `input`, checked against the traced `output`'s size.
    static func poolWindows(_ p: PoolSpec, input: Grid, output: Grid, layer: String) throws(TraceFigureError) -> PoolWindows {
        guard p.size >= 1, p.stride >= 1, p.size <= input.rows, p.size <= input.cols else {
            throw TraceFigureError("\(layer): a \(p.size)×\(p.size) window does not fit the \(input.shapeText) input")
        }
        let windows = PoolWindows(p, height: input.rows, width: input.cols)
        guard windows.outH == output.rows, windows.outW == output.cols else {
            throw TraceFigureError("\(layer): the traced output is \(output.shapeText), but its windows give \(windows.outH)×\(windows.outW)")
        }
        return windows
    }

    static func required(_ trace: Trace, _ layer: String, _ role: TraceRole) throws(TraceFigureError) -> TraceRecord {
        guard let r = trace.record(layer, role) else { throw TraceFigureError("the trace has no \(layer).\(role) record") }
        return r
    }
}

// Flip-books of a sliding window: the window's place comes from the engine (`ConvDerivation`'s
// top-left cell, `PoolWindows`' rows and columns), every number shown from the traced output.
extension TraceFigures {
    /// The output positions a flip-book shows, as row-major indices into a `rows`×`cols` output, in
    /// walking order: up to `count` of, first to last chosen, the first three, the end of the first
    /// row, the start of the second, the last, the second of the second row and its end.
    public static func flipBookPositions(rows: Int, cols: Int, count: Int = 8) -> [Int] {
        let n = rows * cols
        var chosen: [Int] = []
        for p in [0, 1, 2, cols - 1, cols, n - 1, cols + 1, 2 * cols - 1] where p >= 0 && p < n && !chosen.contains(p) && chosen.count < count {
            chosen.append(p)
        }
        return chosen.sorted()
    }

    /// The frames of a walk over an output map: at each of `positions` the window given by
    /// `window` and the traced `output` up to that cell (later cells `nil`).
    static func frames(output: Grid, positions: [Int], window: (Int, Int) -> (Range<Int>, Range<Int>)) -> [SlidingWindowFrame] {
        positions.map { p in
            let (i, j) = (p / output.cols, p % output.cols)
            let (rows, cols) = window(i, j)
            let shown = output.values.enumerated().map { $0.offset <= p ? Optional($0.element) : nil }
            return SlidingWindowFrame(position: Cell(row: i, col: j), rows: rows, cols: cols, output: shown)
        }
    }

    /// Feature `filter` of conv layer `layer` sliding over its one-channel input: each frame's
    /// patch is the engine's (`ConvDerivation.top`, `.left` and the kernel's size), each filled
    /// cell the traced output.
    /// - Throws: when the input has more than one channel, or the layer pads or dilates.
    public static func convolutionFlipBook(_ trace: Trace, layer: String, _ c: ConvSpec, filter: Int, style: NumberStyle,
                                           title: String? = nil, frames count: Int = 8) throws(TraceFigureError) -> SlidingWindowFigure {
        let x = try required(trace, layer, .input), w = try required(trace, layer, .weight), y = try required(trace, layer, .output)
        guard x.shape.count == 3, x.shape[0] == 1, c.dilation == 1, c.pads.top == 0, c.pads.left == 0 else {
            throw TraceFigureError("flip-books of a convolution are drawn for one-channel inputs without padding or dilation; \(layer) is not one")
        }
        let output = try channel(y, filter)
        let image = try channel(x, 0)
        let frames = Self.frames(output: output, positions: flipBookPositions(rows: output.rows, cols: output.cols, count: count)) { i, j in
            let d = c.derivation(input: x.tensor, weight: w.tensor, bias: nil, filter: filter, row: i, col: j)
            return (d.top..<(d.top + c.kernelH), d.left..<(d.left + c.kernelW))
        }
        var figure = SlidingWindowFigure(input: image, inputIsImage: true, outputRows: output.rows, outputCols: output.cols, frames: frames,
                                         operation: "match", title: title, scale: output.maxAbs > 0 ? output.maxAbs : 1, numberStyle: style)
        figure.boxName = "patch"
        return figure
    }

    /// Channel `channel` of max-pooling layer `layer`: the engine's windows (`PoolWindows`) moving
    /// over the traced input, the pooled map filling with the traced output.
    public static func poolingFlipBook(_ trace: Trace, layer: String, _ p: PoolSpec, channel c: Int, style: NumberStyle,
                                       title: String? = nil, frames count: Int = 8) throws(TraceFigureError) -> SlidingWindowFigure {
        let input = try channel(try required(trace, layer, .input), c)
        let output = try channel(try required(trace, layer, .output), c)
        let windows = try poolWindows(p, input: input, output: output, layer: layer)
        let frames = Self.frames(output: output, positions: flipBookPositions(rows: output.rows, cols: output.cols, count: count)) { i, j in
            (windows.rows(i), windows.cols(j))
        }
        let scale = max(input.maxAbs, output.maxAbs)
        return SlidingWindowFigure(input: input, inputIsImage: false, outputRows: output.rows, outputCols: output.cols, frames: frames,
                                   operation: "max", title: title, scale: scale > 0 ? scale : 1, numberStyle: style,
                                   inputCell: 13, outputCell: 15)
    }
}
