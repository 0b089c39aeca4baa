import CNNCore
import CNNFigures
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// The backprop lesson shows what its text says: the ReLU cell it names is one whose gradient is
/// really stopped, the weight the text steps is in the update table with the same digits, and the
/// step of 0.5 really overshoots. Every expected number is read from the engine's traces.
@Suite struct BackpropLessonTests {
    static func run() throws -> LessonRun {
        try LessonRunner.run(try Lesson.load(Fixtures.lessons.appendingPathComponent("backprop.yaml").path))
    }

    static func section(_ run: LessonRun, _ id: String) throws -> LessonSection {
        try #require(run.sections.first { $0.id == id }, "the lesson has a step '\(id)'")
    }

    /// The blocked cell the caption names: its forward input < 0, its incoming gradient ≠ 0, the
    /// gradient passed on 0, each as the trace has it; and the cells outlined are exactly the
    /// channel's blocked cells in the trace.
    @Test func reluStepNamesACellWhoseGradientIsStopped() throws {
        let run = try Self.run()
        let relu = try Self.section(run, "relu")
        let passed = try #require(relu.figures.first { $0.name.hasSuffix("-passed") })
        let trace = try #require(run.traces["X_untrained"])
        let x = try #require(trace.record("relu1", .input)), gy = try #require(trace.record("relu1", .gradOutput))
        let gx = try #require(trace.record("relu1", .gradInput))
        let (h, w) = (x.shape[1], x.shape[2])
        // "The gradient ReLU passes back, … (relu1.grad_input[C]). … At row R, column Q the input was …"
        let named = try #require(passed.caption.range(of: "relu1.grad_input["), "the caption names the channel: \(passed.caption)")
        let c = try #require(Int(passed.caption[named.upperBound...].prefix { $0.isNumber }), "the caption names the channel")
        guard let at = passed.caption.range(of: "At row ") else { Issue.record("the caption names a cell: \(passed.caption)"); return }
        let cell = passed.caption[at.upperBound...].split { !"0123456789".contains($0) }.prefix(2).compactMap { Int($0) }
        let i = (c * h + cell[0] - 1) * w + cell[1] - 1
        #expect(x.data[i] < 0, "the forward input was negative: \(x.data[i])")
        #expect(gy.data[i] != 0, "a gradient arrived: \(gy.data[i])")
        #expect(gx.data[i] == 0, "ReLU passed on 0")
        // The lesson's one rule, 4 decimals (the cover says so), in the caption and on the maps.
        #expect(passed.caption.contains("the input was \(formatNumber(x.data[i], .rounded(4))),"))
        #expect(passed.caption.contains("the gradient arriving is \(formatNumber(gy.data[i], .rounded(4))),"))
        let blocked = (0..<(h * w)).filter { x.data[c * h * w + $0] < 0 && gy.data[c * h * w + $0] != 0 }
            .map { Cell(row: $0 / w, col: $0 % w) }
        guard case .featureMap(let map) = passed.figure else { Issue.record("the passed-on gradient is one map"); return }
        #expect(map.highlighted == Set(blocked))
        #expect(blocked.count > 0)
        // The text's count is the trace's count over every channel.
        let all = x.data.indices.filter { x.data[$0] < 0 && gy.data[$0] != 0 }.count
        #expect(relu.paragraphs.joined().contains("\(all) had a negative input"))
    }

