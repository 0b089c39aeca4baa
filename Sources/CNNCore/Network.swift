/// A network built from a `ModelSpec` and its parameters.
///
/// Parameters are named as in PyTorch's `state_dict`: `NAME.weight` (`[out, in, kh, kw]` for conv,
/// `[units, inputs]` for dense) and `NAME.bias` (`[out]`).
public struct Network: Sendable {
    /// The model this network implements.
    public let model: ModelSpec
    /// Per-sample shapes: `shapes[0]` is the input `[C, H, W]`, `shapes[i + 1]` the output of layer `i`.
    public let shapes: [[Int]]
    /// The parameters, in layer order, weight before bias.
    public internal(set) var parameters: [Parameter]
    /// For each layer, the indices of its weight and bias in `parameters`.
    let slots: [(weight: Int?, bias: Int?)]
    /// Each layer's kernel, with its geometry worked out once.
    let kernels: [LayerKernel]
    /// Each layer's name, for the tracer.
    let layerNames: [String]

    /// A named parameter tensor.
    public struct Parameter: Sendable, Equatable {
        /// `layer.weight` or `layer.bias`.
        public var name: String
        public var tensor: Tensor
    }

    /// Builds a network, taking parameters from `given` and initializing every missing one from
    /// `seed`: uniform in `[−1/√fan_in, 1/√fan_in)` (PyTorch's default bound), or `[−1, 1)` for the
    /// weights of a normalizing conv, whose pixels play the part of the article's ±1 features.
    /// Each parameter draws from its own stream, so a missing parameter's values do not depend on
    /// which others were given.
    /// - Throws: `ModelError` for an invalid model, a parameter of the wrong shape, an unknown
    ///   parameter name, or a value that is NaN or infinite.
    public init(model: ModelSpec, parameters given: [String: Tensor] = [:], seed: UInt64 = 0) throws {
        let shapes = try model.shapes()
        var params: [Parameter] = []
        var slots: [(weight: Int?, bias: Int?)] = []
        var known = Set<String>()
        for (i, layer) in model.layers.enumerated() {
            let input = shapes[i]
            var wShape: [Int]?, bShape: [Int]?
            var fanIn = 1
            var bound = 1.0
            switch layer.kind {
            case .conv(let c):
                wShape = [c.filters, input[0], c.kernelH, c.kernelW]
                bShape = c.bias ? [c.filters] : nil
                fanIn = input[0] * c.kernelH * c.kernelW
                bound = c.normalize ? 1 : 1 / Double(fanIn).squareRoot()
            case .dense(let d):
                fanIn = input.reduce(1, *)
                wShape = [d.units, fanIn]
                bShape = d.bias ? [d.units] : nil
                bound = 1 / Double(fanIn).squareRoot()
            case .relu, .maxpool:
                break
            }
            var slot: (weight: Int?, bias: Int?) = (nil, nil)
            for (role, shape) in [("weight", wShape), ("bias", bShape)] {
                guard let shape else { continue }
                let name = "\(layer.name).\(role)"
                known.insert(name)
                let tensor: Tensor
                if let t = given[name] {
                    guard t.shape == shape else {
                        throw ModelError(field: name, "expected shape \(fmt(shape)), got \(fmt(t.shape))")
                    }
                    if let bad = t.data.firstIndex(where: { !$0.isFinite }) {
                        throw ModelError(field: name, "element \(bad) is \(t.data[bad]); weights must be finite numbers")
                    }
                    tensor = t
                } else {
                    var rng = SeededGenerator(seed: seed, stream: name)
                    let b = role == "bias" ? 1 / Double(fanIn).squareRoot() : bound
                    tensor = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-b, b) })
                }
                params.append(Parameter(name: name, tensor: tensor))
                if role == "weight" { slot.weight = params.count - 1 } else { slot.bias = params.count - 1 }
            }
            slots.append(slot)
        }
        if let extra = given.keys.sorted().first(where: { !known.contains($0) }) {
            let expected = known.sorted().joined(separator: ", ")
            throw ModelError(field: extra, "the model has no parameter of that name (it has: \(expected.isEmpty ? "none" : expected))")
        }
        self.model = model
        self.shapes = shapes
        self.parameters = params
        self.slots = slots
        self.kernels = LayerKernel.make(model: model, shapes: shapes, slots: slots)
        self.layerNames = model.layers.map(\.name)
    }

    /// The parameter called `name`, if the model has one.
    public func parameter(_ name: String) -> Tensor? {
        parameters.first { $0.name == name }?.tensor
    }

    /// Replaces the data of parameter `index` (same shape).
    public mutating func setParameter(_ index: Int, data: [Double]) {
        precondition(data.count == parameters[index].tensor.count)
        parameters[index].tensor.data = data
    }

    /// Sets element `j` of parameter `p` to `value`, runs the workspace's input forward and
    /// returns the loss against `targets` (for nudging and finite differences). The parameter
    /// keeps `value`.
    mutating func loss(setting p: Int, _ j: Int, to value: Double, _ ws: Workspace, targets: [Int]) -> Double {
        parameters[p].tensor.data[j] = value
        forward(ws)
        return loss(ws, targets: targets)
    }

    /// Parameters as a dictionary, keyed by `state_dict` name.
    public var parameterDictionary: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) })
    }

    /// The number of values per sample in `shapes[i]`.
    func size(_ i: Int) -> Int { shapes[i].reduce(1, *) }
}
