import CNNAnalysis
import CNNCore
import CNNFigures
import CNNRender
import Foundation

// The backward pass, step by step, for lessons: the error at the votes, dense gradients, ReLU
// backward, the chain-rule terms of one feature pixel's gradient, and one SGD step. Every
// number is read from the traces; where a table re-derives a traced value from its terms, the
// two are checked against each other (`isClose` with rtol = atol = 1e-9: a different order of
// addition changes only the last few bits) before anything is shown.

/// Width of the monospaced tables, in points: 72 columns of 10-point type fit the text column.
let tableWidth = 460.0

extension StepBuilder {
    /// A monospaced table as a text figure. Every `<tt>` line is kept at most 78 columns so the
    /// terminal shows it unwrapped.
    /// `numbers`: every number of the lines in order, with its trace element where it has one.
    func table(_ lines: [String], numbers: [TextSource] = []) -> Figure {
        var block = TextBlock(markup: lines.joined(separator: "\n"), width: tableWidth, fontSize: 10)
        block.sources = numbers
        return .text(block)
    }

    /// The number `value` as written in style `st`, from element `k` of record `r` of `input`'s trace.
    func tracedNumber(_ input: String, _ r: TraceRecord, _ k: Int, _ st: NumberStyle) -> TextSource {
        TextSource(formatNumber(r.data[k], st), TraceSource(trace: input, key: r.key, index: k), value: r.data[k])
    }

    /// A formula said in plain words, in italics, under the formula it explains.
    func words(_ s: String) -> String { "<i>in words: \(TextBlock.escape(s))</i>" }

    /// A monospaced line of plain text (escaped).
    func tt(_ s: String) -> String { "<tt>\(TextBlock.escape(s))</tt>" }




    /// The class names of an input's model, or 0, 1, … when it has none.
    func classLabels(_ input: String, count: Int, _ step: LessonStep) throws -> [String] {
        let classes = try trace(input, step).model.classNames
        return classes.count == count ? classes : (0..<count).map(String.init)
    }

    // MARK: The network after one step

    /// The trace of `input` through a copy of its network after one step of the engine's `SGD`
    /// (`w ← w − lr·g`, no momentum), with `g` the gradients of the trace of `stepper` (by default
    /// the input's own): `O@X@0.1` is the O image after one step on the X image.
    func steppedTrace(_ input: String, by stepper: String? = nil, lr: Double, _ step: LessonStep) throws -> Trace {
        let source = stepper ?? input
        let t = try trace(source, step)
        guard var net = networks[source] else { throw fail(step, "no input named '\(source)'") }
        guard t.target != nil else { throw fail(step, "a step needs gradients: give input '\(source)' a 'target'") }
        switch t.parameterGradients(of: net) {
        case .success(let gradients):
            var sgd = SGD(learningRate: lr)
            sgd.step(&net, gradients: gradients)
        case .failure(let missing):
            throw fail(step, "the trace of '\(source)' has no gradient of \(missing.parameter)")
        }
        let x = try firstInput(input, step)
        guard networks[input]?.shapes[0] == net.shapes[0] else { throw fail(step, "'\(input)' and '\(source)' go through different networks") }
        return net.trace(input: Tensor(shape: net.shapes[0], data: x.data), target: try trace(input, step).target)
    }

    /// `NAME@LR` names the trace of NAME after one step of size LR on NAME (`X@0.1`), and
    /// `NAME@OTHER@LR` after one step on OTHER (`O@X@0.1`); `nil` for other names.
    func parseStepped(_ name: String) -> (input: String, stepper: String?, lr: Double)? {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, let lr = parts.last.flatMap(Double.init), lr > 0, lr.isFinite else { return nil }
        return (parts[0], parts.count == 3 ? parts[1] : nil, lr)
    }

    // MARK: Figures

