import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import Foundation

// The figures a lesson step shows, one function per show kind; every number is read from the traces,
// and each figure says which trace element every number is (`TraceSource`), for the HTML page.

extension StepBuilder {
    /// The figures of one show item: one for most kinds, three for `relu_gradient` (the forward
    /// input, the gradient arriving, the gradient passed on) and two for `weight_gradient_terms`
    /// (the table, the maps), so each fits a page.
    func figureList(_ item: ShowItem, step: LessonStep) throws -> [LessonFigure] {
        if case let .reluGradient(input, layer, c, numbers) = item {
            return try reluGradientFigures(input, layer, c, numbers ?? style, step)
        }
        if case let .weightGradientTerms(input, layer, index, numbers) = item {
            return try weightTermsFigures(input, layer, index, numbers ?? style, step)
        }
        return [try figure(item, step: step)]
    }

    /// Where the numbers of record `r` of input `input`'s trace come from: channel `c` of a
    /// `[C, H, W]` record, or every element when `c` is `nil`.
    func sources(_ input: String, _ r: TraceRecord, channel c: Int? = nil) -> [TraceSource?] {
        guard let c else { return TraceSource.run(trace: input, key: r.key, count: r.data.count) }
        let n = r.shape.dropFirst().reduce(1, *)
        return TraceSource.run(trace: input, key: r.key, start: c * n, count: n)
    }

    func figure(_ item: ShowItem, step: LessonStep) throws -> LessonFigure {
        switch item {
        case .image(let input):
            return try imageFigure(input, step)
        case .compare(let a, let b):
            return try compareFigure(a, b, step)
        case let .features(layer, input):
            return try featuresFigure(layer, input, step)
        case let .convolution(input, layer, f, row, col):
            return try convolutionFigure(input, layer, f, row, col, step)
        case let .map(input, layer, role, c):
            return try mapFigure(input, layer, role, c, step)
        case let .maps(input, layer):
            return try mapsFigure(input, layer, step)
        case let .relu(input, layer, c):
            return try reluFigure(input, layer, c, step)
        case let .pooling(input, layer, c):
            return try poolingFigure(input, layer, c, step)
        case let .flipBook(input, layer, c):
            return try flipBookFigure(input, layer, c, step)
        case .pipeline(let input):
            return try pipelineFigure(input, step)
        case let .receptiveField(input, layer, row, col):
            return try receptiveFieldFigure(input, layer, row, col, step)
        case let .denseStack(input, layers):
            return try denseStackFigure(input, layers, step)
        case let .votes(input, layer):
            return try votesFigure(input, layer, step)
        case let .voteBars(inputs, layer):
            return try voteBarsFigure(inputs, layer, step)
        case .errorTable(let inputs):
            return try errorTableFigure(inputs, step)
        case .experiment(let name):
            return try experimentFigure(name, step)
        case .lossGradient, .gradient, .denseGradient, .reluGradient, .weightGradientTerms, .update, .afterStep, .stepSizes, .errorCurve:
            guard let f = try backwardFigure(item, step: step) else { throw fail(step, "no figure for \(item)") }
            return f
        case let .poolRouting(input, layer, c, numbers):
            return try poolRoutingFigure(input, layer, c, numbers, step)
        }
    }

    func imageFigure(_ input: String, _ step: LessonStep) throws -> LessonFigure {
        let r = try firstInput(input, step)
        var image = ImageFigure(grid: try channel(r, 0, step), title: imageWords(input))
        image.labelled = true
        image.sources = sources(input, r, channel: 0)
        return LessonFigure(name: "image-\(slug(input))", caption: "The \(input) image: white is +1, black is −1.",
                            figure: .image(image))
    }

