import CNNAnalysis
import CNNCore
import CNNFigures
import Foundation

// Figures for a deeper network: features that read several maps, the patch of the image one cell
// sees, and fully connected layers stacked with a hidden layer. Every number is read from the traces.

extension StepBuilder {
    /// A conv weight `[O, C, kh, kw]` as one row per feature, holding one grid per map it reads.
    func featureStacks(_ w: TraceRecord, input: String, layer: String, words: String) -> Figure {
        let (o, c, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let rows = (0..<o).map { f in
            FilterRow(label: "feature \(f + 1)", features: (0..<c).map { ch in
                let start = (f * c + ch) * kh * kw
                var grid = NamedGrid(name: "on map \(ch + 1)", grid: Grid((0..<kh).map { i in Array(w.data[(start + i * kw)..<(start + i * kw + kw)]) }))
                grid.sources = TraceSource.run(trace: input, key: w.key, start: start, count: kh * kw)
                return grid
            })
        }
        return .filterBank(FilterBankFigure(rows: rows, title: "\(words): \(o) features, each \(c) grids of \(kh)×\(kw)",
                                            numberStyle: style, cellSize: 34))
    }

    /// Learned one-channel features (any values) as one row of grids, each on its own gray scale.
    func learnedFeatures(_ feats: [NamedGrid], words: String) -> Figure {
        .filterBank(FilterBankFigure(rows: [FilterRow(label: "", features: feats)], title: "\(words): \(feats.count) learned features",
                                     numberStyle: style, cellSize: 34))
    }

    /// A multi-channel layer's maps, each named after the feature that made it ("feature 1", …), two
    /// to a row so their numbers stay readable on paper.
    func featureMaps(_ maps: [Grid], title: String, scale: Double? = nil, sources: [[TraceSource?]]) -> Figure {
        TraceFigures.layerFigure(features: [], maps: maps, title: title, style: style, width: 300, scale: scale, labelled: true,
                                 mapNames: maps.indices.map { "feature \($0 + 1)" }, mapSources: sources)
    }

    /// The stages of a long pipeline in rows of at most 6 boxes, so their labels keep their size.
    func pipelineRows(_ stages: [PipelineStage]) -> Figure {
        guard stages.count > 7 else { return .pipeline(PipelineFigure(stages: stages)) }
        let half = (stages.count + 1) / 2
        return .column([.pipeline(PipelineFigure(stages: Array(stages[..<half]))), .pipeline(PipelineFigure(stages: Array(stages[half...])))])
    }

    /// The image with the pixels that output cell (`row`, `col`) of `layer` sees outlined.
    func receptiveFieldFigure(_ input: String, _ layer: String, _ row: Int, _ col: Int, _ step: LessonStep) throws -> LessonFigure {
        guard let net = networks[input], let at = net.model.layers.firstIndex(where: { $0.name == layer }) else {
            throw fail(step, "the network of '\(input)' has no layer '\(layer)'")
        }
        guard let field = ReceptiveField(net.model, shapes: net.shapes, layer: at, row: row, col: col) else {
            throw fail(step, "receptive_field: \(layer) has no cell at row \(row), column \(col) that sees a patch of the image")
        }
        let image = try channel(try firstInput(input, step), 0, step)
        let words = try layerWords(input, layer, step)
        let size = "\(field.rows.count)×\(field.cols.count)"
        let region = CellRegion(rows: field.rows.lowerBound..<(field.rows.upperBound + 1), cols: field.cols.lowerBound..<(field.cols.upperBound + 1))
        return LessonFigure(name: "receptive-field-\(slug(input))-\(layer)-r\(row)c\(col)",
                            caption: "A cell of \(words) at row \(row + 1), column \(col + 1) (\(layer).output[·,\(row),\(col)]) sees rows \(field.rows.lowerBound + 1)–\(field.rows.upperBound + 1) and columns \(field.cols.lowerBound + 1)–\(field.cols.upperBound + 1) of the image (outlined): a patch of \(size) pixels.",
                            figure: .image(labelledImage(image, title: "what one cell of \(words) sees", region: region, cellSize: 22)))
    }

    /// Dense layers as votes, one figure per layer, each layer's inputs read from the trace (after
    /// whatever activation came before it).
    func denseStackFigure(_ input: String, _ layers: [String], _ step: LessonStep) throws -> LessonFigure {
        var parts: [Figure] = []
        var biases = "", quoted: [TextSource] = []
        var previous: [String]?
        for (k, layer) in layers.enumerated() {
            guard case .dense = try layerSpec(input, layer, step).kind else { throw fail(step, "'\(layer)' is not a dense layer") }
            let x = try record(input, layer, .input, step), w = try record(input, layer, .weight, step)
            let y = try record(input, layer, .output, step)
            let n = w.shape[1]
            let rows = (0..<w.shape[0]).map { Array(w.data[($0 * n)..<($0 * n + n)]) }
            let last = k == layers.count - 1
            let outputs = last ? try classLabels(input, count: y.data.count, step) : (1...max(1, y.data.count)).map { "h\($0)" }
            let inputs = previous ?? (1...max(1, n)).map { "value \($0)" }
            var votes = VotesFigure(inputs: x.data, inputLabels: inputs, outputLabels: outputs, weights: rows,
                                    outputValues: y.data, title: "\(try layerWords(input, layer, step)): \(n) values → \(y.data.count)",
                                    numberStyle: style,
                                    groupSize: k == 0 && x.shape.count > 1 ? x.shape.dropFirst().reduce(1, *) : nil)
            votes.inputSources = sources(input, x)
            votes.outputSources = sources(input, y)
            parts.append(.votes(votes))
            biases += biasText(input, layer, names: outputs, of: last ? "the votes" : "", step)
            quoted += biasSources(input, layer, step)
            previous = outputs
        }
        return LessonFigure(name: "dense-stack-\(slug(input))-\(layers.joined(separator: "-"))",
                            caption: "The fully connected layers for \(imageWords(input)), one after the other: each value votes for every unit of the next layer (plus a bias); ReLU sets the units in between (h1, h2, …) to 0 where they are below 0, before they vote." + biases,
                            figure: .column(parts), captionSources: quoted)
    }
}

extension StepBuilder {
    /// `{{field:INPUT,LAYER,ROW,COL}}`: how many rows of the image cell (ROW, COL) of LAYER sees
    /// in INPUT's network (from 0; see `ReceptiveField`).
    func fieldRows(_ tail: String, body: String, step: LessonStep) throws -> Double {
        let parts = tail.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 4, let row = Int(parts[2]), let col = Int(parts[3]) else {
            throw fail(step, "{{\(body)}}: write field:INPUT,LAYER,ROW,COL")
        }
        guard let net = networks[parts[0]] else { throw fail(step, "{{\(body)}}: no input named '\(parts[0])'") }
        guard let at = net.model.layers.firstIndex(where: { $0.name == parts[1] }),
              let field = ReceptiveField(net.model, shapes: net.shapes, layer: at, row: row, col: col) else {
            throw fail(step, "{{\(body)}}: \(parts[1]) has no cell at row \(row), column \(col) that sees a patch of the image")
        }
        return Double(field.rows.count)
    }
}

extension StepBuilder {
    /// Whether `layer` is a conv layer over several channels, whose maps are named by feature.
    func isConvMaps(_ input: String, _ layer: String, _ step: LessonStep) -> Bool {
        guard let spec = try? layerSpec(input, layer, step), case .conv = spec.kind,
              let w = try? record(input, layer, .weight, step) else { return false }
        return w.shape.count == 4 && w.shape[1] > 1
    }
}

extension StepBuilder {
    /// An image with row and column numbers, as the lesson's other images.
    func labelledImage(_ grid: Grid, title: String, highlighted: Set<Cell> = [], region: CellRegion? = nil,
                       cellSize: Double = 26) -> ImageFigure {
        var f = ImageFigure(grid: grid, title: title, highlighted: highlighted, cellSize: cellSize)
        f.labelled = true
        f.region = region
        return f
    }

    /// " Biases of WHAT: NAME VALUE, …." (" Biases: …" when `what` is empty) for a layer with a traced bias, else "".
    func biasText(_ input: String, _ layer: String, names: [String], of what: String, _ step: LessonStep) -> String {
        guard let b = try? trace(input, step).record(layer, .bias), b.data.count == names.count else { return "" }
        return (what.isEmpty ? " Biases: " : " Biases of \(what): ") + zip(names, b.data).map { "\($0) \(formatNumber($1, style))" }.joined(separator: ", ") + "."
    }

    /// The numbers `biasText` writes, as the trace elements `layer.bias[i]` of `input`'s trace.
    func biasSources(_ input: String, _ layer: String, _ step: LessonStep) -> [TextSource] {
        guard let b = try? trace(input, step).record(layer, .bias) else { return [] }
        return b.data.enumerated().map { TextSource(formatNumber($1, style), TraceSource(trace: input, key: "\(layer).bias", index: $0), value: $1) }
    }
}
