/// The per-layer work of a network, with its geometry worked out once.
/// `weight` and `bias` are indices into `Network.parameters`; `mean` and `variance` into `Network.buffers`.
enum LayerKernel: Sendable {
    case conv(ConvGeometry, weight: Int, bias: Int?)
    case relu(Int)
    case pool(PoolGeometry)
    case dense(DenseGeometry, weight: Int, bias: Int?)
    /// Flatten, and dropout in eval mode: the values pass unchanged.
    case copy(Int)
    case activation(Activation, Int)
    case softmax(SoftmaxGeometry)
    case avgpool(AvgPoolGeometry)
    case globalAvgpool(GlobalAvgPoolGeometry)
    case batchnorm(BatchNormGeometry, weight: Int, bias: Int, mean: Int, variance: Int)
    /// Dropout in train mode over `count` values per sample; the mask is the workspace's.
    case dropout(count: Int, p: Double)

    /// Works out the kernels of each layer of a validated model.
    static func make(model: ModelSpec, shapes: [[Int]], slots: [(weight: Int?, bias: Int?)],
                     statSlots: [(mean: Int, variance: Int)?]) -> [LayerKernel] {
        model.layers.enumerated().map { i, layer in
            let n = shapes[i].reduce(1, *)
            let (w, b) = (slots[i].weight ?? 0, slots[i].bias)
            switch layer.kind {
            case .conv(let c): return .conv(ConvGeometry(spec: c, input: shapes[i], output: shapes[i + 1]), weight: w, bias: b)
            case .relu: return .relu(n)
            case .maxpool(let p): return .pool(PoolGeometry(spec: p, input: shapes[i]))
            case .dense: return .dense(DenseGeometry(inputs: n, units: shapes[i + 1].reduce(1, *)), weight: w, bias: b)
            case .flatten: return .copy(n)
            case .sigmoid: return .activation(.sigmoid, n)
            case .tanh: return .activation(.tanh, n)
            case .leakyRelu(let slope): return .activation(.leakyRelu(slope), n)
            case .softmax: return .softmax(SoftmaxGeometry(k: n, log: false))
            case .logSoftmax: return .softmax(SoftmaxGeometry(k: n, log: true))
            case .avgpool(let p): return .avgpool(AvgPoolGeometry(spec: p, input: shapes[i]))
            case .globalAvgpool: return .globalAvgpool(GlobalAvgPoolGeometry(channels: shapes[i][0], area: shapes[i][1] * shapes[i][2]))
            case .batchnorm(let s):
                let stats = statSlots[i] ?? (0, 0)
                return .batchnorm(BatchNormGeometry(spec: s, input: shapes[i]), weight: w, bias: b ?? 0, mean: stats.mean, variance: stats.variance)
            case .dropout(let d): return d.mode == .train ? .dropout(count: n, p: d.p) : .copy(n)
            }
        }
    }

    /// How many numbers of per-layer state a workspace keeps for this layer at batch size `batch`:
    /// batchnorm's statistics, dropout's mask.
    func stateSize(batch: Int) -> Int {
        switch self {
        case .batchnorm(let g, _, _, _, _): return BatchNormGeometry.stateRows * g.channels
        case .dropout(let count, _): return batch * count
        default: return 1
        }
    }
}

extension Network {

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