    func compareFigure(_ a: String, _ b: String, _ step: LessonStep) throws -> LessonFigure {
        let ga = try channel(try firstInput(a, step), 0, step), gb = try channel(try firstInput(b, step), 0, step)
        guard ga.rows == gb.rows && ga.cols == gb.cols else { throw fail(step, "'\(a)' and '\(b)' differ in size") }
        var cells = Set<Cell>()
        for i in 0..<ga.rows { for j in 0..<ga.cols where ga[i, j] != gb[i, j] { cells.insert(Cell(row: i, col: j)) } }
        var images = [ImageFigure(grid: ga, title: imageWords(a), highlighted: cells),
                      ImageFigure(grid: gb, title: imageWords(b), highlighted: cells)]
        for i in images.indices { images[i].labelled = true; images[i].cellSize = 24 }
        return LessonFigure(name: "compare-\(slug(a))-\(slug(b))",
                            caption: "\(cells.count) of \(ga.rows * ga.cols) pixels differ (outlined).",
                            figure: .row(images.map { .image($0) }))
    }

    func featuresFigure(_ layer: String, _ given: String?, _ step: LessonStep) throws -> LessonFigure {
        let input = try given ?? anyInput(step)
        let w = try record(input, layer, .weight, step)
        if w.shape.count == 4, w.shape[1] > 1 {
            return LessonFigure(name: "features-\(given.map { slug($0) + "-" } ?? "")\(layer)",
                                caption: "The \(w.shape[0]) features of \(try layerWords(input, layer, step)) (\(layer).weight), each a stack of \(w.shape[1]) grids of \(w.shape[2])×\(w.shape[3]) weights, one for each map it reads."
                                    + biasText(input, layer, names: (1...w.shape[0]).map { "feature \($0)" }, of: "the features", step),
                                figure: featureStacks(w, input: input, layer: layer, words: try layerWords(input, layer, step)),
                                captionSources: biasSources(input, layer, step))
        }
        var feats = try features(input, layer, step)
        let perFeature = w.shape.dropFirst().reduce(1, *)
        if given != nil, !w.data.allSatisfy({ $0 >= -1 && $0 <= 1 }) {
            for f in feats.indices {
                feats[f].sources = TraceSource.run(trace: input, key: w.key, start: f * perFeature, count: feats[f].grid.values.count)
            }
            return LessonFigure(name: "features-\(given.map { slug($0) + "-" } ?? "")\(layer)",
                                caption: "The \(feats.count) features of \(try layerWords(input, layer, step)) (\(layer).weight), learned: each grid is drawn on its own gray scale, its largest weight white or black.",
                                figure: learnedFeatures(feats, words: try layerWords(input, layer, step)))
        }
        return LessonFigure(name: "features-\(layer)",
                            caption: "The \(feats.count) features of \(try layerWords(input, layer, step)) (\(layer).weight).",
                            figure: .row(feats.enumerated().map { f, feature in
                                var figure = FeatureFigure(grid: feature.grid, name: feature.name, showNumbers: true, numberStyle: style)
                                figure.sources = TraceSource.run(trace: input, key: w.key, start: f * perFeature, count: feature.grid.values.count)
                                return .feature(figure)
                            }))
    }

    func convolutionFigure(_ input: String, _ layer: String, _ f: Int, _ row: Int, _ col: Int, _ step: LessonStep) throws -> LessonFigure {
        let spec = try layerSpec(input, layer, step)
        guard case .conv(let c) = spec.kind, c.padding == .valid, c.dilation == 1 else {
            throw fail(step, "convolution steps are drawn for conv layers with no padding and no dilation; '\(layer)' is not one")
        }
        let feats = try features(input, layer, step)
        guard f < feats.count else { throw fail(step, "'\(layer)' has \(feats.count) features; feature \(f) does not exist") }
        let t = try trace(input, step)
        var figure: ConvolutionStepFigure
        do {
            figure = try TraceFigures.convolutionStep(t, layer: layer, c, filter: f, row: row, col: col,
                                                      featureName: feats[f].name, style: style, source: input)
        } catch { throw fail(step, error.message) }
        figure.labelled = true
        let shape = t.record(layer, .output)?.shape ?? []
        let match = shape.count == 3 ? [TextSource(formatNumber(figure.value, style), TraceSource(trace: input, key: "\(layer).output",
                                                   index: (f * shape[1] + row) * shape[2] + col), value: figure.value)] : []
        return LessonFigure(name: "convolution-\(slug(input))-f\(f)-r\(row)c\(col)",
                            caption: "\(capitalized(Self.featureWords(feats[f].name))) on \(imageWords(input)), patch at row \(figure.row + 1), column \(figure.col + 1): the match is \(formatNumber(figure.value, style)) (\(layer).output[\(f),\(row),\(col)]).",
                            figure: .convolutionStep(figure), captionSources: match)
    }

