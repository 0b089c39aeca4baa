import CNNCore
import Foundation
import Testing
@testable import CNNFiles

/// A handwritten digit as a PNG, read with each pixel mapping, through a LeNet-style model (conv,
/// tanh, avgpool, conv, tanh, avgpool, flatten, dense, dense) whose float32 weights come from a
/// `.safetensors` file: every layer's output and the loss agree with PyTorch's float64 forward pass
/// on the same weights, captured by Tests/Fixtures/lenet/make_lenet.py.
@Suite struct LeNetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func path(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    @Test(arguments: PixelMapping.allCases) func digitThroughLeNetAgreesWithPyTorch(mapping: PixelMapping) throws {
        let net = try loadNetwork(model: path("lenet/model.json"), weights: path("lenet/weights.safetensors"))
        let x = try InputFile.load(path("inputs/digit.png"), expecting: net.shapes[0], pixels: mapping)
        #expect(x.data.min() == (mapping == .article ? -1 : 0))
        let trace = net.trace(input: x, target: 7)
        let reference = try #require(try loadDocument(path("lenet/expected.json"))[mapping.rawValue])
        #expect(net.model.layers.count == 9)
        for layer in net.model.layers {
            let got = try #require(trace.record(layer.name, "output")).data
            let want = try tensorFromNested(try #require(reference["outputs"]?[layer.name]), field: layer.name, file: "expected.json").data
            #expect(got.count == want.count, "\(layer.name)")
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(zip(got, want).allSatisfy { isClose($0, $1, rtol: 1e-9, atol: 1e-12) }, "\(layer.name): worst |difference| \(worst)")
        }
        guard case .number(let loss)? = reference["loss"] else { Issue.record("no loss in expected.json"); return }
        #expect(isClose(try #require(trace.loss), loss, rtol: 1e-9, atol: 1e-12))
    }
}
