import CNNAnalysis
import CNNCore
import CNNFigures
import Foundation

// Backward-pass figures that choose what to show from the trace: the ReLU cells whose gradient
// is stopped, and the loss after one step for every step size. Every number comes from the
// engine (traces, and forward passes after `SGD` steps).

/// One cell where ReLU stops a gradient: its forward input was negative, a gradient arrived,
/// and the gradient passed on is 0.
struct BlockedCell: Sendable, Equatable {
    var channel: Int
    var cell: Cell
    /// The forward input (< 0), the gradient arriving (≠ 0) and the gradient passed on (0).
    var input: Double
    var gradientIn: Double
    var gradientOut: Double
}

extension StepBuilder {
    /// The cells of ReLU layer `layer` whose forward input was negative and whose incoming
    /// gradient is not 0, in channel and reading order, read from the trace of `input`.
    func reluBlocked(_ input: String, _ layer: String, _ step: LessonStep) throws -> [BlockedCell] {
        guard case .relu = try layerSpec(input, layer, step).kind else { throw fail(step, "'\(layer)' is not a ReLU layer") }
        let x = try record(input, layer, .input, step)
        let gy = try record(input, layer, .gradOutput, step), gx = try record(input, layer, .gradInput, step)
        guard x.shape.count == 3 else { throw fail(step, "\(layer)'s input is not [C, H, W]") }
        let (h, w) = (x.shape[1], x.shape[2])
        return x.data.indices.filter { x.data[$0] < 0 && gy.data[$0] != 0 }.map { i in
            BlockedCell(channel: i / (h * w), cell: Cell(row: (i / w) % h, col: i % w), input: x.data[i], gradientIn: gy.data[i], gradientOut: gx.data[i])
        }
    }

    /// ReLU backward for one channel (by default the one with the most blocked cells), as three
    /// figures: the forward input, the gradient arriving, and the gradient passed on with the
    /// blocked cells outlined.
    func reluGradientFigures(_ input: String, _ layer: String, _ chosen: Int?, _ st: NumberStyle, _ step: LessonStep) throws -> [LessonFigure] {
        let blocked = try reluBlocked(input, layer, step)
        let channels = try record(input, layer, .input, step).shape[0]
        let counts = (0..<channels).map { c in blocked.filter { $0.channel == c }.count }
        let c = chosen ?? (0..<channels).max { (counts[$0], $1) < (counts[$1], $0) } ?? 0
        let xr = try record(input, layer, .input, step), gyr = try record(input, layer, .gradOutput, step)
        let gxr = try record(input, layer, .gradInput, step)
        let x = try channel(xr, c, step), gy = try channel(gyr, c, step), gx = try channel(gxr, c, step)
        let negative = x.values.filter { $0 < 0 }.count, carried = gy.values.filter { $0 != 0 }.count
        let here = blocked.filter { $0.channel == c }
        // One map per figure, with row and column numbers: numbers of four decimals stay above 7 pt
        // in 42-pt cells, even in a figure shrunk to end a page (side by side, two 7×7 maps leave
        // too little room for them).
        let cell = min(42, ((tableWidth - 24) / Double(max(x.cols, 1))).rounded(.down))
        let scale = (gy.values + gx.values).map(abs).max().map { $0 > 0 ? $0 : 1 }
        let words = try layerWords(input, layer, step), map = try mapWords(input, layer, c, step), image = inputWords(input)
        var forward = FeatureMapFigure(map: x, title: "going into \(words), forward", numberStyle: st, showLegend: false, cellSize: cell)
        var arriving = FeatureMapFigure(map: gy, title: "∂L/∂output, arriving", scale: scale, numberStyle: st, cellSize: cell)
        var passed = FeatureMapFigure(map: gx, title: "∂L/∂input, passed back (blocked outlined)", scale: scale,
                                      numberStyle: st, highlighted: Set(here.map(\.cell)), cellSize: cell)
        forward.sources = sources(input, xr, channel: c)
        arriving.sources = sources(input, gyr, channel: c)
        passed.sources = sources(input, gxr, channel: c)
        forward.labelled = true; arriving.labelled = true; passed.labelled = true
        let name = "relu-gradient-\(slug(input))-\(layer)-c\(c)"
        return [LessonFigure(name: name, caption: "\(capitalized(words)), \(map), for \(image) (\(layer).input[\(c)]): the values going in, forward; \(negative) of its \(x.values.count) cells are negative (hatched).",
                             figure: .featureMap(forward)),
                LessonFigure(name: name + "-arriving", caption: "The gradient arriving at \(words) from the layer after it, \(map), for \(image) (\(layer).grad_output[\(c)]): \(carried) cells are not 0.",
                             figure: .featureMap(arriving)),
                LessonFigure(name: name + "-passed", caption: passedCaption(here, carried: carried, words, map, image, layer, c, st), figure: .featureMap(passed))]
    }