    func mapFigure(_ input: String, _ layer: String, _ role: TraceRole, _ c: Int, _ step: LessonStep) throws -> LessonFigure {
        let r = try record(input, layer, role, step)
        let words = try mapTitle(input, layer, role, c, step)
        var map = FeatureMapFigure(map: try channel(r, c, step), title: words, numberStyle: style)
        map.labelled = true
        map.sources = sources(input, r, channel: c)
        return LessonFigure(name: "map-\(slug(input))-\(layer)-\(role)-c\(c)",
                            caption: "\(capitalized(words)): one of the \(ShapeText.words(r.shape)) of \(try layerWords(input, layer, step)) (\(layer).\(role)[\(c)]).",
                            figure: .featureMap(map))
    }

    func mapsFigure(_ input: String, _ layer: String, _ step: LessonStep) throws -> LessonFigure {
        let r = try record(input, layer, .output, step)
        let spec = try layerSpec(input, layer, step)
        // Each map of a conv layer, or of a layer after one that keeps its channels, belongs to a feature.
        var feats: [NamedGrid] = []
        let layers = try trace(input, step).model.layers
        if let at = layers.firstIndex(where: { $0.name == spec.name }),
           let convAt = layers[...at].lastIndex(where: { if case .conv = $0.kind { return true } else { return false } }),
           !layers[convAt...at].contains(where: { if case .dense = $0.kind { return true } else { return false } }),
           let w = try? record(input, layers[convAt].name, .weight, step), w.shape.count == 4, w.shape[1] == 1,
           let fs = try? features(input, layers[convAt].name, step), fs.count == r.shape.first {
            feats = fs
        }
        let words = try layerWords(input, layer, step)
        let shared = try sharedScale(input, layer, r, step)
        let title = "every map of \(words), \(imageShortWords(input))"
        let mapSources = (0..<(r.shape.first ?? 0)).map { sources(input, r, channel: $0) }
        return LessonFigure(name: "maps-\(slug(input))-\(layer)",
                            caption: "Every map of \(words) for \(imageWords(input)) (\(ShapeText.words(r.shape)), \(layer).output)." + shared.words,
                            figure: feats.isEmpty && isConvMaps(input, layer, step)
                                ? featureMaps(try channels(r, step), title: title, scale: shared.scale, sources: mapSources)
                                : layerFigure(features: feats, maps: try channels(r, step), title: title, scale: shared.scale, mapSources: mapSources))
    }

    /// When the step shows the maps of the same layer for other inputs too, one colour scale for
    /// all of them: the largest |value| over every input's maps, so a colour means the same number
    /// in each figure; and a sentence for the caption that says so. `nil` and "" otherwise.
    func sharedScale(_ input: String, _ layer: String, _ r: TraceRecord, _ step: LessonStep) throws -> (scale: Double?, words: String) {
        let others = step.show.compactMap { item -> String? in
            if case .maps(let other, layer) = item, other != input { return other } else { return nil }
        }
        guard !others.isEmpty else { return (nil, "") }
        var largest = r.data.map(abs).max() ?? 0
        for other in others {
            let o = try record(other, layer, .output, step)
            guard o.shape == r.shape else { return (nil, "") }
            largest = max(largest, o.data.map(abs).max() ?? 0)
        }
        let names = others.map(imageWords).joined(separator: " and ")
        let scale = largest > 0 ? largest : 1
        return (scale, " One colour scale with the maps for \(names): ±\(formatNumber(scale, style)), the largest |value| of all.")
    }

