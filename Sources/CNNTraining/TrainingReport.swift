import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import Foundation

/// The training report: a PDF of what `cnn-explain train` did, built only from the run's record.
///
/// Sections: loss and accuracy per epoch; the learned features beside the article's hand-made
/// ones; the held-out confusion matrix; the held-out images it got wrong; the first weight update
/// written out (`w − lr·g = w′`); the article's nudging against backprop; and the work and time it
/// took. Everything but the wall-clock time follows from the seed, so with `seconds: nil` the same
/// run gives the same bytes.
public enum TrainingReport {
    /// The report as a document.
    /// - Parameters:
    ///   - outcome: the finished run.
    ///   - handMade: the article's features, drawn above the learned ones (`handMadeFeatures()`).
    ///   - seconds: the wall-clock training time to print, or `nil` to leave it out (reproducible bytes).
    ///   - command: the command line, for the title page.
    public static func document(_ outcome: TrainingOutcome, handMade: [NamedGrid]?, seconds: Double?, command: String? = nil) -> ReportDocument {
        var doc = ReportDocument(title: "Training report", author: "cnn-explain")
        addTitle(&doc, outcome, command: command)
        addCurves(&doc, outcome)
        addFeatures(&doc, outcome, handMade: handMade)
        addConfusion(&doc, outcome)
        addMistakes(&doc, outcome)
        addFirstUpdate(&doc, outcome)
        addNudging(&doc, outcome)
        addWork(&doc, outcome, seconds: seconds)
        return doc
    }

    static func pct(_ x: Double) -> String { formatNumber(100 * x, .rounded(1)) + "%" }

    /// The title page: the run's settings, data and held-out accuracy.
    static func addTitle(_ doc: inout ReportDocument, _ outcome: TrainingOutcome, command: String?) {
        let o = outcome.options
        var lines = ["\(o.method.rawValue), \(o.epochs) epochs, learning rate \(formatNumber(o.learningRate, .full)), "
                     + "batch \(o.batchSize), momentum \(formatNumber(o.momentum, .full)), seed \(o.seed)",
                     "\(outcome.setup.train.count) training images, \(outcome.setup.heldOut.count) held out"]
        if let h = outcome.heldOut { lines.append("held-out accuracy \(pct(h.accuracy)) (\(h.correct) of \(h.count))") }
        if let command { lines.append(command) }
        doc.addTitlePage(subtitle: "Learning features and votes for X and O: " + layersText(outcome.network), lines: lines)
    }

    /// 1. Curves
    static func addCurves(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        doc.addSection("1. Loss and accuracy")
        let h = outcome.history
        let epochs = h.map { Double($0.epoch) }
        var loss = [Series(name: "training", x: epochs, y: h.map(\.loss))]
        var accuracy = [Series(name: "training", x: epochs, y: h.map { 100 * $0.accuracy })]
        if h.allSatisfy({ $0.heldOut != nil }) && !h.isEmpty {
            loss.append(Series(name: "held out", x: epochs, y: h.compactMap { $0.heldOut?.loss }))
            accuracy.append(Series(name: "held out", x: epochs, y: h.compactMap { $0.heldOut.map { 100 * $0.accuracy } }))
        }
        doc.addParagraph("The training numbers of an epoch are the mean over its minibatches, each measured just before its "
                         + "update; the held-out numbers are measured after the epoch, on images the network never trains on.")
        if h.isEmpty {
            doc.addParagraph("No epochs were run.")
        } else {
            doc.addFigure(.linePlot(LinePlotFigure(series: loss, title: "loss per epoch", yLabel: "loss", height: 210)),
                          caption: "Loss (\(lossName(outcome.network))): training \(formatNumber(h[h.count - 1].loss, .rounded(4)))"
                            + (h[h.count - 1].heldOut.map { ", held out \(formatNumber($0.loss, .rounded(4)))" } ?? "") + " after the last epoch.")
            doc.addFigure(.linePlot(LinePlotFigure(series: accuracy, title: "accuracy per epoch", yLabel: "% correct", height: 210)),
                          caption: "Accuracy: training \(pct(h[h.count - 1].accuracy))"
                            + (h[h.count - 1].heldOut.map { ", held out \(pct($0.accuracy))" } ?? "") + " after the last epoch.")
        }
    }

