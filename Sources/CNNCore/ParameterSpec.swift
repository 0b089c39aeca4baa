/// One tensor a layer needs from a weights file: a trained parameter (`weight`, `bias`) or a
/// batchnorm statistic (`running_mean`, `running_var`), with its shape and its starting values.
public struct ParameterSpec: Sendable, Equatable {
    /// `layer.role`, as in PyTorch's `state_dict`.
    public var name: String
    /// `weight`, `bias`, `runningMean` or `runningVar`: the role its trace record has.
    public var role: TraceRole
    public var shape: [Int]
    /// How the value starts when no file gives it.
    public var start: Start

    /// A parameter's starting values.
    public enum Start: Sendable, Equatable {
        /// Uniform in `[−bound, bound)`, from the seed and a stream named after the parameter.
        case uniform(bound: Double)
        /// Every element the same (batchnorm's 1 and 0).
        case constant(Double)
    }

    /// The tensors layer `layer` needs, given its input shape, weight before bias before statistics.
    public static func of(_ layer: LayerSpec, input: [Int]) -> [ParameterSpec] {
        func spec(_ role: TraceRole, _ shape: [Int], _ start: Start) -> ParameterSpec {
            ParameterSpec(name: "\(layer.name).\(role)", role: role, shape: shape, start: start)
        }
        switch layer.kind {
        case .conv(let c):
            let fanIn = input[0] * c.kernelH * c.kernelW
            let bound = 1 / Double(fanIn).squareRoot()
            return [spec(.weight, [c.filters, input[0], c.kernelH, c.kernelW], .uniform(bound: c.normalize ? 1 : bound))]
                + (c.bias ? [spec(.bias, [c.filters], .uniform(bound: bound))] : [])
        case .dense(let d):
            let fanIn = input.reduce(1, *)
            let bound = 1 / Double(fanIn).squareRoot()
            return [spec(.weight, [d.units, fanIn], .uniform(bound: bound))] + (d.bias ? [spec(.bias, [d.units], .uniform(bound: bound))] : [])
        case .batchnorm:
            let c = [input[0]]
            return [spec(.weight, c, .constant(1)), spec(.bias, c, .constant(0)),
                    spec(.runningMean, c, .constant(0)), spec(.runningVar, c, .constant(1))]
        case .relu, .maxpool, .flatten, .avgpool, .globalAvgpool, .sigmoid, .tanh, .leakyRelu, .softmax, .logSoftmax, .dropout:
            return []
        }
    }

    /// The tensor: `given` after checking its shape and values, or the starting values.
    func tensor(given: Tensor?, seed: UInt64) throws -> Tensor {
        if let t = given {
            guard t.shape == shape else {
                throw ModelError(field: name, "expected shape \(fmt(shape)), got \(fmt(t.shape))")
            }
            if let bad = t.data.firstIndex(where: { !$0.isFinite }) {
                throw ModelError(field: name, "element \(bad) is \(t.data[bad]); weights must be finite numbers")
            }
            if role == .runningVar, let bad = t.data.firstIndex(where: { $0 < 0 }) {
                throw ModelError(field: name, "element \(bad) is \(t.data[bad]); a variance cannot be negative")
            }
            return t
        }
        let count = shape.reduce(1, *)
        switch start {
        case .constant(let v):
            return Tensor(shape: shape, data: Array(repeating: v, count: count))
        case .uniform(let b):
            var rng = SeededGenerator(seed: seed, stream: name)
            return Tensor(shape: shape, data: (0..<count).map { _ in rng.uniform(-b, b) })
        }
    }
}

extension ModelSpec {
    /// Every tensor the model needs from a weights file, in layer order (see `ParameterSpec`).
    /// - Throws: `ModelError` for an invalid model.
    public func parameterSpecs() throws -> [ParameterSpec] {
        let shapes = try shapes()
        return layers.enumerated().flatMap { i, layer in ParameterSpec.of(layer, input: shapes[i]) }
    }
}
