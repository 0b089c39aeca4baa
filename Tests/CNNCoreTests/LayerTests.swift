import Foundation
import Testing
@testable import CNNCore

/// The layers beyond conv, relu, maxpool and dense: shapes, traced records and values against
/// the formulas written out here as plain loops.
@Suite struct LayerTests {
    static func model(_ input: [Int], _ kinds: [LayerKind], loss: LossKind = .mse) -> ModelSpec {
        ModelSpec(input: input, layers: kinds.enumerated().map { LayerSpec(name: "\($0.offset)", kind: $0.element) }, loss: loss, classes: [])
    }

    static func randomInput(_ shape: [Int], _ rng: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-2, 2) })
    }

    @Test func shapesOfEveryLayer() throws {
        let m = Self.model([2, 7, 6], [
            .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 2, padding: .same, dilation: 2)), .batchnorm(BatchNormSpec()),
            .leakyRelu(slope: 0.01), .avgpool(AvgPoolSpec(size: 2, padding: 1, ceil: true)), .sigmoid, .tanh,
            .dropout(DropoutSpec()), .globalAvgpool, .flatten, .dense(DenseSpec(units: 4)), .softmax, .logSoftmax,
        ])
        #expect(try m.shapes() == [[2, 7, 6], [3, 7, 6], [3, 7, 6], [3, 7, 6], [3, 4, 4], [3, 4, 4], [3, 4, 4], [3, 4, 4],
                                   [3, 1, 1], [3], [4], [4], [4]])
        // Layer names "0", "1", … give nn.Sequential's state_dict names.
        #expect(try m.parameterSpecs().map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "9.weight", "9.bias"])
        let net = try Network(model: m, parameters: ["1.num_batches_tracked": Tensor(shape: [], data: [7])])
        #expect(net.parameters.map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias", "9.weight", "9.bias"])
        #expect(net.buffers.map(\.name) == ["1.running_mean", "1.running_var"])
        #expect(net.buffers.map(\.tensor.data) == [[0, 0, 0], [1, 1, 1]])
        #expect(net.parameter("1.weight")?.data == [1, 1, 1] && net.parameter("1.bias")?.data == [0, 0, 0])
        #expect(throws: ModelError.self) { try Network(model: m, parameters: ["1.running_var": Tensor(shape: [3], data: [1, -1, 1])]) }
    }

    /// PyTorch's avg_pool2d looped out: the sum of the window's cells inside the input, divided by the
    /// window's cells inside the padded input (count_include_pad) or inside the input.
    static func referenceAvgPool(_ x: Tensor, _ p: AvgPoolSpec) -> [Double] {
        let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let oh = PoolWindows.outputLength(h, size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil)
        let ow = PoolWindows.outputLength(w, size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil)
        var out: [Double] = []
        for ch in 0..<c { for i in 0..<oh { for j in 0..<ow {
            let r0 = i * p.stride - p.padding, c0 = j * p.stride - p.padding
            var sum = 0.0, inside = 0, padded = 0
            for r in r0..<(r0 + p.size) { for q in c0..<(c0 + p.size) {
                if r < h + p.padding && q < w + p.padding { padded += 1 }
                if r >= 0 && r < h && q >= 0 && q < w { sum += x[ch, r, q]; inside += 1 }
            } }
            out.append(sum / Double(p.countIncludePad ? padded : inside))
        } } }
        return out
    }

    @Test(arguments: 0..<30)
    func avgPoolMatchesReference(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed), stream: "avgpool")
        let size = 1 + rng.below(4)
        let spec = AvgPoolSpec(size: size, stride: rng.below(2) == 0 ? nil : 1 + rng.below(3), padding: rng.below(size / 2 + 1),
                               ceil: rng.below(2) == 0, countIncludePad: rng.below(2) == 0)
        let input = [1 + rng.below(2), size + rng.below(6), size + rng.below(6)]
        let net = try Network(model: Self.model(input, [.avgpool(spec)]))
        let x = Self.randomInput(input, &rng)
        let want = Self.referenceAvgPool(x, spec)
        let got = net.predict(x)
        #expect(got.count == want.count)
        // 1e-14: the same sums, perhaps added in another order.
        for (a, b) in zip(got, want) { #expect(isClose(a, b, rtol: 1e-14, atol: 1e-15)) }
    }

    @Test func batchNormTrainUsesBatchStatisticsAndMovesTheRunningOnes() throws {
        let m = Self.model([2, 2, 3], [.batchnorm(BatchNormSpec(eps: 1e-5, momentum: 0.25, mode: .train))])
        let net = try Network(model: m, parameters: [
            "0.weight": Tensor(shape: [2], data: [2, 0.5]), "0.bias": Tensor(shape: [2], data: [1, -1]),
            "0.running_mean": Tensor(shape: [2], data: [0.5, 0]), "0.running_var": Tensor(shape: [2], data: [2, 1]),
        ])
        var rng = SeededGenerator(seed: 5)
        let xs = (0..<3).map { _ in Self.randomInput([2, 2, 3], &rng) }
        let ws = Workspace(network: net, batch: 3)
        for (i, x) in xs.enumerated() { ws.setInput(x.data, sample: i) }
        let tracer = Tracer()
        net.forward(ws, tracer: tracer)
        let trace = Trace(model: m, records: tracer.records)
        for c in 0..<2 {
            let values = xs.flatMap { Array($0.data[(c * 6)..<(c * 6 + 6)]) }
            let mean = values.reduce(0, +) / 18
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
            #expect(isClose(try #require(trace.record("0", .batchMean)).data[c], mean, rtol: 1e-14))
            #expect(isClose(try #require(trace.record("0", .batchVar)).data[c], variance, rtol: 1e-13))
            let (rm, rv) = ([0.5, 0.0][c], [2.0, 1.0][c])
            #expect(isClose(try #require(trace.record("0", .updatedRunningMean)).data[c], 0.75 * rm + 0.25 * mean, rtol: 1e-14, atol: 1e-16))
            // The running variance takes the unbiased batch variance, M/(M − 1) times the biased one.
            #expect(isClose(try #require(trace.record("0", .updatedRunningVar)).data[c], 0.75 * rv + 0.25 * variance * 18 / 17, rtol: 1e-14))
            let (w, b) = ([2.0, 0.5][c], [1.0, -1.0][c])
            let y = ws.activation(1)
            for s in 0..<3 { for q in 0..<6 {
                let x = xs[s].data[c * 6 + q]
                #expect(isClose(y[s * 12 + c * 6 + q], w * (x - mean) / (variance + 1e-5).squareRoot() + b, rtol: 1e-13, atol: 1e-15))
            } }
        }
        var trained = net
        trained.updateRunningStatistics(from: ws)
        #expect(trained.buffers[0].tensor.data == trace.record("0", .updatedRunningMean)?.data)
    }

    @Test func batchNormEvalUsesTheRunningStatistics() throws {
        let m = Self.model([1, 1, 3], [.batchnorm(BatchNormSpec(mode: .eval))])
        let net = try Network(model: m, parameters: [
            "0.weight": Tensor(shape: [1], data: [3]), "0.bias": Tensor(shape: [1], data: [0.5]),
            "0.running_mean": Tensor(shape: [1], data: [1]), "0.running_var": Tensor(shape: [1], data: [4]),
        ])
        let trace = net.trace(input: Tensor(shape: [1, 1, 3], data: [1, 3, -1]), target: 0)
        let root = (4 + 1e-5).squareRoot()
        let want = [3 * 0 / root + 0.5, 3 * 2 / root + 0.5, 3 * -2 / root + 0.5]
        // 1e-15: the engine multiplies by 1/√(var + eps) where this divides by √(var + eps).
        for (a, b) in zip(try #require(trace.record("0", .output)).data, want) { #expect(isClose(a, b, rtol: 1e-15)) }
        #expect(trace.record("0", .batchMean) == nil && trace.record("0", .updatedRunningMean) == nil)
        #expect(trace.record("0", .runningVar)?.data == [4])
    }

    @Test func dropoutMaskComesFromTheSeedAndIsTraced() throws {
        let p = 0.3
        let m = Self.model([2, 30, 30], [.dropout(DropoutSpec(p: p, mode: .train))])
        var rng = SeededGenerator(seed: 1)
        let x = Self.randomInput([2, 30, 30], &rng)
        let trace = try Network(model: m, seed: 9).trace(input: x, target: nil)
        let mask = try #require(trace.record("0", .mask)).data
        #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
        // 1800 draws: the fraction dropped is within 0.05 of p with overwhelming probability (5 σ ≈ 0.054).
        #expect(abs(dropped - p) < 0.055, "dropped \(dropped)")
        #expect(trace.record("0", .output)?.data == zip(x.data, mask).map { $0 * $1 })
        // The same seed gives the same mask; another seed another one.
        #expect(try Network(model: m, seed: 9).trace(input: x, target: nil).record("0", .mask)?.data == mask)
        #expect(try Network(model: m, seed: 10).trace(input: x, target: nil).record("0", .mask)?.data != mask)
        // A sample's mask does not depend on the batch size.
        let net = try Network(model: m, seed: 9)
        let ws = Workspace(network: net, batch: 3)
        ws.drawMasks(net, round: 0)
        #expect(Array(UnsafeBufferPointer(start: ws.state[0], count: mask.count)) == mask)
        // Eval mode is the identity and traces no mask.
        let eval = try Network(model: Self.model([2, 30, 30], [.dropout(DropoutSpec(p: p, mode: .eval))])).trace(input: x, target: nil)
        #expect(eval.record("0", .output)?.data == x.data && eval.record("0", .mask) == nil)
    }

    @Test func softmaxAndLogSoftmaxGiveProbabilities() throws {
        var rng = SeededGenerator(seed: 2)
        let x = Self.randomInput([5], &rng)
        let soft = try Network(model: Self.model([1, 1, 5], [.flatten, .softmax])).predict(Tensor(shape: [1, 1, 5], data: x.data))
        let logSoft = try Network(model: Self.model([1, 1, 5], [.flatten, .logSoftmax])).predict(Tensor(shape: [1, 1, 5], data: x.data))
        let e = x.data.map(exp), z = e.reduce(0, +)
        for k in 0..<5 {
            #expect(isClose(soft[k], e[k] / z, rtol: 1e-14))
            #expect(isClose(logSoft[k], x.data[k] - log(z), rtol: 1e-14, atol: 1e-15))
        }
    }

    /// nll on log-softmax outputs is cross-entropy on the logits: same loss, same gradients.
    @Test func nllAfterLogSoftmaxIsCrossEntropy() throws {
        let logits = Self.model([1, 3, 3], [.flatten, .dense(DenseSpec(units: 4))], loss: .crossEntropy)
        var viaNLL = logits
        viaNLL.layers.append(LayerSpec(name: "2", kind: .logSoftmax))
        viaNLL.loss = .nll
        let a = try Network(model: logits, seed: 3), b = try Network(model: viaNLL, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let x = Self.randomInput([1, 3, 3], &rng)
        let ta = a.trace(input: x, target: 2), tb = b.trace(input: x, target: 2)
        #expect(isClose(try #require(ta.loss), try #require(tb.loss), rtol: 1e-14))
        let ga = try #require(ta.record("1", .gradWeight)).data, gb = try #require(tb.record("1", .gradWeight)).data
        for (u, v) in zip(ga, gb) { #expect(isClose(u, v, rtol: 1e-12, atol: 1e-15)) }
        // nll's own gradient: −1 at the target, 0 elsewhere (one sample).
        #expect(tb.record("2", .gradOutput)?.data == [0, 0, -1, 0])
    }

    @Test func activationsAndGlobalPooling() throws {
        let x = Tensor(shape: [2, 1, 2], data: [-2, 0.5, 3, -0.25])
        let leaky = try Network(model: Self.model([2, 1, 2], [.leakyRelu(slope: 0.1)])).predict(x)
        #expect(leaky == [-2 * 0.1, 0.5, 3, -0.25 * 0.1])
        let sig = try Network(model: Self.model([2, 1, 2], [.sigmoid])).predict(x)
        #expect(zip(sig, x.data).allSatisfy { isClose($0, 1 / (1 + exp(-$1)), rtol: 1e-15) })
        let th = try Network(model: Self.model([2, 1, 2], [.tanh])).predict(x)
        #expect(th == x.data.map(tanh))
        let global = try Network(model: Self.model([2, 1, 2], [.globalAvgpool])).predict(x)
        let means: [Double] = [-1.5 / 2, 2.75 / 2]
        #expect(global == means)
        let flat = try Network(model: Self.model([2, 1, 2], [.flatten])).trace(input: x, target: nil)
        #expect(flat.record("0", .output)?.shape == [4] && flat.record("0", .output)?.data == x.data)
    }

    /// Training moves batchnorm's running statistics and draws a new dropout mask every step.
    @Test func trainingWithBatchNormAndDropout() throws {
        let m = Self.model([1, 4, 4], [.conv(ConvSpec(filters: 2, kernelH: 3, kernelW: 3, padding: 1)), .batchnorm(BatchNormSpec()),
                                       .relu, .dropout(DropoutSpec(p: 0.5)), .flatten, .dense(DenseSpec(units: 2))], loss: .crossEntropy)
        var rng = SeededGenerator(seed: 8)
        let data = (0..<8).map { LabeledImage(image: Self.randomInput([1, 4, 4], &rng), label: $0 % 2) }
        var trainer = Trainer(network: try Network(model: m, seed: 1), options: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 4, seed: 2))
        trainer.train(on: data)
        #expect(trainer.network.buffers[0].tensor.data != [0, 0])
        #expect(trainer.network.buffers[1].tensor.data != [1, 1])
        let net = trainer.network
        let ws = Workspace(network: net, batch: 4)
        let first = Array(UnsafeBufferPointer(start: ws.state[3], count: 4 * 32))
        ws.drawMasks(net, round: 1)
        #expect(Array(UnsafeBufferPointer(start: ws.state[3], count: 4 * 32)) != first)
    }
}
