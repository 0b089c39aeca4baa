import CNNCore

/// Model files: a network's input shape, layers, loss and class names, as JSON or YAML.
///
///     {"input": [1, 9, 9],
///      "layers": [
///       {"name": "conv1", "type": "conv", "filters": 3, "size": 3, "stride": 1, "padding": 0, "bias": false, "normalize": true},
///       {"name": "relu1", "type": "relu"},
///       {"name": "pool1", "type": "maxpool", "size": 2, "stride": 2, "ceil": true},
///       {"name": "out", "type": "dense", "units": 2, "bias": true}],
///      "loss": "mse",
///      "classes": ["X", "O"]}
///
/// Fields and defaults:
/// - `input`: `[C, H, W]`, or `[H, W]` for one channel.
/// - `conv`: `filters` and `size` (an integer, or `[h, w]`) required; `stride` 1, `padding` 0,
///   `bias` true, `normalize` false.
/// - `relu`: no fields.
/// - `maxpool`: `size` required; `stride` 1 like every other layer (note: PyTorch's `MaxPool2d`
///   defaults to the window size instead, so write `"stride": 2` for side-by-side 2×2 windows);
///   `ceil` false.
/// - `dense`: `units` required; `bias` true.
/// - every layer: `name` defaults to the type and a count per type: `conv1`, `relu1`, `conv2`.
/// - `loss`: `"mse"` or `"cross_entropy"` (the default); `classes`: optional names, one per output.
///
/// Unknown fields are errors, so a misspelt field is never silently ignored.
public enum ModelFile {
    /// The layer types a model file may use.
    public static let layerTypes = ["conv", "relu", "maxpool", "dense"]

    /// Reads and checks a model file.
    /// - Throws: `FileError` naming the file and field; geometry problems (a window that does not
    ///   fit, sizes beyond `Limits`) come from `ModelSpec.shapes()`.
    public static func load(_ path: String) throws(FileError) -> ModelSpec {
        try parse(try loadDocument(path), file: path)
    }

