import CNNCore
import CNNFigures
import CNNFiles
import CNNRender
import Foundation
import TestSupport
import Testing
@testable import CNNLessons
@testable import CNNTerminal

// The xo lesson's learning step (the error against one weight, the slides' U) and its stacking
// steps (the trained deeper network): every figure value is the engine's.

private func xoRun() throws -> LessonRun {
    try LessonRunner.run(try Lesson.load(Fixtures.lessons.appendingPathComponent("xo.yaml").path))
}

private func figure(_ run: LessonRun, _ step: String, _ name: String) throws -> Figure {
    let section = try #require(run.sections.first { $0.id == step })
    return try #require(section.figures.first { $0.name.contains(name) }).figure
}

@Suite struct XOLearningCurveTests {
    @Test func theUCurveIsTheEnginesLossesAndItsTangentIsTheTracedGradient() throws {
        let run = try xoRun()
        guard case .errorCurve(let f) = try figure(run, "learning", "error-curve") else { Issue.record("not an error curve"); return }
        let trace = try #require(run.traces["X"])
        let image = try #require(trace.records.first).tensor
        let weights = try #require(run.network.parameter("out.weight"))
        // Each point: the network with out.weight[1,1] set to that value, traced forward by the engine.
        #expect(f.weights.count == f.errors.count && f.weights.count > 2)
        guard let p = run.network.parameters.firstIndex(where: { $0.name == "out.weight" }) else { Issue.record("no out.weight"); return }
        let j = 1 * weights.shape[1] + 1
        for (w, e) in zip(f.weights, f.errors) {
            var net = run.network
            var data = weights.data
            data[j] = w
            net.setParameter(p, data: data)
            #expect(net.trace(input: image, target: trace.target).loss == e)
        }
        // The point now, and the tangent's slope: the trace's loss and gradient.
        #expect(f.weight == weights.data[j])
        #expect(f.error == trace.loss)
        #expect(f.gradient == trace.record("out", "grad_weight")?.data[j])
        // The slope from two nudges agrees with backprop's gradient.
        #expect(abs(f.nudgeSlope - f.gradient) < 1e-6)
        #expect(f.nudgeSlope == (f.errorUp - f.errorDown) / (f.weightUp - f.weightDown))
        // The U: the errors fall to a lowest point inside the range and rise after it.
        let low = try #require(f.lowest)
        #expect(low > 0 && low < f.errors.count - 1)
        #expect(f.errors[..<low].elementsEqual(f.errors[..<low].sorted(by: >)) && f.errors[low...].elementsEqual(f.errors[low...].sorted()))
    }

    @Test func everyDrawerDrawsTheCurve() throws {
        guard case .errorCurve(let f) = try figure(try xoRun(), "learning", "error-curve") else { Issue.record("not an error curve"); return }
        let lines = FigureText(palette: Palette(color: false), width: 80).panel(.errorCurve(f)).lines
        for (w, e) in zip(f.weights, f.errors) {
            #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(ErrorCurveFigure.short(w) + "  ")
                                     && $0.contains(formatNumber(e, f.numberStyle)) })
        }
        #expect(lines.contains { $0.contains("← now") && $0.contains(formatNumber(f.error, f.numberStyle)) })
        for note in f.notes { #expect(lines.joined(separator: " ").contains(note.split(separator: " ").prefix(4).joined(separator: " "))) }
        let png = try renderData(.errorCurve(f), format: .png)
        #expect(png.count > 1000)
    }
}

@Suite struct XODeepNetworkTests {
    @Test func theSecondConvolutionsFiguresAreTheTrace() throws {
        let run = try xoRun()
        for input in ["X_deep", "O_deep"] {
            let trace = try #require(run.traces[input])
            let out = try #require(trace.record("conv2", "output"))
            let maps = layerGrids(try figure(run, "stacking-conv", "maps-\(input.lowercased().replacingOccurrences(of: "_", with: "-"))"))
            let plane = out.shape[1] * out.shape[2]
            #expect(maps.map(\.values) == (0..<out.shape[0]).map { Array(out.data[($0 * plane)..<($0 * plane + plane)]) })
        }
        guard case .filterBank(let bank) = try figure(run, "stacking-conv", "features-x-deep-conv2") else { Issue.record("not a bank"); return }
        let w = try #require(run.traces["X_deep"]?.record("conv2", "weight"))
        #expect(bank.rows.count == w.shape[0] && bank.rows.allSatisfy { $0.features.count == w.shape[1] })
        #expect(bank.rows.flatMap { $0.features.flatMap(\.grid.values) } == w.data)
    }

