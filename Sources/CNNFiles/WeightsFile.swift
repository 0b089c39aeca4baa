import CNNCore
import Foundation

/// Weights files: parameters by PyTorch `state_dict` name, in one of three formats.
///
/// - JSON (or YAML), nested arrays whose nesting gives the shape:
///
///       {"conv1.weight": [out][in][kh][kw], "conv1.bias": [out],
///        "out.weight": [units][inputs], "out.bias": [units]}
///
/// - `.npz`, from `np.savez` or `np.savez_compressed`: one `.npy` member per parameter, named
///   `conv1.weight.npy` (see `NPZ`, `NPY`).
/// - `.safetensors` holding F64, F32, F16 or BF16 (see `SafeTensors`).
///
/// The format is told by the content, not the name: a zip signature (`PK`) is an `.npz`; a file
/// whose first 8 bytes are a little-endian length followed by `{` is `.safetensors`; anything
/// else is JSON or YAML. Every number becomes a `Double`, exactly. Whether the names and shapes
/// suit the model is checked when the network is built (`loadNetwork`); a parameter left out is
/// an error unless random initialization is asked for (`WeightsInit.random`).
public enum WeightsFile {
    /// Reads a weights file into named tensors.
    /// - Throws: `FileError` for a non-object, ragged arrays, non-numbers, NaN or infinity, a
    ///   damaged `.npz` or `.safetensors`, or an element type that is not a number.
    public static func load(_ path: String) throws(FileError) -> [String: Tensor] {
        let bytes = try readFileBytes(path)
        if bytes.count >= 2, bytes[0] == 0x50, bytes[1] == 0x4B {
            return try tensors(NPZ.read(path), file: path)
        }
        if isSafeTensors(bytes) || path.lowercased().hasSuffix(".safetensors") {
            return try tensors(SafeTensors.parse(bytes, file: path), file: path)
        }
        return try parse(try parseDocument(bytes, file: path), file: path)
    }

    /// Whether `bytes` look like `.safetensors`: an 8-byte little-endian header length that fits
    /// the file, then `{`.
    static func isSafeTensors(_ bytes: [UInt8]) -> Bool {
        guard bytes.count > 9 else { return false }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        return n <= UInt64(bytes.count - 8) && bytes[8] == UInt8(ascii: "{")
    }

    /// Named arrays as tensors, refusing a name given twice and numbers that are not finite.
    static func tensors(_ arrays: [(name: String, array: NPYArray)], file: String) throws(FileError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, a) in arrays {
            guard result[name] == nil else { throw FileError(file: file, field: name, "given twice") }
            if let bad = a.data.firstIndex(where: { !$0.isFinite }) {
                throw FileError(file: file, field: name, "element \(ShapeText.list(multiIndex(bad, shape: a.shape))) is \(a.data[bad]), not a finite number")
            }
            result[name] = a.tensor
        }
        return result
    }

    /// Checks a parsed weights document.
    public static func parse(_ doc: JSONValue, file: String) throws(FileError) -> [String: Tensor] {
        guard case .object(let pairs) = doc else {
            throw FileError(file: file, "expected an object of named parameters such as {\"conv1.weight\": [...]}, got \(doc.kindName)")
        }
        var result: [String: Tensor] = [:]
        for (name, value) in pairs {
            result[name] = try tensorFromNested(value, field: name, file: file)
        }
        return result
    }

    /// The network's parameters and then its buffers (batchnorm's running statistics), as
    /// PyTorch's `state_dict` holds both: names in the network's order (layer order, weight
    /// before bias), numbers written so they read back exactly.
    public static func json(_ network: Network) -> JSONValue {
        .object(network.stateTensors.map { (key: $0.name, value: nestedFromTensor($0.tensor)) })
    }

    /// The weights document as bytes, one tensor per line: deterministic for equal networks.
    public static func data(_ network: Network) -> Data {
        var out = "{\n"
        let tensors = network.stateTensors
        for (k, p) in tensors.enumerated() {
            out += "  " + jsonString(p.name) + ": " + nestedFromTensor(p.tensor).jsonText
            out += k + 1 < tensors.count ? ",\n" : "\n"
        }
        out += "}\n"
        return Data(out.utf8)
    }

    /// Writes the network's parameters to `path` atomically.
    public static func write(_ network: Network, to path: String) throws(FileError) {
        try writeAtomically(data: data(network), to: path)
    }
}

