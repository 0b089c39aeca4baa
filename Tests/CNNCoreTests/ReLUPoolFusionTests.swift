@testable import CNNCore
import CNNKernels
import Testing

/// ReLU then max pooling run as one pass (forward: the pooled rectified values and the winners;
/// backward: routing and the ReLU's mask) against the two layers one after the other, bit for
/// bit. The fused kernels are the same C on every kernel path; the suite runs on each path
/// (`CNN_EXPLAIN_KERNEL`), and the network tests compare the untraced step, which fuses, with the
/// traced one, which does not.
struct ReLUPoolFusionTests {
    /// Window size, stride, ceil mode, channels, height, width: whole 2×2 windows (the C kernel),
    /// odd sizes with partial windows in ceil mode, overlapping windows (stride < size), gaps
    /// (stride > size), a window as large as the plane; and 2×2 windows on rows of 8, 16 and 18
    /// output cells or more (the C kernel's vectors of eight cells, with and without a tail).
    static let geometries: [(size: Int, stride: Int, ceil: Bool, c: Int, h: Int, w: Int)] = [
        (2, 2, false, 3, 8, 10), (2, 2, false, 2, 7, 9), (2, 2, true, 2, 7, 9), (3, 2, true, 2, 7, 8),
        (3, 1, false, 1, 6, 5), (2, 3, false, 2, 8, 7), (3, 3, true, 1, 5, 7), (4, 4, false, 1, 4, 4),
        (2, 1, true, 2, 5, 6), (1, 1, false, 1, 3, 3),
        (2, 2, false, 1, 4, 16), (2, 2, false, 2, 6, 37), (2, 2, false, 3, 5, 33), (2, 2, false, 1, 2, 64),
    ]

