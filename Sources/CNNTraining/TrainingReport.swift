import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import Foundation

/// The training report: a PDF of what `cnn-explain train` did, built only from the run's record.
///
/// Sections: loss and accuracy per epoch; the learned features beside the article's hand-made
/// ones; the held-out confusion matrix; the held-out images it got wrong; the first weight update
/// written out (`w′ = w − lr·v`); the article's nudging against backprop; and the work and time it
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

    /// 1. The network trained, then its curves.
    static func addCurves(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        // Sections follow one another on the page; a new page only when the next one does not fit.
        doc.addSection("1. Loss and accuracy", newPage: false)
        for paragraph in modelParagraphs(outcome.network.model) { doc.addParagraph(paragraph) }
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
            let last = h[h.count - 1]
            let axis = accuracyAxis(accuracy.flatMap(\.y))
            let from = formatNumber(axis.lowerBound, .rounded(0))
            let plots: [Figure] = [
                .linePlot(LinePlotFigure(series: loss, title: "loss per epoch", yLabel: "loss", width: 235, height: 200)),
                .linePlot(LinePlotFigure(series: accuracy, title: "accuracy per epoch",
                                         yLabel: axis.lowerBound > 0 ? "% correct (axis from \(from)%)" : "% correct",
                                         yRange: axis, width: 235, height: 200)),
            ]
            doc.addFigure(.row(plots, spacing: 14),
                          caption: "Loss (\(lossName(outcome.network))): training \(formatNumber(last.loss, .rounded(4)))"
                            + (last.heldOut.map { ", held out \(formatNumber($0.loss, .rounded(4)))" } ?? "") + " after the last epoch. "
                            + "Accuracy: training \(pct(last.accuracy))" + (last.heldOut.map { ", held out \(pct($0.accuracy))" } ?? "") + "."
                            + (axis.lowerBound > 0 ? " The accuracy axis starts at \(from)%, not at 0, so the changes between epochs show." : ""))
        }
    }

    /// The accuracy axis, in percent: from a multiple of 5 at least 2 points below the lowest
    /// value (never below 0) up to 100, so the curves fill the plot instead of hugging its top.
    static func accuracyAxis(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min() else { return 0...100 }
        let from = max(0, ((low - 2) / 5).rounded(.down) * 5)
        return from...100
    }

    /// What the trained network is, and how it differs from the article's: its features, its
    /// votes' bias and its loss, with why training from random weights is set up that way.
    static func modelParagraphs(_ model: ModelSpec) -> [String] {
        let convs = model.layers.compactMap { l -> ConvSpec? in if case .conv(let c) = l.kind { return c } else { return nil } }
        let pools = model.layers.filter { if case .maxpool = $0.kind { return true } else { return false } }.count
        let features = convs.first.map { "\($0.filters) features of \($0.kernelH)×\($0.kernelW)" } ?? "no convolution features"
        let isArticle = convs.count == 1 && convs.first?.filters == 3 && pools == 2 && model.loss == .mse
        var text = ["The network trained here has \(features), \(pools) pooling step\(pools == 1 ? "" : "s") and "
                    + "\(model.loss == .mse ? "mean squared error" : "cross-entropy") as its loss."]
        if isArticle {
            text[0] += " That is the article's own network: its three features and its votes are learned here from random starting values."
            return text
        }
        text[0] += " The article's network (lessons/models/xo.json) has 3 hand-made 3×3 features, two pooling steps, no bias "
            + "on its votes, and mean squared error: the mean of the squared differences between the votes and the right answer (1 for the right "
            + "class, 0 for the other)."
        if convs.first.map({ $0.filters > 3 }) ?? false {
            text.append("Why more features: the article's three were drawn by hand to match the X and O. Training starts from "
                        + "random features instead, and some of them end up matching little; with more of them, more end up useful.")
        }
        if model.loss == .crossEntropy {
            text.append("Why cross-entropy: it turns the votes into probabilities with softmax, p<sub>k</sub> = exp(v<sub>k</sub>) / Σ<sub>j</sub> exp(v<sub>j</sub>), where exp(v) is e = 2.718… to the power v, and "
                        + "scores −log p of the right class. Its gradient for vote k is p<sub>k</sub> minus the right answer (1 or 0), so "
                        + "an image the network gets confidently wrong pushes hard on the weights, and one it already gets right "
                        + "with confidence pushes hardly at all.")
        }
        return text
    }

    /// 2. Features
    static func addFeatures(_ doc: inout ReportDocument, _ outcome: TrainingOutcome, handMade: [NamedGrid]?) {
        doc.addSection("2. The learned features", newPage: false)
        if let learned = learnedFeatures(outcome.network) {
            // Four features to a row keeps the cells big enough for their numbers on the page.
            var rows: [FilterRow] = []
            if let handMade { rows.append(FilterRow(label: "article", features: handMade)) }
            for start in stride(from: 0, to: learned.count, by: 4) {
                rows.append(FilterRow(label: start == 0 ? "learned" : "", features: Array(learned[start..<min(start + 4, learned.count)])))
            }
            doc.addParagraph("Above, the article's hand-made features; below, the \(learned.count) this run learned from random "
                             + "starting values. Each learned feature is drawn with its own gray scale (the weight largest "
                             + "in size is white or black) and its numbers. Learned features need not look like the article's: they only need to "
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
        doc.addSection("3. Confusion matrix", newPage: false)
        if let e = outcome.heldOut {
            doc.addParagraph("Rows: the right answer; columns: the network's answer, on the \(e.count) held-out images. "
                             + "The diagonal counts the images it got right: \(e.correct) of \(e.count).")
            doc.addFigure(confusionTable(e, classes: classes), caption: "Held-out confusion matrix.")
            if !outcome.variants.isEmpty { addVariants(&doc, outcome) }
        } else {
            doc.addParagraph("There were no held-out images.")
        }
    }

    /// The images never seen, one kind of change per row: accuracy and the first examples with
    /// the network's answers.
    static func addVariants(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let classes = outcome.network.model.classNames
        var rows: [Figure] = []
        for (variant, ev) in outcome.variants {
            let images = outcome.setup.variants.first { $0.name == variant }?.images ?? []
            let label = "<b>\(TextBlock.escape(variant))</b>\n\(pct(ev.accuracy))\n(\(ev.correct) of \(ev.count))"
            let examples: [Figure] = images.prefix(6).enumerated().map { i, ex in
                // `evaluate` keeps one prediction per image, in order.
                let said = i < ev.predictions.count ? ev.predictions[i] : ex.label
                let mark = said == ex.label ? "" : " ✗"
                return .image(ImageFigure(grid: Grid(ex.image.rows()), title: "\(name(ex.label, classes)) → \(name(said, classes))\(mark)", cellSize: 5))
            }
            rows.append(.row([.text(TextBlock(markup: label, width: 80, fontSize: 9))] + examples, spacing: 10))
        }
        doc.addParagraph("Generated images that differ from the training mixture in one way each, pushed further than training "
                         + "usually goes. Each row gives the accuracy on all of them and the first six, titled "
                         + "right answer → the network's answer (✗ when wrong).")
        doc.addFigure(.column(rows, spacing: 8), caption: "Accuracy on images that are shifted, shrunk, rotated, thick or deformed.")
    }

    /// A held-out image the network got wrong, with its votes: the network's outputs for it.
    public struct Mistake: Sendable, Equatable {
        /// 0-based index in the held-out set.
        public var index: Int
        public var label: Int
        public var predicted: Int
        /// One vote per class, from the engine's forward pass (`Network.predict`).
        public var votes: [Double]
    }

    /// The held-out images the trained network got wrong (at most `limit`), with their votes.
    public static func mistakes(_ outcome: TrainingOutcome, limit: Int = 30) -> [Mistake] {
        guard let e = outcome.heldOut else { return [] }
        let held = outcome.setup.heldOut
        return held.indices.filter { e.predictions[$0] != held[$0].label }.prefix(limit).map { i in
            Mistake(index: i, label: held[i].label, predicted: e.predictions[i], votes: outcome.network.predict(held[i].image))
        }
    }

    /// 4. Mistakes
    static func addMistakes(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let classes = outcome.network.model.classNames
        doc.addSection("4. Held-out images it got wrong", newPage: false)
        guard let e = outcome.heldOut else { return }
        let wrong = outcome.setup.heldOut.indices.filter { e.predictions[$0] != outcome.setup.heldOut[$0].label }.count
        let shown = mistakes(outcome)
        if shown.isEmpty {
            doc.addParagraph("None: every held-out image was classified correctly.")
            return
        }
        doc.addParagraph("\(wrong) of \(e.count) held-out images were misclassified"
                         + (shown.count < wrong ? "; the first \(shown.count) are shown." : ".")
                         + " Under each image are its votes: the network's output for each class, from a forward pass of the "
                         + "trained network. The largest vote is the answer"
                         + (outcome.network.model.loss == .crossEntropy ? " (softmax turns the votes into probabilities; it keeps their order)." : "."))
        var rows: [Figure] = []
        // Five to a row: the row fits the text column unscaled, so the votes stay at 9 pt.
        for start in stride(from: 0, to: shown.count, by: 5) {
            rows.append(.row(shown[start..<min(start + 5, shown.count)].map { m in
                let ex = outcome.setup.heldOut[m.index]
                let votes = m.votes.enumerated().map { k, v in
                    let text = "\(TextBlock.escape(name(k, classes))) \(formatNumber(v, .rounded(2)))"
                    return k == m.predicted ? "<b>\(text)</b>" : text
                }.joined(separator: "\n")
                return .column([
                    .image(ImageFigure(grid: Grid(ex.image.rows()), title: "#\(m.index + 1): \(name(m.label, classes)) → \(name(m.predicted, classes))",
                                       cellSize: 7)),
                    .text(TextBlock(markup: votes, width: 63, fontSize: 9)),
                ], spacing: 2)
            }, spacing: 14))
        }
        doc.addFigure(.column(rows, spacing: 12), caption: "Each image: its number in the held-out set, the right answer → what the "
                      + "network said, and its votes (the winning vote in bold).")
    }

    /// 5. One update
    static func addFirstUpdate(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let o = outcome.options
        doc.addSection("5. One weight update, worked out", newPage: false)
        if let u = outcome.firstUpdate {
            let f = { (x: Double) in formatNumber(x, .rounded(6)) }
            doc.addParagraph("The very first update of training, on the conv weight with the largest gradient in the first "
                             + "minibatch of \(min(o.batchSize, outcome.setup.train.count)) images: "
                             + "\(TextBlock.escape(weightWords(u.index, parameter: u.parameter, outcome.network))). "
                             + "Its value w is the one training starts from, drawn at random from the seed; the features in "
                             + "section 2 are the trained ones, so their numbers differ. Backprop gives its gradient g; "
                             + "the weight moves against it by the learning rate lr times the step v. With momentum, v adds up "
                             + "past gradients (v ← μ·v + g), but on the first step v = g.")
            let lines = [
                "<tt>  \(TextBlock.escape(weightWords(u.index, parameter: u.parameter, outcome.network)))</tt>",
                "<tt>  w            = \(f(u.weight))</tt>",
                "<tt>  g = ∂L/∂w    = \(f(u.gradient))</tt>",
                "<tt>  v            = \(f(u.velocity))</tt>",
                "<tt>  lr           = \(formatNumber(u.learningRate, .full))</tt>",
                "<tt>  w′ = w − lr·v = \(f(u.weight)) − \(formatNumber(u.learningRate, .full)) × (\(f(u.velocity))) = \(f(u.newWeight))</tt>",
            ]
            doc.addFigure(.text(TextBlock(markup: lines.joined(separator: "\n"), width: 440, fontSize: 10.5)),
                          caption: "w′ = w − lr·v for one weight at the start of training (v = g on the first step), with the numbers of this run.")
        } else {
            doc.addParagraph("No update was recorded (the article's nudging has no gradient to write out; run with --method backprop).")
        }
    }

    /// 6. Nudging
    static func addNudging(_ doc: inout ReportDocument, _ outcome: TrainingOutcome) {
        let c = outcome.nudgeComparison
        doc.addSection("6. The article's nudging beside backprop", newPage: false)
        doc.addParagraph("Slides 77–78 adjust each feature pixel and voting weight by trying it a little higher and a little "
                         + "lower (by \(formatNumber(c.delta, .full))) and keeping whichever lowers the error. Backprop moves each "
                         + "weight against its gradient. Compared weight by weight at the starting weights, on the first "
                         + "\(c.backpropForwardPasses) training images"
                         + (c.isSample ? " (a sample of \(c.entries.count) of the \(c.totalWeights) weights: every "
                            + "\(ordinal(c.sampleStride)), counting through the parameters in order from the first):" : ":"))
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
        doc.addSection("7. Work and time", newPage: false)
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

    /// A weight in words, counted from 1, with its array index in brackets: "feature 6, row 2,
    /// column 2 (conv1.weight[5,0,1,1])" for a conv weight [feature, channel, row, column].
    static func weightWords(_ index: [Int], parameter: String, _ network: Network) -> String {
        let code = "\(parameter)[" + index.map(String.init).joined(separator: ",") + "]"
        guard index.count == 4 else { return code }
        let channels = network.parameter(parameter)?.shape.dropFirst().first ?? 1
        let channel = channels > 1 ? ", input channel \(index[1] + 1)" : ""
        return "feature \(index[0] + 1)\(channel), row \(index[2] + 1), column \(index[3] + 1) (\(code))"
    }

    static func name(_ k: Int, _ classes: [String]) -> String { k < classes.count ? classes[k] : String(k) }

}
