import CNNCore
import CNNFigures
import CNNFiles
import Foundation

/// A trace that cannot be drawn, said in one line.
public struct TraceFigureError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Figures drawn straight from a trace: one or more per layer and pass, in the order a reader
/// follows the numbers (the pipeline, then the forward pass layer by layer, then the backward pass
/// from the votes back to the first layer).
///
/// The helpers here (a record's channels as grids, the features of a conv weight, shape text,
/// pipeline stages, layer maps in rows that fit a page) are shared with the lesson runner.
public enum TraceFigures {
    /// Channels drawn together in one figure file; more channels are split over several files.
    static let channelsPerFigure = 4
    /// Dense layers with at most this many inputs are drawn as votes (a line per weight);
    /// larger ones as a map of their weights.
    static let maxVoteInputs = 48
    /// Points that maps may take side by side in a figure file: three 7×7 maps in a row, as on a slide.
    static let figureWidth = 760.0

    /// Every figure of `trace`, named for files: `01-pipeline`, `02-forward-conv1-input`, …,
    /// `16-backward-conv1-grad-weight`. Names are unique and sort in reading order.
    ///
    /// - `style`: how forward values are written. Gradients use the same rounding mode with enough
    ///   decimals to show their largest value with two significant digits.
    /// - Throws: `TraceFigureError` when the trace's model is invalid, a forward record is missing,
    ///   or a record's shape is not the one-sample shape the model gives (e.g. a trace of a batch).
    public static func figures(for trace: Trace, style: NumberStyle) throws -> [(name: String, figure: Figure)] {
        let shapes: [[Int]]
        do { shapes = try trace.model.shapes() } catch { throw TraceFigureError("the trace's model is not valid: \(error)") }
        var list = FigureList(trace: trace, shapes: shapes, style: style)
        list.add(["pipeline"], .pipeline(PipelineFigure(stages: pipelineStages(trace.model, shapes: shapes),
                                                        title: "The network, layer by layer")))
        for (i, layer) in trace.model.layers.enumerated() { try list.forward(i, layer) }
        // Backward pass, from the loss back to the first layer, for the layers the trace has gradients of.
        for (i, layer) in trace.model.layers.enumerated().reversed() { try list.backward(i, layer) }
        let named = list.named
        let digits = max(2, String(named.count).count)
        return named.enumerated().map { k, f in
            let number = String(repeating: "0", count: max(0, digits - String(k + 1).count)) + String(k + 1)
            return ("\(number)-\(f.name)", f.figure)
        }
    }

    // MARK: Shared with the lesson runner

    /// Channel `c` of a `[C, H, W]` record as a grid.
    /// - Throws: when the record is not `[C, H, W]` or has no channel `c`.
    public static func channel(_ r: TraceRecord, _ c: Int) throws(TraceFigureError) -> Grid {
        guard r.shape.count == 3 else { throw TraceFigureError("\(r.layer).\(r.role) has shape \(r.shape), not [C, H, W]") }
        guard c >= 0 && c < r.shape[0] else { throw TraceFigureError("\(r.layer).\(r.role) has \(r.shape[0]) channels; channel \(c) does not exist") }
        let h = r.shape[1], w = r.shape[2]
        let start = c * h * w
        return Grid((0..<h).map { i in Array(r.data[(start + i * w)..<(start + i * w + w)]) })
    }

    /// The features of a conv layer from its weight record `[O, C, kh, kw]`: `weight[o, 0]` for each
    /// filter, with the article's names for its three hand-made features. `nil` when the record is not 4-D.
    public static func features(weight w: TraceRecord?) -> [NamedGrid]? {
        guard let w, w.shape.count == 4 else { return nil }
        let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        return (0..<o).map { f in
            let start = f * c * kh * kw
            let g = Grid((0..<kh).map { i in Array(w.data[(start + i * kw)..<(start + i * kw + kw)]) })
            return NamedGrid(name: featureName(g, index: f), grid: g)
        }
    }

