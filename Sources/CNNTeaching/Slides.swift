// The projector deck for the X/O example: one idea per slide, every number from one engine trace
// of the article's X, with speaker notes that name the worksheet question each slide prepares.

import CNNInputs
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles

/// What `cnn-explain slides xo` needs: the article's network and picture.
public struct SlidesRequest: Sendable {
    public var model: String
    public var weights: String
    public var input: String
    /// The right answer for the picture (its class name or index).
    public var target: String

    public init(model: String, weights: String, input: String, target: String = "X") {
        self.model = model; self.weights = weights; self.input = input; self.target = target
    }

    /// Traces the picture and builds the deck.
    public func build() throws(FileError) -> SlideDeck {
        let trace = try TraceRequest(model: model, input: input, weights: weights, target: target).run()
        guard trace.model.layers.count >= 4, case .conv = trace.model.layers[0].kind, case .dense = trace.model.layers.last?.kind else {
            throw FileError(file: model, "slides need the X/O network: conv, relu, maxpool, …, dense")
        }
        let step = try WhatIfRequest(model: model, weights: weights, input: input, target: target, changes: [], learningRate: 0.1).run()
        return SlideBuilder(trace: trace, stepped: step.after, learningRate: 0.1).deck()
    }
}

/// Slide sizes: numbers are at least 18 pt on a 960×540 pt slide (36 px at 1920 px wide).
enum Projector {
    static let number = 18.0
}

struct SlideBuilder {
    let trace: Trace
    /// The same picture after one engine SGD step with `learningRate`.
    let stepped: Trace
    let learningRate: Double
    var layers: [String] { trace.model.layers.map(\.name) }

    func record(_ layer: String, _ role: TraceRole) -> TraceRecord {
        trace.record(layer, role) ?? TraceRecord(pass: .forward, layer: layer, role: role, shape: [1, 0, 0], data: [])
    }
    /// Plane `c` of a `[C, H, W]` record.
    func plane(_ r: TraceRecord, _ c: Int) -> Grid {
        let h = r.shape.count == 3 ? r.shape[1] : 0, w = r.shape.count == 3 ? r.shape[2] : 0
        let start = c * h * w
        guard r.data.count >= start + h * w else { return Grid(rows: 0, cols: 0, repeating: 0) }
        return Grid(rows: h, cols: w, values: Array(r.data[start..<(start + h * w)])) ?? Grid(rows: 0, cols: 0, repeating: 0)
    }
    var picture: Grid { plane(record(layers[0], .input), 0) }
    /// The sum of the products at conv output `[o, i, j]`, from the engine's one conv derivation.
    func sum(_ o: Int, _ i: Int, _ j: Int) -> Double {
        guard case .conv(let spec) = trace.model.layers[0].kind else { return .nan }
        return spec.derivation(input: record(layers[0], .input).tensor, weight: record(layers[0], .weight).tensor, bias: nil,
                               filter: o, row: i, col: j).sum
    }
    var featureCount: Int { record(layers[0], .weight).shape.first ?? 0 }
    func feature(_ o: Int) -> Grid {
        let w = record(layers[0], .weight)
        let k = w.shape.count == 4 ? w.shape[2] * w.shape[3] : 0
        return Grid(rows: w.shape.count == 4 ? w.shape[2] : 0, cols: w.shape.count == 4 ? w.shape[3] : 0,
                    values: Array(w.data[(o * k)..<((o + 1) * k)])) ?? Grid(rows: 0, cols: 0, repeating: 0)
    }

    /// A grid of numbers for the projector: given cells, pixel shades for pictures.
    func numbers(_ g: Grid, cell: (w: Double, h: Double), shaded: Bool = false, outlined: Set<Cell> = [],
                 blankFrom: Int? = nil, title: String? = nil) -> Figure {
        var cells = WorksheetGridFigure.numbers(g, style: .standard)
        if let blankFrom {
            for k in blankFrom..<(g.rows * g.cols) { cells[k / g.cols][k % g.cols] = .given("") }
        }
        return .worksheetGrid(WorksheetGridFigure(cells: cells, shades: shaded ? g : nil, outlined: outlined, cellWidth: cell.w,
                                                  cellHeight: cell.h, fontSize: Projector.number, title: title))
    }

    func pixels(_ g: Grid, cell: Double, outlined: Set<Cell> = [], title: String? = nil) -> Figure {
        .image(ImageFigure(grid: g, title: title, highlighted: outlined, cellSize: cell))
    }

    func deck() -> SlideDeck {
        var slides = openingSlides()
        slides += slidingWindowSlides()
        slides += mapSlides()
        slides += voteSlides()
        return SlideDeck(title: "How a CNN sees an X or an O", slides: slides)
    }

    func openingSlides() -> [Slide] {
        let x = picture
        return [
            Slide(title: "How a CNN sees an X or an O",
                  lines: ["Every number on these slides was computed by the network."], figures: [pixels(x, cell: 36)],
                  notes: "Ask: how would you tell a computer what an X looks like? Collect answers. Then say: today we follow one picture through a small network, and every number you will see is the one it really computed.",
                  question: "1p asks students to predict a match before computing it."),
            Slide(title: "A picture is a grid of numbers", lines: ["White is 1, black is −1."],
                  figures: [numbers(x, cell: (38, 34), shaded: true)],
                  notes: "Point at one white and one black pixel and read their numbers. The network never sees a picture, only these \(x.rows * x.cols) numbers.",
                  question: "part 1: students read the pixels of the outlined patch from this kind of grid."),
            Slide(title: "A feature is a small picture", lines: ["\(featureCount) features, each \(feature(0).shapeText), made of 1s and −1s."],
                  figures: (0..<featureCount).map { numbers(feature($0), cell: (64, 64), shaded: true, title: "feature \($0 + 1)") },
                  notes: "Each feature is a piece of an X. The network asks, everywhere in the picture: does this piece appear here?",
                  question: "part 1 names the feature to lay over the patch."),
        ]
    }

