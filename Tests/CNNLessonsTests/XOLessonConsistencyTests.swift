import CNNCore
import CNNFigures
import CNNFiles
import CNNHTML
import CNNRender
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

// The xo lesson says each thing once and the same way: numbers shown twice read the same, a
// claim points at a figure that shows it, colours mean the same number on pages that compare,
// positions read "row R, column C" with the code's index in brackets. Every number the checks
// compare with comes from the engine's trace or a forward pass of the engine.

private func xoRun() throws -> LessonRun {
    try LessonRunner.run(try Lesson.load(Fixtures.lessons.appendingPathComponent("xo.yaml").path))
}

private func section(_ run: LessonRun, _ id: String) throws -> LessonSection {
    try #require(run.sections.first { $0.id == id })
}

private func figure(_ run: LessonRun, _ step: String, _ name: String) throws -> LessonFigure {
    try #require(try section(run, step).figures.first { $0.name.contains(name) })
}

private func text(_ s: LessonSection) -> String { s.paragraphs.joined(separator: " ") }

/// Every part of a figure, through rows and columns.
private func parts(_ f: Figure) -> [Figure] {
    switch f {
    case .row(let p, _), .column(let p, _): return p.flatMap(parts)
    default: return [f]
    }
}

/// The number style of each part that prints numbers in grids or bars.
private func styles(_ f: Figure) -> [NumberStyle] {
    parts(f).compactMap { part in
        switch part {
        case .poolingGradient(let g): return g.numberStyle
        case .featureMap(let m): return m.showNumbers ? m.numberStyle : nil
        case .voteBars(let b): return b.numberStyle
        case .errorCurve(let e): return e.numberStyle
        default: return nil
        }
    }
}

/// The cells of channel `c` of a `[C, H, W]` record that are not 0.
private func nonzero(_ r: TraceRecord, _ c: Int) -> Set<Cell> {
    let h = r.shape[1], w = r.shape[2]
    return Set((0..<(h * w)).filter { r.data[c * h * w + $0] != 0 }.map { Cell(row: $0 / w, col: $0 % w) })
}

@Suite(.serialized) struct XOLessonConsistencyTests {
    /// The deeper network's second-convolution maps for the X and the O share one colour scale:
    /// the largest |value| over both traces, and the caption says so.
    @Test func theDeeperNetworksMapsShareOneColourScale() throws {
        let run = try xoRun()
        let records = ["X_deep", "O_deep"].compactMap { run.traces[$0]?.record("conv2", .output) }
        #expect(records.count == 2)
        let largest = records.flatMap(\.data).map(abs).max() ?? 0
        let shown = formatNumber(largest, run.lesson.numbers)
        for name in ["maps-x-deep-conv2", "maps-o-deep-conv2"] {
            let f = try figure(run, "stacking-conv", name)
            let layers = parts(f.figure).compactMap { if case .layer(let l) = $0 { return l } else { return nil } }
            #expect(!layers.isEmpty)
            #expect(layers.allSatisfy { $0.scale == largest }, "\(name): one scale, the largest |value| of both")
            #expect(f.caption.contains("One colour scale") && f.caption.contains(shown))
        }
    }

    /// The receptive field is one box around the block the engine's geometry gives, not a box per cell.
    @Test func theReceptiveFieldIsOneBox() throws {
        let run = try xoRun()
        guard case .image(let image) = try figure(run, "stacking-conv", "receptive-field").figure else { Issue.record("not an image"); return }
        let trace = try #require(run.traces["X_deep"])
        let network = try loadNetwork(model: Fixtures.lessons.appendingPathComponent("models/xo-deep.json").path,
                                      weights: Fixtures.lessons.appendingPathComponent("models/xo-deep.weights.json").path)
        let at = try #require(trace.model.layers.firstIndex { $0.name == "conv2" })
        let field = try #require(ReceptiveField(trace.model, shapes: network.shapes, layer: at, row: 1, col: 1))
        #expect(image.highlighted.isEmpty)
        #expect(image.region == CellRegion(rows: field.rows.lowerBound..<(field.rows.upperBound + 1), cols: field.cols.lowerBound..<(field.cols.upperBound + 1)))
        #expect(image.labelled)
        // Every drawer draws it: the terminal marks its cells, the HTML page draws one box.
        let html = FigureHTML.draw(.image(image)).rendered
        #expect(html.components(separatedBy: "class=\"hl\"").count == 2, "one box on the HTML page")
    }

