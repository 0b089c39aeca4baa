@testable import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNRender
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// The golden trace of the article's X (forward and backward), found next to this file.
private func goldenTrace() throws -> Trace {
    let path = Fixtures.url("golden/xo_x.trace.json").path
    return try TraceFile.load(path)
}

/// The maps a figure holds, in order, for figures that are a layer or rows of layers.
private func layerMaps(_ figure: Figure) -> [Grid] {
    switch figure {
    case .layer(let f): return f.maps
    case .column(let parts, _): return parts.flatMap(layerMaps)
    default: return []
    }
}

@Suite struct TraceFiguresTests {
    @Test func theXTraceGivesOneFigurePerLayerAndPassInReadingOrder() throws {
        let figures = try TraceFigures.figures(for: try goldenTrace(), style: .standard)
        #expect(figures.map(\.name) == [
            "01-pipeline", "02-forward-conv1-input", "03-forward-conv1-features", "04-forward-conv1-output",
            "05-forward-relu1-relu", "06-forward-pool1-pooling", "07-forward-pool2-pooling", "08-forward-out-votes",
            "09-forward-out-vote-bars", "10-backward-out-grad-output", "11-backward-out-grad-weight",
            "12-backward-pool2-routing", "13-backward-pool1-routing", "14-backward-relu1-grad-input",
            "15-backward-conv1-grad-output", "16-backward-conv1-grad-weight",
        ])
        #expect(Set(figures.map(\.name)).count == figures.count)
    }

    /// Layers without a figure of their own get their traced output: maps for [C, H, W], bars for a
    /// short vector (named by class after the last layer); a long vector gets none.
    @Test func newLayersShowTheirTracedOutput() throws {
        let kinds: [LayerKind] = [.conv(ConvSpec(filters: 2, kernelH: 3, kernelW: 3, padding: .same)), .batchnorm(BatchNormSpec()),
                                  .tanh, .avgpool(AvgPoolSpec(size: 2)), .dropout(DropoutSpec(p: 0.5)), .flatten,
                                  .dense(DenseSpec(units: 3)), .logSoftmax]
        let model = ModelSpec(input: [1, 6, 6], layers: kinds.enumerated().map { LayerSpec(name: "l\($0.offset)", kind: $0.element) },
                              loss: .nll, classes: ["a", "b", "c"])
        var rng = SeededGenerator(seed: 1)
        let trace = try Network(model: model, seed: 2).trace(input: Tensor(shape: [1, 6, 6], data: (0..<36).map { _ in rng.uniform(-1, 1) }), target: 0)
        let figures = try TraceFigures.figures(for: trace, style: .standard)
        let byName = Dictionary(uniqueKeysWithValues: figures.map { (String($0.name.drop { $0 != "-" }.dropFirst()), $0.figure) })
        let pool = try #require(byName["forward-l3-output"])
        let pooled = try #require(trace.record("l3", .output)).data
        #expect(layerMaps(pool).map(\.values) == [Array(pooled[0..<9]), Array(pooled[9..<18])])
        guard case .voteBars(let bars) = try #require(byName["forward-l7-output"]) else { Issue.record("not bars"); return }
        #expect(bars.labels == ["a", "b", "c"] && bars.values == trace.record("l7", .output)?.data)
        // flatten's 18 values are few enough for bars.
        guard case .voteBars(let flat) = try #require(byName["forward-l5-output"]) else { Issue.record("not bars"); return }
        #expect(flat.values == trace.record("l5", .output)?.data && flat.labels.first == "0")
        guard case .pipeline(let p) = try #require(byName["pipeline"]) else { Issue.record("not a pipeline"); return }
        #expect(p.stages.map(\.name) == ["input", "convolution 3×3", "batch norm (train)", "tanh", "average pool 2×2", "dropout (train)",
                                          "flatten", "fully connected", "log-softmax"])
    }

    @Test func theConvOutputFigureHoldsTheTracesExactValues() throws {
        let trace = try goldenTrace()
        let figures = try TraceFigures.figures(for: trace, style: .article)
        let output = try #require(figures.first { $0.name.hasSuffix("forward-conv1-output") }).figure
        let maps = layerMaps(output)
        #expect(maps.count == 3)
        #expect(maps.flatMap(\.values) == trace.record("conv1", .output)?.data)
        guard case .layer(let layer) = output else { Issue.record("expected one row of three maps"); return }
        #expect(layer.features.map(\.name) == ["diagonal ↘", "cross ✕", "diagonal ↗"])
        #expect(layer.numberStyle == .article)
    }

    @Test func poolingVotesAndRoutingCarryTheTracesNumbers() throws {
        let trace = try goldenTrace()
        let figures = Dictionary(uniqueKeysWithValues: try TraceFigures.figures(for: trace, style: .standard).map { ($0.name, $0.figure) })
        guard case .column(let pools, _)? = figures["06-forward-pool1-pooling"] else { Issue.record("pooling is not a column"); return }
        let pooled = pools.compactMap { f -> [Double]? in if case .pooling(let p) = f { return p.output.values } else { return nil } }
        #expect(pooled.flatMap { $0 } == trace.record("pool1", .output)?.data)

        guard case .votes(let votes)? = figures["08-forward-out-votes"] else { Issue.record("no votes"); return }
        #expect(votes.inputs == trace.record("out", .input)?.data)
        #expect(votes.outputValues == trace.record("out", .output)?.data)
        #expect(votes.outputLabels == ["X", "O"])
        #expect(votes.inputLabels?.first == "[0,0,0]" && votes.inputLabels?.last == "[2,1,1]")

        guard case .column(let routes, _)? = figures["13-backward-pool1-routing"] else { Issue.record("routing is not a column"); return }
        let routed = routes.compactMap { f -> [Double]? in if case .poolingGradient(let g) = f { return g.inputGradient.values } else { return nil } }
        #expect(routed.flatMap { $0 } == trace.record("pool1", .gradInput)?.data)
    }

    /// The input figure as PNG: a −1 pixel is black, a +1 pixel white (the article's convention).
    @Test func theInputPNGIsBlackForMinusOneAndWhiteForPlusOne() throws {
        let figures = try TraceFigures.figures(for: try goldenTrace(), style: .standard)
        let input = try #require(figures.first { $0.name == "02-forward-conv1-input" }).figure
        let png = try PNGPixels(png: try renderData(input, format: .png, scale: 2))
        // 12 pt padding, a 24 pt title, 26 pt cells; sample 4 pt inside a cell, away from its number.
        func pixel(row: Int, col: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
            png.pixel(x: Int((12 + 26 * Double(col) + 4) * 2), y: Int((12 + 24 + 26 * Double(row) + 4) * 2))
        }
        let black = pixel(row: 0, col: 0), white = pixel(row: 1, col: 1)
        #expect(black.r < 40 && black.g < 40 && black.b < 40, "\(black)")
        #expect(white.r > 230 && white.g > 230 && white.b > 230, "\(white)")
    }

    @Test func aForwardOnlyTraceHasNoBackwardFigures() throws {
        var trace = try goldenTrace()
        trace.records.removeAll { $0.pass == .backward || $0.layer == "loss" }
        let names = try TraceFigures.figures(for: trace, style: .standard).map(\.name)
        #expect(names.count == 9)
        #expect(!names.contains { $0.contains("backward") })
    }

    @Test func gradientsGetEnoughDecimalsForTwoSignificantDigits() {
        #expect(TraceFigures.gradientStyle(.rounded(2), [0.0309, -0.01]) == .rounded(3))
        #expect(TraceFigures.gradientStyle(.truncated(2), [0.14]) == .truncated(2))
        #expect(TraceFigures.gradientStyle(.rounded(2), [0.0004]) == .rounded(5))
        #expect(TraceFigures.gradientStyle(.rounded(2), [0, 0]) == .rounded(2))
        #expect(TraceFigures.gradientStyle(.rounded(2), [3.5]) == .rounded(2))
        #expect(TraceFigures.gradientStyle(.full, [0.001]) == .full)
    }

    @Test func aBatchShapedRecordIsRefusedWithAClearMessage() throws {
        var trace = try goldenTrace()
        let k = try #require(trace.records.firstIndex { $0.key == "conv1.output" })
        trace.records[k].shape = [1] + trace.records[k].shape
        #expect {
            _ = try TraceFigures.figures(for: trace, style: .standard)
        } throws: { error in
            "\(error)".contains("conv1.output has shape [1, 3, 7, 7]") && "\(error)".contains("one sample")
        }
    }

    @Test func aMissingForwardRecordIsNamed() throws {
        var trace = try goldenTrace()
        trace.records.removeAll { $0.key == "relu1.output" }
        #expect {
            _ = try TraceFigures.figures(for: trace, style: .standard)
        } throws: { error in
            "\(error)" == "the trace has no relu1.output record"
        }
    }

    /// Two input channels, a pool whose windows leave the last row and column out (no ceil mode),
    /// more than four channels, and a dense layer in the middle followed by ReLU: every figure renders.
    @Test func otherModelsTheEngineAcceptsRender() throws {
        let model = ModelSpec(input: [2, 9, 9], layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 5, kernelH: 3, kernelW: 3))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "conv2", kind: .conv(ConvSpec(filters: 2, kernelH: 2, kernelW: 2))),
            LayerSpec(name: "fc1", kind: .dense(DenseSpec(units: 4))),
            LayerSpec(name: "relu2", kind: .relu),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 3))),
        ], loss: .crossEntropy, classes: ["a", "b", "c"])
        let network = try Network(model: model, seed: 7)
        var rng = 0.3
        let input = Tensor(shape: [2, 9, 9], data: (0..<162).map { _ in rng = (rng * 9301 + 0.49297).truncatingRemainder(dividingBy: 1); return rng * 2 - 1 })
        let trace = network.trace(input: input, target: 1)
        let figures = try TraceFigures.figures(for: trace, style: .standard)
        let names = figures.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.contains("05-forward-relu1-relu-c0-3") && names.contains("06-forward-relu1-relu-c4"))
        #expect(names.contains { $0.hasSuffix("forward-fc1-votes") })
        #expect(names.contains { $0.hasSuffix("backward-conv2-grad-weight") })
        for (name, figure) in figures {
            let bytes = try renderData(figure, format: .png, scale: 1)
            #expect(bytes.count > 100, "\(name)")
        }
        // 7×7 pooled by 2 without ceil mode: the last row and column are left out and the title says so.
        guard case .column(let pools, _)? = figures.first(where: { $0.name.hasSuffix("forward-pool1-pooling-c0-3") })?.figure,
              case .pooling(let pool)? = pools.first else { Issue.record("no pooling column"); return }
        #expect(pool.input.rows == 6 && pool.input.cols == 6)
        #expect(pool.title?.contains("left out") == true)
    }

    /// Every figure of the X trace, and the figure types the trace does not produce (a convolution
    /// step, a single feature map, an image with highlighted pixels) drawn from its numbers, render
    /// as PNGs. Set CNN_TRACE_GALLERY=/some/folder to keep them for looking at.
    @Test func gallery() throws {
        let keep = ProcessInfo.processInfo.environment["CNN_TRACE_GALLERY"]
        let folder = try keep.map { URL(fileURLWithPath: $0) } ?? Fixtures.temporaryFolder("trace-gallery")
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let trace = try goldenTrace()
        var figures = try TraceFigures.figures(for: trace, style: .article)
        let x = try TraceFigures.channel(try #require(trace.record("conv1", .input)), 0)
        let feats = try #require(TraceFigures.features(weight: trace.record("conv1", .weight)))
        let map = try TraceFigures.channel(try #require(trace.record("conv1", .output)), 1)
        figures.append(("x-convolution-step", .convolutionStep(SampleFigure.convolutionStep(image: x, feature: feats[0].grid, featureName: feats[0].name,
                                                                                      row: 0, col: 0, title: "One step"))))
        figures.append(("x-feature-map", .featureMap(FeatureMapFigure(map: map, title: "cross ✕", numberStyle: .article,
                                                                      highlighted: [Cell(row: 3, col: 3)]))))
        figures.append(("x-image-highlight", .image(ImageFigure(grid: x, title: "X", highlighted: [Cell(row: 4, col: 4), Cell(row: 0, col: 0)]))))
        figures.append(("x-text", .text(TextBlock(markup: "The <b>cross</b> feature matches the centre: <tt>9 / 9 = 1.00</tt>.", width: 300))))
        for (name, figure) in figures {
            let url = folder.appendingPathComponent("\(name).png")
            try Data(try renderData(figure, format: .png, scale: 2)).write(to: url)
            let png = try PNGPixels(png: Array(try Data(contentsOf: url)))
            #expect(png.width > 20 && png.height > 20, "\(name)")
        }
    }
}