/// Where the parameters a weights file does not give come from.
///
/// `file` (the default everywhere a user names a weights file) refuses a model whose weights file
/// leaves out any parameter, naming every one left out: a PyTorch conv saved with `bias=False`
/// next to a model file whose conv has a bias must not trace made-up numbers. `random` draws each
/// missing parameter from the seed (see `Network.init(model:parameters:seed:)`), for a user who
/// asks for random weights on purpose, for training, and for the lessons.
public enum WeightsInit: String, Sendable, CaseIterable {
    /// Every parameter must be in the weights file.
    case file
    /// Parameters the weights file does not give (all of them without a file) come from the seed.
    case random
}

/// Builds a network from a model file and an optional weights file.
///
/// With `initialization: .random`, parameters missing from the weights file are initialized
/// from `seed`; the same seed gives the same values. With `.file` every parameter must be given.
/// Before anything is allocated the model's cost is checked against `limits` (see `Estimate`):
/// by default, one image traced forward and back; pass `estimate` for what the caller will do.
/// - Throws: `FileError` naming the model file for model errors and for an estimate over the
///   limits, and the weights file for wrong shapes, unknown names, bad values or missing parameters.
public func loadNetwork(model modelPath: String, weights weightsPath: String?, seed: UInt64 = 0,
                        initialization: WeightsInit = .file, limits: BudgetLimits = .standard,
                        estimate: (ModelCost) -> Estimate = { $0.trace() }) throws(FileError) -> Network {
    let model = try ModelFile.load(modelPath)
    try checkBudget(model, file: modelPath, limits: limits, estimate: estimate)
    let params = try weightsPath.map { (p) throws(FileError) in try WeightsFile.load(p) } ?? [:]
    if weightsPath == nil, initialization == .file {
        let network = try buildNetwork(model: model, parameters: [:], weightsFile: modelPath, seed: seed, initialization: .random)
        guard network.stateTensors.isEmpty else {
            let names = network.stateTensors.map(\.name).joined(separator: ", ")
            throw FileError(file: modelPath, "no weights file for the model's parameters \(names) (give one with --weights, or draw them from the seed with --init random)")
        }
        return network
    }
    return try buildNetwork(model: model, parameters: params, weightsFile: weightsPath ?? modelPath, seed: seed, initialization: initialization)
}

/// Builds a network from a checked model and parameters read from `weightsFile`, naming that
/// file in any error.
/// - Throws: `FileError` for a wrong shape, an unknown name, a value that is not finite, and
///   (with `initialization: .file`) every parameter the model needs that `parameters` lacks.
public func buildNetwork(model: ModelSpec, parameters: [String: Tensor], weightsFile: String, seed: UInt64 = 0,
                         initialization: WeightsInit = .file) throws(FileError) -> Network {
    let network: Network
    do {
        network = try Network(model: model, parameters: parameters, seed: seed)
    } catch {
        throw FileError.wrapping(error, file: weightsFile)
    }
    if initialization == .file {
        let missing = network.stateTensors.map(\.name).filter { parameters[$0] == nil }
        guard missing.isEmpty else {
            let what = missing.count == 1 ? "a parameter" : "\(missing.count) parameters"
            throw FileError(file: weightsFile, "missing \(what) the model needs: \(missing.joined(separator: ", ")) (add \(missing.count == 1 ? "it" : "them"), or draw missing ones from the seed with --init random)")
        }
    }
    return network
}

extension Network {
    /// Every tensor a weights file must give: the parameters, then the buffers (batchnorm's
    /// `running_mean` and `running_var`), as in PyTorch's `state_dict`.
    var stateTensors: [Parameter] { parameters + buffers }
}

/// Refuses a model whose estimated memory or work for a task is over `limits`, naming `file`.
public func checkBudget(_ model: ModelSpec, file: String, limits: BudgetLimits,
                        estimate: (ModelCost) -> Estimate) throws(FileError) {
    let cost: ModelCost
    do { cost = try ModelCost(model) } catch { throw FileError.wrapping(error, file: file) }
    do { try limits.check(estimate(cost)) } catch { throw FileError(file: file, error.message) }
}
