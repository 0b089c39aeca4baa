import CNNCore
import CNNFigures
import Foundation

/// One benchmark result: the median time of one step over several timed repeats.
public struct BenchResult: Sendable, Equatable {
    /// The workload's name, e.g. `xo-train-step-b1`.
    public var workload: String
    /// Median microseconds per step.
    public var microsecondsPerStep: Double
    /// Images per step divided by seconds per step.
    public var imagesPerSecond: Double

    public init(workload: String, microsecondsPerStep: Double, imagesPerSecond: Double) {
        self.workload = workload
        self.microsecondsPerStep = microsecondsPerStep
        self.imagesPerSecond = imagesPerSecond
    }

    /// `{"workload": ..., "us_per_step": ..., "images_per_s": ...}` on one line.
    public var jsonLine: String {
        "{\"workload\": \"\(workload)\", \"us_per_step\": \(rounded(microsecondsPerStep, 3)), \"images_per_s\": \(rounded(imagesPerSecond, 1))}"
    }

    private func rounded(_ x: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}

/// The built-in workloads of `cnn-explain bench`, in the order they run; the raw value is the
/// workload's name in `BenchResult`.
public enum BenchWorkload: String, Sendable, CaseIterable {
    /// One SGD step of `Benchmarks.xoTrainModel` on one image.
    case xoTrainStepB1 = "xo-train-step-b1"
    /// One SGD step of `Benchmarks.digitsModel` on a batch of 32.
    case digitsTrainStepB32 = "digits-train-step-b32"
    /// The xo step with the tracer logging every array.
    case xoTrace = "xo-trace"
    /// The whole xo lesson: traces, figures, PDF and PNGs (`Benchmarks.lessonRun`, run by the caller,
    /// which can find the lesson).
    case lessonXO = "lesson-xo"

