import CNNCore
import CNNFiles
import Foundation
import Testing

/// A handwritten "7" PNG, read with each pixel mapping, through a LeNet-style model (conv, tanh,
/// avgpool, conv, tanh, avgpool, flatten, dense, dense) named like an unnamed `nn.Sequential`,
/// whose float32 weights come from a `.safetensors` file. The fixtures, and the expected numbers
/// computed by plain numpy loops, are made by `Tests/Fixtures/lenet/make_lenet.py`.
@Suite struct LeNetCLITests {
    struct Expected: Decodable {
        var input: [[Double]]
        var output: [Double]
        var loss: Double
    }

    @Test(arguments: ["article", "torchvision"])
    func digitTracesThroughLeNet(mapping: String) throws {
        let folder = "Tests/Fixtures/lenet"
        let out = try temporaryDirectory().appendingPathComponent("lenet.json").path
        let r = try run(["trace", "--model", "\(folder)/model.json", "--weights", "\(folder)/lenet.safetensors",
                         "--input", "Tests/Fixtures/inputs/digit.png", "--pixels", mapping, "--target", "7", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let all = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: packageRoot.appendingPathComponent("\(folder)/expected.json")))
        let expected = try #require(all[mapping])
        let trace = try loadTrace(path: out)
        // The pixels mapped exactly: p/255 and 2p/255 − 1 of 8-bit values.
        #expect(try #require(trace.record("0", .input)).data == expected.input.flatMap { $0 })
        #expect(trace.record("6", .output)?.shape == [200])
        // 1e-12: float64 in both, the same float32 weights, sums added in another order.
        let logits = try #require(trace.record("8", .output)).data
        #expect(logits.count == 10)
        for (a, b) in zip(logits, expected.output) { #expect(isClose(a, b, rtol: 1e-12, atol: 1e-15), "\(a) vs \(b)") }
        #expect(isClose(try #require(trace.loss), expected.loss, rtol: 1e-12))
        // Every gradient is there, down to the first conv's weights.
        #expect(trace.record("0", .gradWeight)?.shape == [4, 1, 5, 5])
    }
}