    /// The caption of the gradient ReLU passes back, working through its first blocked cell.
    func passedCaption(_ here: [BlockedCell], carried: Int, _ words: String, _ map: String, _ image: String, _ layer: String, _ c: Int,
                       _ st: NumberStyle) -> String {
        var caption = "The gradient \(words) passes back, \(map), for \(image) (\(layer).grad_input[\(c)]). "
        guard let first = here.first else {
            return caption + "None of the \(carried) cells with a gradient arriving had a negative input, so ReLU blocks nothing here."
        }
        caption += "\(here.count) of the \(carried) cells with a gradient arriving had a negative input, and ReLU passes on 0 there (outlined). "
            + "At row \(first.cell.row + 1), column \(first.cell.col + 1) the input was \(formatNumber(first.input, st)), "
            + "the gradient arriving is \(formatNumber(first.gradientIn, st)), and the gradient passed on is \(first.gradientOut == 0 ? "0" : formatNumber(first.gradientOut, st))."
        return caption
    }

    /// An input in words; one whose network is drawn at random (`init: random`) is named after
    /// the input with the same file: "the X image in the untrained network".
    func inputWords(_ input: String) -> String {
        guard let mine = lesson.inputs.first(where: { $0.name == input }), mine.randomInit else { return imageWords(input) }
        let same = lesson.inputs.first { $0.file == mine.file && !$0.randomInit }
        return "\(imageWords(same?.name ?? input)) in the untrained network"
    }

    /// Where `name` (`out.weight[1,1]`) sits in the trace of `input`: its layer, role and flat offset.
    func weightAddress(_ name: String, in trace: Trace, _ step: LessonStep) throws -> (layer: String, role: TraceRole, offset: Int) {
        guard let bracket = name.firstIndex(of: "["), name.hasSuffix("]") else {
            throw fail(step, "'\(name)' is not a weight: write LAYER.ROLE[index], e.g. out.weight[1,1]")
        }
        let parts = name[..<bracket].split(separator: ".").map(String.init)
        let index = name[name.index(after: bracket)..<name.index(before: name.endIndex)].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let role = TraceRole(rawValue: parts[1]), role == .weight || role == .bias, let r = trace.record(parts[0], role) else {
            throw fail(step, "'\(name)': the trace has no weight or bias '\(name[..<bracket])'")
        }
        guard index.count == r.shape.count, zip(index, r.shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw fail(step, "'\(name)': the index is outside the shape \(r.shape)")
        }
        return (parts[0], role, zip(index, r.shape).reduce(0) { $0 * $1.1 + $1.0 })
    }

    /// How many step sizes `stepSizesFigure` draws between 0 and `upTo`.
    static var stepSizeSamples: Int { 56 }

    /// The loss after one step `w′ = w − lr·g` (every weight at once, the engine's `SGD`) for
    /// `lr` from 0 to `upTo`, with the `marked` steps as points.
    func stepSizesFigure(_ input: String, marked: [Double], upTo: Double, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        guard let start = try trace(input, step).loss else { throw fail(step, "step_sizes needs a 'target' for input '\(input)'") }
        let n = Self.stepSizeSamples - 1
        let rates = (0...n).map { upTo * Double($0) / Double(n) }
        let losses = try rates.map { lr in lr == 0 ? start : try steppedLoss(input, lr: lr, step) }
        var series = [Series(name: "loss after one step of size lr", x: rates, y: losses)]
        for lr in marked {
            let loss = try steppedLoss(input, lr: lr, step)
            var point = Series(name: "lr = \(formatNumber(lr, .full))", x: [lr], y: [loss])
            point.pointLabel = formatNumber(loss, st)
            series.append(point)
        }
        // A level line at the loss before the step: a step whose point lies above it made things worse.
        series.append(Series(name: "loss before the step", x: [0, upTo], y: [start, start]))
        let words = marked.map { lr in "lr = \(formatNumber(lr, .full)) gives \((try? steppedLoss(input, lr: lr, step)).map { formatNumber($0, st) } ?? "?")" }
        let plot = LinePlotFigure(series: series, title: "the loss after one step, against the learning rate", xLabel: "learning rate lr",
                                  yLabel: "loss", width: 440, height: 230)
        return LessonFigure(name: "step-sizes-\(slug(input))",
                            caption: "Each point is a second forward pass of \(imageWords(input)) after one step w′ = w − lr·g of every weight at once, with the gradients of the first pass. Before the step the loss is \(formatNumber(start, st)); \(words.joined(separator: "; ")).",
                            figure: .linePlot(plot))
    }

