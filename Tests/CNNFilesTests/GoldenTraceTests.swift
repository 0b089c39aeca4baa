import CNNCore
import Foundation
import Testing
@testable import CNNFiles

/// The engine against traces it wrote before: every number of every forward and backward array
/// must come out bit for bit the same. The weights, input and target are read from the golden
/// trace itself, so a change to weight loading or initialization cannot hide a change of numbers.
@Suite struct GoldenTraceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden")

    /// `xo_x`: the article's network on its X. `mixed`: two channels, padding, a rectangular
    /// normalizing conv, ceil pooling with partial windows and ties, stride-1 pooling, two dense
    /// layers and cross-entropy.
    /// Read and written back, a golden trace is the same bytes: every role's name (`TraceRole`'s
    /// raw values) and the rest of the format are as they were when the file was recorded.
    @Test(arguments: ["xo_x", "mixed"])
    func goldenTraceWritesBackByteForByte(name: String) throws {
        let url = Self.folder.appendingPathComponent("\(name).trace.json")
        let trace = try TraceFile.load(url.path)
        #expect(TraceFile.data(trace) == (try Data(contentsOf: url)))
    }

    @Test(arguments: ["xo_x", "mixed"])
    func engineReproducesGoldenTrace(name: String) throws {
        let golden = try loadTrace(path: Self.folder.appendingPathComponent("\(name).trace.json").path)
        var parameters: [String: Tensor] = [:]
        for r in golden.records where r.pass == .forward && (r.role == .weight || r.role == .bias) {
            parameters["\(r.layer).\(r.role)"] = r.tensor
        }
        let input = try #require(golden.records.first { $0.role == .input })
        let net = try Network(model: golden.model, parameters: parameters)
        let trace = net.trace(input: input.tensor, target: golden.target)
        #expect(trace.records.count == golden.records.count)
        for (got, want) in zip(trace.records, golden.records) {
            #expect(got.pass == want.pass && got.layer == want.layer && got.role == want.role && got.shape == want.shape)
            let same = zip(got.data, want.data).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same && got.data.count == want.data.count, "\(want.pass) \(want.key) differs from the golden trace")
        }
    }
}