    func backwardFigure(_ item: ShowItem, step: LessonStep) throws -> LessonFigure? {
        switch item {
        case let .lossGradient(input, numbers):
            return try lossGradientFigure(input, numbers ?? style, step)
        case let .gradient(input, layer, role, numbers):
            return try gradientFigure(input, layer, role, numbers ?? style, step)
        case let .denseGradient(input, layer, numbers):
            return try denseGradientFigure(input, layer, numbers ?? style, step)
        case let .update(input, lr, count, weights, numbers):
            return try updateFigure(input, lr: lr, count: count, named: weights, numbers ?? style, step)
        case let .afterStep(input, by, lr, numbers):
            return try afterStepFigure(input, by: by, lr: lr, numbers ?? style, step)
        case let .stepSizes(input, marked, upTo, numbers):
            return try stepSizesFigure(input, marked: marked, upTo: upTo, numbers ?? style, step)
        case let .errorCurve(input, layer, index, from, to, points, nudge, numbers):
            return try errorCurveFigure(input, layer, index, values: (from, to, points), nudge: nudge, numbers ?? style, step)
        default:
            return nil
        }
    }

    /// The error at the votes: `y`, `t`, and `∂L/∂y` as the loss defines it.
    func lossGradientFigure(_ input: String, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        let t = try trace(input, step)
        guard let target = t.target, let loss = t.loss else { throw fail(step, "loss_gradient needs a 'target' for input '\(input)'") }
        let last = t.model.layers[t.model.layers.count - 1].name
        let out = try record(input, last, .output, step), y = out.data
        let grad = try record(input, last, .gradOutput, step), g = grad.data
        let classes = try classLabels(input, count: y.count, step)
        var numbers: [TextSource] = []
        let k = y.count
        var lines: [String] = []
        let mse = t.model.loss == .mse
        if mse {
            lines.append("<b>mean squared error</b>: L = (1/\(k)) Σ (y − t)², so ∂L/∂y = 2(y − t)/\(k)")
            lines.append(words("L: for each class, take how far the vote y is from the right answer t, square it, and average over the \(k) classes."))
            lines.append(words("∂L/∂y: how fast the error grows as one vote goes up: twice (vote − right answer), divided by \(k)."))
            lines.append(tt("  class     vote y   right t      y − t    ∂L/∂y = 2(y − t)/\(k)"))
        } else {
            lines.append("<b>cross-entropy</b>: L = −log p[right], p = softmax(y), so ∂L/∂y = p − t")
            lines.append(words("p: the votes turned into shares that add up to 1; L: small when the right class gets a large share."))
            lines.append(words("∂L/∂y: how fast the error grows as one vote goes up: its share minus its right answer (1 or 0)."))
            lines.append(tt("  class     vote y    p = softmax   right t    ∂L/∂y = p − t"))
        }
        let p = softmax(y)
        for c in 0..<k {
            let right = c == target ? 1.0 : 0.0
            let name = padRight(String(classes[c].prefix(8)), 8)
            if mse {
                lines.append(tt("  \(name)\(padLeft(formatNumber(y[c], st), 9))\(padLeft(formatCount(right, st), 10))"
                                + "\(padLeft(formatNumber(y[c] - right, st), 11))\(padLeft(formatNumber(g[c], st), 13))"))
                let yt = tracedNumber(input, out, c, st), rt = formatCount(right, st)
                numbers += [yt, TextSource(rt, derived: Self.rightAnswer(right, classes[c], input)),
                            TextSource(formatNumber(y[c] - right, st), derived: DerivedNumber("y − t", .difference, [
                                DerivedOperand("vote y", y[c], text: yt.text, source: yt.source), DerivedOperand("right t", right, text: rt),
                            ], value: y[c] - right)), tracedNumber(input, grad, c, st)]
            } else {
                lines.append(tt("  \(name)\(padLeft(formatNumber(y[c], st), 9))\(padLeft(formatNumber(p[c], st), 14))"
                                + "\(padLeft(formatCount(right, st), 10))\(padLeft(formatNumber(g[c], st), 17))"))
                let votes = y.indices.map { j in
                    DerivedOperand("vote \(classes[j])", y[j], text: formatNumber(y[j], st), source: TraceSource(trace: input, key: out.key, index: j))
                }
                numbers += [tracedNumber(input, out, c, st),
                            TextSource(formatNumber(p[c], st), derived: DerivedNumber("p[\(classes[c])] = softmax share", .softmaxShare(c), votes, value: p[c])),
                            TextSource(formatCount(right, st), derived: Self.rightAnswer(right, classes[c], input)), tracedNumber(input, grad, c, st)]
            }
        }
        lines.append(tt("  loss L = \(formatNumber(loss, st))"))
        if let l = t.record("loss", .output) { numbers.append(tracedNumber(input, l, 0, st)) }
        return LessonFigure(name: "loss-gradient-\(slug(input))",
                            caption: "The error at the votes for the \(input) image (right answer: \(classes[target])).",
                            figure: table(lines, numbers: numbers))
    }