    /// The workloads `Benchmarks.engineWorkloads` measures: all but `lessonXO`.
    public static let engine: [BenchWorkload] = [.xoTrainStepB1, .digitsTrainStepB32, .xoTrace]
}

/// The engine workloads of `cnn-explain bench`, measured in-process.
public enum Benchmarks {
    /// The article's network as trained in the benchmark: conv 3×3×3 (no bias, normalize),
    /// relu, maxpool 2/2 ceil, dense 2 with bias, cross-entropy. Input `[1, 9, 9]`.
    public static let xoTrainModel = ModelSpec(input: [1, 9, 9], layers: [
        LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
        LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
        LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: true))),
    ], loss: .crossEntropy, classes: ["X", "O"])

    /// A digits-sized network: input `[1, 28, 28]`, conv 8@5×5, relu, pool 2/2, conv 16@5×5, relu,
    /// pool 2/2, dense 10, cross-entropy.
    public static let digitsModel = digitsModel(image: 28, features: (8, 16))

    /// The digits network on an `image`×`image` input with `features.0` and `features.1` filters
    /// in its two 5×5 convolutions (the shapes of the speed tables in docs/performance.md).
    public static func digitsModel(image: Int, features: (Int, Int)) -> ModelSpec {
        ModelSpec(input: [1, image, image], layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: features.0, kernelH: 5, kernelW: 5))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "conv2", kind: .conv(ConvSpec(filters: features.1, kernelH: 5, kernelW: 5))),
            LayerSpec(name: "relu2", kind: .relu),
            LayerSpec(name: "pool2", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 10))),
        ], loss: .crossEntropy, classes: (0..<10).map(String.init))
    }

    /// Times `step` after `warmup` untimed calls: `repeats` rounds of `iterations` calls each;
    /// returns the median microseconds per call.
    public static func measure(warmup: Int = 200, repeats: Int = 15, iterations: Int, _ step: () -> Void) -> Double {
        for _ in 0..<warmup { step() }
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<repeats {
            let elapsed = clock.measure { for _ in 0..<iterations { step() } }
            let c = elapsed.components
            let seconds = Double(c.seconds) + Double(c.attoseconds) * 1e-18
            samples.append(seconds * 1e6 / Double(iterations))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// One SGD step (forward, backward, update) per call on a fixed random batch; with `traced`,
    /// the same step with a tracer logging every array of it.
    public static func trainStep(model: ModelSpec, batch: Int, iterations: Int, seed: UInt64 = 1, traced: Bool = false) throws -> Double {
        let step = try stepper(model: model, batch: batch, seed: seed, traced: traced)
        return measure(iterations: iterations, step)
    }

    /// A closure that runs one SGD step of `model` (forward, the model's loss, backward, update with
    /// learning rate 1e-3 and momentum 0.9) on `batch` inputs drawn uniformly from [−1, 1) with
    /// `seed`; sample `s` has class `s mod classes`. Everything is allocated before the first call.
    public static func stepper(model: ModelSpec, batch: Int, seed: UInt64 = 1, traced: Bool = false) throws -> () -> Void {
        var net = try Network(model: model, seed: seed)
        let ws = Workspace(network: net, batch: batch)
        var rng = SeededGenerator(seed: seed)
        let size = model.input.reduce(1, *)
        for s in 0..<batch { ws.setInput((0..<size).map { _ in rng.uniform(-1, 1) }, sample: s) }
        let classes = net.shapes.last?.reduce(1, *) ?? 1
        let targets = (0..<batch).map { $0 % classes }
        var sgd = SGD(learningRate: 1e-3, momentum: 0.9)
        let tracer = traced ? Tracer() : nil
        return {
            tracer?.reset()
            net.forward(ws, tracer: tracer)
            net.loss(ws, targets: targets, tracer: tracer)
            net.backward(ws, tracer: tracer, inputGradient: false)
            sgd.step(&net, ws)
        }
    }

    /// Times one SGD step of any model (see `stepper`) on `batch` seeded random inputs, with at
    /// most `threads` threads per pass. Without `iterations`, each of 7 timed repeats runs enough
    /// steps to last about 50 ms (at least one) after a warm-up of about 100 ms (at least 2 steps).
    /// - Parameter name: the workload's name in the result, e.g. `digits-b32`.
    /// - Parameter traced: log every array of each step with a tracer (reset before each step).
    public static func modelStep(model: ModelSpec, name: String, batch: Int, threads: Int = 2,
                                 iterations: Int? = nil, seed: UInt64 = 1, traced: Bool = false) throws -> BenchResult {
        let previous = Kernels.maxThreads
        Kernels.maxThreads = threads
        defer { Kernels.maxThreads = previous }
        let step = try stepper(model: model, batch: batch, seed: seed, traced: traced)
        let count: Int, warmup: Int
        if let iterations {
            (count, warmup) = (max(iterations, 1), max(1, iterations / 10))
        } else {
            step()
            let once = max(measure(warmup: 0, repeats: 1, iterations: 1, step), 1)
            (count, warmup) = (max(1, Int(50_000 / once)), max(2, Int(100_000 / once)))
        }
        let us = measure(warmup: warmup, repeats: 7, iterations: count, step)
        return BenchResult(workload: name, microsecondsPerStep: us, imagesPerSecond: Double(batch) * 1e6 / us)
    }

    /// The engine workloads (all of `BenchWorkload.engine`, or those in `only`). `quick` runs a
    /// tenth of the iterations.
    public static func engineWorkloads(quick: Bool = false, only: Set<BenchWorkload>? = nil,
                                       progress: (BenchResult) -> Void = { _ in }) throws -> [BenchResult] {
        let scale = quick ? 10 : 1
        var results: [BenchResult] = []
        for workload in BenchWorkload.engine where only?.contains(workload) ?? true {
            let (model, batch, traced) = workload == .digitsTrainStepB32 ? (digitsModel, 32, false) : (xoTrainModel, 1, workload == .xoTrace)
            let us = try trainStep(model: model, batch: batch, iterations: (batch == 1 ? 20_000 : 200) / scale, traced: traced)
            let result = BenchResult(workload: workload.rawValue, microsecondsPerStep: us, imagesPerSecond: Double(batch) * 1e6 / us)
            progress(result)
            results.append(result)
        }
        return results
    }
}