    /// "diagonal ↘", "cross ✕", "diagonal ↗" for the article's features, otherwise "feature N" (from 1).
    public static func featureName(_ g: Grid, index: Int) -> String {
        let down = Grid([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
        let cross = Grid([[1, -1, 1], [-1, 1, -1], [1, -1, 1]])
        let up = Grid([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]])
        if g == down { return "diagonal ↘" }
        if g == cross { return "cross ✕" }
        if g == up { return "diagonal ↗" }
        return "feature \(index + 1)"
    }


    /// One stage per layer after the input, each with the shape after it.
    /// - `shapes`: `model.shapes()`, the input's shape first.
    public static func pipelineStages(_ model: ModelSpec, shapes: [[Int]]) -> [PipelineStage] {
        var stages = [PipelineStage(name: "input", shape: shapes.first.map(ShapeText.figure) ?? "")]
        for (i, l) in model.layers.enumerated() {
            stages.append(PipelineStage(name: stageName(l.kind), shape: i + 1 < shapes.count ? ShapeText.figure(shapes[i + 1]) : ""))
        }
        return stages
    }

    /// Maps side by side, each under its feature (or under "channel N" when `features` is empty), in as many
    /// rows as it takes to keep cells at least 28 points wide, so every number stays readable on
    /// paper. All rows share one colour scale.
    ///
    /// - `width`: the points the maps may take side by side; 460 fits a page, wider suits slides.
    /// - `scale`: the |value| drawn at full colour; `nil` uses the largest |value| of `maps`.
    /// - `labelled`: row and column numbers on every map (each takes 14 points more across).
    /// - `mapNames`: the names over maps without features; `nil` for "channel 0", "channel 1", ….
    /// - `mapSources`: where each map's numbers come from (one list per map, or empty), for the HTML page.
    public static func layerFigure(features: [NamedGrid], maps: [Grid], title: String, style: NumberStyle,
                                   width: Double = 460, scale: Double? = nil, labelled: Bool = false,
                                   mapNames: [String]? = nil, mapSources: [[TraceSource?]] = []) -> Figure {
        let cols = maps.map(\.cols).max() ?? 1
        let gap = labelled ? 38.0 : 24
        let perRow = max(1, min(maps.count, Int((width + gap) / (Double(cols) * 28 + gap))))
        let cell = min(34, ((width - gap * Double(perRow - 1)) / Double(perRow * cols)).rounded(.down))
        let scale = scale ?? maps.map(\.maxAbs).max()
        var rows: [Figure] = []
        for start in stride(from: 0, to: maps.count, by: perRow) {
            let end = min(maps.count, start + perRow)
            var layer = LayerFigure(features: features.isEmpty ? [] : Array(features[start..<end]), maps: Array(maps[start..<end]),
                                    title: start == 0 ? title : nil, scale: scale, numberStyle: style, cellSize: cell,
                                    mapNames: (start..<end).map { k in mapNames.map { k < $0.count ? $0[k] : "map \(k + 1)" } ?? "channel \(k)" })
            layer.labelled = labelled
            if mapSources.count == maps.count { layer.mapSources = Array(mapSources[start..<end]) }
            rows.append(.layer(layer))
        }
        return rows.count == 1 ? rows[0] : .column(rows)
    }

    // MARK: Building blocks

    /// A record as grids: one per channel of `[C, H, W]`, or a single 1×n row for a vector.
    static func grids(_ r: TraceRecord) throws(TraceFigureError) -> [Grid] {
        switch r.shape.count {
        case 3: return try (0..<r.shape[0]).map { c throws(TraceFigureError) in try channel(r, c) }
        case 1: return [Grid([r.data])]
        default: throw TraceFigureError("\(r.layer).\(r.role) has shape \(ShapeText.list(r.shape)); render draws [C, H, W] maps and vectors")
        }
    }

    /// A record's grids in groups of `channelsPerFigure`, each with its file-name suffix
    /// (none when one group holds every channel, else `c0-3`, `c4-7`, …, `c8` for a last group of one).
    static func channelGroups(_ r: TraceRecord) throws(TraceFigureError) -> [(suffix: [String], grids: [(Int, Grid)])] {
        let all = Array(try grids(r).enumerated())
        guard all.count > channelsPerFigure else { return [([], all.map { ($0.offset, $0.element) })] }
        return stride(from: 0, to: all.count, by: channelsPerFigure).map { start in
            let end = min(all.count, start + channelsPerFigure)
            return ([end - 1 == start ? "c\(start)" : "c\(start)-\(end - 1)"], all[start..<end].map { ($0.offset, $0.element) })
        }
    }

    /// The part of a pooling input its windows cover. Without ceil mode the last rows and columns
    /// may fall outside every window; they are left out of the figure and the title says so.
    static func poolCovered(_ input: Grid, output: Grid, _ p: PoolSpec, layer: String) throws(TraceFigureError) -> (Grid, String) {
        let windows = try poolWindows(p, input: input, output: output, layer: layer)
        guard output.rows >= 1, output.cols >= 1 else { throw TraceFigureError("\(layer) has an empty output") }
        let rows = windows.rows(windows.outH - 1).upperBound, cols = windows.cols(windows.outW - 1).upperBound
        if rows >= input.rows && cols >= input.cols { return (input, "") }
        return (crop(input, rows: min(rows, input.rows), cols: min(cols, input.cols)),
                " (the last rows or columns fall in no window and are left out)")
    }

    static func crop(_ g: Grid, rows: Int, cols: Int) -> Grid {
        if rows == g.rows && cols == g.cols { return g }
        return Grid((0..<rows).map { r in (0..<cols).map { c in g[r, c] } })
    }

    /// Cell side in points: `largest`, or smaller so `cols` cells fit `budget` points (at least 6).
    static func cellSize(cols: Int, budget: Double, largest: Double) -> Double {
        min(largest, max(6, (budget / Double(max(1, cols))).rounded(.down)))
    }

    /// The model's input: pixel images (±1, grays between) when every value lies in [−1, 1],
    /// otherwise feature maps with their own scale. Several channels sit side by side.
    static func inputFigure(_ x: TraceRecord, style: NumberStyle) throws(TraceFigureError) -> Figure {
        let channels = try grids(x)
        let pixels = x.data.allSatisfy { $0 >= -1 && $0 <= 1 }
        let figures: [Figure] = channels.enumerated().map { c, g in
            let title = channels.count == 1 ? "the input: \(g.shapeText), white is +1, black is −1" : "input channel \(c)"
            let cell = cellSize(cols: g.cols, budget: 460, largest: 26)
            return pixels
                ? .image(ImageFigure(grid: g, title: title, showNumbers: g.cols <= 16, numberStyle: style, cellSize: cell))
                : .featureMap(FeatureMapFigure(map: g, title: title, numberStyle: style, showNumbers: g.cols <= 16, cellSize: cell))
        }
        return figures.count == 1 ? figures[0] : .row(figures)
    }

    /// The features of a conv layer: the article's small pixel grids for one-channel filters with
    /// values in [−1, 1]; otherwise a filter bank (each feature on its own gray scale), one row per
    /// filter when the input has several channels.
    static func featuresFigure(_ w: TraceRecord, layer: String, style: NumberStyle) -> Figure {
        let (o, c) = (w.shape[0], w.shape[1])
        let title = "\(layer): \(o) features, \(w.shape[2])×\(w.shape[3])" + (c > 1 ? " over \(c) channels" : "")
        if c == 1, w.data.allSatisfy({ $0 >= -1 && $0 <= 1 }), let feats = features(weight: w) {
            let rows = stride(from: 0, to: feats.count, by: 8).map { start -> Figure in
                .row(feats[start..<min(feats.count, start + 8)].map {
                    .feature(FeatureFigure(grid: $0.grid, name: $0.name, showNumbers: true, numberStyle: style))
                })
            }
            return .column([.text(TextBlock(markup: "<b>\(TextBlock.escape(title))</b>", width: 300, fontSize: 13))] + rows, spacing: 10)
        }
        return .filterBank(FilterBankFigure(rows: filterRows(w, label: { "feature \($0 + 1)" }, name: { "feature \($0 + 1)" }),
                                            title: title, numberStyle: style))
    }

    /// Rows of a filter bank from a `[O, C, kh, kw]` record: for one channel, all filters in a row
    /// labelled `label(-1)`, filter `f` named `name(f)`; else one row per filter `f`, labelled
    /// `label(f)`, holding its channels. At most 8 grids per row.
    static func filterRows(_ w: TraceRecord, label: (Int) -> String, name: (Int) -> String) -> [FilterRow] {
        let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        func grid(_ f: Int, _ ch: Int) -> Grid {
            let start = (f * c + ch) * kh * kw
            return Grid((0..<kh).map { i in Array(w.data[(start + i * kw)..<(start + i * kw + kw)]) })
        }
        var rows: [FilterRow] = []
        if c == 1 {
            for start in stride(from: 0, to: o, by: 8) {
                rows.append(FilterRow(label: start == 0 ? label(-1) : "", features: (start..<min(o, start + 8)).map {
                    NamedGrid(name: name($0), grid: grid($0, 0))
                }))
            }
        } else {
            for f in 0..<o {
                for start in stride(from: 0, to: c, by: 8) {
                    rows.append(FilterRow(label: start == 0 ? label(f) : "", features: (start..<min(c, start + 8)).map {
                        NamedGrid(name: "channel \($0)", grid: grid(f, $0))
                    }))
                }
            }
        }
        return rows
    }

    /// The weights of a conv layer above the gradient of the loss for each weight.
    static func gradientBankFigure(weight w: TraceRecord, gradient g: TraceRecord, layer: String, style: NumberStyle) -> Figure {
        let gStyle = gradientStyle(style, g.data)
        let title = "\(layer): gradient of the loss for each weight of each feature"
        if w.shape[1] == 1 {
            let names = (features(weight: w) ?? []).map(\.name)
            func name(_ f: Int) -> String { f < names.count ? names[f] : "feature \(f + 1)" }
            let feats = filterRows(w, label: { _ in "feature" }, name: name)
            let grads = filterRows(g, label: { _ in "gradient" }, name: { "∂ " + name($0) })
            return .filterBank(FilterBankFigure(rows: zip(feats, grads).flatMap { [$0, $1] }, title: title, numberStyle: gStyle))
        }
        return .filterBank(FilterBankFigure(rows: filterRows(g, label: { "gradient \($0 + 1)" }, name: { "feature \($0 + 1)" }),
                                            title: title, numberStyle: gStyle))
    }

    /// Gradient maps of a record with their own symmetric scale.
    static func gradientMaps(_ r: TraceRecord, title: String, style: NumberStyle) throws(TraceFigureError) -> Figure {
        let gStyle = gradientStyle(style, r.data)
        if r.shape.count == 1 {
            return .featureMap(FeatureMapFigure(map: Grid([r.data]), title: title, numberStyle: gStyle,
                                                cellSize: cellSize(cols: r.data.count, budget: 600, largest: 44)))
        }
        return layerFigure(features: [], maps: try grids(r), title: title, style: gStyle, width: figureWidth)
    }

    /// A `[rows, cols]` record (dense weights or their gradient) as one map, numbers shown while they fit.
    static func matrixFigure(_ r: TraceRecord, title: String, style: NumberStyle) -> Figure {
        let cols = r.shape.count == 2 ? r.shape[1] : r.data.count
        let rows = cols > 0 ? r.data.count / cols : 0
        let map = Grid((0..<rows).map { Array(r.data[($0 * cols)..<($0 * cols + cols)]) })
        let cell = cellSize(cols: cols, budget: 600, largest: 44)
        return .featureMap(FeatureMapFigure(map: map, title: title, numberStyle: style, showNumbers: cell >= 24, cellSize: cell))
    }

    /// `style` with enough decimals to show the largest |value| with two significant digits.
    static func gradientStyle(_ style: NumberStyle, _ values: [Double]) -> NumberStyle {
        let m = values.map(abs).filter(\.isFinite).max() ?? 0
        guard m > 0, m < 1 else { return style }
        let needed = min(8, Int((-log10(m)).rounded(.up)) + 1)
        switch style {
        case .rounded(let d): return .rounded(max(d, needed))
        case .truncated(let d): return .truncated(max(d, needed))
        case .full: return .full
        }
    }


    /// "[c,i,j]" for every element of an array of `shape`, in row-major order, as `cnn-explain explain` indexes it.
    static func indexLabels(_ shape: [Int]) -> [String] {
        var labels: [String] = [], index = Array(repeating: 0, count: shape.count)
        for _ in 0..<shape.reduce(1, *) {
            labels.append("[" + index.map(String.init).joined(separator: ",") + "]")
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return labels
    }

    /// The feature names of the maps of layer `layerIndex` (see `mapFeatures`).
    static func mapFeatureNames(_ trace: Trace, layerIndex: Int) -> [String] {
        mapFeatures(trace, layerIndex: layerIndex).map(\.name)
    }

    /// The features behind the output maps of layer `layerIndex`, when they come from a conv layer
    /// with a one-channel input and no dense layer between (empty otherwise).
    static func mapFeatures(_ trace: Trace, layerIndex: Int) -> [NamedGrid] {
        let layers = trace.model.layers
        guard layerIndex >= 0 && layerIndex < layers.count else { return [] }
        for k in stride(from: layerIndex, through: 0, by: -1) {
            switch layers[k].kind {
            case .conv:
                guard let w = trace.record(layers[k].name, "weight"), w.shape.count == 4, w.shape[1] == 1 else { return [] }
                return features(weight: w) ?? []
            case .dense, .flatten, .softmax, .logSoftmax, .globalAvgpool: return []
            case .relu, .maxpool, .avgpool, .sigmoid, .tanh, .leakyRelu, .batchnorm, .dropout: continue
            }
        }
        return []
    }

    /// The weights of a dense layer with a `[C, H, W]` input, one block per output: its weights laid
    /// out like the input, a map per channel under the feature that made it, so a reader sees where
    /// each output looks. All blocks share one colour scale. Other shapes, or more than 16 outputs,
    /// get one map of all weights (`matrixFigure`).
    static func denseWeightsFigure(_ w: TraceRecord, inputShape: [Int], labels: [String], title: String,
                                   style: NumberStyle, features: [NamedGrid]) -> Figure {
        let n = inputShape.reduce(1, *)
        guard inputShape.count == 3, w.shape.count == 2, w.shape[1] == n, w.shape[0] <= 16, labels.count == w.shape[0] else {
            return matrixFigure(w, title: "\(title) each output (a row each)", style: style)
        }
        let scale = w.data.map(abs).filter(\.isFinite).max().map { $0 > 0 ? $0 : 1 } ?? 1
        let blocks: [Figure] = (0..<w.shape[0]).map { k in
            let row = TraceRecord(pass: w.pass, layer: w.layer, role: w.role, shape: inputShape, data: Array(w.data[(k * n)..<((k + 1) * n)]))
            let maps = (try? grids(row)) ?? []
            return layerFigure(features: features.count == maps.count ? features : [], maps: maps, title: "\(title) \(labels[k])",
                               style: style, width: figureWidth, scale: scale)
        }
        return .column(blocks, spacing: 28)
    }

}

extension TraceFigures {
    /// The figures of one trace as they are collected, in reading order (see `TraceFigures.figures`).
    struct FigureList {
        let trace: Trace
        let shapes: [[Int]]
        let style: NumberStyle
        var named: [(name: String, figure: Figure)] = []
        var model: ModelSpec { trace.model }

        init(trace: Trace, shapes: [[Int]], style: NumberStyle) {
            self.trace = trace; self.shapes = shapes; self.style = style
        }

        mutating func add(_ parts: [String], _ figure: Figure) { named.append((parts.joined(separator: "-"), figure)) }

        /// A record of the expected one-sample shape; `nil` when it is missing and not `required`.
        func record(_ layer: String, _ role: String, _ expected: [Int], required: Bool) throws(TraceFigureError) -> TraceRecord? {
            guard let r = trace.record(layer, role) else {
                if required { throw TraceFigureError("the trace has no \(layer).\(role) record") }
                return nil
            }
            guard r.shape == expected else {
                let batch = r.shape.count == expected.count + 1 && Array(r.shape.dropFirst()) == expected
                    ? " (a batch of \(r.shape[0])?)" : ""
                throw TraceFigureError("\(layer).\(role) has shape \(ShapeText.list(r.shape)), but one sample of this model gives \(ShapeText.list(expected))\(batch); render draws traces of one sample, as 'cnn-explain trace' writes them")
            }
            return r
        }

        /// " · diagonal ↘" after channel c of layer i's maps, when they come from a one-channel conv's features.
        func featureNote(_ i: Int, _ c: Int) -> String {
            let names = mapFeatureNames(trace, layerIndex: i)
            return c < names.count ? " · \(names[c])" : ""
        }

        /// The forward figures of layer `i`.
        mutating func forward(_ i: Int, _ layer: LayerSpec) throws {
            let name = layer.name, file = slug(name, fallback: "layer")
            guard let x = try record(name, "input", shapes[i], required: true),
                  let y = try record(name, "output", shapes[i + 1], required: true) else { return }
            if i == 0 { add(["forward", file, "input"], try inputFigure(x, style: style)) }
            switch layer.kind {
            case .conv(let c):
                let inChannels = shapes[i][0]
                guard let w = try record(name, "weight", [c.filters, inChannels, c.kernelH, c.kernelW], required: true) else { return }
                add(["forward", file, "features"], featuresFigure(w, layer: name, style: style))
                let feats = inChannels == 1 ? features(weight: w) ?? [] : []
                add(["forward", file, "output"], layerFigure(features: feats, maps: try grids(y),
                                                            title: "\(name) output: \(ShapeText.figure(y.shape))", style: style, width: figureWidth))
            case .relu:
                for (suffix, group) in try channelGroups(x) {
                    let after = try grids(y)
                    add(["forward", file, "relu"] + suffix, .column(group.map { c, before in
                        .relu(ReLUFigure(before: before, after: after[c], title: "\(name) [\(c)]\(featureNote(i, c))", numberStyle: style,
                                         cellSize: cellSize(cols: before.cols, budget: 300, largest: 36)))
                    }, spacing: 28))
                }
            case .maxpool(let p):
                let outputs = try grids(y)
                for (suffix, group) in try channelGroups(x) {
                    add(["forward", file, "pooling"] + suffix, .column(try group.map { c, input in
                        let (covered, note) = try poolCovered(input, output: outputs[c], p, layer: name)
                        let windows = try poolWindows(p, input: input, output: outputs[c], layer: name).cells(of: input)
                        return .pooling(PoolingFigure(input: covered, output: outputs[c], windows: windows, size: p.size, stride: p.stride,
                                                      title: "\(name) [\(c)]\(featureNote(i, c))\(note)", numberStyle: style,
                                                      cellSize: cellSize(cols: covered.cols, budget: 320, largest: 40)))
                    }, spacing: 28))
                }
            case .dense(let d):
                let n = x.data.count
                guard let w = try record(name, "weight", [d.units, n], required: true) else { return }
                let last = i == model.layers.count - 1
                let labels = last ? model.classNames : (0..<d.units).map(String.init)
                if n <= maxVoteInputs {
                    let rows = (0..<d.units).map { Array(w.data[($0 * n)..<($0 * n + n)]) }
                    add(["forward", file, "votes"], .votes(VotesFigure(inputs: x.data, inputLabels: indexLabels(x.shape), outputLabels: labels,
                                                                      weights: rows, outputValues: y.data,
                                                                      title: "\(name): \(n) values vote", numberStyle: style)))
                } else {
                    add(["forward", file, "weights"], denseWeightsFigure(w, inputShape: shapes[i], labels: labels, title: "\(name) weights for",
                                                                         style: gradientStyle(style, w.data), features: i > 0 ? mapFeatures(trace, layerIndex: i - 1) : []))
                }
                var title = last ? "\(name): the votes" : "\(name) output"
                if last, let loss = trace.loss { title += " (loss \(formatNumber(loss, style)))" }
                add(["forward", file, "vote-bars"], .voteBars(VoteBarsFigure(labels: labels, values: y.data, title: title, numberStyle: style)))
            default:
                let labels = i == model.layers.count - 1 ? model.classNames : nil
                if let f = try TraceFigures.outputFigure(layer, output: y, labels: labels, style: style) { add(["forward", file, "output"], f) }
            }
        }

        /// The backward figures of layer `i`, when the trace has its gradients.
        mutating func backward(_ i: Int, _ layer: LayerSpec) throws {
            let name = layer.name, file = slug(name, fallback: "layer")
            guard let gy = try record(name, "grad_output", shapes[i + 1], required: false) else { return }
            switch layer.kind {
            case .conv(let c):
                let inChannels = shapes[i][0]
                let feats = inChannels == 1 ? features(weight: try record(name, "weight", [c.filters, 1, c.kernelH, c.kernelW], required: true)) ?? [] : []
                add(["backward", file, "grad-output"], layerFigure(features: feats, maps: try grids(gy),
                                                                  title: "\(name): gradient of the loss at each output",
                                                                  style: gradientStyle(style, gy.data), width: figureWidth))
                if let gw = try record(name, "grad_weight", [c.filters, inChannels, c.kernelH, c.kernelW], required: false),
                   let w = try record(name, "weight", gw.shape, required: true) {
                    add(["backward", file, "grad-weight"], gradientBankFigure(weight: w, gradient: gw, layer: name, style: style))
                }
            case .relu:
                if let gx = try record(name, "grad_input", shapes[i], required: false) {
                    add(["backward", file, "grad-input"], try gradientMaps(gx, title: "\(name): the gradient passes where the input was positive", style: style))
                }
            case .maxpool(let p):
                let x = try record(name, "input", shapes[i], required: true)
                guard let x, let gx = try record(name, "grad_input", shapes[i], required: false) else { return }
                let inputs = try grids(x), inGrads = try grids(gx)
                let gStyle = gradientStyle(style, gy.data + gx.data)
                for (suffix, group) in try channelGroups(gy) {
                    add(["backward", file, "routing"] + suffix, .column(try group.map { c, outGrad in
                        let (covered, note) = try poolCovered(inputs[c], output: outGrad, p, layer: name)
                        let coveredGrad = crop(inGrads[c], rows: covered.rows, cols: covered.cols)
                        let windows = try poolWindows(p, input: inputs[c], output: outGrad, layer: name).cells(of: inputs[c])
                        return .poolingGradient(PoolingGradientFigure(input: covered, outputGradient: outGrad, inputGradient: coveredGrad,
                                                                      windows: windows, size: p.size, stride: p.stride, title: "\(name) backward [\(c)]\(featureNote(i, c))\(note)",
                                                                      numberStyle: gStyle, cellSize: cellSize(cols: covered.cols, budget: 280, largest: 38)))
                    }, spacing: 28))
                }
            case .dense(let d):
                let last = i == model.layers.count - 1
                let labels = last ? model.classNames : (0..<d.units).map(String.init)
                let m = gy.data.map(abs).filter(\.isFinite).max() ?? 0
                add(["backward", file, "grad-output"], .voteBars(VoteBarsFigure(labels: labels, values: gy.data,
                                                                                 title: "\(name): gradient of the loss at each output",
                                                                                 range: m > 0 ? -m...m : -1...1,
                                                                                 numberStyle: gradientStyle(style, gy.data))))
                if let gw = try record(name, "grad_weight", [d.units, shapes[i].reduce(1, *)], required: false) {
                    let rowsNote = last && !model.classes.isEmpty ? " (rows: \(labels.joined(separator: ", ")))" : ""
                    add(["backward", file, "grad-weight"], shapes[i].reduce(1, *) <= maxVoteInputs
                        ? matrixFigure(gw, title: "\(name): gradient of the loss for each weight\(rowsNote)", style: gradientStyle(style, gw.data))
                        : denseWeightsFigure(gw, inputShape: shapes[i], labels: labels, title: "\(name): gradient of the loss for the weights of",
                                             style: gradientStyle(style, gw.data), features: i > 0 ? mapFeatures(trace, layerIndex: i - 1) : []))
                }
            default:
                break
            }
        }
    }
}
