import CNNCore

/// The arrays of a file to compare with `diff`: a JSON trace written by `cnn-explain trace`
/// (with its model), or an `.npz` of arrays named `PASS/LAYER/ROLE` as `trace --npz` writes
/// them, which a student's NumPy code or a PyTorch hook can write too:
///
///     np.savez("mine.npz", **{"forward/conv1/output": y, "backward/conv1/grad_weight": dw})
///
/// An `.npz` may hold any subset of a trace's arrays, in any order, as any number type.
public struct TraceArrays: Sendable {
    /// The path as the user gave it.
    public var file: String
    /// The whole trace, when the file is a JSON trace; nil for an `.npz`.
    public var trace: Trace?
    /// The arrays, in file order.
    public var records: [TraceRecord]
    /// For an `.npz`, each array's NumPy element type (`float32`, `float64`, …) by `PASS/LAYER/ROLE`.
    public var dtypes: [String: String]

    /// Arrays read from `file`: a whole trace, or (with `trace` nil) an `.npz`'s records.
    public init(file: String, trace: Trace?, records: [TraceRecord], dtypes: [String: String] = [:]) {
        self.file = file
        self.trace = trace
        self.records = records
        self.dtypes = dtypes
    }

    /// True for an `.npz`, which may hold only some of a trace's arrays.
    public var isPartial: Bool { trace == nil }

    /// Reads a JSON trace, or an `.npz` (recognized by its zip signature, whatever its name).
    /// - Throws: `FileError` for a file that is neither, a bad trace, or an `.npz` member whose
    ///   name is not `PASS/LAYER/ROLE` with a known `TraceRole`.
    public static func load(_ path: String) throws(FileError) -> TraceArrays {
        let bytes = try readFileBytes(path)
        if bytes.count >= 2, bytes[0] == 0x50, bytes[1] == 0x4B {
            return try fromNPZ(try NPZ.read(path), file: path)
        }
        let trace = try TraceFile.parse(try parseDocument(bytes, file: path), file: path)
        return TraceArrays(file: path, trace: trace, records: trace.records)
    }

    /// Records from `.npz` members named `PASS/LAYER/ROLE` (the layer may itself contain `/`).
    static func fromNPZ(_ arrays: [(name: String, array: NPYArray)], file: String) throws(FileError) -> TraceArrays {
        var records: [TraceRecord] = []
        var dtypes: [String: String] = [:]
        for (name, array) in arrays {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 3, let pass = Pass(rawValue: String(parts[0])), parts.allSatisfy({ !$0.isEmpty }) else {
                throw FileError(file: file, field: name, "expected a member named PASS/LAYER/ROLE, such as forward/conv1/output or backward/conv1/grad_weight")
            }
            let layer = parts[1..<(parts.count - 1)].joined(separator: "/")
            guard let role = TraceRole(rawValue: String(parts[parts.count - 1])) else {
                throw FileError(file: file, field: name, "'\(parts[parts.count - 1])' is not a role; the roles are \(TraceRole.names)")
            }
            records.append(TraceRecord(pass: pass, layer: layer, role: role, shape: array.shape, data: array.data))
            dtypes[name] = array.dtype
        }
        return TraceArrays(file: file, trace: nil, records: records, dtypes: dtypes)
    }
}

/// The `.npz` member name of a record without `.npy`, as `numpy.load` shows it: `forward/conv1/output`.
public func arrayName(_ r: TraceRecord) -> String { "\(r.pass.rawValue)/\(r.layer)/\(r.role)" }
