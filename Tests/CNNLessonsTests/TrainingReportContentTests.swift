import CNNCore
import CNNFigures
@testable import CNNTraining
import Foundation
import TestSupport
import Testing

/// What the training report shows, checked against the engine.
@Suite struct TrainingReportContentTests {
    /// A short run that leaves some held-out images wrong.
    static func outcome() throws -> TrainingOutcome {
        let model = Fixtures.lessons.appendingPathComponent("models/xo-train.json").path
        var options = TrainingDefaults.options
        options.epochs = 1
        options.seed = 2
        let request = TrainRequest(model: model, options: options, trainCount: 48, heldOutCount: 120, variantCount: 12)
        return try request.prepare().train(options: options)
    }

    /// Each mistake's votes are the trained network's outputs for that image, as the traced
    /// forward pass logs them, and its answer is the largest vote; the page prints those votes.
    @Test func mistakesCarryTheVotesOfAForwardPass() throws {
        let outcome = try Self.outcome()
        let mistakes = TrainingReport.mistakes(outcome)
        let e = try #require(outcome.heldOut)
        #expect(mistakes.count == min(30, e.count - e.correct))
        #expect(!mistakes.isEmpty, "one epoch on 48 images leaves mistakes")
        let last = try #require(outcome.network.model.layers.last?.name)
        for m in mistakes {
            let image = outcome.setup.heldOut[m.index]
            #expect(m.label == image.label && m.predicted != m.label)
            let traced = try #require(outcome.network.trace(input: image.image, target: nil).record(last, .output))
            #expect(m.votes == traced.data)
            #expect(m.votes.indices.max { m.votes[$0] < m.votes[$1] } == m.predicted)
        }
        let doc = TrainingReport.document(outcome, handMade: nil, seconds: nil)
        let markup = Self.texts(doc)
        for m in mistakes {
            for (k, v) in m.votes.enumerated() {
                let name = outcome.network.model.classNames[k]
                #expect(markup.contains("\(name) \(formatNumber(v, .rounded(2)))"), "mistake #\(m.index + 1)'s vote for \(name)")
            }
        }
    }

    @Test func accuracyAxisFitsTheCurvesAndSaysWhereItStarts() throws {
        #expect(TrainingReport.accuracyAxis([91.3, 97, 99.5]) == 85...100)
        #expect(TrainingReport.accuracyAxis([1.5, 50]) == 0...100)
        #expect(TrainingReport.accuracyAxis([]) == 0...100)
        let outcome = try Self.outcome()
        let doc = TrainingReport.document(outcome, handMade: nil, seconds: nil)
        let lowest = outcome.history.flatMap { [100 * $0.accuracy] + ($0.heldOut.map { [100 * $0.accuracy] } ?? []) }.min() ?? 0
        func plots(_ f: Figure) -> [LinePlotFigure] {
            switch f {
            case .linePlot(let p): return [p]
            case .row(let fs, _), .column(let fs, _): return fs.flatMap(plots)
            default: return []
            }
        }
        let found = doc.blocks.flatMap { block -> [LinePlotFigure] in
            if case .figure(let f, _) = block { return plots(f).filter { $0.title == "accuracy per epoch" } } else { return [] }
        }
        let plot = try #require(found.first)
        let range = try #require(plot.yRange)
        #expect(range.lowerBound <= lowest - 2 && range.lowerBound > lowest - 7 && range.upperBound == 100)
        if range.lowerBound > 0 { #expect(plot.yLabel.contains("axis from \(formatNumber(range.lowerBound, .rounded(0)))%")) }
    }

    @Test func ordinalsTakeEnglishSuffixes() {
        let written = [1, 2, 3, 4, 10, 11, 12, 13, 14, 21, 22, 23, 100, 101, 102, 111, 112, 113, 1001].map(ordinal)
        #expect(written == ["1st", "2nd", "3rd", "4th", "10th", "11th", "12th", "13th", "14th", "21st", "22nd", "23rd",
                            "100th", "101st", "102nd", "111th", "112th", "113th", "1001st"])
    }

    /// The worked update names its weight in words, counted from 1, with the array index in
    /// brackets, and its caption's formula is the one the lines work out (with v).
    @Test func firstUpdateNamesItsWeightInWords() throws {
        let outcome = try Self.outcome()
        let u = try #require(outcome.firstUpdate)
        let doc = TrainingReport.document(outcome, handMade: nil, seconds: nil)
        let text = Self.texts(doc)
        let i = u.index
        #expect(text.contains("feature \(i[0] + 1), row \(i[2] + 1), column \(i[3] + 1) (\(u.parameter)[\(i.map(String.init).joined(separator: ","))])"))
        #expect(text.contains("w′ = w − lr·v for one weight at the start of training"))
        #expect(!text.contains("w − lr·g = w′"))
        #expect(!text.contains("|value|"))
        let nudging = outcome.nudgeComparison
        if nudging.isSample { #expect(text.contains("every \(ordinal(nudging.sampleStride)),")) }
        #expect(!text.contains("2th") && !text.contains("1th") && !text.contains("3th"))
    }

    /// Sections follow one another; only the title page stands alone.
    @Test func sectionsFlowWithoutForcedPageBreaks() throws {
        let doc = TrainingReport.document(try Self.outcome(), handMade: nil, seconds: nil)
        let forced = doc.blocks.filter { if case .heading(_, _, true) = $0 { return true } else { return false } }
        let pageBreaks = doc.blocks.filter { if case .pageBreak = $0 { return true } else { return false } }
        #expect(forced.isEmpty && pageBreaks.isEmpty)
    }

    /// Every text in the document: paragraphs, captions and the text blocks inside figures.
    static func texts(_ doc: ReportDocument) -> String {
        func inner(_ f: Figure) -> [String] {
            switch f {
            case .text(let t): return [t.markup]
            case .row(let fs, _), .column(let fs, _): return fs.flatMap(inner)
            default: return []
            }
        }
        return doc.blocks.flatMap { block -> [String] in
            switch block {
            case .paragraph(let p): return [p]
            case .figure(let f, let caption): return inner(f) + [caption ?? ""]
            default: return []
            }
        }.joined(separator: "\n")
    }
}
