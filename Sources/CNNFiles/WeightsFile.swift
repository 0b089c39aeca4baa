import CNNCore
import Foundation

/// Weights files: parameters by PyTorch `state_dict` name, as nested arrays.
///
///     {"conv1.weight": [out][in][kh][kw], "conv1.bias": [out],
///      "out.weight": [units][inputs], "out.bias": [units]}
///
/// Shapes come from the nesting. Whether the names and shapes suit the model is checked when
/// the network is built (`loadNetwork`); a parameter left out is initialized from the seed.
public enum WeightsFile {
    /// Reads a weights file into named tensors.
    /// - Throws: `FileError` for a non-object, ragged arrays, non-numbers, NaN or infinity.
    public static func load(_ path: String) throws(FileError) -> [String: Tensor] {
        try parse(try loadDocument(path), file: path)
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

    /// The network's parameters as a weights document: names in the network's order (layer
    /// order, weight before bias), numbers written so they read back exactly.
    public static func json(_ network: Network) -> JSONValue {
        .object(network.parameters.map { (key: $0.name, value: nestedFromTensor($0.tensor)) })
    }

    /// The weights document as bytes, one parameter per line: deterministic for equal networks.
    public static func data(_ network: Network) -> Data {
        var out = "{\n"
        for (k, p) in network.parameters.enumerated() {
            out += "  " + jsonString(p.name) + ": " + nestedFromTensor(p.tensor).jsonText
            out += k + 1 < network.parameters.count ? ",\n" : "\n"
        }
        out += "}\n"
        return Data(out.utf8)
    }

    /// Writes the network's parameters to `path` atomically.
    public static func write(_ network: Network, to path: String) throws(FileError) {
        try writeAtomically(data: data(network), to: path)
    }
}

/// Builds a network from a model file and an optional weights file.
///
/// Parameters missing from the weights file are initialized from `seed` (see
/// `Network.init(model:parameters:seed:)`); the same seed gives the same values.
/// Before anything is allocated the model's cost is checked against `limits` (see `Estimate`):
/// by default, one image traced forward and back; pass `estimate` for what the caller will do.
/// - Throws: `FileError` naming the model file for model errors and for an estimate over the
///   limits, and the weights file for wrong shapes, unknown names or bad values.
public func loadNetwork(model modelPath: String, weights weightsPath: String?, seed: UInt64 = 0,
                        limits: BudgetLimits = .standard,
                        estimate: (ModelCost) -> Estimate = { $0.trace() }) throws(FileError) -> Network {
    let model = try ModelFile.load(modelPath)
    try checkBudget(model, file: modelPath, limits: limits, estimate: estimate)
    let params = try weightsPath.map { (p) throws(FileError) in try WeightsFile.load(p) } ?? [:]
    return try buildNetwork(model: model, parameters: params, weightsFile: weightsPath ?? modelPath, seed: seed)
}

/// Builds a network from a checked model and parameters read from `weightsFile`, naming that
/// file in any error.
public func buildNetwork(model: ModelSpec, parameters: [String: Tensor], weightsFile: String, seed: UInt64 = 0) throws(FileError) -> Network {
    do {
        return try Network(model: model, parameters: parameters, seed: seed)
    } catch {
        throw FileError.wrapping(error, file: weightsFile)
    }
}

/// Refuses a model whose estimated memory or work for a task is over `limits`, naming `file`.
public func checkBudget(_ model: ModelSpec, file: String, limits: BudgetLimits,
                        estimate: (ModelCost) -> Estimate) throws(FileError) {
    let cost: ModelCost
    do { cost = try ModelCost(model) } catch { throw FileError.wrapping(error, file: file) }
    do { try limits.check(estimate(cost)) } catch { throw FileError(file: file, error.message) }
}
