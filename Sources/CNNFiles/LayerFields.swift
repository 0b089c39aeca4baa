import CNNCore

/// The fields of each layer type in a model file, read and written (see `ModelFile` for the list
/// and the defaults). Reading refuses unknown fields; writing spells every field out, except a
/// conv's `dilation` when it is 1, so files written before dilation existed keep their bytes.
enum LayerFields {
    /// The layer of type `type` from the fields of `f` (its `name` and `type` already read).
    static func kind(_ type: String, _ f: inout Fields) throws(FileError) -> LayerKind {
        switch type {
        case "conv": return try conv(&f)
        case "maxpool":
            let size = try f.int("size", min: 1)
            let stride = try f.int("stride", default: size, min: 1)
            let ceil = try f.bool("ceil", default: false)
            try f.finish(allowed: ["name", "type", "size", "stride", "ceil"])
            return .maxpool(PoolSpec(size: size, stride: stride, ceil: ceil))
        case "avgpool":
            let size = try f.int("size", min: 1)
            let spec = AvgPoolSpec(size: size, stride: try f.int("stride", default: size, min: 1), padding: try f.int("padding", default: 0),
                                   ceil: try f.bool("ceil", default: false), countIncludePad: try f.bool("count_include_pad", default: true))
            try f.finish(allowed: ["name", "type", "size", "stride", "padding", "ceil", "count_include_pad"])
            return .avgpool(spec)
        case "dense":
            let units = try f.int("units", min: 1)
            let bias = try f.bool("bias", default: true)
            try f.finish(allowed: ["name", "type", "units", "bias"])
            return .dense(DenseSpec(units: units, bias: bias))
        case "leaky_relu":
            let slope = try f.number("slope", default: 0.01)
            try f.finish(allowed: ["name", "type", "slope"])
            return .leakyRelu(slope: slope)
        case "batchnorm":
            let spec = BatchNormSpec(eps: try f.number("eps", default: 1e-5), momentum: try f.number("momentum", default: 0.1),
                                     mode: try f.choice("mode", default: LayerMode.train))
            try f.finish(allowed: ["name", "type", "eps", "momentum", "mode"])
            return .batchnorm(spec)
        case "dropout":
            let spec = DropoutSpec(p: try f.number("p", default: 0.5), mode: try f.choice("mode", default: LayerMode.train))
            try f.finish(allowed: ["name", "type", "p", "mode"])
            return .dropout(spec)
        default:
            try f.finish(allowed: ["name", "type"])
            return try plain(type, f)
        }
    }

    /// The layer types without fields.
    private static func plain(_ type: String, _ f: Fields) throws(FileError) -> LayerKind {
        switch type {
        case "relu": return .relu
        case "flatten": return .flatten
        case "global_avgpool": return .globalAvgpool
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "softmax": return .softmax
        case "log_softmax": return .logSoftmax
        default: throw f.error("type", "unknown layer type '\(type)'")
        }
    }

    private static func conv(_ f: inout Fields) throws(FileError) -> LayerKind {
        let filters = try f.int("filters", min: 1)
        let (kh, kw) = try pair(&f, "size", min: 1, required: true) ?? (1, 1)
        let stride = try f.int("stride", default: 1, min: 1)
        let padding: ConvPadding
        if case .string(let s)? = f.value("padding") {
            switch s {
            case "same": padding = .same
            case "valid": padding = .valid
            default: throw f.error("padding", "expected an integer, [ph, pw], \"same\" or \"valid\", got \"\(s)\"")
            }
        } else {
            let (ph, pw) = try pair(&f, "padding", min: 0, required: false) ?? (0, 0)
            padding = .explicit(h: ph, w: pw)
        }
        let dilation = try f.int("dilation", default: 1, min: 1)
        let bias = try f.bool("bias", default: true)
        let normalize = try f.bool("normalize", default: false)
        try f.finish(allowed: ["name", "type", "filters", "size", "stride", "padding", "dilation", "bias", "normalize"])
        return .conv(ConvSpec(filters: filters, kernelH: kh, kernelW: kw, stride: stride, padding: padding, dilation: dilation,
                              bias: bias, normalize: normalize))
    }

    /// An integer `n` (giving `(n, n)`) or a pair `[h, w]`; nil when the field is absent and not required.
    private static func pair(_ f: inout Fields, _ key: String, min: Int, required: Bool) throws(FileError) -> (Int, Int)? {
        guard let v = f.value(key) else {
            if required { throw f.error(key, "is required: an integer, or [height, width]") }
            return nil
        }
        if case .array(let hw) = v {
            guard hw.count == 2 else { throw f.error(key, "expected an integer or [height, width], got \(v.jsonText)") }
            return (try intValue(hw[0], field: f.name("\(key)[0]"), file: f.file, min: min),
                    try intValue(hw[1], field: f.name("\(key)[1]"), file: f.file, min: min))
        }
        let n = try intValue(v, field: f.name(key), file: f.file, min: min)
        return (n, n)
    }

    /// The fields of a layer after `name` and `type`, every one written out.
    static func json(_ kind: LayerKind) -> [(key: String, value: JSONValue)] {
        func n(_ i: Int) -> JSONValue { .number(Double(i)) }
        switch kind {
        case .conv(let c):
            let size: JSONValue = c.kernelH == c.kernelW ? n(c.kernelH) : .array([n(c.kernelH), n(c.kernelW)])
            let padding: JSONValue
            switch c.padding {
            case .same: padding = .string("same")
            case .explicit(let h, let w): padding = h == w ? n(h) : .array([n(h), n(w)])
            }
            return [("filters", n(c.filters)), ("size", size), ("stride", n(c.stride)), ("padding", padding)]
                + (c.dilation != 1 ? [("dilation", n(c.dilation))] : [])
                + [("bias", .bool(c.bias)), ("normalize", .bool(c.normalize))]
        case .maxpool(let p):
            return [("size", n(p.size)), ("stride", n(p.stride)), ("ceil", .bool(p.ceil))]
        case .avgpool(let p):
            return [("size", n(p.size)), ("stride", n(p.stride)), ("padding", n(p.padding)), ("ceil", .bool(p.ceil)),
                    ("count_include_pad", .bool(p.countIncludePad))]
        case .dense(let d):
            return [("units", n(d.units)), ("bias", .bool(d.bias))]
        case .leakyRelu(let slope):
            return [("slope", .number(slope))]
        case .batchnorm(let b):
            return [("eps", .number(b.eps)), ("momentum", .number(b.momentum)), ("mode", .string(b.mode.rawValue))]
        case .dropout(let d):
            return [("p", .number(d.p)), ("mode", .string(d.mode.rawValue))]
        case .relu, .flatten, .globalAvgpool, .sigmoid, .tanh, .softmax, .logSoftmax:
            return []
        }
    }
}