    /// A gradient array as coloured maps.
    func gradientFigure(_ input: String, _ layer: String, _ role: TraceRole, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        let r = try record(input, layer, role, step)
        let what = "∂L/∂" + (role == .gradWeight ? "weight" : role == .gradBias ? "bias" : role == .gradInput ? "input" : "output")
        let name = "gradient-\(slug(input))-\(layer)-\(role)"
        let words = try layerWords(input, layer, step), image = imageWords(input)
        let scale = r.data.map(abs).max().map { $0 > 0 ? $0 : 1 }
        switch r.shape.count {
        case 4:
            // A conv weight gradient: one map per feature (and input channel), under its feature.
            let feats = try features(input, layer, step)
            let (o, c, kh, kw) = (r.shape[0], r.shape[1], r.shape[2], r.shape[3])
            var maps: [Grid] = [], named: [NamedGrid] = [], mapSources: [[TraceSource?]] = []
            for f in 0..<o {
                for ch in 0..<c {
                    let start = (f * c + ch) * kh * kw
                    maps.append(Grid((0..<kh).map { i in Array(r.data[(start + i * kw)..<(start + i * kw + kw)]) }))
                    mapSources.append(TraceSource.run(trace: input, key: r.key, start: start, count: kh * kw))
                    named.append(NamedGrid(name: c == 1 ? feats[f].name : "\(feats[f].name) [\(ch)]", grid: feats[f].grid))
                }
            }
            let perRow = max(1, min(maps.count, Int(484 / (Double(kw) * 44 + 28))))
            var rows: [Figure] = []
            for start in stride(from: 0, to: maps.count, by: perRow) {
                let end = min(maps.count, start + perRow)
                var figure = LayerFigure(features: Array(named[start..<end]),
                                         maps: Array(maps[start..<end]), title: start == 0 ? "\(what) of every feature of \(words), \(image)" : nil,
                                         scale: scale, numberStyle: st, cellSize: 44)
                figure.mapSources = Array(mapSources[start..<end])
                rows.append(.layer(figure))
            }
            return LessonFigure(name: name, caption: "\(capitalized(what)) of \(words) for \(image): one map per feature, each under its feature (\(layer).\(role)).",
                                figure: rows.count == 1 ? rows[0] : .column(rows))
        case 3:
            let maps = try channels(r, step)
            let cols = r.shape[2]
            let perRow = max(1, min(maps.count, Int(484 / (Double(cols) * 30 + 24))))
            var rows: [Figure] = []
            for start in stride(from: 0, to: maps.count, by: perRow) {
                let end = min(maps.count, start + perRow)
                rows.append(.row((start..<end).map { i in
                    var map = FeatureMapFigure(map: maps[i], title: "\(what), \((try? mapWords(input, layer, i, step)) ?? "map \(i + 1)")", scale: scale,
                                               numberStyle: st, showLegend: i == maps.count - 1, cellSize: 30)
                    map.sources = sources(input, r, channel: i)
                    return .featureMap(map)
                }))
            }
            return LessonFigure(name: name, caption: "\(capitalized(what)) of \(words) for \(image), every map on one colour scale (\(layer).\(role)).",
                                figure: rows.count == 1 ? rows[0] : .column(rows))
        case 2:
            let (rowsN, colsN) = (r.shape[0], r.shape[1])
            let grid = Grid((0..<rowsN).map { i in Array(r.data[(i * colsN)..<(i * colsN + colsN)]) })
            let cell = max(20, min(40, (tableWidth / Double(max(colsN, 1))).rounded(.down)))
            let labels = try classLabels(input, count: rowsN, step)
            var map = FeatureMapFigure(map: grid, title: "\(what) of \(words)", numberStyle: st, cellSize: cell)
            map.sources = sources(input, r)
            return LessonFigure(name: name, caption: "\(capitalized(what)) of \(words) for \(image): one row per output (\(labels.joined(separator: ", "))), one column per input (\(layer).\(role)).",
                                figure: .featureMap(map))
        default:
            var map = FeatureMapFigure(map: Grid([r.data]), title: "\(what) of \(words)", numberStyle: st, cellSize: 44)
            map.sources = sources(input, r)
            return LessonFigure(name: name, caption: "\(capitalized(what)) of \(words) for \(image) (\(layer).\(role)).", figure: .featureMap(map))
        }
    }

