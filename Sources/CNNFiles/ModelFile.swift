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
/// Fields and defaults (docs/formats.md has every layer's formula):
/// - `input`: `[C, H, W]`, or `[H, W]` for one channel.
/// - `conv`: `filters` and `size` (an integer, or `[h, w]`) required; `stride` 1, `padding` 0
///   (an integer, `[ph, pw]`, `"same"` or `"valid"`), `dilation` 1, `bias` true, `normalize` false.
/// - `maxpool`: `size` required; `stride` the size (as PyTorch's `MaxPool2d`); `ceil` false.
/// - `avgpool`: `size` required; `stride` the size, `padding` 0, `ceil` false, `count_include_pad` true.
/// - `dense`: `units` required; `bias` true.
/// - `leaky_relu`: `slope` 0.01. `batchnorm`: `eps` 1e-5, `momentum` 0.1, `mode` `"train"` (or `"eval"`).
///   `dropout`: `p` 0.5, `mode` `"train"`.
/// - `relu`, `flatten`, `global_avgpool`, `sigmoid`, `tanh`, `softmax`, `log_softmax`: no fields.
/// - every layer: `name` defaults to the type and a count per type: `conv1`, `relu1`, `conv2`.
///   A number is taken as a name, so `0`, `1`, … match an unnamed `nn.Sequential`'s `state_dict`.
/// - `loss`: `"mse"`, `"cross_entropy"` (the default) or `"nll"`; `classes`: optional names, one per output.
///
/// Unknown fields are errors, so a misspelt field is never silently ignored.
public enum ModelFile {
    /// The layer types a model file may use.
    public static let layerTypes = ["conv", "relu", "maxpool", "dense", "flatten", "avgpool", "global_avgpool", "sigmoid",
                                    "tanh", "leaky_relu", "softmax", "log_softmax", "batchnorm", "dropout"]

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
        let name = try f.name(default: "\(type)\(counts[type] ?? 1)")
        guard !name.isEmpty else { throw f.error("name", "must not be empty") }
        guard name.utf8.count <= 100 else { throw f.error("name", "at most 100 characters, got \(name.utf8.count)") }
        // Names become parameter names (`NAME.weight`), query prefixes (`NAME.output[0]`) and
        // npz paths (`forward/NAME/output`), so the characters those use are kept out.
        if let bad = name.first(where: { ".[]/ ,\n\t".contains($0) }) {
            throw f.error("name", "'\(name)' contains '\(bad)'; use letters, digits, '_' or '-'")
        }
        if name == "loss" { throw f.error("name", "'loss' is reserved for the loss record of a trace") }

        return LayerSpec(name: name, kind: try LayerFields.kind(type, &f))
    }

    /// The model as a document in the same format, every field written out (no defaults left
    /// implicit), so `parse(json(spec))` gives `spec` back. Used to embed the model in traces.
    public static func json(_ spec: ModelSpec) -> JSONValue {
        func n(_ i: Int) -> JSONValue { .number(Double(i)) }
        let layers: [JSONValue] = spec.layers.map { layer in
            .object([("name", .string(layer.name)), ("type", .string(layer.kind.typeName))] + LayerFields.json(layer.kind))
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
