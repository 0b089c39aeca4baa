/// A network built from a `ModelSpec` and its parameters.
///
/// Parameters are named as in PyTorch's `state_dict`: `NAME.weight` (`[out, in, kh, kw]` for conv,
/// `[units, inputs]` for dense, `[C]` for batchnorm) and `NAME.bias` (`[out]`); batchnorm adds
/// the buffers `NAME.running_mean` and `NAME.running_var` (`[C]`).
public struct Network: Sendable {
    /// The model this network implements.
    public let model: ModelSpec
    /// Per-sample shapes: `shapes[0]` is the input `[C, H, W]`, `shapes[i + 1]` the output of layer `i`.
    public let shapes: [[Int]]
    /// The parameters, in layer order, weight before bias.
    public internal(set) var parameters: [Parameter]
    /// Statistics that are not trained: batchnorm's `NAME.running_mean` and `NAME.running_var`.
    public internal(set) var buffers: [Parameter]
    /// For each layer, the indices of its weight and bias in `parameters`.
    let slots: [(weight: Int?, bias: Int?)]
    /// For each batchnorm layer, the indices of its running mean and variance in `buffers`.
    let statSlots: [(mean: Int, variance: Int)?]
    /// The seed of the parameters drawn at random and of the dropout masks.
    public let seed: UInt64
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
    /// weights of a normalizing conv, whose pixels play the part of the article's ±1 features;
    /// batchnorm starts as PyTorch's does (weight 1, bias 0, running mean 0, running variance 1).
    /// Each parameter draws from its own stream, so a missing parameter's values do not depend on
    /// which others were given. `NAME.num_batches_tracked` of a batchnorm layer is accepted and ignored.
    /// - Throws: `ModelError` for an invalid model, a parameter of the wrong shape, an unknown
    ///   parameter name, or a value that is NaN or infinite.
    public init(model: ModelSpec, parameters given: [String: Tensor] = [:], seed: UInt64 = 0) throws {
        let shapes = try model.shapes()
        var params: [Parameter] = [], buffers: [Parameter] = []
        var slots: [(weight: Int?, bias: Int?)] = []
        var statSlots: [(mean: Int, variance: Int)?] = []
        var known = Set<String>()
        for (i, layer) in model.layers.enumerated() {
            var slot: (weight: Int?, bias: Int?) = (nil, nil)
            var stats: (mean: Int, variance: Int) = (-1, -1)
            for spec in ParameterSpec.of(layer, input: shapes[i]) {
                known.insert(spec.name)
                let tensor = try spec.tensor(given: given[spec.name], seed: seed)
                switch spec.role {
                case .weight: params.append(Parameter(name: spec.name, tensor: tensor)); slot.weight = params.count - 1
                case .bias: params.append(Parameter(name: spec.name, tensor: tensor)); slot.bias = params.count - 1
                case .runningMean: buffers.append(Parameter(name: spec.name, tensor: tensor)); stats.mean = buffers.count - 1
                default: buffers.append(Parameter(name: spec.name, tensor: tensor)); stats.variance = buffers.count - 1
                }
            }
            if case .batchnorm = layer.kind { known.insert("\(layer.name).num_batches_tracked") }
            slots.append(slot)
            statSlots.append(stats.mean >= 0 ? stats : nil)
        }
        if let extra = given.keys.sorted().first(where: { !known.contains($0) }) {
            let expected = known.filter { !$0.hasSuffix(".num_batches_tracked") }.sorted().joined(separator: ", ")
            throw ModelError(field: extra, "the model has no parameter of that name (it has: \(expected.isEmpty ? "none" : expected))")
        }
        self.model = model
        self.shapes = shapes
        self.parameters = params
        self.buffers = buffers
        self.slots = slots
        self.statSlots = statSlots
        self.seed = seed
        self.kernels = LayerKernel.make(model: model, shapes: shapes, slots: slots, statSlots: statSlots)
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

    /// Takes batchnorm's updated running statistics from the last train-mode forward pass in `ws`,
    /// as PyTorch does on every forward pass of a module in training mode.
    public mutating func updateRunningStatistics(from ws: Workspace) {
        for (i, kernel) in kernels.enumerated() {
            guard case .batchnorm(let g, _, _, let mi, let vi) = kernel, g.train else { continue }
            buffers[mi].tensor.data = Array(UnsafeBufferPointer(start: g.updatedMean(ws.state[i]), count: g.channels))
            buffers[vi].tensor.data = Array(UnsafeBufferPointer(start: g.updatedVariance(ws.state[i]), count: g.channels))
        }
    }

    /// Parameters and statistics as a dictionary, keyed by `state_dict` name.
    public var stateDictionary: [String: Tensor] {
        parameterDictionary.merging(buffers.map { ($0.name, $0.tensor) }) { a, _ in a }
    }

    /// Parameters as a dictionary, keyed by `state_dict` name.
    public var parameterDictionary: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) })
    }

    /// The number of values per sample in `shapes[i]`.
    func size(_ i: Int) -> Int { shapes[i].reduce(1, *) }
}