    /// The dense layer's backward pass as a table, one row per input value.
    func denseGradientFigure(_ input: String, _ layer: String, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        guard case .dense = try layerSpec(input, layer, step).kind else { throw fail(step, "'\(layer)' is not a dense layer") }
        let x = try record(input, layer, .input, step)
        let w = try record(input, layer, .weight, step)
        let gyRecord = try record(input, layer, .gradOutput, step), g = gyRecord.data
        let gwRecord = try record(input, layer, .gradWeight, step), gw = gwRecord.data
        let gxRecord = try record(input, layer, .gradInput, step), gx = gxRecord.data
        let (k, n) = (w.shape[0], w.shape[1])
        guard k <= 4 else { throw fail(step, "dense_gradient is drawn for layers of up to 4 outputs; '\(layer)' has \(k)") }
        let labels = try classLabels(input, count: k, step).map { String($0.prefix(3)) }
        // Each traced gradient is the product (and sum) the table says it is.
        for o in 0..<k {
            for i in 0..<n where !isClose(gw[o * n + i], g[o] * x.data[i], rtol: 1e-9, atol: 1e-9) {
                throw fail(step, "\(layer).grad_weight[\(o),\(i)] is not grad_output × input in the trace")
            }
        }
        var lines = ["<b>error at the outputs</b>: " + (0..<k).map { "g_\(labels[$0]) = \(formatNumber(g[$0], st))" }.joined(separator: ", "),
                     words("∂L/∂w[\(labels[0]),·] = g_\(labels[0])·x: a weight's gradient is its class's error g times the value x it multiplies."),
                     words("∂L/∂x = Σ w·g: a value's gradient adds up, over the classes, its weight times that class's error.")]
        var numbers = (0..<k).map { tracedNumber(input, gyRecord, $0, st) }
        let shape = Array(x.shape)
        // "value 2 [0,0,1]": counted from 1 as the xo lesson's vote figures do, the array index in brackets.
        let idxWidth = 17, numWidth = 10
        var head1 = "  " + padRight("input", idxWidth) + padLeft("x", numWidth)
        var head2 = "  " + padRight("", idxWidth) + padLeft("", numWidth)
        for o in 0..<k {
            head1 += padLeft("∂L/∂w[\(labels[o]),·]", numWidth + 2)
            head2 += padLeft("= g_\(labels[o])·x", numWidth + 2)
        }
        head1 += padLeft("∂L/∂x", numWidth + 2)
        head2 += padLeft("= Σ w·g", numWidth + 2)
        lines += [tt(head1), tt(head2)]
        let shown = min(n, 24)
        for i in 0..<shown {
            let label = "value \(i + 1) \(ShapeText.index(multiIndex(i, shape: shape)))"
            var line = "  " + padRight(label, idxWidth) + padLeft(formatNumber(x.data[i], st), numWidth)
            for o in 0..<k { line += padLeft(formatNumber(gw[o * n + i], st), numWidth + 2) }
            line += padLeft(formatNumber(gx[i], st), numWidth + 2)
            lines.append(tt(line))
            numbers += [tracedNumber(input, x, i, st)] + (0..<k).map { tracedNumber(input, gwRecord, $0 * n + i, st) } + [tracedNumber(input, gxRecord, i, st)]
        }
        if shown < n { lines.append(tt("  … and \(n - shown) more inputs")) }
        return LessonFigure(name: "dense-gradient-\(slug(input))-\(layer)",
                            caption: "\(capitalized(try layerWords(input, layer, step))) backward for \(imageWords(input)) (\(layer).grad_weight): each weight's gradient is its output's error times its input; each input's gradient adds up the errors through its weights.",
                            figure: table(lines, numbers: numbers))
    }