    /// Every ReLU map is written as the cover says (4 decimals) and carries row and column numbers.
    @Test func reluMapsFollowTheCoverRule() throws {
        let run = try Self.run()
        #expect(run.lesson.numbers == .rounded(4))
        let maps = try Self.section(run, "relu").figures.compactMap { f -> FeatureMapFigure? in
            if case .featureMap(let m) = f.figure { return m } else { return nil }
        }
        #expect(maps.count == 3)
        for m in maps { #expect(m.numberStyle == .rounded(4) && m.labelled, "\(m.title ?? "")") }
    }

    /// Positions are rows and columns counted from 1 in the prose and the terms table, with the
    /// code's 0-based index in brackets; the maps beside the terms carry row and column numbers.
    @Test func termsCountRowsAndColumnsFromOne() throws {
        let run = try Self.run()
        let features = try Self.section(run, "features")
        let text = features.paragraphs.joined(separator: " ")
        let gy = try #require(run.traces["X"]?.record("conv1", .gradOutput))
        let (h, w) = (gy.shape[1], gy.shape[2])
        let carried = (0..<(h * w)).filter { gy.data[$0] != 0 }.map { ($0 / w, $0 % w) }
        #expect(carried.count == 2)
        for (i, j) in carried { #expect(text.contains("row \(i + 1), column \(j + 1)"), "the prose names row \(i + 1), column \(j + 1)") }
        #expect(!text.contains("(0, 4)"))
        let table = try #require(features.figures.first { $0.name.contains("weight-terms") && !$0.name.hasSuffix("-maps") })
        guard case .text(let block) = table.figure else { Issue.record("the terms are a text table"); return }
        for (i, j) in carried { #expect(block.markup.contains("row \(i + 1), column \(j + 1) [\(i),\(j)]"), "a term row for [\(i),\(j)]") }
        let maps = try #require(features.figures.first { $0.name.hasSuffix("-maps") })
        guard case .row(let parts, _) = maps.figure, parts.count == 2, case .image(let image) = parts[0], case .featureMap(let map) = parts[1] else {
            Issue.record("the maps are the image beside the gradient map"); return
        }
        #expect(image.labelled && map.labelled)
        #expect(image.title == "the input: pixels met" && (map.title ?? "").hasPrefix("∂L/∂output"))
    }

    /// The dense table names each input "value k" (from 1, as the xo lesson's vote figures do)
    /// with its array index in brackets.
    @Test func denseRowsAreValuesCountedFromOne() throws {
        let run = try Self.run()
        let figure = try #require(try Self.section(run, "dense").figures.first { $0.name.contains("dense-gradient") })
        guard case .text(let block) = figure.figure else { Issue.record("the dense table is text"); return }
        let x = try #require(run.traces["X"]?.record("out", .input))
        for k in 0..<x.data.count {
            let index = "[" + multiIndex(k, shape: x.shape).map(String.init).joined(separator: ",") + "]"
            #expect(block.markup.contains("value \(k + 1) \(index)"), "row value \(k + 1) \(index)")
        }
    }

    /// Each weight the text works through is a row of the update table with the text's digits.
    @Test func updateTableShowsTheWeightsTheTextSteps() throws {
        let run = try Self.run()
        let update = try Self.section(run, "update")
        let table = try #require(update.figures.first { $0.name.contains("update") })
        guard case .column(let parts, _) = table.figure, case .text(let block)? = parts.first else {
            Issue.record("the update figure starts with its table"); return
        }
        let text = update.paragraphs.joined(separator: " ")
        let before = try #require(run.traces["X"])
        let net = run.network
        let lesson = run.lesson
        let builder = StepBuilder(lesson: lesson, network: net, traces: run.traces, networks: ["X": net], reference: nil, experiment: nil)
        let after = try builder.steppedTrace("X", lr: 0.1, try #require(lesson.steps.first))
        for (layer, index, offset) in [("out", "[1,1]", 1 * 12 + 1), ("conv1", "[0,0,0,0]", 0)] {
            let w = try #require(before.record(layer, .weight)).data[offset]
            let g = try #require(before.record(layer, .gradWeight)).data[offset]
            let new = try #require(after.record(layer, .weight)).data[offset]
            let row = try #require(block.markup.split(separator: "\n").first { $0.contains("\(layer).weight\(index)") },
                                   "the table has a row for \(layer).weight\(index)")
            for v in [w, g, new] { #expect(row.contains(formatNumber(v, .rounded(4))), "\(row) shows \(formatNumber(v, .rounded(4)))") }
            #expect(text.contains("= \(formatNumber(new, .rounded(4)))"), "the text gives w′ = \(formatNumber(new, .rounded(4)))")
        }
    }

    /// The engine's step of 0.5 ends with a higher loss than before; 0.1 with a lower one; and the
    /// figure draws those very losses.
    @Test func aStepOfHalfOvershoots() throws {
        let run = try Self.run()
        let lesson = run.lesson
        let builder = StepBuilder(lesson: lesson, network: run.network, traces: run.traces, networks: ["X": run.network], reference: nil, experiment: nil)
        let step = try #require(lesson.steps.first)
        let start = try #require(run.traces["X"]?.loss)
        let small = try builder.steppedLoss("X", lr: 0.1, step), large = try builder.steppedLoss("X", lr: 0.5, step)
        #expect(small < start)
        #expect(large > start, "lr 0.5: \(large) against \(start) before the step")
        let figure = try #require(try Self.section(run, "update").figures.first { $0.name.contains("step-sizes") })
        guard case .linePlot(let plot) = figure.figure else { Issue.record("the step sizes are a line plot"); return }
        #expect(plot.series.first { $0.name == "lr = 0.5" }?.y == [large])
        #expect(plot.series.first { $0.name == "lr = 0.1" }?.y == [small])
        // The marked steps are points with their losses written beside them, as the caption gives them.
        for (name, loss) in [("lr = 0.1", small), ("lr = 0.5", large)] {
            let label = try #require(plot.series.first { $0.name == name }?.pointLabel)
            #expect(label == formatNumber(loss, .rounded(4)) && figure.caption.contains("\(name) gives \(label)"))
        }
        #expect(plot.title == plot.title?.lowercased(), "figure titles are lowercase")
        let curve = try #require(plot.series.first)
        // The curve has a bottom between the two steps: it falls, then rises past the start.
        let bottom = try #require(curve.y.indices.min { curve.y[$0] < curve.y[$1] })
        #expect(curve.x?[bottom] ?? 0 > 0.1 && curve.x?[bottom] ?? 1 < 0.5)
    }

    /// A lesson file that asks for something the runner cannot show gets one line naming the field.
    @Test(arguments: [
        ("init: zeros", "- update: {input: X, lr: 0.1}", "inputs.X.init can only be 'random'"),
        ("target: X", "- update: {input: X, lr: 0.1, weights: [\"out.weight[9,9]\"]}", "'out.weight[9,9]': the index is outside the shape [2, 12]"),
        ("target: X", "- update: {input: X, lr: 0.1, weights: [\"pool1.weight[0]\"]}", "the trace has no weight or bias 'pool1.weight'"),
        ("target: X", "- step_sizes: {input: X, lr: [0.1, 0.5], up_to: 0.3}", "step_sizes.up_to must be at least every lr"),
        ("target: X", "- step_sizes: {input: X, lr: [-1], up_to: 0.3}", "step_sizes.lr must be a positive number"),
    ])
    func badBackwardSettingsAreNamed(input: String, show: String, message: String) throws {
        let folder = try Fixtures.temporaryFolder("backprop-bad")
        let models = Fixtures.lessons.appendingPathComponent("models").path
        let yaml = """
            title: "Bad on purpose"
            model: \(models)/xo.json
            weights: \(models)/xo.weights.json
            inputs:
              X: {file: \(Fixtures.lessons.path)/inputs/x.txt, \(input)}
            steps:
              - heading: "A step"
                text: "Text."
                show:
                  \(show)

            """
        let file = folder.appendingPathComponent("bad.yaml")
        try Data(yaml.utf8).write(to: file)
        do {
            _ = try LessonRunner.run(try Lesson.load(file.path))
            Issue.record("the lesson ran")
        } catch let error as LessonError {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.line != nil, "the error names a line: \(error.description)")
            #expect(!error.description.contains("\n"), "one line")
        }
    }
}
