/// The output shape of one layer from its input shape, checking the layer's fields on the way.
/// Errors name the field as `layers[i] (name).field`.
struct LayerShape {
    /// `layers[i] (name)`.
    let at: String
    let input: [Int]

    func output(of kind: LayerKind) throws -> [Int] {
        switch kind {
        case .conv(let c): return try conv(c)
        case .maxpool(let p):
            try image("maxpool")
            try inRange(p.size, "size")
            try inRange(p.stride, "stride")
            let w = PoolWindows(p, height: input[1], width: input[2])
            guard w.outH >= 1 && w.outW >= 1 else {
                throw ModelError(field: "\(at).size", "the \(p.size)×\(p.size) window is larger than its \(input[1])×\(input[2]) input")
            }
            return [input[0], w.outH, w.outW]
        case .avgpool(let p): return try avgpool(p)
        case .dense(let d):
            try inRange(d.units, "units")
            let inputs = input.reduce(1, *)
            guard checkedProduct([d.units, inputs]) != nil else {
                throw ModelError(field: "\(at).units", "the weights (\(d.units)×\(inputs)) would have more than \(Limits.maxElements) elements")
            }
            return [d.units]
        case .relu, .sigmoid, .tanh:
            return input
        case .leakyRelu(let slope):
            guard slope.isFinite else { throw ModelError(field: "\(at).slope", "must be a finite number, got \(slope)") }
            return input
        case .flatten:
            return [input.reduce(1, *)]
        case .globalAvgpool:
            try image("global_avgpool")
            return [input[0], 1, 1]
        case .softmax, .logSoftmax:
            guard input.count == 1 else {
                throw ModelError(field: at, "\(kind.typeName) needs a vector input [K], but gets \(fmt(input)); put a flatten or dense layer before it")
            }
            return input
        case .batchnorm(let b): return try batchnorm(b)
        case .dropout(let d):
            guard d.p >= 0 && d.p <= 1 else { throw ModelError(field: "\(at).p", "must be between 0 and 1, got \(d.p)") }
            return input
        }
    }

    func inRange(_ v: Int, _ field: String, min: Int = 1) throws {
        guard v >= min && v <= Limits.maxDimension else {
            throw ModelError(field: "\(at).\(field)", "must be between \(min) and \(Limits.maxDimension), got \(v)")
        }
    }

    /// Requires a `[C, H, W]` input.
    func image(_ type: String) throws {
        guard input.count == 3 else {
            throw ModelError(field: at, "\(type) needs a [C, H, W] input, but gets \(fmt(input)) from the layer before")
        }
    }

    func conv(_ c: ConvSpec) throws -> [Int] {
        try image("conv")
        try inRange(c.filters, "filters")
        try inRange(c.kernelH, "size")
        try inRange(c.kernelW, "size")
        try inRange(c.stride, "stride")
        try inRange(c.dilation, "dilation")
        if case .explicit(let h, let w) = c.padding {
            try inRange(h, "padding", min: 0)
            try inRange(w, "padding", min: 0)
        } else if c.stride != 1 {
            throw ModelError(field: "\(at).padding", "\"same\" padding needs stride 1 (as in PyTorch), got stride \(c.stride)")
        }
        guard checkedProduct([c.dilation, c.kernelH]) != nil && checkedProduct([c.dilation, c.kernelW]) != nil else {
            throw ModelError(field: "\(at).dilation", "the kernel would reach more than \(Limits.maxElements) cells")
        }
        let pads = c.pads, span = c.span
        let ph = input[1] + pads.top + pads.bottom, pw = input[2] + pads.left + pads.right
        guard span.h <= ph && span.w <= pw else {
            throw ModelError(field: "\(at).size", "the \(c.kernelH)×\(c.kernelW) window (dilation \(c.dilation)) does not fit its \(input[1])×\(input[2]) input with padding \(pads.top)×\(pads.left)")
        }
        guard checkedProduct([c.filters, input[0], c.kernelH, c.kernelW]) != nil else {
            throw ModelError(field: "\(at).filters", "the weights would have more than \(Limits.maxElements) elements")
        }
        let shape = [c.filters, (ph - span.h) / c.stride + 1, (pw - span.w) / c.stride + 1]
        guard checkedProduct([input[0], c.kernelH, c.kernelW, shape[1], shape[2]], limit: Limits.maxWorkingElements) != nil else {
            throw ModelError(field: "\(at).size", "the convolution would need more than \(Limits.maxWorkingElements) numbers of working memory per image (in·kh·kw × H'·W')")
        }
        return shape
    }

    func avgpool(_ p: AvgPoolSpec) throws -> [Int] {
        try image("avgpool")
        try inRange(p.size, "size")
        try inRange(p.stride, "stride")
        try inRange(p.padding, "padding", min: 0)
        guard p.padding <= p.size / 2 else {
            throw ModelError(field: "\(at).padding", "must be at most half the size (\(p.size / 2)), as in PyTorch, got \(p.padding)")
        }
        let w = PoolWindows(size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil, height: input[1], width: input[2])
        guard w.outH >= 1 && w.outW >= 1 else {
            throw ModelError(field: "\(at).size", "the \(p.size)×\(p.size) window is larger than its \(input[1])×\(input[2]) input with padding \(p.padding)")
        }
        return [input[0], w.outH, w.outW]
    }

    func batchnorm(_ b: BatchNormSpec) throws -> [Int] {
        try image("batchnorm")
        guard b.eps.isFinite && b.eps > 0 else { throw ModelError(field: "\(at).eps", "must be a positive number, got \(b.eps)") }
        guard b.momentum.isFinite && b.momentum >= 0 && b.momentum <= 1 else {
            throw ModelError(field: "\(at).momentum", "must be between 0 and 1, got \(b.momentum)")
        }
        if b.mode == .train && input[1] * input[2] < 2 {
            throw ModelError(field: "\(at).mode", "train mode needs more than one value per channel, but the input is \(fmt(input)); use \"eval\"")
        }
        return input
    }
}