    /// The terms of `∂L/∂w[o,c,a,b]` for a conv layer, checked against the traced gradient: the
    /// table of terms, then the image and the map of gradients they come from.
    func weightTermsFigures(_ input: String, _ layer: String, _ index: [Int], _ st: NumberStyle, _ step: LessonStep) throws -> [LessonFigure] {
        guard case .conv(let spec) = try layerSpec(input, layer, step).kind else { throw fail(step, "'\(layer)' is not a conv layer") }
        let x = try record(input, layer, .input, step)
        let gy = try record(input, layer, .gradOutput, step)
        let gw = try record(input, layer, .gradWeight, step)
        guard index.count == 4, zip(index, gw.shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw fail(step, "index \(index) is outside \(layer)'s weight shape \(gw.shape)")
        }
        let (o, c, a, b) = (index[0], index[1], index[2], index[3])
        let (h, w) = (x.shape[1], x.shape[2]), (oh, ow) = (gy.shape[1], gy.shape[2])
        let s = spec.stride, pad = spec.pads.top, padW = spec.pads.left, dil = spec.dilation
        let n = spec.normalize ? gw.shape[1] * gw.shape[2] * gw.shape[3] : 1
        var terms: [(i: Int, j: Int, g: Double, x: Double)] = []
        var sum = 0.0, used = Set<Cell>(), carried = Set<Cell>()
        for i in 0..<oh {
            for j in 0..<ow {
                let g = gy.data[(o * oh + i) * ow + j]
                let r = i * s + a * dil - pad, q = j * s + b * dil - padW
                let xv = r >= 0 && r < h && q >= 0 && q < w ? x.data[(c * h + r) * w + q] : 0
                sum += g * xv
                if g != 0 {
                    terms.append((i, j, g, xv))
                    carried.insert(Cell(row: i, col: j))
                    if r >= 0 && r < h && q >= 0 && q < w { used.insert(Cell(row: r, col: q)) }
                }
            }
        }
        let value = sum / Double(n)
        let traced = gw.data[((o * gw.shape[1] + c) * gw.shape[2] + a) * gw.shape[3] + b]
        guard isClose(value, traced, rtol: 1e-9, atol: 1e-9) else {
            throw fail(step, "the terms of \(layer).grad_weight\(ShapeText.index(index)) add up to \(value), but the trace has \(traced)")
        }
        let feats = try features(input, layer, step)
        // "i+1", "j", "2i−1": where the weight meets the input for output position (i, j).
        let shifted = { (v: String, d: Int) in
            let base = s == 1 ? v : "\(s)\(v)"
            return d == 0 ? base : d > 0 ? "\(base)+\(d)" : "\(base)−\(-d)"
        }
        let rowExpr = shifted("i", a * dil - pad), colExpr = shifted("j", b * dil - padW)
        let xName = "in[\(c),\(rowExpr),\(colExpr)]"
        var lines = [
            "<b>∂L/∂w\(ShapeText.index(index))</b>: \(TextBlock.escape(feats[o].name)), pixel at row \(a + 1), column \(b + 1).",
            words("∂L/∂w: how fast the error grows as this one feature pixel goes up."),
            "Slide the map of ∂L/∂out[\(o)] over the image and, shifted by the pixel's place [\(a),\(b)], multiply and add: "
                + (n > 1 ? "divide by \(n), as the forward pass did." : "the forward pass did not divide."),
            tt("  " + padRight("output cell [i,j]", 22) + padLeft("∂L/∂out[\(o),i,j]", 17) + "   ×" + padLeft(xName, 16) + "   =" + padLeft("term", 10)),
        ]
        var numbers: [TextSource] = []
        for t in terms.prefix(24) {
            lines.append(tt("  " + padRight("row \(t.i + 1), column \(t.j + 1) [\(t.i),\(t.j)]", 22) + padLeft(formatNumber(t.g, st), 17) + "   ×"
                            + padLeft(formatNumber(t.x, st), 16) + "   =" + padLeft(formatNumber(t.g * t.x, st), 10)))
            let r = t.i * s + a * dil - pad, q = t.j * s + b * dil - padW
            let inside = r >= 0 && r < h && q >= 0 && q < w
            let gIn = tracedNumber(input, gy, (o * oh + t.i) * ow + t.j, st)
            let xIn = inside ? TextSource(formatNumber(t.x, st), TraceSource(trace: input, key: x.key, index: (c * h + r) * w + q), value: t.x)
                : TextSource(formatNumber(t.x, st), derived: DerivedNumber("padding", .given("a zero of the padding, outside the image"), [], value: t.x))
            numbers += [gIn, xIn, Self.term(t.g * t.x, gName: "∂L/∂out[\(o),\(t.i),\(t.j)]", gIn, xName: inside ? "in[\(c),\(r),\(q)]" : "padding", xIn, st)]
        }
        if terms.count > 24 {
            let rest = terms.dropFirst(24).reduce(0) { $0 + $1.g * $1.x }
            lines.append(tt("  … \(terms.count - 24) more nonzero terms, adding up to \(formatNumber(rest, st))"))
            numbers.append(TextSource(formatNumber(rest, st), derived: DerivedNumber("the other nonzero terms", .sum,
                                                                                     Self.termOperands(terms.dropFirst(24), st), value: rest)))
        }
        let zeros = oh * ow - terms.count
        if zeros > 0 { lines.append(tt("  the other \(zeros) of the \(oh * ow) terms are 0: ∂L/∂out is 0 there")) }
        let gwSource = TraceSource(trace: input, key: gw.key, index: ((o * gw.shape[1] + c) * gw.shape[2] + a) * gw.shape[3] + b)
        let sums = Self.termSums(terms, sum: sum, value: value, n: n, result: gwSource, st)
        lines += sums.lines
        numbers += sums.numbers
        lines.append(tt("  = \(layer).grad_weight\(ShapeText.index(index)) in the trace: \(formatNumber(traced, st))"))
        numbers.append(tracedNumber(input, gw, ((o * gw.shape[1] + c) * gw.shape[2] + a) * gw.shape[3] + b, st))
        let picture = try termsPicture(input, x, c, used: used, gy, o, carried: carried, featureName: feats[o].name, st, step)
        let name = "weight-terms-\(slug(input))-\(layer)-\(index.map(String.init).joined(separator: "-"))"
        // Two figures, the table and the pictures, so each keeps its size where a page ends.
        return [LessonFigure(name: name, caption: "The gradient of one feature pixel of \(try layerWords(input, layer, step)) for \(imageWords(input)), term by term: the image correlated with the gradient of the map (\(layer).grad_weight\(ShapeText.index(index))). Rows and columns count from 1, the code's index [i,j] from 0.",
                             figure: table(lines, numbers: numbers)),
                LessonFigure(name: name + "-maps", caption: "The terms' two maps: the image with the pixels that \(feats[o].name)'s pixel at row \(a + 1), column \(b + 1) met outlined, and the gradient of its map with its nonzero cells outlined.",
                             figure: picture)]
    }