    /// Checks a parsed model document (see the type's documentation for the format).
    public static func parse(_ doc: JSONValue, file: String) throws(FileError) -> ModelSpec {
        var top = try Fields(doc, file: file, path: "", what: "a model")
        guard let inputValue = top.value("input") else { throw top.error("input", "is required, e.g. [1, 9, 9]") }
        guard case .array(let dims) = inputValue, dims.count == 2 || dims.count == 3 else {
            throw top.error("input", "expected [C, H, W] or [H, W], got \(inputValue.jsonText)")
        }
        var input: [Int] = []
        for (k, d) in dims.enumerated() {
            input.append(try intValue(d, field: "input[\(k)]", file: file, min: 1))
        }
        if input.count == 2 { input.insert(1, at: 0) }

        guard let layersValue = top.value("layers") else { throw top.error("layers", "is required") }
        guard case .array(let layerValues) = layersValue else {
            throw top.error("layers", "expected an array of layers, got \(layersValue.kindName)")
        }
        guard layerValues.count <= Limits.maxLayers else {
            throw top.error("layers", "at most \(Limits.maxLayers) layers, got \(layerValues.count)")
        }
        var counts: [String: Int] = [:]
        var layers: [LayerSpec] = []
        for (li, lv) in layerValues.enumerated() {
            layers.append(try parseLayer(lv, index: li, counts: &counts, file: file))
        }

        var loss = LossKind.crossEntropy
        if let l = try top.string("loss") {
            guard let kind = LossKind(rawValue: l) else {
                throw top.error("loss", "unknown loss '\(l)' (known: \(LossKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            loss = kind
        }
        var classes: [String] = []
        if let cv = top.value("classes") {
            guard case .array(let items) = cv else { throw top.error("classes", "expected an array of names, got \(cv.kindName)") }
            for (k, item) in items.enumerated() {
                switch item {
                case .string(let s) where s.utf8.count > 100:
                    throw FileError(file: file, field: "classes[\(k)]", "at most 100 characters, got \(s.utf8.count)")
                case .string(let s) where !s.isEmpty: classes.append(s)
                // A number is accepted as a name, as a user may write classes: [0, 1].
                case .number(let d) where d == d.rounded() && abs(d) < 1e15: classes.append(String(Int64(d)))
                default: throw FileError(file: file, field: "classes[\(k)]", "expected a non-empty name, got \(item.jsonText)")
                }
            }
        }
        try top.finish(allowed: ["input", "layers", "loss", "classes"])

        let spec = ModelSpec(input: input, layers: layers, loss: loss, classes: classes)
        do {
            _ = try spec.shapes()
        } catch {
            throw FileError.wrapping(error, file: file)
        }
        return spec
    }

    private static func parseLayer(_ v: JSONValue, index li: Int, counts: inout [String: Int], file: String) throws(FileError) -> LayerSpec {
        var f = try Fields(v, file: file, path: "layers[\(li)]", what: "a layer")
        guard let type = try f.string("type") else {
            throw f.error("type", "is required (one of: \(layerTypes.joined(separator: ", ")))")
        }
        guard layerTypes.contains(type) else {
            throw f.error("type", "unknown layer type '\(type)' (known: \(layerTypes.joined(separator: ", ")))")
        }
        counts[type, default: 0] += 1
        let name = try f.string("name") ?? "\(type)\(counts[type] ?? 1)"
        guard !name.isEmpty else { throw f.error("name", "must not be empty") }
        guard name.utf8.count <= 100 else { throw f.error("name", "at most 100 characters, got \(name.utf8.count)") }
        // Names become parameter names (`NAME.weight`), query prefixes (`NAME.output[0]`) and
        // npz paths (`forward/NAME/output`), so the characters those use are kept out.
        if let bad = name.first(where: { ".[]/ ,\n\t".contains($0) }) {
            throw f.error("name", "'\(name)' contains '\(bad)'; use letters, digits, '_' or '-'")
        }
        if name == "loss" { throw f.error("name", "'loss' is reserved for the loss record of a trace") }

        let kind: LayerKind
        switch type {
        case "conv":
            let filters = try f.int("filters", min: 1)
            guard let sv = f.value("size") else { throw f.error("size", "is required: an integer, or [height, width]") }
            let kh: Int, kw: Int
            if case .array(let hw) = sv {
                guard hw.count == 2 else { throw f.error("size", "expected an integer or [height, width], got \(sv.jsonText)") }
                kh = try intValue(hw[0], field: f.name("size[0]"), file: file, min: 1)
                kw = try intValue(hw[1], field: f.name("size[1]"), file: file, min: 1)
            } else {
                kh = try intValue(sv, field: f.name("size"), file: file, min: 1)
                kw = kh
            }
            let stride = try f.int("stride", default: 1, min: 1)
            let padding = try f.int("padding", default: 0, min: 0)
            let bias = try f.bool("bias", default: true)
            let normalize = try f.bool("normalize", default: false)
            try f.finish(allowed: ["name", "type", "filters", "size", "stride", "padding", "bias", "normalize"])
            kind = .conv(ConvSpec(filters: filters, kernelH: kh, kernelW: kw, stride: stride, padding: padding, bias: bias, normalize: normalize))
        case "relu":
            try f.finish(allowed: ["name", "type"])
            kind = .relu
        case "maxpool":
            let size = try f.int("size", min: 1)
            let stride = try f.int("stride", default: 1, min: 1)
            let ceil = try f.bool("ceil", default: false)
            try f.finish(allowed: ["name", "type", "size", "stride", "ceil"])
            kind = .maxpool(PoolSpec(size: size, stride: stride, ceil: ceil))
        default: // "dense"
            let units = try f.int("units", min: 1)
            let bias = try f.bool("bias", default: true)
            try f.finish(allowed: ["name", "type", "units", "bias"])
            kind = .dense(DenseSpec(units: units, bias: bias))
        }
        return LayerSpec(name: name, kind: kind)
    }

    /// The model as a document in the same format, every field written out (no defaults left
    /// implicit), so `parse(json(spec))` gives `spec` back. Used to embed the model in traces.
    public static func json(_ spec: ModelSpec) -> JSONValue {
        func n(_ i: Int) -> JSONValue { .number(Double(i)) }
        let layers: [JSONValue] = spec.layers.map { layer in
            var pairs: [(key: String, value: JSONValue)] = [("name", .string(layer.name)), ("type", .string(layer.kind.typeName))]
            switch layer.kind {
            case .conv(let c):
                let size: JSONValue = c.kernelH == c.kernelW ? n(c.kernelH) : .array([n(c.kernelH), n(c.kernelW)])
                pairs += [("filters", n(c.filters)), ("size", size), ("stride", n(c.stride)), ("padding", n(c.padding)),
                          ("bias", .bool(c.bias)), ("normalize", .bool(c.normalize))]
            case .relu:
                break
            case .maxpool(let p):
                pairs += [("size", n(p.size)), ("stride", n(p.stride)), ("ceil", .bool(p.ceil))]
            case .dense(let d):
                pairs += [("units", n(d.units)), ("bias", .bool(d.bias))]
            }
            return .object(pairs)
        }
        var top: [(key: String, value: JSONValue)] = [
            ("input", .array(spec.input.map(n))),
            ("layers", .array(layers)),
            ("loss", .string(spec.loss.rawValue)),
        ]
        if !spec.classes.isEmpty { top.append(("classes", .array(spec.classes.map { .string($0) }))) }
        return .object(top)
    }
}