    func reluFigure(_ input: String, _ layer: String, _ c: Int, _ step: LessonStep) throws -> LessonFigure {
        let x = try record(input, layer, .input, step), y = try record(input, layer, .output, step)
        let before = try channel(x, c, step)
        let negatives = before.values.filter { $0 < 0 }.count
        let map = try mapWords(input, layer, c, step)
        var figure = ReLUFigure(before: before, after: try channel(y, c, step), title: "\(map) of \(imageWords(input)), before and after ReLU",
                                numberStyle: style)
        figure.labelled = true
        figure.beforeSources = sources(input, x, channel: c)
        figure.afterSources = sources(input, y, channel: c)
        return LessonFigure(name: "relu-\(slug(input))-\(layer)-c\(c)",
                            caption: "ReLU on \(map): \(negatives) negative values become 0 (\(layer).output[\(c)]).",
                            figure: .relu(figure))
    }

    func poolingFigure(_ input: String, _ layer: String, _ c: Int, _ step: LessonStep) throws -> LessonFigure {
        let spec = try layerSpec(input, layer, step)
        guard case .maxpool(let p) = spec.kind else { throw fail(step, "'\(layer)' is not a maxpool layer") }
        let t = try trace(input, step)
        let map = try mapWords(input, layer, c, step)
        // A later pooling pools a map pooled before: "pooling the diagonal ↘ map again".
        let again = try layerWords(input, layer, step) == "the first pooling" ? "" : " again"
        var figure: PoolingFigure
        do {
            figure = try TraceFigures.pooling(t, layer: layer, p, channel: c, style: style, title: "pooling \(map)\(again)", source: input)
        } catch { throw fail(step, error.message) }
        figure.labelled = true
        return LessonFigure(name: "pooling-\(slug(input))-\(layer)-c\(c)",
                            caption: "\(capitalized(try layerWords(input, layer, step))) on \(map) of \(imageWords(input)), with \(p.size)×\(p.size) windows and stride \(p.stride): \(figure.input.shapeText) → \(figure.output.shapeText) (\(layer).output[\(c)]).",
                            figure: .pooling(figure))
    }

    /// A flip-book of a conv layer's feature or a max-pooling layer's window sliding over its input.
    func flipBookFigure(_ input: String, _ layer: String, _ c: Int, _ step: LessonStep) throws -> LessonFigure {
        let t = try trace(input, step)
        let words = try layerWords(input, layer, step)
        var figure: SlidingWindowFigure
        let caption: String
        switch try layerSpec(input, layer, step).kind {
        case .conv(let spec):
            let feats = try features(input, layer, step)
            guard c >= 0, c < feats.count else { throw fail(step, "'\(layer)' has \(feats.count) features; feature \(c) does not exist") }
            do {
                figure = try TraceFigures.convolutionFlipBook(t, layer: layer, spec, filter: c, style: style,
                                                              title: "\(Self.featureWords(feats[c].name)) sliding over \(imageWords(input))")
            } catch { throw fail(step, error.message) }
            let move = spec.stride == 1 ? "one pixel" : "\(spec.stride) pixels"
            caption = "The patch moves \(move) at a time, row by row; each match fills the next cell of the map (\(layer).output[\(c)])."
        case .maxpool(let p):
            let map = try mapWords(input, layer, c, step)
            do {
                // Six frames, three to a row: small enough to stay on the page of the pooling figure.
                figure = try TraceFigures.poolingFlipBook(t, layer: layer, p, channel: c, style: style,
                                                          title: "the window of \(words) walking over \(map)", frames: 6)
                figure.framesPerRow = 3
            } catch { throw fail(step, error.message) }
            caption = "The \(p.size)×\(p.size) window moves \(p.stride) cells at a time, row by row; each window's largest value fills the next cell of the pooled map (\(layer).output[\(c)])."
        default:
            throw fail(step, "flip_book is drawn for conv and maxpool layers; '\(layer)' is neither")
        }
        figure.outputSources = sources(input, try record(input, layer, .output, step), channel: c)
        return LessonFigure(name: "flip-book-\(slug(input))-\(layer)-c\(c)", caption: caption + " The frames show \(figure.frames.count) of the \(figure.outputRows * figure.outputCols) steps.",
                            figure: .slidingWindow(figure))
    }