    /// One term `∂L/∂out[i,j] · in[…]` of a weight's gradient, worked out from its two operands.
    static func term(_ value: Double, gName: String, _ g: TextSource, xName: String, _ x: TextSource, _ st: NumberStyle) -> TextSource {
        TextSource(formatNumber(value, st), derived: DerivedNumber("term", .product, [
            DerivedOperand(gName, g.value ?? 0, text: g.text, source: g.source),
            DerivedOperand(xName, x.value ?? 0, text: x.text, source: x.source),
        ], value: value))
    }

    /// The lines "sum" and, when the layer divides, "sum ÷ n" of a weight's gradient, ending in the
    /// column of the terms (2 + 22 + 17 + 4 + 16 + 4 columns before it), with their derivations.
    static func termSums(_ terms: [(i: Int, j: Int, g: Double, x: Double)], sum: Double, value: Double, n: Int, result: TraceSource,
                         _ st: NumberStyle) -> (lines: [String], numbers: [TextSource]) {
        let tt = { (s: String) in "<tt>\(TextBlock.escape(s))</tt>" }
        var lines = [tt(padRight("  sum", 65) + padLeft(formatNumber(sum, st), 10))]
        var numbers = [TextSource(formatNumber(sum, st), derived: DerivedNumber("sum of the \(terms.count) nonzero terms", .sum,
                                                                               termOperands(terms[...], st), value: sum,
                                                                               source: n > 1 ? nil : result))]
        if n > 1 {
            lines.append(tt(padRight("  sum ÷ \(n)", 65) + padLeft(formatNumber(value, st), 10)))
            numbers.append(TextSource(formatNumber(value, st), derived: DerivedNumber("sum ÷ \(n)", .quotient, [
                DerivedOperand("sum", sum, text: formatNumber(sum, st)), DerivedOperand("divisor", Double(n), text: String(n)),
            ], value: value, source: result)))
        }
        return (lines, numbers)
    }