    @Test func theHiddenLayerFigureIsTheTrace() throws {
        let run = try xoRun()
        let trace = try #require(run.traces["O_deep"])
        guard case .column(let parts, _) = try figure(run, "hidden-layer", "dense-stack-o-deep"),
              case .votes(let hidden) = parts.first, case .votes(let votes) = parts.last else { Issue.record("not two vote figures"); return }
        #expect(hidden.inputs == trace.record("hidden", "input")?.data && hidden.outputValues == trace.record("hidden", "output")?.data)
        #expect(votes.inputs == trace.record("out", "input")?.data && votes.outputValues == trace.record("out", "output")?.data)
        #expect(votes.inputs == trace.record("relu3", "output")?.data)
    }

    /// No pixel outside a cell's receptive field changes that cell: the engine, run on images that
    /// differ in one pixel, agrees with the geometry.
    @Test func theReceptiveFieldHoldsEveryPixelThatChangesTheCell() throws {
        let run = try xoRun()
        let net = try #require(run.traces["X_deep"]).model
        let network = try loadNetwork(model: Fixtures.lessons.appendingPathComponent("models/xo-deep.json").path,
                                      weights: Fixtures.lessons.appendingPathComponent("models/xo-deep.weights.json").path)
        let at = try #require(net.layers.firstIndex { $0.name == "conv2" })
        for (row, col) in [(0, 0), (1, 1), (3, 3)] {
            let field = try #require(ReceptiveField(net, shapes: network.shapes, layer: at, row: row, col: col))
            var rng = SeededGenerator(seed: UInt64(row * 4 + col))
            let base = (0..<81).map { _ in rng.uniform(-1, 1) }
            let cell = { (x: [Double]) -> [Double] in
                let out = network.trace(input: Tensor(shape: [1, 9, 9], data: x), target: nil).record("conv2", "output")?.data ?? []
                return (0..<4).map { out[$0 * 16 + row * 4 + col] }
            }
            let before = cell(base)
            var changed = Set<Cell>()
            for i in 0..<9 { for j in 0..<9 {
                var x = base
                x[i * 9 + j] += 5
                if cell(x) != before { changed.insert(Cell(row: i, col: j)) }
            } }
            #expect(!changed.isEmpty)
            #expect(changed.allSatisfy { field.rows.contains($0.row) && field.cols.contains($0.col) })
        }
    }
}

private func layerGrids(_ figure: Figure) -> [Grid] {
    switch figure {
    case .layer(let f): return f.maps
    case .column(let parts, _), .row(let parts, _): return parts.flatMap(layerGrids)
    default: return []
    }
}

@Suite struct XONewKindsRefuseBadSettings {
    /// A lesson in a temporary folder, using the shipped models and inputs, with one step showing `show`.
    private func lesson(_ show: String, text: String = "t") throws -> String {
        let path = try Fixtures.temporaryFolder("xo-new-kinds").appendingPathComponent("l.yaml").path
        let l = Fixtures.lessons.path
        let yaml = """
        title: t
        model: \(l)/models/xo.json
        weights: \(l)/models/xo.weights.json
        inputs:
          X: {file: \(l)/inputs/x.txt, target: X}
          D: {file: \(l)/inputs/x.txt, model: \(l)/models/xo-deep.json, weights: \(l)/models/xo-deep.weights.json}
        steps:
          - heading: one
            text: "\(text)"
            show:
              - \(show)
        """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [
        ("error_curve: {input: X, layer: out, index: [1, 1], from: 1, to: -1}", "larger than"),
        ("error_curve: {input: X, layer: out, index: [1, 1], from: -1, to: 1, nudge: 0}", "nudge"),
        ("error_curve: {input: X, layer: out, index: [1], from: -1, to: 1}", "outside"),
        ("receptive_field: {input: D, layer: hidden, at: [0, 0]}", "no cell"),
        ("dense_stack: {input: D, layers: [conv2, out]}", "not a dense layer"),
    ])
    func badSettingsNameTheirProblem(show: String, words: String) throws {
        let path = try lesson(show)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        do {
            _ = try LessonRunner.run(try Lesson.load(path))
            Issue.record("'\(show)' was accepted")
        } catch let e as LessonError {
            #expect(e.description.contains(words), "\(e.description)")
            #expect(e.line != nil)
        }
    }

    @Test func theFieldTemplateIsTheReceptiveFieldsRows() throws {
        let path = try lesson("receptive_field: {input: D, layer: conv2, at: [0, 0]}", text: "{{field:D,conv2,0,0}} {{field:D,conv2,1,1}}")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let run = try LessonRunner.run(try Lesson.load(path))
        let net = try #require(run.traces["D"]).model
        let shapes = try net.shapes()
        let at = try #require(net.layers.firstIndex { $0.name == "conv2" })
        let corner = try #require(ReceptiveField(net, shapes: shapes, layer: at, row: 0, col: 0))
        let middle = try #require(ReceptiveField(net, shapes: shapes, layer: at, row: 1, col: 1))
        #expect(run.sections[0].paragraphs == ["\(corner.rows.count) \(middle.rows.count)"])
        #expect(corner.rows.count < middle.rows.count)
    }
}