    /// The convolution flip-book's key calls the box the patch, as the text does; pooling's the window.
    @Test func theFlipBookKeysNameTheBoxAsTheTextDoes() throws {
        let run = try xoRun()
        let books = run.sections.flatMap(\.figures).compactMap { if case .slidingWindow(let f) = $0.figure { return f } else { return nil } }
        #expect(books.count == 2)
        for book in books {
            #expect(book.key.contains(book.inputIsImage ? "the box is the patch" : "the box is the window"))
            #expect(FigureHTML.draw(.slidingWindow(book)).rendered.contains(book.key))
        }
        #expect(text(try section(run, "convolution")).contains("the box is the patch"))
    }

    /// "3@7×7" is explained where a pipeline first shows it, and captions write shapes in words.
    @Test func theShapeNotationIsExplained() throws {
        let run = try xoRun()
        let figures = run.sections.flatMap(\.figures)
        let first = try #require(figures.first { $0.name.contains("pipeline") })
        let shape = try #require(run.network.shapes.first { $0.count == 3 && $0[0] > 1 })
        #expect(first.caption.contains("\(ShapeText.figure(shape)): \(shape[0]) maps of \(shape[1])×\(shape[2])"))
        for f in figures where !f.name.contains("pipeline") {
            #expect(f.caption.range(of: #"\d@\d"#, options: .regularExpression) == nil, "'\(f.caption)' writes a shape as C@H×W")
        }
    }

    /// The slide vector's votes read in the text as the votes figure prints them; the 4-decimal
    /// values appear once, said to be unrounded.
    @Test func theSlideVotesReadTheSameInTextAndFigure() throws {
        let run = try xoRun()
        guard case .votes(let votes) = try figure(run, "votes", "votes-slide").figure else { Issue.record("not votes"); return }
        let y = try #require(votes.outputValues)
        let words = text(try section(run, "votes"))
        let shown = y.map { formatNumber($0, votes.numberStyle) }
        #expect(words.contains("gives \(shown[0]) and \(shown[1])"))
        #expect(words.contains("unrounded, \(formatNumber(y[0], .rounded(4))) and \(formatNumber(y[1], .rounded(4)))"))
    }

    /// The loss of the X image is worked in the text from the unrounded votes, and the working
    /// gives the traced loss.
    @Test func theLossIsWorkedFromTheUnroundedVote() throws {
        let run = try xoRun()
        let trace = try #require(run.traces["X"])
        let y = try #require(trace.record("out", .output)).data, loss = try #require(trace.loss)
        #expect(abs(((y[0] - 1) * (y[0] - 1) + y[1] * y[1]) / 2 - loss) < 1e-12)
        let words = text(try section(run, "errors"))
        let cut = formatNumber(y[1], .truncated(4)) + "…"
        #expect(words.contains("5/9 = \(cut), shown as \(formatNumber(y[1], run.lesson.numbers))"))
        #expect(abs(y[1] - 5.0 / 9.0) < 1e-12, "the text calls the vote 5/9")
        #expect(words.contains("(\(cut) − 0)²) ÷ 2 = \(formatNumber(loss, .rounded(4)))"))
    }

    /// From the first learning step on, every figure with numbers in grids or bars uses the
    /// cover's four decimals, rounded.
    @Test func theLearningStepsFiguresUseFourDecimals() throws {
        let run = try xoRun()
        let start = try #require(run.sections.firstIndex { $0.id == "learning" })
        let found = run.sections[start...].filter { $0.id != "glossary" }.flatMap(\.figures).flatMap { styles($0.figure) }
        #expect(found.count >= 5)
        #expect(found.allSatisfy { $0 == .rounded(4) }, "\(found)")
    }

    /// The cells back through the first pooling that receive a gradient are named in the text,
    /// by row and column, and the diagonal map's are the outlined cells of ∂L/∂output below.
    @Test func theCellsThatReceiveAGradientAreShown() throws {
        let run = try xoRun()
        let trace = try #require(run.traces["X"])
        let g = try #require(trace.record("pool1", .gradInput)), gy = try #require(trace.record("conv1", .gradOutput))
        let words = text(try section(run, "learning-back"))
        var count = 0
        for c in 0..<g.shape[0] {
            for cell in nonzero(g, c).sorted(by: { ($0.row, $0.col) < ($1.row, $1.col) }) {
                #expect(words.contains("row \(cell.row + 1), column \(cell.col + 1)"))
                count += 1
            }
        }
        #expect(count == g.data.filter { $0 != 0 }.count && count > 0)
        #expect(nonzero(gy, 0) == nonzero(g, 0), "ReLU passes every one of them")
        // The terms come as two figures: the table, then the image and the gradient map.
        let terms = try section(run, "learning-back").figures.filter { $0.name.contains("weight-terms") }
        let maps = terms.flatMap { parts($0.figure) }.compactMap { if case .featureMap(let m) = $0 { return m } else { return nil } }
        #expect(maps.first?.highlighted == nonzero(g, 0))
    }

