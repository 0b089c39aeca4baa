import Foundation
import Testing
@testable import CNNCore

/// Backward passes against central finite differences, on many seeded random models.
@Suite struct GradientTests {
    /// Models covering stride 2, padding 1, rectangular kernels, bias on and off, normalize,
    /// ceil pooling with partial windows, several channels, and both losses.
    static func randomModel(_ rng: inout SeededGenerator) -> ModelSpec? {
        let c = 1 + rng.below(3), h = 5 + rng.below(6), w = 5 + rng.below(6)
        var layers: [LayerSpec] = []
        let convs = 1 + rng.below(2)
        for i in 0..<convs {
            let conv = ConvSpec(filters: 1 + rng.below(3), kernelH: 1 + rng.below(3), kernelW: 1 + rng.below(3),
                                stride: 1 + rng.below(2), padding: rng.below(2), bias: rng.below(2) == 0,
                                normalize: rng.below(2) == 0)
            layers.append(LayerSpec(name: "conv\(i + 1)", kind: .conv(conv)))
            if rng.below(3) > 0 { layers.append(LayerSpec(name: "relu\(i + 1)", kind: .relu)) }
            if rng.below(2) == 0 {
                layers.append(LayerSpec(name: "pool\(i + 1)", kind: .maxpool(PoolSpec(size: 2 + rng.below(2), stride: 1 + rng.below(2), ceil: rng.below(2) == 0))))
            }
        }
        if rng.below(2) == 0 { layers.append(LayerSpec(name: "hidden", kind: .dense(DenseSpec(units: 3, bias: rng.below(2) == 0)))) }
        layers.append(LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2 + rng.below(3), bias: rng.below(2) == 0))))
        let spec = ModelSpec(input: [c, h, w], layers: layers, loss: rng.below(2) == 0 ? .mse : .crossEntropy, classes: [])
        return (try? spec.shapes()) != nil ? spec : nil
    }

    /// The loss of one batch with the network's current parameters.
    static func loss(_ net: Network, _ inputs: [[Double]], _ targets: [Int]) -> Double {
        let ws = Workspace(network: net, batch: inputs.count)
        for (i, x) in inputs.enumerated() { ws.setInput(x, sample: i) }
        net.forward(ws)
        return net.loss(ws, targets: targets)
    }

    @Test(arguments: 0..<40)
    func backwardMatchesCentralDifferences(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1000)
        var spec: ModelSpec?
        while spec == nil { spec = Self.randomModel(&rng) }
        let model = try #require(spec)
        try Self.checkAgainstCentralDifferences(try Network(model: model, seed: UInt64(seed)), &rng)
    }

    /// Models mixing every layer type: conv with `same` or `[ph, pw]` padding and dilation,
    /// batchnorm in train or eval mode (with given statistics), relu, sigmoid, tanh, leaky ReLU,
    /// max or average pooling (padding, ceil, count_include_pad), dropout in train or eval mode,
    /// global average pooling, flatten, dense, softmax and log-softmax, and all three losses.
    static func randomMixedModel(_ rng: inout SeededGenerator) -> (ModelSpec, [String: Tensor])? {
        let c = 1 + rng.below(3), h = 4 + rng.below(5), w = 4 + rng.below(5)
        var layers: [LayerSpec] = []
        var given: [String: Tensor] = [:]
        func add(_ kind: LayerKind) { layers.append(LayerSpec(name: "\(layers.count)", kind: kind)) }
        let activations: [LayerKind] = [.relu, .sigmoid, .tanh, .leakyRelu(slope: 0.01), .leakyRelu(slope: -0.3)]
        let filters = 1 + rng.below(3)
        let padding: ConvPadding = rng.below(2) == 0 ? .same : .explicit(h: rng.below(2), w: rng.below(2))
        add(.conv(ConvSpec(filters: filters, kernelH: 1 + rng.below(3), kernelW: 1 + rng.below(3), padding: padding,
                           dilation: 1 + rng.below(2), bias: rng.below(2) == 0, normalize: rng.below(4) == 0)))
        if rng.below(3) > 0 {
            let mode: LayerMode = rng.below(2) == 0 ? .train : .eval
            add(.batchnorm(BatchNormSpec(eps: 1e-5, momentum: 0.1 + 0.2 * rng.nextUnit(), mode: mode)))
            let name = layers[layers.count - 1].name
            given["\(name).weight"] = Tensor(shape: [filters], data: (0..<filters).map { _ in rng.uniform(0.5, 1.5) })
            given["\(name).bias"] = Tensor(shape: [filters], data: (0..<filters).map { _ in rng.uniform(-0.5, 0.5) })
            given["\(name).running_mean"] = Tensor(shape: [filters], data: (0..<filters).map { _ in rng.uniform(-0.5, 0.5) })
            given["\(name).running_var"] = Tensor(shape: [filters], data: (0..<filters).map { _ in rng.uniform(0.5, 2) })
        }
        add(activations[rng.below(activations.count)])
        if rng.below(2) == 0 {
            add(.maxpool(PoolSpec(size: 2, stride: 1 + rng.below(2), ceil: rng.below(2) == 0)))
        } else {
            add(.avgpool(AvgPoolSpec(size: 2 + rng.below(2), stride: 1 + rng.below(2), padding: rng.below(2), ceil: rng.below(2) == 0,
                                     countIncludePad: rng.below(2) == 0)))
        }
        if rng.below(2) == 0 { add(.dropout(DropoutSpec(p: 0.2 + 0.5 * rng.nextUnit(), mode: rng.below(3) == 0 ? .eval : .train))) }
        if rng.below(3) == 0 { add(.globalAvgpool) }
        if rng.below(2) == 0 { add(.flatten) }
        if rng.below(2) == 0 {
            add(.dense(DenseSpec(units: 3, bias: rng.below(2) == 0)))
            add(activations[rng.below(activations.count)])
        }
        add(.dense(DenseSpec(units: 2 + rng.below(3), bias: rng.below(2) == 0)))
        let loss = LossKind.allCases[rng.below(3)]
        if loss == .nll { add(.logSoftmax) } else if loss == .mse && rng.below(2) == 0 { add(.softmax) }
        let spec = ModelSpec(input: [c, h, w], layers: layers, loss: loss, classes: [])
        return (try? spec.shapes()) != nil ? (spec, given) : nil
    }

    @Test(arguments: 0..<60)
    func mixedLayersMatchCentralDifferences(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed), stream: "mixed-layers")
        var made: (ModelSpec, [String: Tensor])?
        while made == nil { made = Self.randomMixedModel(&rng) }
        let (model, given) = try #require(made)
        try Self.checkAgainstCentralDifferences(try Network(model: model, parameters: given, seed: UInt64(seed)), &rng)
    }

    /// Runs a random batch forward and backward, then moves every parameter and input element
    /// by ±h and compares each gradient with the central difference of the loss. Dropout masks
    /// stay fixed: every workspace draws them from the network's seed.
    static func checkAgainstCentralDifferences(_ network: Network, _ rng: inout SeededGenerator) throws {
        var net = network
        let model = net.model
        let batch = 1 + rng.below(3)
        let inputSize = net.shapes[0].reduce(1, *)
        var inputs = (0..<batch).map { _ in (0..<inputSize).map { _ in rng.uniform(-1, 1) } }
        let classes = net.shapes.last?.reduce(1, *) ?? 1
        let targets = (0..<batch).map { _ in rng.below(classes) }

        let ws = Workspace(network: net, batch: batch)
        for (i, x) in inputs.enumerated() { ws.setInput(x, sample: i) }
        net.forward(ws)
        net.loss(ws, targets: targets)
        net.backward(ws)

        // h = 1e-5 keeps the central difference's truncation error (O(h²)) and its rounding
        // error (O(ε/h)) both near 1e-10, far below the rtol 1e-6 asserted.
        let h = 1e-5
        func check(_ analytic: Double, _ numeric: Double, _ what: String) {
            #expect(isClose(analytic, numeric, rtol: 1e-6, atol: 1e-9), "\(what): backward \(analytic), finite difference \(numeric) in \(model.layers.map(\.kind.typeName))")
        }
        for p in net.parameters.indices {
            let grad = ws.parameterGradient(p)
            let original = net.parameters[p].tensor.data
            for j in original.indices {
                var d = original
                d[j] = original[j] + h
                net.setParameter(p, data: d)
                let up = Self.loss(net, inputs, targets)
                d[j] = original[j] - h
                net.setParameter(p, data: d)
                let down = Self.loss(net, inputs, targets)
                net.setParameter(p, data: original)
                check(grad[j], (up - down) / (2 * h), "\(net.parameters[p].name)[\(j)]")
            }
        }
        let gx = ws.gradient(0)
        for s in 0..<batch {
            for j in 0..<inputSize {
                let original = inputs[s][j]
                inputs[s][j] = original + h
                let up = Self.loss(net, inputs, targets)
                inputs[s][j] = original - h
                let down = Self.loss(net, inputs, targets)
                inputs[s][j] = original
                check(gx[s * inputSize + j], (up - down) / (2 * h), "input[\(s), \(j)]")
            }
        }
    }

    @Test func maxPoolTieGoesToFirstMaximumOnly() throws {
        let model = ModelSpec(input: [1, 2, 2], layers: [
            LayerSpec(name: "pool", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: false))),
        ], loss: .mse, classes: [])
        let net = try Network(model: model, parameters: ["out.weight": Tensor(shape: [2, 1], data: [1, 0])])
        let trace = net.trace(input: Tensor(shape: [1, 2, 2], data: [0.5, 0.5, 0.5, 0.2]), target: 1)
        let gin = try #require(trace.record("pool", .gradInput))
        // y = 0.5, target one-hot (0, 1): ∂L/∂y0 = 2·(0.5 − 0)/2 = 0.5, routed to cell 0 only.
        #expect(gin.data == [0.5, 0, 0, 0])
    }

    @Test func ceilPoolingPartialWindowTakesTheMaxOfWhatExists() throws {
        let spec = PoolSpec(size: 2, stride: 2, ceil: true)
        #expect(poolOutput(7, spec) == 4)
        #expect(poolOutput(4, spec) == 2)
        #expect(poolOutput(5, PoolSpec(size: 2, stride: 2)) == 2)
        // A window may hang over the edge but must start inside: 3 with size 2, stride 2 → 2 windows.
        #expect(poolOutput(3, spec) == 2)
        #expect(poolOutput(2, PoolSpec(size: 2, stride: 3, ceil: true)) == 1)
        let model = ModelSpec(input: [1, 3, 3], layers: [LayerSpec(name: "pool", kind: .maxpool(spec))], loss: .mse, classes: [])
        let net = try Network(model: model)
        let out = net.predict(Tensor(shape: [1, 3, 3], data: [1, 2, 3, 4, 5, 6, 7, 8, -9]))
        #expect(out == [5, 6, 8, -9])
    }

    @Test func crossEntropyMatchesItsFormula() throws {
        let model = ModelSpec(input: [1, 1, 2], layers: [
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 3, bias: true))),
        ], loss: .crossEntropy, classes: [])
        let net = try Network(model: model, parameters: [
            "out.weight": Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1]),
            "out.bias": Tensor(shape: [3], data: [0, 0, 0]),
        ])
        let t = net.trace(input: Tensor(shape: [1, 1, 2], data: [1, 2]), target: 2)
        // logits (1, 2, 3): loss = log(e + e² + e³) − 3.
        let expected = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        #expect(isClose(try #require(t.loss), expected, rtol: 1e-14))
    }
}
