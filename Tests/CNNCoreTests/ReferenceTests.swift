import Testing
@testable import CNNCore

/// The optimized kernels against the formulas written out as plain loops.
@Suite struct ReferenceTests {
    /// `out[o,i,j] = (Σ_{c,a,b} w[o,c,a,b]·x[c, i·s+a·d−top, j·s+b·d−left]) / n + bias[o]`, looped directly.
    static func referenceConv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ s: ConvSpec) -> Tensor {
        let (c, h, wd) = (x.shape[0], x.shape[1], x.shape[2])
        let p = s.pads, d = s.dilation
        let spanH = d * (s.kernelH - 1) + 1, spanW = d * (s.kernelW - 1) + 1
        let oh = (h + p.top + p.bottom - spanH) / s.stride + 1
        let ow = (wd + p.left + p.right - spanW) / s.stride + 1
        var out = Tensor(zeros: [s.filters, oh, ow])
        for o in 0..<s.filters { for i in 0..<oh { for j in 0..<ow {
            var sum = 0.0
            for ci in 0..<c { for a in 0..<s.kernelH { for b in 0..<s.kernelW {
                let y = i * s.stride + a * d - p.top, xx = j * s.stride + b * d - p.left
                if y >= 0 && y < h && xx >= 0 && xx < wd { sum += w[o, ci, a, b] * x[ci, y, xx] }
            } } }
            out[o, i, j] = sum / (s.normalize ? Double(c * s.kernelH * s.kernelW) : 1) + (bias?[o] ?? 0)
        } } }
        return out
    }

    /// Random convs with stride, padding (symmetric, `[ph, pw]` or `same`), dilation, bias, normalize.
    @Test(arguments: 0..<30)
    func convMatchesReference(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed))
        let stride = 1 + rng.below(3)
        let padding: ConvPadding = stride == 1 && rng.below(3) == 0 ? .same : .explicit(h: rng.below(3), w: rng.below(3))
        let spec = ConvSpec(filters: 1 + rng.below(4), kernelH: 1 + rng.below(4), kernelW: 1 + rng.below(4),
                            stride: stride, padding: padding, dilation: 1 + rng.below(3), bias: rng.below(2) == 0, normalize: rng.below(2) == 0)
        let input = [1 + rng.below(3), 4 + rng.below(8), 4 + rng.below(8)]
        let model = ModelSpec(input: input, layers: [LayerSpec(name: "c", kind: .conv(spec))], loss: .mse, classes: [])
        guard let shapes = try? model.shapes() else { return }
        if padding == .same { #expect(shapes[1].dropFirst() == input.dropFirst()) }
        let net = try Network(model: model, seed: UInt64(seed))
        let x = Tensor(shape: input, data: (0..<input.reduce(1, *)).map { _ in rng.uniform(-2, 2) })
        let got = net.predict(x)
        let want = Self.referenceConv(x, try #require(net.parameter("c.weight")), net.parameter("c.bias"), spec)
        #expect(got.count == want.count)
        // 1e-12: the two differ only in the order of summation of a few dozen terms.
        for (a, b) in zip(got, want.data) { #expect(isClose(a, b, rtol: 1e-12, atol: 1e-14)) }
    }

    @Test func batchedPassEqualsOneSampleAtATime() throws {
        let model = ModelSpec(input: [2, 8, 8], layers: [
            LayerSpec(name: "c", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, stride: 1, padding: 1))),
            LayerSpec(name: "r", kind: .relu),
            LayerSpec(name: "p", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "d", kind: .dense(DenseSpec(units: 4))),
        ], loss: .crossEntropy, classes: [])
        let net = try Network(model: model, seed: 7)
        var rng = SeededGenerator(seed: 3)
        let xs = (0..<5).map { _ in (0..<128).map { _ in rng.uniform(-1, 1) } }
        let targets = [0, 1, 2, 3, 1]
        let ws = Workspace(network: net, batch: 5)
        for (i, x) in xs.enumerated() { ws.setInput(x, sample: i) }
        net.forward(ws)
        let batchLoss = net.loss(ws, targets: targets)
        net.backward(ws)
        var lossSum = 0.0
        var gradSum = Array(repeating: 0.0, count: net.parameters[0].tensor.count)
        for (i, x) in xs.enumerated() {
            let one = Workspace(network: net, batch: 1)
            one.setInput(x)
            net.forward(one)
            #expect(one.output() == ws.output(sample: i))
            lossSum += net.loss(one, targets: [targets[i]])
            net.backward(one)
            for (j, g) in one.parameterGradient(0).enumerated() { gradSum[j] += g }
        }
        // Cross-entropy averages over the batch: the batch loss and gradient are the per-sample means.
        #expect(isClose(batchLoss, lossSum / 5, rtol: 1e-13))
        for (a, b) in zip(ws.parameterGradient(0), gradSum) { #expect(isClose(a, b / 5, rtol: 1e-12, atol: 1e-15)) }
    }

    @Test func sgdStepMovesAgainstTheGradient() throws {
        let model = ModelSpec(input: [1, 1, 2], layers: [LayerSpec(name: "d", kind: .dense(DenseSpec(units: 2, bias: false)))], loss: .mse, classes: [])
        var net = try Network(model: model, parameters: ["d.weight": Tensor(shape: [2, 2], data: [0.5, -0.5, 0.25, 1])])
        let ws = Workspace(network: net)
        ws.setInput([1, 2])
        net.forward(ws)
        net.loss(ws, targets: [0])
        net.backward(ws)
        let g = ws.parameterGradient(0)
        // y = (−0.5, 2.25); ∂L/∂y = (y − t)·2/2 = (−1.5, 2.25); ∂L/∂w = ∂L/∂y ⊗ x.
        #expect(g == [-1.5, -3, 2.25, 4.5])
        var sgd = SGD(learningRate: 0.1)
        sgd.step(&net, ws)
        #expect(isClose(net.parameters[0].tensor.data[0], 0.5 + 0.15, rtol: 1e-15))
        #expect(isClose(net.parameters[0].tensor.data[3], 1 - 0.45, rtol: 1e-15))
    }

    @Test func modelValidationNamesTheField() {
        func field(_ layers: [LayerSpec], input: [Int] = [1, 9, 9]) -> String? {
            do { _ = try ModelSpec(input: input, layers: layers, loss: .mse, classes: []).shapes(); return nil } catch let e as ModelError { return e.field } catch { return "other" }
        }
        #expect(field([LayerSpec(name: "c", kind: .conv(ConvSpec(filters: 1, kernelH: 11, kernelW: 3)))]) == "layers[0] (c).size")
        #expect(field([LayerSpec(name: "c", kind: .conv(ConvSpec(filters: 1, kernelH: 3, kernelW: 3, stride: 0)))]) == "layers[0] (c).stride")
        #expect(field([LayerSpec(name: "p", kind: .maxpool(PoolSpec(size: 10, stride: 2)))]) == "layers[0] (p).size")
        #expect(field([LayerSpec(name: "d", kind: .dense(DenseSpec(units: 0)))]) == "layers[0] (d).units")
        #expect(field([LayerSpec(name: "d", kind: .dense(DenseSpec(units: 2)))], input: [1, 100_000, 100_000]) == "input[1]")
        #expect(field([LayerSpec(name: "c", kind: .conv(ConvSpec(filters: 1_000_000_000, kernelH: 3, kernelW: 3)))]) == "layers[0] (c).filters")
        #expect(field([LayerSpec(name: "d", kind: .dense(DenseSpec(units: 2)))]) == nil)
    }
}