    /// The feature slides over the picture: one slide per position along the first row, the map filling cell by cell.
    func slidingWindowSlides() -> [Slide] {
        let map = plane(record(layers[0], .output), 0)
        let steps = min(map.cols, 5)
        return (0..<steps).map { j in
            let patch = Set((0..<3).flatMap { a in (0..<3).map { Cell(row: a, col: j + $0) } })
            let value = map[0, j]
            return Slide(title: "Slide the feature: position \(j + 1)",
                         lines: ["Multiply pixel by pixel, add the 9 products, divide by 9: <b>\(formatNumber(value, .standard))</b>"],
                         figures: [pixels(picture, cell: 28, outlined: patch), numbers(feature(0), cell: (48, 48), shaded: true, title: "feature 1"),
                                   numbers(map, cell: (56, 36), outlined: [Cell(row: 0, col: j)], blankFrom: j + 1, title: "map")],
                         notes: j == 0
                            ? "The outlined patch and the feature: the 9 products add up to \(formatCount(sum(0, 0, j), .standard)), and \(formatCount(sum(0, 0, j), .standard)) ÷ 9 = \(formatNumber(value, .standard)). Ask the class to check one product aloud."
                            : "Move one pixel to the right. Ask the class to predict the new number before you show it; it is \(formatNumber(value, .standard)).",
                         question: "1a and 1b: the sum of the 9 products, then the sum divided by 9.")
        }
    }

    func mapSlides() -> [Slide] {
        let conv = plane(record(layers[0], .output), 0), relu = plane(record(layers[1], .output), 0)
        let pool = plane(record(layers[2], .output), 0)
        return [
            Slide(title: "The whole map", lines: ["1 means a perfect match; −1 means the opposite matches."],
                  figures: [numbers(conv, cell: (64, 46))],
                  notes: "The 1.00s are where the feature lies exactly on the X's stroke. Ask: where is the worst match, and what does the picture look like there?",
                  question: "part 2 shows this kind of map, with the student's own answer missing."),
            Slide(title: "ReLU: negative numbers become 0", lines: [],
                  figures: [numbers(conv, cell: (58, 40), title: "before"), numbers(relu, cell: (58, 40), title: "after ReLU")],
                  notes: "Everything below zero becomes 0; everything else stays. It keeps the matches and forgets how badly the rest missed.",
                  question: "2a–2d: ReLU of four numbers."),
            Slide(title: "Pooling: keep the largest in each 2×2 window", lines: [],
                  figures: [numbers(relu, cell: (58, 40), title: "after ReLU"), numbers(pool, cell: (64, 46), title: "pooled")],
                  notes: "Each window keeps only its largest number, so the map shrinks from \(relu.shapeText) to \(pool.shapeText) and a match survives even if it moves a little.",
                  question: "3a and 3b: max pooling of one window, then of another window after ReLU."),
        ]
    }

    func learningSlide(labels: [String], votes: [Double]) -> Slide {
        let after = stepped.record(layers[layers.count - 1], .output)?.data ?? []
        let lossAfter = stepped.loss ?? .nan
        return Slide(title: "Learning: one small step", lines: ["Every weight moves a little against its gradient.",
                                                                 "Learning rate \(formatNumber(learningRate, .full)): the error goes from <b>\(formatNumber(trace.loss ?? .nan, .standard))</b> to <b>\(formatNumber(lossAfter, .standard))</b>."],
                     figures: [.column([.voteBars(VoteBarsFigure(labels: labels, values: votes, title: "before", range: 0...1)),
                                        .voteBars(VoteBarsFigure(labels: labels, values: after, title: "after one step", range: 0...1))], spacing: 10)],
                     notes: "new weight = weight − learning rate × gradient, for every weight at once. The gradient says which way makes the error grow; the step goes the other way. Repeat over many pictures and the votes get better.",
                     question: "6a–6c (level 3): one gradient and one update, by hand.")
    }

    func voteSlides() -> [Slide] {
        let dense = layers[layers.count - 1]
        let votes = record(dense, .output).data
        let names = trace.model.classNames
        let labels = votes.indices.map { $0 < names.count ? names[$0] : "\($0)" }
        let loss = trace.loss ?? .nan
        return [
            Slide(title: "The votes", lines: ["Each vote adds up pooled numbers times their weights."],
                  figures: [.voteBars(VoteBarsFigure(labels: labels, values: votes, range: 0...1))],
                  notes: "The X vote is \(formatNumber(votes.first ?? .nan, .standard)); the O vote is \(formatNumber(votes.dropFirst().first ?? .nan, .standard)). The larger vote wins.",
                  question: "4p and 4a–4b (level 2): predict the winner, then compute both votes."),
            Slide(title: "How wrong was it?", lines: ["The error: square each vote's distance from the right answer, add, divide by \(votes.count).",
                                                       "Here it is <b>\(formatNumber(loss, .standard))</b>."],
                  notes: "The right answers are 1 for X and 0 for O. Learning means changing the weights so this error shrinks.",
                  question: "5a (level 2): the error."),
            learningSlide(labels: labels, votes: votes),
        ]
    }
}
