import CNNAnalysis
import CNNCore
import Foundation
import Testing
@testable import CNNFiles

/// `explain` on every number of every layer type: each recomputation from the traced operands
/// must agree with the traced value.
@Suite struct ExplainLayersTests {
    /// A small model with every layer type; `train` picks the batchnorm and dropout modes.
    static func trace(train: Bool, loss: LossKind) throws -> Trace {
        let mode: LayerMode = train ? .train : .eval
        var kinds: [LayerKind] = [
            .conv(ConvSpec(filters: 2, kernelH: 3, kernelW: 2, padding: .same, dilation: 2)), .batchnorm(BatchNormSpec(momentum: 0.2, mode: mode)),
            .leakyRelu(slope: 0.1), .avgpool(AvgPoolSpec(size: 3, stride: 2, padding: 1, ceil: true, countIncludePad: !train)),
            .dropout(DropoutSpec(p: 0.4, mode: mode)), .tanh, .conv(ConvSpec(filters: 2, kernelH: 2, kernelW: 2, padding: .explicit(h: 1, w: 0))),
            .sigmoid, .globalAvgpool, .flatten, .dense(DenseSpec(units: 3)),
        ]
        if loss == .nll { kinds.append(.logSoftmax) } else if loss == .mse { kinds.append(.softmax) }
        let model = ModelSpec(input: [2, 6, 5], layers: kinds.enumerated().map { LayerSpec(name: "\($0.offset)", kind: $0.element) },
                              loss: loss, classes: [])
        let stats: [String: Tensor] = ["1.running_mean": Tensor(shape: [2], data: [0.1, -0.2]), "1.running_var": Tensor(shape: [2], data: [0.5, 2])]
        let net = try Network(model: model, parameters: stats, seed: 6)
        var rng = SeededGenerator(seed: 12)
        return net.trace(input: Tensor(shape: [2, 6, 5], data: (0..<60).map { _ in rng.uniform(-1, 1) }), target: 1)
    }

    /// The role names of a trace file, as docs/formats.md gives them: every `TraceRole` a train-mode
    /// batchnorm and dropout log, in the order the tracer logs them, written and read back.
    @Test func roleNamesInTraceFiles() throws {
        let trace = try Self.trace(train: true, loss: .crossEntropy)
        let text = String(decoding: TraceFile.data(trace), as: UTF8.self)
        let roles = text.split(separator: "\n").filter { $0.contains(#""layer": "1""#) }.compactMap { line in
            line.split(separator: "\"").drop { $0 != "role" }.dropFirst(2).first.map(String.init)
        }
        #expect(roles == ["input", "weight", "bias", "running_mean", "running_var", "batch_mean", "batch_var",
                          "updated_running_mean", "updated_running_var", "output", "grad_output", "grad_input", "grad_weight", "grad_bias"])
        #expect(text.contains(#"{"pass": "forward", "layer": "4", "role": "mask", "#))
        #expect(try TraceFile.parse(try parseDocument(Array(TraceFile.data(trace)), file: "t.json"), file: "t.json") == trace)
    }

    static let skipped: Set<TraceRole> = [.input, .weight, .bias, .runningMean, .runningVar, .mask]

    @Test(arguments: [(true, LossKind.nll), (false, .mse), (true, .crossEntropy)])
    func everyNumberIsRecomputed(train: Bool, loss: LossKind) throws {
        let trace = try Self.trace(train: train, loss: loss)
        var explained = 0
        for r in trace.records where !Self.skipped.contains(r.role) && r.layer != "loss" {
            for k in 0..<r.data.count {
                let query = "\(r.layer).\(r.role)[\(multiIndex(k, shape: r.shape).map(String.init).joined(separator: ","))]"
                let text = try explain(trace: trace, query: query, style: .full)
                #expect(text.contains("✓") && !text.contains("✗"), "\(query):\n\(text)")
                explained += 1
            }
        }
        #expect(explained > 300)
        #expect(try explain(trace: trace, query: "loss", style: .full).contains("✓"))
    }

    @Test func explanationsShowTheFormulaAndAWrongValueIsCaught() throws {
        var trace = try Self.trace(train: true, loss: .nll)
        let pool = try explain(trace: trace, query: "3.output[0,0,0]", style: .full)
        #expect(pool.contains("inside the input (count_include_pad false)"), "\(pool)")
        let mask = try explain(trace: trace, query: "4.mask[0,0,0]", style: .full)
        #expect(mask.contains("kept with probability 1 − p = 0.6"), "\(mask)")
        let norm = try explain(trace: trace, query: "1.output[1,2,3]", style: .full)
        #expect(norm.contains("the batch's (train mode)") && norm.contains("x̂ = (x − mean) / √(var + eps)"), "\(norm)")
        let loss = try explain(trace: trace, query: "loss", style: .full)
        #expect(loss.contains("nll"), "\(loss)")
        // An edited output no longer matches its recomputation.
        let k = try #require(trace.records.firstIndex { $0.layer == "7" && $0.role == .output })
        trace.records[k].data[0] += 0.5
        #expect(try explain(trace: trace, query: "7.output[0,0,0]", style: .full).contains("✗"))
    }
}
