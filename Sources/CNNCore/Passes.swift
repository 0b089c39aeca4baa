/// The per-layer work of a network, with its geometry worked out once.
/// `weight` and `bias` are indices into `Network.parameters`.
enum LayerKernel: Sendable {
    case conv(ConvGeometry, weight: Int, bias: Int?)
    case relu(Int)
    case pool(PoolGeometry)
    case dense(DenseGeometry, weight: Int, bias: Int?)

    /// Works out the kernels of each layer of a validated model.
    static func make(model: ModelSpec, shapes: [[Int]], slots: [(weight: Int?, bias: Int?)]) -> [LayerKernel] {
        model.layers.enumerated().map { i, layer in
            let n = shapes[i].reduce(1, *)
            switch layer.kind {
            case .conv(let c):
                return .conv(ConvGeometry(spec: c, input: shapes[i], output: shapes[i + 1]), weight: slots[i].weight ?? 0, bias: slots[i].bias)
            case .relu: return .relu(n)
            case .maxpool(let p): return .pool(PoolGeometry(spec: p, input: shapes[i]))
            case .dense:
                return .dense(DenseGeometry(inputs: n, units: shapes[i + 1].reduce(1, *)), weight: slots[i].weight ?? 0, bias: slots[i].bias)
            }
        }
    }
}

extension Network {
    private func traceShape(_ shape: [Int], _ batch: Int) -> [Int] { batch == 1 ? shape : [batch] + shape }

