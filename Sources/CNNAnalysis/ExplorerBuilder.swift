import CNNCore
import CNNFigures
import CNNFiles

extension Explorer {
    /// The explorer of a one-sample trace: every distinct recorded number with `explain`'s
    /// derivation of it, each layer's geometry (conv divisor, the engine's pooling windows), and the
    /// engine's forward pass with the centre input value negated.
    ///
    /// Records left out repeat others: a later layer's `input` is the previous layer's `output`,
    /// and a layer's `grad_output` is the next layer's `grad_input` (the last layer's is kept).
    /// - Throws: `FileError` when the trace's model is invalid.
    public static func build(from trace: Trace, name: String, style: NumberStyle) throws(FileError) -> Explorer {
        let model = trace.model
        let shapes: [[Int]]
        do { shapes = try model.shapes() } catch {
            throw FileError(file: name, field: "model", "the trace's model is invalid: \(error)")
        }
        let layers = model.layers.enumerated().map { i, l in layer(l, input: shapes[i], output: shapes[i + 1]) }
        let first = model.layers.first?.name, last = model.layers.last?.name
        let shown = trace.records.filter { r in
            if r.role == "input" { return r.layer == first }
            if r.role == "grad_output" { return r.layer == last }
            return true
        }
        return Explorer(name: name, classes: model.classNames, target: trace.target, loss: model.loss.rawValue, style: style,
                        inputShape: shapes[0], layers: layers,
                        records: shown.map { record($0, in: trace, style: style) },
                        flip: flip(trace, shape: shapes[0]))
    }

    static func layer(_ l: LayerSpec, input: [Int], output: [Int]) -> ExplorerLayer {
        var e = ExplorerLayer(name: l.name, type: l.kind.typeName, inputShape: input, outputShape: output)
        switch l.kind {
        case .conv(let c):
            e.kernel = [c.kernelH, c.kernelW]
            e.stride = c.stride
            let pads = c.pads
            e.pad = [pads.top, pads.left, pads.bottom, pads.right]
            e.dilation = c.dilation
            e.divisor = c.normalize ? Double(input[0] * c.kernelH * c.kernelW) : 1
        case .maxpool(let p) where input.count == 3:
            e.windows(PoolWindows(p, height: input[1], width: input[2]))
        case .avgpool(let p) where input.count == 3:
            let w = PoolWindows(size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil, height: input[1], width: input[2])
            e.windows(w)
            e.divisors = (0..<(w.outH * w.outW)).map { Double(w.divisor($0 / w.outW, $0 % w.outW, countIncludePad: p.countIncludePad)) }
        case .batchnorm(let b):
            e.eps = b.eps
            e.mode = b.mode.rawValue
        case .dropout(let d):
            e.mode = d.mode.rawValue
        case .leakyRelu(let slope):
            e.slope = slope
        default:
            break
        }
        return e
    }

    /// Adds to `figureRecords` every record that `sources` point at in a trace other than the
    /// explored one (`name`), from `traces` (by name), once each, in the order first pointed at.
    /// Sources naming a trace or record that does not exist are left out (their numbers stay plain).
    public mutating func addFigureRecords(for sources: [TraceSource], traces: [String: Trace], style: NumberStyle) {
        var seen = Set<String>()
        for s in sources where s.trace != name && seen.insert(s.trace + ":" + s.key).inserted {
            let parts = s.key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let trace = traces[s.trace], let r = trace.record(parts[0], parts[1]) else { continue }
            var e = Self.record(r, in: trace, style: style)
            e.trace = s.trace
            figureRecords.append(e)
        }
    }

    /// Each element's derivation, as `explain` gives it for `layer.role[i,j,…]`.
    static func record(_ r: TraceRecord, in trace: Trace, style: NumberStyle) -> ExplorerRecord {
        // Given ±1 pixels and features read as the article writes them: "1", "−1".
        let wholeNumbers = ["input", "weight"].contains(r.role) && r.data.allSatisfy { $0 == $0.rounded() && abs($0) < 1e6 }
        var texts: [String] = [], values: [Double?] = []
        texts.reserveCapacity(r.data.count)
        for k in 0..<r.data.count {
            let index = multiIndex(k, shape: r.shape)
            let query = r.layer == "loss" ? "loss" : "\(r.key)[\(index.map(String.init).joined(separator: ","))]"
            do {
                let e = try explanation(trace: trace, query: query, style: style)
                texts.append(e.text)
                values.append(e.recomputed)
            } catch {
                texts.append("\(query): \(error.message)")
                values.append(nil)
            }
        }
        return ExplorerRecord(pass: r.pass.rawValue, layer: r.layer, role: r.role, shape: r.shape, data: r.data,
                              shown: r.data.map { wholeNumbers ? formatCount($0, style) : formatNumber($0, style) }, derivations: texts, recomputed: values)
    }

    /// The engine's forward pass with the centre element of the first input channel negated, with the
    /// trace's parameters, batchnorm statistics and dropout masks.
    static func flip(_ trace: Trace, shape: [Int]) -> ExplorerFlip? {
        guard shape.count == 3, let input = trace.records.first(where: { $0.role == "input" }),
              input.shape == shape else { return nil }
        // The traced parameters, batchnorm statistics and dropout masks: the same network, another input.
        var parameters: [String: Tensor] = [:], masks: [String: [Double]] = [:]
        for r in trace.records where r.pass == .forward {
            if ["weight", "bias", "running_mean", "running_var"].contains(r.role) { parameters[r.key] = r.tensor }
            if r.role == "mask" { masks[r.layer] = r.data }
        }
        guard let network = try? Network(model: trace.model, parameters: parameters) else { return nil }
        let index = [0, shape[1] / 2, shape[2] / 2]
        var x = input.tensor
        let k = x.offset(index)
        x.data[k] = -x.data[k]
        let flipped = network.trace(input: x, target: nil, masks: masks)
        var outputs: [String: [Double]] = [:]
        for r in flipped.records where r.pass == .forward && r.role == "output" && r.layer != "loss" {
            outputs[r.layer] = r.data
        }
        return ExplorerFlip(index: index, outputs: outputs)
    }
}

extension ExplorerLayer {
    /// Sets `kernel`, `stride`, `pad`, `rows` and `cols` from the engine's pooling windows.
    public mutating func windows(_ w: PoolWindows) {
        kernel = [w.size, w.size]
        stride = w.stride
        pad = [w.padding, w.padding, w.padding, w.padding]
        rows = (0..<w.outH).map { [w.rows($0).lowerBound, w.rows($0).upperBound] }
        cols = (0..<w.outW).map { [w.cols($0).lowerBound, w.cols($0).upperBound] }
    }
}
