import CNNCore
import Foundation

/// Trace files: every array a traced pass logged, with the model that produced it.
///
///     {"format": "cnn-explain-trace", "version": 1,
///      "model": {...the model, every field written out...},
///      "target": 0,                      (when the pass went backward)
///      "records": [
///       {"pass": "forward", "layer": "conv1", "role": "input", "shape": [1, 9, 9], "data": [-1, -1, ...]},
///       ...
///      ]}
///
/// - `data` is the array flattened in row-major order (last index fastest); its length is the
///   product of `shape`, and `shape` `[]` is a scalar (the loss) with one element.
/// - Numbers are written with the shortest text that reads back to the same `Double`
///   (`0.7777777777777778`), integral values without a fraction (`-1`), so a trace read back
///   is bit-for-bit the trace written.
/// - JSON has no NaN or infinity: such values are written as `null` and read back as NaN.
/// - The writer puts one record per line and is deterministic: equal traces give equal bytes.
public enum TraceFile {
    /// The value of the `format` field.
    public static let format = "cnn-explain-trace"
    /// The version this program writes and reads.
    public static let version = 1

    /// The trace as bytes (see the type's documentation).
    public static func data(_ trace: Trace) -> Data {
        var out = "{\"format\": \(jsonString(format)), \"version\": \(version),\n"
        out += " \"model\": " + ModelFile.json(trace.model).jsonText + ",\n"
        if let target = trace.target { out += " \"target\": \(target),\n" }
        out += " \"records\": ["
        for (k, r) in trace.records.enumerated() {
            out += k == 0 ? "\n  " : ",\n  "
            out += "{\"pass\": \(jsonString(r.pass.rawValue)), \"layer\": \(jsonString(r.layer)), \"role\": \(jsonString(r.role.rawValue)), "
            out += "\"shape\": [" + r.shape.map(String.init).joined(separator: ", ") + "], "
            out += "\"data\": [" + r.data.map(jsonNumber).joined(separator: ", ") + "]}"
        }
        out += trace.records.isEmpty ? "]}\n" : "\n ]}\n"
        return Data(out.utf8)
    }

    /// Writes a trace atomically (see `writeAtomically`).
    public static func write(_ trace: Trace, to path: String) throws(FileError) {
        try writeAtomically(data: data(trace), to: path)
    }

    /// Reads a trace file.
    /// - Throws: `FileError` for a file that is not a trace, another format or version, a bad
    ///   model, or a record whose data length does not match its shape.
    public static func load(_ path: String) throws(FileError) -> Trace {
        try parse(try loadDocument(path), file: path)
    }

    /// Checks a parsed trace document.
    public static func parse(_ doc: JSONValue, file: String) throws(FileError) -> Trace {
        guard case .object = doc, let f = doc["format"] else {
            throw FileError(file: file, "not a cnn-explain trace (no \"format\": \"\(format)\" field)")
        }
        guard case .string(let fs) = f, fs == format else {
            throw FileError(file: file, field: "format", "expected \"\(format)\", got \(f.jsonText)")
        }
        var top = try Fields(doc, file: file, path: "", what: "a trace")
        _ = top.value("format")
        let v = try top.int("version")
        guard v == version else {
            throw FileError(file: file, field: "version", "this program reads trace version \(version), the file is version \(v)")
        }
        guard let modelDoc = top.value("model") else { throw top.error("model", "is required") }
        let model: ModelSpec
        do {
            model = try ModelFile.parse(modelDoc, file: file)
        } catch {
            throw FileError(file: file, field: error.field.isEmpty ? "model" : "model.\(error.field)", error.message)
        }
        guard let rv = top.value("records") else { throw top.error("records", "is required") }
        guard case .array(let items) = rv else { throw top.error("records", "expected an array, got \(rv.kindName)") }
        var target: Int?
        if top.value("target") != nil {
            let t = try top.int("target")
            let outputs = (try? model.shapes().last?.reduce(1, *)) ?? 0
            guard t >= 0 && t < outputs else { throw top.error("target", "class index \(t) is out of range for \(outputs) outputs") }
            target = t
        }
        try top.finish(allowed: ["format", "version", "model", "target", "records"])

        var records: [TraceRecord] = []
        records.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            var r = try Fields(item, file: file, path: "records[\(k)]", what: "a record")
            guard let ps = try r.string("pass"), let pass = Pass(rawValue: ps) else {
                throw r.error("pass", "expected \"forward\" or \"backward\"")
            }
            guard let layer = try r.string("layer") else { throw r.error("layer", "is required") }
            guard let roleName = try r.string("role") else { throw r.error("role", "is required") }
            guard let role = TraceRole(rawValue: roleName) else {
                throw r.error("role", "'\(roleName)' is not a role; the roles are \(TraceRole.names)")
            }
            guard let sv = r.value("shape"), case .array(let dims) = sv else { throw r.error("shape", "expected an array of sizes") }
            var shape: [Int] = []
            for (d, dv) in dims.enumerated() { shape.append(try intValue(dv, field: r.name("shape[\(d)]"), file: file)) }
            guard let count = checkedProduct(shape) else {
                throw r.error("shape", "\(ShapeText.list(shape)) has more than \(Limits.maxElements) elements")
            }
            guard let dv = r.value("data"), case .array(let values) = dv else { throw r.error("data", "expected an array of numbers") }
            guard values.count == count else {
                throw r.error("data", "\(values.count) numbers, but shape \(ShapeText.list(shape)) needs \(count)")
            }
            var data: [Double] = []
            data.reserveCapacity(count)
            for (e, x) in values.enumerated() {
                switch x {
                case .number(let d): data.append(d)
                case .null: data.append(.nan)
                default: throw r.error("data[\(e)]", "expected a number, got \(x.kindName)")
                }
            }
            try r.finish(allowed: ["pass", "layer", "role", "shape", "data"])
            records.append(TraceRecord(pass: pass, layer: layer, role: role, shape: shape, data: data))
        }
        try checkRecords(records, model: model, file: file)
        return Trace(model: model, target: target, records: records)
    }
}