    func pipelineFigure(_ input: String?, _ step: LessonStep) throws -> LessonFigure {
        var net = network
        if let input {
            guard let n = networks[input] else { throw fail(step, "no input named '\(input)'") }
            net = n
        }
        let stages = TraceFigures.pipelineStages(net.model, shapes: net.shapes)
        let legend = net.shapes.lazy.compactMap(ShapeText.legend).first.map { " (\($0))" } ?? ""
        return LessonFigure(name: "pipeline" + (input.map { "-" + slug($0) } ?? ""),
                            caption: "The network\(input.map { " that \(imageWords($0)) goes through" } ?? ""), layer by layer, with the shape after each\(legend).",
                            figure: pipelineRows(stages))
    }

    func votesFigure(_ input: String, _ layer: String, _ step: LessonStep) throws -> LessonFigure {
        let spec = try layerSpec(input, layer, step)
        guard case .dense = spec.kind else { throw fail(step, "'\(layer)' is not a dense layer") }
        let x = try record(input, layer, .input, step)
        let w = try record(input, layer, .weight, step)
        let y = try record(input, layer, .output, step)
        let n = w.shape[1]
        let rows = (0..<w.shape[0]).map { Array(w.data[($0 * n)..<($0 * n + n)]) }
        let classes = try trace(input, step).model.classNames
        let labels = classes.count == y.data.count ? classes : (0..<y.data.count).map(String.init)
        var votes = VotesFigure(inputs: x.data, inputLabels: (1...max(1, n)).map { "value \($0)" }, outputLabels: labels,
                                weights: rows, outputValues: y.data, title: "the \(n) values of \(imageWords(input)) vote",
                                numberStyle: style, groupSize: x.shape.count > 1 ? x.shape.dropFirst().reduce(1, *) : nil)
        votes.inputSources = sources(input, x)
        votes.outputSources = sources(input, y)
        return LessonFigure(name: "votes-\(slug(input))-\(layer)",
                            caption: "The \(n) values for \(imageWords(input)) vote, each with one weight for every class.",
                            figure: .votes(votes))
    }

    func voteBarsFigure(_ inputs: [String], _ layer: String, _ step: LessonStep) throws -> LessonFigure {
        var bars: [Figure] = []
        for input in inputs {
            let y = try record(input, layer, .output, step)
            let classes = try trace(input, step).model.classNames
            var chart = VoteBarsFigure(labels: classes.count == y.data.count ? classes : (0..<y.data.count).map(String.init),
                                       values: y.data, title: imageWords(input), numberStyle: style)
            chart.sources = sources(input, y)
            bars.append(.voteBars(chart))
        }
        // Two charts to a row, so each keeps a readable size.
        let rows = stride(from: 0, to: bars.count, by: 2).map { Figure.row(Array(bars[$0..<min(bars.count, $0 + 2)])) }
        return LessonFigure(name: "vote-bars-\(layer)", caption: "The votes for \(inputs.map(imageWords).joined(separator: ", ")).",
                            figure: rows.count == 1 ? rows[0] : .column(rows))
    }

    /// The right answer for class `name` of `input`: 1 for the input's class, 0 for the others.
    static func rightAnswer(_ right: Double, _ name: String, _ input: String) -> DerivedNumber {
        DerivedNumber("right answer", .given(right == 1 ? "the \(input) image is labelled \(name): 1 for its class"
                                                        : "the \(input) image is not labelled \(name): 0 for this class"), [], value: right)
    }