    /// The loss of `input` after one step of size `lr` with its own gradients.
    func steppedLoss(_ input: String, lr: Double, _ step: LessonStep) throws -> Double {
        guard let loss = try steppedTrace(input, lr: lr, step).loss else { throw fail(step, "input '\(input)' needs a 'target'") }
        return loss
    }
}

extension StepBuilder {
    /// Another input's votes and loss before and after one step on `by` (`w′ = w − lr·g` with the
    /// gradients of `by`'s trace), as bars like the update figure's: the step was not taken for it.
    func afterStepFigure(_ input: String, by: String, lr: Double, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        let lrText = formatNumber(lr, .full)
        let stepped = "\(input)@\(by)@\(lrText)"
        let before = try trace(input, step), after = try trace(stepped, step)
        guard let lossBefore = before.loss, let lossAfter = after.loss else { throw fail(step, "after_step needs a 'target' for input '\(input)'") }
        let last = before.model.layers[before.model.layers.count - 1].name
        let out0 = try record(input, last, .output, step), out1 = try record(stepped, last, .output, step)
        let labels = try classLabels(input, count: out0.data.count, step)
        let votes = { (y: [Double]) in zip(labels, y).map { "\($0) \(formatNumber($1, st))" }.joined(separator: ", ") }
        let lines = ["<b>votes</b> of \(TextBlock.escape(imageWords(input))) before: \(TextBlock.escape(votes(out0.data))); after the step on \(TextBlock.escape(imageWords(by))): \(TextBlock.escape(votes(out1.data)))",
                     "<b>loss</b> before: \(formatNumber(lossBefore, st)); after: \(formatNumber(lossAfter, st))" + (lossAfter < lossBefore ? " (lower)" : " (higher)")]
        var numbers = out0.data.indices.map { tracedNumber(input, out0, $0, st) } + out1.data.indices.map { tracedNumber(stepped, out1, $0, st) }
        for (name, t) in [(input, before), (stepped, after)] {
            if let l = t.record("loss", .output) { numbers.append(tracedNumber(name, l, 0, st)) }
        }
        let range = min(0, (out0.data + out1.data).min() ?? 0)...max(1, (out0.data + out1.data).max() ?? 1)
        var beforeBars = VoteBarsFigure(labels: labels, values: out0.data, title: "votes of \(imageWords(input)) before the step", range: range, numberStyle: st)
        beforeBars.sources = sources(input, out0)
        var afterBars = VoteBarsFigure(labels: labels, values: out1.data, title: "after the step on \(imageWords(by)) (lr = \(lrText))", range: range, numberStyle: st)
        afterBars.sources = sources(stepped, out1)
        return LessonFigure(name: "after-step-\(slug(input))-by-\(slug(by))-lr\(lrText)",
                            caption: "The same step, taken for \(imageWords(by)), and \(imageWords(input)) run forward again with the new weights: loss \(formatNumber(lossBefore, st)) → \(formatNumber(lossAfter, st)).",
                            figure: .column([table(lines, numbers: numbers), .voteBars(beforeBars), .voteBars(afterBars)]),
                            captionSources: [TextSource(formatNumber(lossBefore, st), TraceSource(trace: input, key: "loss.output", index: 0), value: lossBefore),
                                             TextSource(formatNumber(lossAfter, st), TraceSource(trace: stepped, key: "loss.output", index: 0), value: lossAfter)])
    }
}