extension TraceFile {
    /// The shape each record of a one-sample trace of `model` must have, by `LAYER.ROLE`:
    /// `input`/`grad_input` the layer's input shape, `output`/`grad_output` its output shape,
    /// `weight`/`grad_weight` and `bias`/`grad_bias` the parameters' shapes, and `loss.output` `[]`;
    /// batchnorm's statistics `[C]`, dropout's `mask` the layer's input shape.
    static func expectedShapes(_ model: ModelSpec) throws -> [String: (pass: Pass, shape: [Int])] {
        let shapes = try model.shapes()
        var expected: [String: (pass: Pass, shape: [Int])] = [:]
        func expect(_ layer: String, _ role: TraceRole, _ shape: [Int]) { expected["\(layer).\(role)"] = (role.pass, shape) }
        expect("loss", .output, [])
        for (i, layer) in model.layers.enumerated() {
            let name = layer.name
            expect(name, .input, shapes[i])
            expect(name, .output, shapes[i + 1])
            expect(name, .gradInput, shapes[i])
            expect(name, .gradOutput, shapes[i + 1])
            switch layer.kind {
            case .batchnorm:
                for role in [TraceRole.batchMean, .batchVar, .updatedRunningMean, .updatedRunningVar] { expect(name, role, [shapes[i][0]]) }
            case .dropout:
                expect(name, .mask, shapes[i])
            default:
                break
            }
        }
        for spec in try model.parameterSpecs() {
            let layer = String(spec.name.dropLast(spec.role.rawValue.count + 1))
            expect(layer, spec.role, spec.shape)
            if let gradient = spec.role.gradient { expect(layer, gradient, spec.shape) }
        }
        return expected
    }

    /// Checks every record against the trace's model: a layer and role the model has, the pass
    /// that role belongs to, the shape the model gives it, and no record twice.
    /// - Throws: `FileError` naming the record (`records[3]`) and what is wrong.
    static func checkRecords(_ records: [TraceRecord], model: ModelSpec, file: String) throws(FileError) {
        let expected: [String: (pass: Pass, shape: [Int])]
        do { expected = try expectedShapes(model) } catch { throw FileError(file: file, field: "model", "\(error)") }
        var seen: [String: Int] = [:]
        for (k, r) in records.enumerated() {
            let field = "records[\(k)]"
            guard let want = expected[r.key] else {
                throw FileError(file: file, field: field, "the model has no '\(r.key)' (layers: \(model.layers.map(\.name).joined(separator: ", ")))")
            }
            guard r.pass == want.pass else {
                throw FileError(file: file, field: "\(field).pass", "\(r.key) belongs to the \(want.pass.rawValue) pass, not \(r.pass.rawValue)")
            }
            guard r.shape == want.shape else {
                throw FileError(file: file, field: "\(field).shape", "\(r.key) must have shape \(ShapeText.list(want.shape)) for this model, got \(ShapeText.list(r.shape))")
            }
            if let first = seen[r.key] {
                throw FileError(file: file, field: field, "\(r.key) appears twice (first as records[\(first)])")
            }
            seen[r.key] = k
        }
    }
}

extension TraceFile {
    /// The model of a trace file, read without parsing its records: the value of the top-level
    /// `"model"` key is found by scanning the JSON text and parsed alone, so a command can check
    /// what a trace will cost before it reads millions of numbers. `nil` when the file is not
    /// laid out as expected (it is then checked after a full read).
    public static func peekModel(_ path: String) -> ModelSpec? {
        guard let bytes = try? readFileBytes(path), let span = topLevelValue(bytes, key: "model"),
              let doc = try? JSONReader.parse(Array(bytes[span])) else { return nil }
        return try? ModelFile.parse(doc, file: path)
    }

    /// The byte range of the value of `key` in a JSON object's text, found by tracking strings and
    /// nesting; `nil` when the key is not found at the top level.
    static func topLevelValue(_ b: [UInt8], key: String) -> Range<Int>? {
        let quote = UInt8(ascii: "\""), target = Array("\"\(key)\"".utf8)
        var depth = 0, i = 0, valueStart: Int?
        while i < b.count {
            let c = b[i]
            if c == quote {
                let start = i
                i += 1
                while i < b.count && b[i] != quote { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                if depth == 1 && valueStart == nil && b[start..<min(i + 1, b.count)].elementsEqual(target) {
                    var j = i + 1
                    while j < b.count && [0x20, 0x09, 0x0A, 0x0D].contains(b[j]) { j += 1 }
                    guard j < b.count, b[j] == UInt8(ascii: ":") else { return nil }
                    valueStart = j + 1
                }
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if let s = valueStart, depth == 1 { return s..<(i + 1) }
                if depth <= 0 { return nil }
            } else if c == UInt8(ascii: ","), depth == 1, let s = valueStart {
                return s..<i
            }
            i += 1
        }
        return nil
    }
}