    /// Values with ties, zeros of both signs, NaN and infinities among random ones.
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let specials: [Double] = [0, -0.0, 1, 1, -1, .nan, .infinity, -.infinity, 0.5, -0.5]
        return (0..<count).map { _ in
            rng.uniform(0, 1) < 0.4 ? specials[Int(rng.uniform(0, Double(specials.count)))] : rng.uniform(-1, 1)
        }
    }

    @Test(arguments: 0..<geometries.count)
    func fusedForwardGivesTheBitsOfReLUThenPool(index: Int) {
        let t = Self.geometries[index]
        for batch in [1, 3] {
            let g = PoolGeometry(spec: PoolSpec(size: t.size, stride: t.stride, ceil: t.ceil), input: [t.c, t.h, t.w])
            let x = Self.values(batch * g.inputSize, seed: UInt64(17 + index * 5 + batch))
            var rectified = [Double](repeating: .nan, count: x.count)
            var y = [Double](repeating: .nan, count: batch * g.outputSize), fusedY = y
            var arg = [Int32](repeating: -1, count: y.count), fusedArg = arg
            ReLUKernel.forward(count: x.count, x: x, y: &rectified)
            g.forward(batch: batch, x: rectified, y: &y, argmax: &arg)
            g.forwardReLU(batch: batch, x: x, y: &fusedY, argmax: &fusedArg)
            #expect(fusedY.map(\.bitPattern) == y.map(\.bitPattern), "\(t), batch \(batch)")
            #expect(fusedArg == arg, "\(t), batch \(batch)")
        }
    }

    @Test(arguments: 0..<geometries.count)
    func fusedBackwardGivesTheBitsOfPoolThenReLU(index: Int) {
        let t = Self.geometries[index]
        for batch in [1, 3] {
            let g = PoolGeometry(spec: PoolSpec(size: t.size, stride: t.stride, ceil: t.ceil), input: [t.c, t.h, t.w])
            let x = Self.values(batch * g.inputSize, seed: UInt64(91 + index * 5 + batch))
            // −0.0 among the output gradients: pooling adds it to +0.0, which gives +0.0.
            let gy = Self.values(batch * g.outputSize, seed: UInt64(7 + index)).map { $0.isNaN ? -0.0 : $0 }
            var rectified = [Double](repeating: .nan, count: x.count)
            var y = [Double](repeating: .nan, count: gy.count)
            var arg = [Int32](repeating: -1, count: gy.count)
            ReLUKernel.forward(count: x.count, x: x, y: &rectified)
            g.forward(batch: batch, x: rectified, y: &y, argmax: &arg)
            var routed = [Double](repeating: .nan, count: x.count), gx = routed, fused = routed
            g.backward(batch: batch, gy: gy, argmax: arg, gx: &routed)
            ReLUKernel.backward(count: x.count, y: rectified, gy: routed, gx: &gx)
            g.backwardReLU(batch: batch, gy: gy, argmax: arg, y: y, gx: &fused)
            #expect(fused.map(\.bitPattern) == gx.map(\.bitPattern), "\(t), batch \(batch)")
        }
    }

    /// A training step of networks with ReLU then pooling: untraced (fused) and traced (one layer
    /// after the other) give the same loss, parameter gradients and input gradient, bit for bit;
    /// large enough that the passes split their planes over threads.
    @Test(arguments: [(28, 2, 8), (13, 1, 3), (60, 2, 4)])
    func untracedStepGivesTheBitsOfTheTracedStep(image: Int, batch: Int, features: Int) throws {
        let model = ModelSpec(input: [1, image, image], layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: features, kernelH: 3, kernelW: 3, padding: 1))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "conv2", kind: .conv(ConvSpec(filters: 4, kernelH: 3, kernelW: 3))),
            LayerSpec(name: "relu2", kind: .relu),
            LayerSpec(name: "pool2", kind: .maxpool(PoolSpec(size: 3, stride: 2, ceil: true))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 3))),
        ], loss: .crossEntropy, classes: ["a", "b", "c"])
        let net = try Network(model: model, seed: 5)
        func step(traced: Bool) -> [[UInt64]] {
            let ws = Workspace(network: net, batch: batch)
            let x = Self.values(batch * image * image, seed: 3).map { $0.isFinite ? $0 : 0.25 }
            for s in 0..<batch { ws.setInput(Array(x[(s * image * image)..<((s + 1) * image * image)]), sample: s) }
            let tracer = traced ? Tracer() : nil
            net.forward(ws, tracer: tracer)
            let loss = net.loss(ws, targets: (0..<batch).map { $0 % 3 }, tracer: tracer)
            net.backward(ws, tracer: tracer)
            return [[loss.bitPattern], ws.gradient(0).map(\.bitPattern)] + (0..<net.parameters.count).map { ws.parameterGradient($0).map(\.bitPattern) }
        }
        #expect(step(traced: false) == step(traced: true))
    }

    /// Unpadded 5×5 convs then ReLU and 2×2 pooling: the conv's forward pass pools each block of
    /// rows as it writes it (`ConvGeometry.poolsInBlocks`) when untraced. One block a sample (16²,
    /// 28²: 12 and 24 output rows), blocks of 12 rows with a last one of 5 (57²) and blocks of 6
    /// rows (112²); the conv outputs, pooled values, winners, loss and every gradient are the
    /// bits of the traced step, which runs the layers one after another.
    @Test(arguments: [(16, 1, 3), (28, 2, 8), (57, 2, 4), (112, 1, 4)])
    func convPoolingInBlocksGivesTheBitsOfTheLayers(image: Int, batch: Int, features: Int) throws {
        let model = ModelSpec(input: [1, image, image], layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: features, kernelH: 5, kernelW: 5))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "conv2", kind: .conv(ConvSpec(filters: 5, kernelH: 3, kernelW: 3))),
            LayerSpec(name: "relu2", kind: .relu),
            LayerSpec(name: "pool2", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 3))),
        ], loss: .crossEntropy, classes: ["a", "b", "c"])
        let net = try Network(model: model, seed: 7)
        guard case .conv(let g, _, _) = net.kernels[0], case .pool(let pool) = net.kernels[2] else {
            Issue.record("unexpected layers"); return
        }
        #expect(g.poolsInBlocks(pool, batch: batch))
        func step(traced: Bool) -> [[UInt64]] {
            let ws = Workspace(network: net, batch: batch)
            let x = Self.values(batch * image * image, seed: 11).map { $0.isFinite ? $0 : -0.5 }
            for s in 0..<batch { ws.setInput(Array(x[(s * image * image)..<((s + 1) * image * image)]), sample: s) }
            let tracer = traced ? Tracer() : nil
            net.forward(ws, tracer: tracer)
            let winners = (0..<(batch * pool.outputSize)).map { UInt64(bitPattern: Int64(ws.argmax[2][$0])) }
            let values = [1, 3, 4, 6].map { ws.activation($0).map(\.bitPattern) } + [winners]
            let loss = net.loss(ws, targets: (0..<batch).map { $0 % 3 }, tracer: tracer)
            net.backward(ws, tracer: tracer)
            return values + [[loss.bitPattern], ws.gradient(0).map(\.bitPattern)]
                + (0..<net.parameters.count).map { ws.parameterGradient($0).map(\.bitPattern) }
        }
        #expect(step(traced: false) == step(traced: true))
    }
}