    /// The terms `∂L/∂out[i,j] · in` of a weight's gradient as operands of their sum.
    static func termOperands(_ terms: ArraySlice<(i: Int, j: Int, g: Double, x: Double)>, _ st: NumberStyle) -> [DerivedOperand] {
        terms.map { DerivedOperand("term at row \($0.i + 1), column \($0.j + 1)", $0.g * $0.x, text: formatNumber($0.g * $0.x, st)) }
    }

    /// The image with the pixels a weight met outlined, beside the gradient map with its nonzero cells outlined.
    func termsPicture(_ input: String, _ x: TraceRecord, _ c: Int, used: Set<Cell>, _ gy: TraceRecord, _ o: Int, carried: Set<Cell>,
                      featureName: String, _ st: NumberStyle, _ step: LessonStep) throws -> Figure {
        var image = ImageFigure(grid: try channel(x, c, step), title: "the input: pixels met", highlighted: used, cellSize: 16)
        image.labelled = true
        image.sources = sources(input, x, channel: c)
        var gmap = FeatureMapFigure(map: try channel(gy, o, step), title: "∂L/∂output, \(featureName)", numberStyle: st,
                                    showLegend: false, highlighted: carried, cellSize: 38)
        gmap.labelled = true
        gmap.sources = sources(input, gy, channel: o)
        return .row([.image(image), .featureMap(gmap)])
    }