    /// 2. Features
    static func addFeatures(_ doc: inout ReportDocument, _ outcome: TrainingOutcome, handMade: [NamedGrid]?) {
        doc.addSection("2. The learned features")
        if let learned = learnedFeatures(outcome.network) {
            // Four features to a row keeps the cells big enough for their numbers on the page.
            var rows: [FilterRow] = []
            if let handMade { rows.append(FilterRow(label: "article", features: handMade)) }
            for start in stride(from: 0, to: learned.count, by: 4) {
                rows.append(FilterRow(label: start == 0 ? "learned" : "", features: Array(learned[start..<min(start + 4, learned.count)])))
            }
            doc.addParagraph("Above, the article's hand-made features; below, the \(learned.count) this run learned from random "
                             + "starting values. Each learned feature is drawn with its own gray scale (its largest |value| is white "
                             + "or black) and its numbers. Learned features need not look like the article's: they only need to "
                             + "tell X from O.")
            doc.addFigure(.filterBank(FilterBankFigure(rows: rows, cellSize: 28)),
                          caption: handMade == nil ? "The learned features." : "The article's hand-made features above the learned ones.")
        } else {
            doc.addParagraph("The model has no convolution layer, so there are no features to show.")
        }
    }

    /// 3. Confusion matrix
    static func addConfusion(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let classes = outcome.network.model.classNames
        doc.addSection("3. Confusion matrix")
        if let e = outcome.heldOut {
            doc.addParagraph("Rows: the right answer; columns: the network's answer, on the \(e.count) held-out images. "
                             + "The diagonal counts the images it got right: \(e.correct) of \(e.count).")
            doc.addFigure(confusionTable(e, classes: classes), caption: "Held-out confusion matrix.")
            if !outcome.variants.isEmpty {
                var v = ["<tt>  images never seen      accuracy</tt>"]
                for (name, ev) in outcome.variants {
                    v.append("<tt>  \(TextBlock.escape(padRight(name, 20)))"
                             + "\(padLeft(pct(ev.accuracy), 10))  (\(ev.correct) of \(ev.count))</tt>")
                }
                doc.addFigure(.text(TextBlock(markup: v.joined(separator: "\n"), width: 420, fontSize: 10)),
                              caption: "Accuracy on generated images that are shifted, shrunk, rotated, thick or deformed.")
            }
        } else {
            doc.addParagraph("There were no held-out images.")
        }
    }

    /// 4. Mistakes
    static func addMistakes(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let classes = outcome.network.model.classNames
        doc.addSection("4. Held-out images it got wrong")
        if let e = outcome.heldOut {
            let wrong = outcome.setup.heldOut.indices.filter { e.predictions[$0] != outcome.setup.heldOut[$0].label }
            if wrong.isEmpty {
                doc.addParagraph("None: every held-out image was classified correctly.")
            } else {
                let shown = Array(wrong.prefix(30))
                doc.addParagraph("\(wrong.count) of \(e.count) held-out images were misclassified"
                                 + (shown.count < wrong.count ? "; the first \(shown.count) are shown." : "."))
                var rows: [Figure] = []
                for start in stride(from: 0, to: shown.count, by: 6) {
                    rows.append(.row(shown[start..<min(start + 6, shown.count)].map { i in
                        let ex = outcome.setup.heldOut[i]
                        return .image(ImageFigure(grid: Grid(ex.image.rows()), title: "#\(i + 1): \(name(ex.label, classes)) → \(name(e.predictions[i], classes))",
                                                  cellSize: 7))
                    }, spacing: 14))
                }
                doc.addFigure(.column(rows, spacing: 12), caption: "Each image: its number in the held-out set, the right answer → what the network said.")
            }
        }
    }

    /// 5. One update
    static func addFirstUpdate(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let o = outcome.options
        doc.addSection("5. One weight update, worked out")
        if let u = outcome.firstUpdate {
            let idx = "[" + u.index.map(String.init).joined(separator: ",") + "]"
            let f = { (x: Double) in formatNumber(x, .rounded(6)) }
            doc.addParagraph("The very first update of training, on the conv weight with the largest gradient in the first "
                             + "minibatch of \(min(o.batchSize, outcome.setup.train.count)) images. Backprop gives its gradient g; "
                             + "the weight moves against it by the learning rate lr times the step v. With momentum, v adds up "
                             + "past gradients (v ← μ·v + g), but on the first step v = g.")
            let lines = [
                "<tt>  \(TextBlock.escape(u.parameter))\(idx)</tt>",
                "<tt>  w            = \(f(u.weight))</tt>",
                "<tt>  g = ∂L/∂w    = \(f(u.gradient))</tt>",
                "<tt>  v            = \(f(u.velocity))</tt>",
                "<tt>  lr           = \(formatNumber(u.learningRate, .full))</tt>",
                "<tt>  w′ = w − lr·v = \(f(u.weight)) − \(formatNumber(u.learningRate, .full)) × (\(f(u.velocity))) = \(f(u.newWeight))</tt>",
            ]
            doc.addFigure(.text(TextBlock(markup: lines.joined(separator: "\n"), width: 440, fontSize: 10.5)),
                          caption: "w − lr·g = w′ for one weight, with the numbers of this run.")
        } else {
            doc.addParagraph("No update was recorded (the article's nudging has no gradient to write out; run with --method backprop).")
        }
    }

