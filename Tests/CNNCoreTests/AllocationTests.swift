import AllocationCounter
@testable import CNNCore
import CNNTraining
import Testing

/// A training step (forward, loss, backward, SGD update) allocates nothing once the workspace,
/// the SGD velocities, the pool's threads and their packing buffers exist: every heap allocation
/// of the step's thread, and of the pool's workers while they run its jobs, is counted through a
/// wrapped `malloc` (glibc only; elsewhere the test is skipped).
struct AllocationTests {
    static func digits(_ image: Int, _ f1: Int, _ f2: Int) -> ModelSpec {
        Benchmarks.digitsModel(image: image, features: (f1, f2))
    }

    /// The article's network: a normalizing conv without bias, ceil pooling, a dense layer.
    static let xo = ModelSpec(input: [1, 9, 9], layers: [
        LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
        LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
        LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: true))),
    ], loss: .crossEntropy, classes: ["X", "O"])

    /// Small, threaded (conv by samples and by channels, dense by products) and single-image cases.
    static let cases: [(String, ModelSpec, Int)] = [
        ("xo b1", xo, 1), ("digits28 b32", digits(28, 8, 16), 32), ("digits56 32-64 b4", digits(56, 32, 64), 4),
        ("digits64 b1", digits(72, 8, 16), 1),
        // Winograd layers (the 56² network's conv2 above takes that path too): 3×3 with padding.
        ("wide 3×3 b3", WinogradTests.wide3x3, 3),
    ]

    /// The counter sees an allocation when one is made (so a count of 0 above means something).
    @Test func theCounterCountsAnArray() {
        allocation_counter_start(99)
        let values = [Double](repeating: 1, count: 1000 + Int(allocation_counter_stop() & 1))
        allocation_counter_start(99)
        let copy = values.map { $0 + 1 }
        let count = allocation_counter_stop()
        guard count >= 0 else { return }
        #expect(count >= 1 && copy.count == values.count)
    }

    @Test(arguments: 0..<cases.count)
    func aTrainingStepAllocatesNothing(index: Int) throws {
        let (name, model, batch) = Self.cases[index]
        var net = try Network(model: model, seed: 2)
        let ws = Workspace(network: net, batch: batch)
        var rng = SeededGenerator(seed: 3)
        let size = model.input.reduce(1, *)
        for s in 0..<batch { ws.setInput((0..<size).map { _ in rng.uniform(-1, 1) }, sample: s) }
        let targets = (0..<batch).map { $0 % 2 }
        var sgd = SGD(learningRate: 1e-3, momentum: 0.9)
        func step() {
            net.forward(ws)
            net.loss(ws, targets: targets)
            net.backward(ws, inputGradient: false)
            sgd.step(&net, ws)
        }
        step()
        step()
        allocation_counter_start(Int32(100 + index))
        step()
        step()
        let count = allocation_counter_stop()
        guard count >= 0 else { return }
        #expect(count == 0, "\(name): \(count) allocations in two steps")
    }
}