    private func withParameter<R>(_ index: Int?, _ body: (UnsafePointer<Double>?) -> R) -> R {
        guard let index else { return body(nil) }
        return parameters[index].tensor.data.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Calls `body` with the weight's and the optional bias's storage.
    private func withWeights<R>(_ weight: Int, _ bias: Int?, _ body: (UnsafePointer<Double>, UnsafePointer<Double>?) -> R) -> R {
        parameters[weight].tensor.data.withUnsafeBufferPointer { w in
            // A validated weight tensor always has at least one element.
            guard let base = w.baseAddress else { preconditionFailure("empty weight tensor") }
            return withParameter(bias) { b in body(base, b) }
        }
    }

    private func record(_ tracer: Tracer, _ pass: Pass, _ layer: String, _ role: String, _ shape: [Int], _ p: UnsafePointer<Double>) {
        tracer.record(pass, layer, role, shape: shape, data: UnsafeBufferPointer(start: p, count: shape.reduce(1, *)))
    }

    /// Runs every layer on the workspace's input (`[N, C, H, W]`, see `Workspace.setInput`).
    ///
    /// With a tracer, logs for each layer `input`, `weight` and `bias` where present, and `output`.
    public func forward(_ ws: Workspace, tracer: Tracer? = nil) {
        let n = ws.batch
        for (i, kernel) in kernels.enumerated() {
            let x = UnsafePointer(ws.activations[i]), y = ws.activations[i + 1]
            let slot = slots[i]
            let name = layerNames[i]
            if let tracer {
                record(tracer, .forward, name, "input", traceShape(shapes[i], n), x)
                if let idx = slot.weight { tracer.record(.forward, name, "weight", shape: parameters[idx].tensor.shape, data: parameters[idx].tensor.data) }
                if let idx = slot.bias { tracer.record(.forward, name, "bias", shape: parameters[idx].tensor.shape, data: parameters[idx].tensor.data) }
            }
            switch kernel {
            case .conv(let g, let wi, let bi):
                withWeights(wi, bi) { w, b in g.forward(batch: n, x: x, weight: w, bias: b, y: y, cols: ws.columns[i]) }
            case .relu(let count):
                ReLUKernel.forward(count: n * count, x: x, y: y)
            case .pool(let g):
                g.forward(batch: n, x: x, y: y, argmax: ws.argmax[i])
            case .dense(let g, let wi, let bi):
                withWeights(wi, bi) { w, b in g.forward(batch: n, x: x, weight: w, bias: b, y: y) }
            }
            if let tracer { record(tracer, .forward, name, "output", traceShape(shapes[i + 1], n), UnsafePointer(y)) }
        }
    }

    /// Computes the loss of the last forward pass against one class index per sample, and
    /// `∂L/∂output`, ready for `backward`. With a tracer, logs layer `loss`, role `output`, shape `[]`.
    /// - Precondition: `targets.count == ws.batch` and every target is in `0..<outputs`.
    @discardableResult
    public func loss(_ ws: Workspace, targets: [Int], tracer: Tracer? = nil) -> Double {
        let k = size(shapes.count - 1)
        precondition(targets.count == ws.batch && targets.allSatisfy { $0 >= 0 && $0 < k }, "bad targets")
        ws.targets = targets
        let last = shapes.count - 1
        let value = LossKernel.evaluate(model.loss, batch: ws.batch, classes: k, y: ws.activations[last],
                                        targets: targets, grad: ws.gradients[last])
        ws.loss = value
        tracer?.record(.forward, "loss", "output", scalar: value)
        return value
    }

    /// Runs the layers backward from `∂L/∂output` (set by `loss`), filling every activation
    /// gradient and parameter gradient. With `inputGradient` false the gradient with respect to
    /// the network's input is not computed (training does not need it).
    ///
    /// With a tracer, logs for each layer, last first: `grad_output`, `grad_input`, and
    /// `grad_weight`, `grad_bias` where present.
    public func backward(_ ws: Workspace, tracer: Tracer? = nil, inputGradient: Bool = true) {
        let n = ws.batch
        for i in stride(from: kernels.count - 1, through: 0, by: -1) {
            let x = UnsafePointer(ws.activations[i]), y = UnsafePointer(ws.activations[i + 1])
            let gy = UnsafePointer(ws.gradients[i + 1])
            let gx: UnsafeMutablePointer<Double>? = (i > 0 || inputGradient) ? ws.gradients[i] : nil
            let slot = slots[i]
            let gb = slot.bias.map { ws.parameterGradients[$0] }
            switch kernels[i] {
            case .conv(let g, let wi, let bi):
                withWeights(wi, bi) { w, _ in
                    g.backward(batch: n, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: gb, gx: gx,
                               cols: ws.columns[i], scratch: ws.convScratch, packed: ws.packed)
                }
            case .relu(let count):
                if let gx { ReLUKernel.backward(count: n * count, y: y, gy: gy, gx: gx) }
            case .pool(let g):
                if let gx { g.backward(batch: n, gy: gy, argmax: ws.argmax[i], gx: gx) }
            case .dense(let g, let wi, let bi):
                withWeights(wi, bi) { w, _ in
                    g.backward(batch: n, x: x, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: gb, gx: gx)
                }
            }
            if let tracer {
                let name = layerNames[i]
                record(tracer, .backward, name, "grad_output", traceShape(shapes[i + 1], n), gy)
                if let gx { record(tracer, .backward, name, "grad_input", traceShape(shapes[i], n), UnsafePointer(gx)) }
                if let idx = slot.weight { record(tracer, .backward, name, "grad_weight", parameters[idx].tensor.shape, UnsafePointer(ws.parameterGradients[idx])) }
                if let gb, let idx = slot.bias { record(tracer, .backward, name, "grad_bias", parameters[idx].tensor.shape, UnsafePointer(gb)) }
            }
        }
    }

    /// Traces one sample: a forward pass and, when a target is given, the loss and a backward pass.
    /// - Parameter input: one sample, shape `shapes[0]` = `[C, H, W]`.
    /// - Returns: every array logged, in order (see `Trace`).
    public func trace(input: Tensor, target: Int?) -> Trace {
        let ws = Workspace(network: self, batch: 1)
        ws.setInput(input.data)
        let tracer = Tracer()
        forward(ws, tracer: tracer)
        if let target {
            loss(ws, targets: [target], tracer: tracer)
            backward(ws, tracer: tracer)
        }
        return Trace(model: model, target: target, records: tracer.records)
    }

    /// The network's outputs for one sample `[C, H, W]`.
    public func predict(_ input: Tensor) -> [Double] {
        let ws = Workspace(network: self, batch: 1)
        ws.setInput(input.data)
        forward(ws)
        return ws.output()
    }
}