    func errorTableFigure(_ inputs: [String], _ step: LessonStep) throws -> LessonFigure {
        var lines: [String] = [], numbers: [TextSource] = []
        for input in inputs {
            let t = try trace(input, step)
            guard let target = inputTarget(input) else { throw fail(step, "error_table needs a 'target' for input '\(input)'") }
            let last = t.model.layers[t.model.layers.count - 1].name
            let out = try record(input, last, .output, step), y = out.data
            let classes = t.model.classNames
            lines.append("<b>\(TextBlock.escape(input)) image</b> (right answer: \(TextBlock.escape(classes[target])))")
            lines.append("<tt>  class   right   actual   error = right − actual</tt>")
            // The error is worked from the vote as shown, so 1.00 − 0.91 reads 0.09; a
            // difference of shown numbers is exact to their digits, so it is rounded, not cut.
            let exact: NumberStyle
            if case .truncated(let d) = style { exact = .rounded(d) } else { exact = style }
            var total = 0.0, errors: [DerivedOperand] = []
            for (k, v) in y.enumerated() {
                let right = k == target ? 1.0 : 0.0
                let error = right - shownValue(v, style)
                total += abs(error)
                let name = padRight(classes[k], 6)
                lines.append("<tt>  \(TextBlock.escape(name))  \(padLeft(formatNumber(right, style), 6))  \(padLeft(formatNumber(v, style), 7))   \(padLeft(formatNumber(error, exact), 7))</tt>")
                let rightText = formatNumber(right, style), actual = sources(input, out)[k]
                numbers += [TextSource(rightText, derived: Self.rightAnswer(right, classes[k], input)),
                            TextSource(formatNumber(v, style), actual, value: v),
                            TextSource(formatNumber(error, exact), derived: DerivedNumber("error", .difference, [
                                DerivedOperand("right", right, text: rightText),
                                DerivedOperand("actual", shownValue(v, style), text: formatNumber(v, style), source: actual),
                            ], value: error))]
                errors.append(DerivedOperand("error (\(classes[k]))", error, text: formatNumber(error, exact)))
            }
            lines.append("<tt>  total of the sizes of the errors: \(formatNumber(total, exact))</tt>")
            numbers.append(TextSource(formatNumber(total, exact), derived: DerivedNumber("total of the sizes of the errors", .sizeSum, errors, value: total)))
        }
        var table = TextBlock(markup: lines.joined(separator: "\n"), width: 420)
        table.sources = numbers
        return LessonFigure(name: "errors", caption: "Right answer − actual answer, for each class, worked from the votes as shown.",
                            figure: .text(table))
    }

    func experimentFigure(_ name: String, _ step: LessonStep) throws -> LessonFigure {
        guard let experiment else { throw fail(step, "'experiment: \(name)' needs the lesson to run an experiment") }
        guard let f = experiment.figures.first(where: { $0.name == name }) else {
            throw fail(step, "the \(experiment.name) experiment has no figure '\(name)' (it has: \(experiment.figures.map(\.name).joined(separator: ", ")))")
        }
        return LessonFigure(name: name, caption: f.caption, figure: f.figure)
    }

    func poolRoutingFigure(_ input: String, _ layer: String, _ c: Int, _ numbers: NumberStyle?, _ step: LessonStep) throws -> LessonFigure {
        let spec = try layerSpec(input, layer, step)
        guard case .maxpool(let p) = spec.kind else { throw fail(step, "'\(layer)' is not a maxpool layer") }
        // Missing gradients are named as the lesson writer needs them (a target is missing).
        for role in [TraceRole.gradOutput, .gradInput] { _ = try record(input, layer, role, step) }
        let t = try trace(input, step)
        let title = "the gradient back through \(try layerWords(input, layer, step)), \(try mapWords(input, layer, c, step))"
        var figure: PoolingGradientFigure
        do {
            figure = try TraceFigures.poolingGradient(t, layer: layer, p, channel: c, style: numbers ?? style, title: title, source: input)
        } catch { throw fail(step, error.message) }
        // Four decimals ("0.1389") need wider cells to stay at 7 pt: the gradient then goes below.
        if Self.decimals(figure.numberStyle) > 2 { figure.cellSize = max(figure.cellSize, 42) }
        figure.stacked = figure.input.cols >= 6 || Self.decimals(figure.numberStyle) > 2
        figure.labelled = true
        return LessonFigure(name: "pool-routing-\(slug(input))-\(layer)-c\(c)",
                            caption: "Back through \(try layerWords(input, layer, step)), \(try mapWords(input, layer, c, step)) of \(imageWords(input)): each window's gradient goes to the cell that won it (\(layer).grad_input[\(c)]).",
                            figure: .poolingGradient(figure))
    }
}

extension StepBuilder {
    /// How many decimals a number style writes (`full`: as many as it takes, counted as 12).
    static func decimals(_ style: NumberStyle) -> Int {
        switch style {
        case .rounded(let d), .truncated(let d): return d
        case .full: return 12
        }
    }
}