    /// 6. Nudging
    static func addNudging(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let c = outcome.nudgeComparison
        doc.addSection("6. The article's nudging beside backprop")
        doc.addParagraph("Slides 77–78 adjust each feature pixel and voting weight by trying it a little higher and a little "
                         + "lower (by \(formatNumber(c.delta, .full))) and keeping whichever lowers the error. Backprop moves each "
                         + "weight against its gradient. Compared weight by weight at the starting weights, on the first "
                         + "\(c.backpropForwardPasses) training images"
                         + (c.isSample ? " (a sample of \(c.entries.count) of the \(c.totalWeights) weights: every "
                            + "\(c.sampleStride)th, counting through the parameters in order from the first):" : ":"))
        let cmp = [
            "<tt>  weights compared                      \(padLeft(String(c.entries.count), 8))</tt>",
            "<tt>  both move it the same way             \(padLeft(String(c.agreeing), 8))</tt>",
            "<tt>  they move it opposite ways            \(padLeft(String(c.disagreeing), 8))</tt>",
            "<tt>  a nudge does not lower the error      \(padLeft(String(c.unmoved), 8))</tt>",
            "<tt>  forward passes, nudging every weight  \(padLeft(String(c.nudgeForwardPasses), 8))</tt>",
            "<tt>  forward passes, backprop              \(padLeft(String(c.backpropForwardPasses), 8))  (+ \(c.backpropForwardPasses) backward)</tt>",
        ]
        doc.addFigure(.text(TextBlock(markup: cmp.joined(separator: "\n"), width: 440, fontSize: 10.5)),
                      caption: "Directions agree for \(c.agreeing) of \(c.entries.count) weights; nudging needs "
                        + "\(c.nudgeForwardPasses / max(c.backpropForwardPasses, 1))× the forward passes to find them.")
    }

    /// 7. Work and time
    static func addWork(_ doc: inout ReportDocument, _ outcome: TrainingOutcome, seconds: Double?) {
        doc.addSection("7. Work and time")
        var work = [
            "<tt>  images run forward in training   \(padLeft(String(outcome.forwardPasses), 10))</tt>",
            "<tt>  images run backward              \(padLeft(String(outcome.backwardPasses), 10))</tt>",
        ]
        if let seconds {
            work.append("<tt>  wall-clock time                  \(padLeft(formatNumber(seconds, .rounded(2)) + " s", 10))</tt>")
            let rate = seconds > 0 ? Double(outcome.forwardPasses) / seconds : 0
            work.append("<tt>  images per second (forward)      \(padLeft(formatNumber(rate, .rounded(0)), 10))</tt>")
        }
        doc.addFigure(.text(TextBlock(markup: work.joined(separator: "\n"), width: 440, fontSize: 10.5)),
                      caption: seconds == nil ? "The wall-clock time is printed by the command, not kept here, so the same seed always gives the same file."
                        : "Training time includes the held-out evaluation after each epoch, not data generation.")
    }

    // MARK: Parts

    static func layersText(_ network: Network) -> String {
        ShapeText.figure(network.shapes[0]) + " → "
            + network.shapes.dropFirst().map { ShapeText.figure($0) }.joined(separator: " → ")
    }

    static func lossName(_ network: Network) -> String {
        network.model.loss == .mse ? "mean squared error" : "cross-entropy"
    }

    /// The features of the first conv layer, named `feature 1`, `feature 2`, … (or the article's names).
    static func learnedFeatures(_ network: Network) -> [NamedGrid]? {
        guard let conv = network.model.layers.first(where: { if case .conv = $0.kind { return true } else { return false } }),
              let w = network.parameter("\(conv.name).weight") else { return nil }
        return TraceFigures.features(weight: TraceRecord(pass: .forward, layer: conv.name, role: .weight, shape: w.shape, data: w.data))
    }

    static func confusionTable(_ e: Evaluation, classes: [String]) -> Figure {
        let names = e.confusion.indices.map { name($0, classes) }
        let w = max(8, (names.map(\.count).max() ?? 1) + 2)
        var lines = ["<tt>" + String(repeating: " ", count: w + 8) + "said</tt>"]
        lines.append("<tt>" + padRight("right", w + 2)
                     + names.map { padLeft(TextBlock.escape($0), w) }.joined() + padLeft("total", w) + "</tt>")
        for (t, row) in e.confusion.enumerated() {
            let cells = row.enumerated().map { p, n in p == t ? "<b>\(padLeft(String(n), w))</b>" : padLeft(String(n), w) }
            lines.append("<tt>  " + TextBlock.escape(padRight(names[t], w)) + cells.joined()
                         + padLeft(String(row.reduce(0, +)), w) + "</tt>")
        }
        return .text(TextBlock(markup: lines.joined(separator: "\n"), width: 360, fontSize: 11))
    }

    static func name(_ k: Int, _ classes: [String]) -> String { k < classes.count ? classes[k] : String(k) }

}