    /// The term table names output cells "row R, column C [i,j]" and its two grids are numbered.
    @Test func theTermTableReadsRowsAndColumns() throws {
        let run = try xoRun()
        let trace = try #require(run.traces["X"])
        let gy = try #require(trace.record("conv1", .gradOutput))
        let terms = try section(run, "learning-back").figures.filter { $0.name.contains("weight-terms") }
        #expect(terms.count == 2, "the table, then the maps")
        let all = terms.flatMap { parts($0.figure) }
        let table = all.compactMap { if case .text(let t) = $0 { return t.markup } else { return nil } }.joined(separator: "\n")
        for cell in nonzero(gy, 0) {
            #expect(table.contains("row \(cell.row + 1), column \(cell.col + 1) [\(cell.row),\(cell.col)]"))
        }
        #expect(!table.contains("(0, 4)"))
        let labelled = all.compactMap { part -> Bool? in
            switch part {
            case .image(let i): return i.labelled
            case .featureMap(let m): return m.labelled
            default: return nil
            }
        }
        #expect(labelled == [true, true])
    }

    /// The O image's votes and loss after the step on the X image are the engine's: a forward
    /// pass of the network after one SGD step with the X image's gradients.
    @Test func theOImageAfterTheStepOnXIsAForwardPassOfTheEngine() throws {
        let run = try xoRun()
        let x = try #require(run.traces["X"]), o = try #require(run.traces["O"])
        var net = run.network
        guard case .success(let gradients) = x.parameterGradients(of: net) else { Issue.record("no gradients"); return }
        var sgd = SGD(learningRate: 0.1)
        sgd.step(&net, gradients: gradients)
        let image = try #require(o.records.first).tensor
        let after = net.trace(input: image, target: o.target)
        let f = try figure(run, "learning-step", "after-step-o-by-x")
        let bars = parts(f.figure).compactMap { if case .voteBars(let b) = $0 { return b } else { return nil } }
        #expect(bars.count == 2)
        #expect(bars.first?.values == o.record("out", .output)?.data)
        #expect(bars.last?.values == after.record("out", .output)?.data)
        let loss = try #require(after.loss), before = try #require(o.loss)
        #expect(f.caption.contains("\(formatNumber(before, .rounded(4))) → \(formatNumber(loss, .rounded(4)))"))
        #expect(loss > before, "the step on X hurts the O image, as the text says")
        #expect(text(try section(run, "learning-step")).contains("grows from \(formatNumber(before, .rounded(4))) to \(formatNumber(loss, .rounded(4)))"))
    }

    /// The votes key draws a sample of a negative weight when the figure has negative weights.
    @Test func theVotesKeyShowsANegativeWeight() throws {
        let run = try xoRun()
        let stack = try figure(run, "hidden-layer", "dense-stack-x-deep")
        let votes = parts(stack.figure).compactMap { if case .votes(let v) = $0 { return v } else { return nil } }
        #expect(!votes.isEmpty)
        for v in votes {
            let samples = v.keySamples()
            #expect(samples.count <= 6)
            if v.weights.joined().contains(where: { $0 < 0 }) { #expect(samples.contains { $0 < 0 }) }
            if v.weights.joined().contains(where: { $0 > 0 }) { #expect(samples.contains { $0 > 0 }) }
        }
    }

    /// Bar charts two to a row fit the page's text width as drawn, so they are not shrunk and
    /// read at the same size as the bar charts that stand alone (the learning step's).
    @Test func voteBarsTwoToARowKeepTheirSize() throws {
        let run = try xoRun()
        let width = ReportDocument(title: "").textWidth
        let rows = run.sections.flatMap(\.figures).filter { $0.name.contains("vote-bars") }
        #expect(rows.count >= 3)
        for f in rows { #expect(try size(of: f.figure).width <= width, "\(f.name) is wider than the page, so it is drawn smaller") }
    }
}