    /// Calls `body` with the storage of buffers `a` and `b` (batchnorm's running statistics).
    private func withBuffers<R>(_ a: Int, _ b: Int, _ body: (UnsafePointer<Double>, UnsafePointer<Double>) -> R) -> R {
        buffers[a].tensor.data.withUnsafeBufferPointer { pa in
            buffers[b].tensor.data.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { preconditionFailure("empty statistics") }
                return body(x, y)
            }
        }
    }

    private func record(_ tracer: Tracer, _ pass: Pass, _ layer: BoundLayer, _ role: TraceRole, _ shape: [Int], _ p: UnsafePointer<Double>) {
        tracer.record(pass, layer, role, shape: shape, data: UnsafeBufferPointer(start: p, count: shape.reduce(1, *)))
    }

    /// Logs activation-shaped values: `shapes[s]` per sample, `[batch] + shapes[s]` for a batch.
    private func record(_ tracer: Tracer, _ pass: Pass, _ layer: BoundLayer, _ role: TraceRole, activation s: Int, batch: Int,
                        _ p: UnsafePointer<Double>) {
        tracer.record(pass, layer, role, batch: batch, shape: shapes[s], data: UnsafeBufferPointer(start: p, count: batch * size(s)))
    }

    /// Runs every layer on the workspace's input (`[N, C, H, W]`, see `Workspace.setInput`).
    ///
    /// With a tracer, logs for each layer `input`; `weight` and `bias` where present; batchnorm's
    /// `running_mean` and `running_var` (as given) and, in train mode, `batch_mean`, `batch_var`
    /// (biased), `updated_running_mean` and `updated_running_var`; dropout's `mask` in train mode;
    /// and `output`.
    ///
    /// Without a tracer, a ReLU followed by max pooling runs as one pass (`fusedPool(after:)`):
    /// the ReLU's output is not stored, and `backward` does not store its gradient either.
    public func forward(_ ws: Workspace, tracer: Tracer? = nil) {
        let n = ws.batch
        // The record holding the last output: the next layer's input shares its values.
        var lastOutput: Int?
        tracer?.bind(layerNames)
        var i = 0
        while i < kernels.count {
            let kernel = kernels[i]
            let x = UnsafePointer(ws.activations[i]), y = ws.activations[i + 1]
            if tracer == nil, forwardConvPooled(i, ws) {
                // Conv, ReLU and max pooling: the pooling done block by block in the conv's pass.
                i += 3
                continue
            }
            if tracer == nil, let pool = fusedPool(after: i) {
                // ReLU then max pooling in one pass; the ReLU's output is not stored.
                pool.forwardReLU(batch: n, x: x, y: ws.activations[i + 2], argmax: ws.argmax[i + 1])
                i += 2
                continue
            }
            defer { i += 1 }
            if let tracer { recordParameters(tracer, i, x, n, inputRecord: lastOutput) }
            forward(kernel, batch: n, x: x, y: y, state: ws.state[i], ws: ws, columns: ws.columns[i], argmax: ws.argmax[i])
            if let tracer {
                recordState(tracer, i, ws)
                lastOutput = tracer.count
                record(tracer, .forward, BoundLayer(index: i), .output, activation: i + 1, batch: n, UnsafePointer(y))
            }
        }
    }

    /// Runs conv layer `i`, the ReLU after it and the max pooling after that as one pass when the
    /// conv can pool its blocks as it writes them (`ConvGeometry.poolsInBlocks`); returns whether
    /// it did. The ReLU's output is not stored; the conv's output is, as before.
    private func forwardConvPooled(_ i: Int, _ ws: Workspace) -> Bool {
        guard case .conv(let g, let wi, let bi) = kernels[i], g.winograd == nil, let pool = fusedPool(after: i + 1),
              g.poolsInBlocks(pool, batch: ws.batch) else { return false }
        let pooled = ConvPool(y: ws.activations[i + 3], argmax: ws.argmax[i + 2], outH: pool.outH, outW: pool.outW)
        withWeights(wi, bi) { w, b in
            g.forward(batch: ws.batch, x: UnsafePointer(ws.activations[i]), weight: w, bias: b, y: ws.activations[i + 1],
                      scratch: ws.convScratch, packed: ws.packedWeights, columns: ws.columns[i], pool: pooled)
        }
        return true
    }

    /// The max pooling layer `i + 1` when layer `i` is a ReLU it follows: the two run as one pass
    /// (`PoolGeometry.forwardReLU`, `backwardReLU`) when nothing is traced.
    func fusedPool(after i: Int) -> PoolGeometry? {
        guard i + 1 < kernels.count, case .relu = kernels[i], case .pool(let g) = kernels[i + 1] else { return nil }
        return g
    }

    /// Logs layer `i`'s input (sharing record `inputRecord`'s values when given) and the
    /// parameters and statistics it reads.
    private func recordParameters(_ tracer: Tracer, _ i: Int, _ x: UnsafePointer<Double>, _ n: Int, inputRecord: Int?) {
        let name = BoundLayer(index: i)
        if let inputRecord {
            tracer.record(.forward, name, .input, batch: n, shape: shapes[i], sameAs: inputRecord)
        } else {
            record(tracer, .forward, name, .input, activation: i, batch: n, x)
        }
        if let idx = slots[i].weight { tracer.record(.forward, name, .weight, shape: parameters[idx].tensor.shape, data: parameters[idx].tensor.data) }
        if let idx = slots[i].bias { tracer.record(.forward, name, .bias, shape: parameters[idx].tensor.shape, data: parameters[idx].tensor.data) }
        if let stats = statSlots[i] {
            for (role, idx) in [(TraceRole.runningMean, stats.mean), (.runningVar, stats.variance)] {
                tracer.record(.forward, name, role, shape: buffers[idx].tensor.shape, data: buffers[idx].tensor.data)
            }
        }
    }

    /// Logs what layer `i` worked out besides its output: batch statistics and dropout masks.
    private func recordState(_ tracer: Tracer, _ i: Int, _ ws: Workspace) {
        let name = BoundLayer(index: i), state = ws.state[i]
        switch kernels[i] {
        case .batchnorm(let g, _, _, _, _) where g.train:
            let c = [g.channels]
            record(tracer, .forward, name, .batchMean, c, g.mean(state))
            record(tracer, .forward, name, .batchVar, c, g.batchVariance(state))
            record(tracer, .forward, name, .updatedRunningMean, c, g.updatedMean(state))
            record(tracer, .forward, name, .updatedRunningVar, c, g.updatedVariance(state))
        case .dropout:
            record(tracer, .forward, name, .mask, activation: i, batch: ws.batch, state)
        default:
            break
        }
    }

    /// One layer's forward pass over the batch.
    private func forward(_ kernel: LayerKernel, batch n: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>,
                         state: UnsafeMutablePointer<Double>, ws: Workspace, columns: UnsafeMutablePointer<Double>,
                         argmax: UnsafeMutablePointer<Int32>) {
        switch kernel {
        case .conv(let g, let wi, let bi):
            withWeights(wi, bi) { w, b in
                // Wide stride-1 layers: Winograd (ConvWinograd.swift); the rest: im2col.
                if let wg = g.winograd { return g.forwardWinograd(wg, batch: n, x: x, weight: w, bias: b, y: y, buffers: ws.winograd) }
                g.forward(batch: n, x: x, weight: w, bias: b, y: y, scratch: ws.convScratch, packed: ws.packedWeights, columns: columns)
            }
        case .relu(let count): ReLUKernel.forward(count: n * count, x: x, y: y)
        case .pool(let g): g.forward(batch: n, x: x, y: y, argmax: argmax)
        case .dense(let g, let wi, let bi):
            withWeights(wi, bi) { w, b in g.forward(batch: n, x: x, weight: w, bias: b, y: y) }
        case .copy(let count): y.update(from: x, count: n * count)
        case .activation(let a, let count): a.forward(count: n * count, x: x, y: y)
        case .softmax(let g): g.forward(batch: n, x: x, y: y)
        case .avgpool(let g): g.forward(batch: n, x: x, y: y)
        case .globalAvgpool(let g): g.forward(batch: n, x: x, y: y)
        case .batchnorm(let g, let wi, let bi, let mi, let vi):
            withWeights(wi, bi) { w, b in
                withBuffers(mi, vi) { rm, rv in
                    // A batchnorm layer always has a bias.
                    g.forward(batch: n, x: x, weight: w, bias: b ?? w, runningMean: rm, runningVar: rv, y: y, state: state)
                }
            }
        case .dropout(let count, _): DropoutKernel.apply(count: n * count, x, mask: state, y)
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
        tracer?.record(.forward, "loss", .output, scalar: value)
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
        // The record holding the last grad_input: the layer before's grad_output shares its values.
        var lastGradInput: Int?
        tracer?.bind(layerNames)
        var i = kernels.count - 1
        while i >= 0 {
            defer { i -= 1 }
            let gy = UnsafePointer(ws.gradients[i + 1])
            let gx: UnsafeMutablePointer<Double>? = (i > 0 || inputGradient) ? ws.gradients[i] : nil
            if tracer == nil, i > 0, let pool = fusedPool(after: i - 1) {
                // Pooling's routing and the ReLU's mask in one pass; the ReLU's output gradient is not stored.
                let reluGradient = (i > 1 || inputGradient) ? ws.gradients[i - 1] : nil
                if let reluGradient {
                    pool.backwardReLU(batch: n, gy: gy, argmax: ws.argmax[i], y: ws.activations[i + 1], gx: reluGradient)
                }
                i -= 1
                continue
            }
            backward(i, ws, gy: gy, gx: gx)
            if let tracer {
                let name = BoundLayer(index: i), slot = slots[i]
                if let lastGradInput {
                    tracer.record(.backward, name, .gradOutput, batch: n, shape: shapes[i + 1], sameAs: lastGradInput)
                } else {
                    record(tracer, .backward, name, .gradOutput, activation: i + 1, batch: n, gy)
                }
                lastGradInput = nil
                if let gx {
                    lastGradInput = tracer.count
                    record(tracer, .backward, name, .gradInput, activation: i, batch: n, UnsafePointer(gx))
                }
                if let idx = slot.weight { record(tracer, .backward, name, .gradWeight, parameters[idx].tensor.shape, UnsafePointer(ws.parameterGradients[idx])) }
                if let idx = slot.bias { record(tracer, .backward, name, .gradBias, parameters[idx].tensor.shape, UnsafePointer(ws.parameterGradients[idx])) }
            }
        }
    }

    /// Layer `i`'s backward pass over the batch.
    private func backward(_ i: Int, _ ws: Workspace, gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>?) {
        let n = ws.batch
        let x = UnsafePointer(ws.activations[i]), y = UnsafePointer(ws.activations[i + 1])
        let gb = slots[i].bias.map { ws.parameterGradients[$0] }
        switch kernels[i] {
        case .conv(let g, let wi, let bi):
            withWeights(wi, bi) { w, _ in
                if let wg = g.winograd {
                    return g.backwardWinograd(wg, batch: n, x: x, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: gb, gx: gx,
                                              scaled: ws.scaled, buffers: ws.winograd)
                }
                g.backward(batch: n, x: x, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: gb, gx: gx,
                           scaled: ws.scaled, scratch: ws.convScratch, transposed: ws.packed, packed: ws.packedWeights, columns: ws.columns[i])
            }
        case .dense(let g, let wi, let bi):
            withWeights(wi, bi) { w, _ in
                g.backward(batch: n, x: x, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: gb, gx: gx,
                           scratch: ws.denseScratch)
            }
        case .batchnorm(let g, let wi, let bi, _, _):
            withWeights(wi, bi) { w, _ in
                g.backward(batch: n, x: x, weight: w, gy: gy, gradW: ws.parameterGradients[wi], gradB: ws.parameterGradients[bi],
                           gx: gx, state: ws.state[i])
            }
        default:
            guard let gx else { return }
            backwardWithoutParameters(kernels[i], batch: n, x: x, y: y, gy: gy, gx: gx, state: ws.state[i], argmax: ws.argmax[i])
        }
    }

    /// The backward pass of a layer without parameters: only `gx` is written.
    private func backwardWithoutParameters(_ kernel: LayerKernel, batch n: Int, x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                                           gy: UnsafePointer<Double>, gx: UnsafeMutablePointer<Double>,
                                           state: UnsafeMutablePointer<Double>, argmax: UnsafeMutablePointer<Int32>) {
        switch kernel {
        case .relu(let count): ReLUKernel.backward(count: n * count, y: y, gy: gy, gx: gx)
        case .pool(let g): g.backward(batch: n, gy: gy, argmax: argmax, gx: gx)
        case .copy(let count): gx.update(from: gy, count: n * count)
        case .activation(let a, let count): a.backward(count: n * count, x: x, y: y, gy: gy, gx: gx)
        case .softmax(let g): g.backward(batch: n, y: y, gy: gy, gx: gx)
        case .avgpool(let g): g.backward(batch: n, gy: gy, gx: gx)
        case .globalAvgpool(let g): g.backward(batch: n, gy: gy, gx: gx)
        case .dropout(let count, _): DropoutKernel.apply(count: n * count, gy, mask: state, gx)
        case .conv, .dense, .batchnorm: break
        }
    }

    /// Traces one sample: a forward pass and, when a target is given, the loss and a backward pass.
    /// - Parameter input: one sample, shape `shapes[0]` = `[C, H, W]`.
    /// - Returns: every array logged, in order (see `Trace`).
    ///
    /// `masks`: dropout masks to use instead of drawing them, by layer name (one sample's values,
    /// e.g. a trace's recorded `mask`, to run the same network again on a changed input).
    public func trace(input: Tensor, target: Int?, masks: [String: [Double]] = [:]) -> Trace {
        let ws = Workspace(network: self, batch: 1)
        if !masks.isEmpty { ws.setMasks(self, masks) }
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