    /// One SGD step: the `named` weights, then for each parameter the `count` others with the
    /// largest |g|, each as `w − lr·g = w′`, and the votes and loss before and after.
    func updateFigure(_ input: String, lr: Double, count: Int, named: [String], _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        let before = try trace(input, step)
        let after = try steppedTrace(input, lr: lr, step)
        guard let lossBefore = before.loss, let lossAfter = after.loss else { throw fail(step, "update needs a 'target' for input '\(input)'") }
        let lrText = formatNumber(lr, .full)
        // The trace after the step, by the name lessons give it (`X@0.1`), for the page's derivations.
        let stepped = "\(input)@\(lrText)"
        var lines = [words("w′ = w − lr·g: the new weight w′ is the old weight w minus the learning rate lr times its gradient g."),
                     tt("  weight                       w         g      lr·g   w′ = w − lr·g")]
        let picked = try named.map { try weightAddress($0, in: before, step) }
        var numbers: [TextSource] = []
        for r in before.records where r.pass == .forward && (r.role == .weight || r.role == .bias) {
            guard let gradient = r.role.gradient, let g = before.record(r.layer, gradient), let new = after.record(r.layer, r.role) else { continue }
            let mine = picked.filter { $0.layer == r.layer && $0.role == r.role }.map(\.offset)
            let order = g.data.indices.filter { g.data[$0] != 0 && !mine.contains($0) }.sorted { (abs(g.data[$0]), $1) > (abs(g.data[$1]), $0) }
            let shown = mine + order.prefix(count)
            for j in shown {
                let name = "\(r.layer).\(r.role)\(ShapeText.index(multiIndex(j, shape: r.shape)))"
                lines.append(tt("  " + padRight(name, 23) + padLeft(formatNumber(r.data[j], st), 10) + padLeft(formatNumber(g.data[j], st), 10)
                                + padLeft(formatNumber(lr * g.data[j], st), 10) + padLeft(formatNumber(new.data[j], st), 16)))
                let gt = tracedNumber(input, g, j, st)
                numbers += [tracedNumber(input, r, j, st), gt, TextSource(formatNumber(lr * g.data[j], st), derived: DerivedNumber("lr·g", .product, [
                                DerivedOperand("learning rate lr", lr, text: lrText), DerivedOperand("gradient g", g.data[j], text: gt.text, source: gt.source),
                            ], value: lr * g.data[j])),
                            tracedNumber(stepped, new, j, st)]
            }
            let zero = g.data.indices.filter { g.data[$0] == 0 && !shown.contains($0) }.count
            let rest = g.data.count - shown.count - zero
            if rest > 0 || zero > 0 {
                lines.append(tt("    (\(rest) more of \(r.layer).\(r.role) move; \(zero) \(zero == 1 ? "has" : "have") g = 0 and \(zero == 1 ? "stays" : "stay"))"))
            }
        }
        let last = before.model.layers[before.model.layers.count - 1].name
        guard let out0 = before.record(last, .output), let out1 = after.record(last, .output) else {
            throw fail(step, "the trace of '\(input)' has no output")
        }
        let y0 = out0.data, y1 = out1.data
        let labels = try classLabels(input, count: y0.count, step)
        let votes = { (y: [Double]) in zip(labels, y).map { "\($0) \(formatNumber($1, st))" }.joined(separator: ", ") }
        lines.append("<b>votes</b> before: \(TextBlock.escape(votes(y0))); after: \(TextBlock.escape(votes(y1)))")
        lines.append("<b>loss</b> before: \(formatNumber(lossBefore, st)); after one step: \(formatNumber(lossAfter, st))"
                     + (lossAfter < lossBefore ? " (lower)" : " (higher: the step overshot)"))
        numbers += y0.indices.map { tracedNumber(input, out0, $0, st) } + y1.indices.map { tracedNumber(stepped, out1, $0, st) }
        for (name, t) in [(input, before), (stepped, after)] {
            if let l = t.record("loss", .output) { numbers.append(tracedNumber(name, l, 0, st)) }
        }
        let range = min(0, (y0 + y1).min() ?? 0)...max(1, (y0 + y1).max() ?? 1)
        // One above the other: side by side they are wider than the page and would shrink the table.
        var beforeBars = VoteBarsFigure(labels: labels, values: y0, title: "votes before the step", range: range, numberStyle: st)
        beforeBars.sources = sources(input, out0)
        var afterBars = VoteBarsFigure(labels: labels, values: y1, title: "votes after one step (lr = \(lrText))", range: range, numberStyle: st)
        afterBars.sources = sources(stepped, out1)
        let bars = Figure.column([.voteBars(beforeBars), .voteBars(afterBars)])
        return LessonFigure(name: "update-\(slug(input))-lr\(lrText)",
                            caption: "One step w′ = w − lr·g with lr = \(lrText) on \(imageWords(input)), then a second forward pass: loss \(formatNumber(lossBefore, st)) → \(formatNumber(lossAfter, st)).",
                            figure: .column([table(lines, numbers: numbers), bars]),
                            captionSources: [learningRateSource(lr, "update", step),
                                             TextSource(formatNumber(lossBefore, st), TraceSource(trace: input, key: "loss.output", index: 0), value: lossBefore),
                                             TextSource(formatNumber(lossAfter, st), TraceSource(trace: stepped, key: "loss.output", index: 0), value: lossAfter)])
    }
}
