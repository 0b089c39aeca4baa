import CNNCore

// Free-function entry points, one per file kind. Each throws `FileError`, whose one-line
// description names the file and the field at fault.

/// Reads a model file (JSON or YAML) into a checked `ModelSpec`. See `ModelFile`.
public func loadModel(path: String) throws(FileError) -> ModelSpec { try ModelFile.load(path) }

/// Reads a weights file into tensors by `state_dict` name. See `WeightsFile`.
public func loadWeights(path: String) throws(FileError) -> [String: Tensor] { try WeightsFile.load(path) }

/// Reads a trace file. See `TraceFile`.
public func loadTrace(path: String) throws(FileError) -> Trace { try TraceFile.load(path) }

/// Writes a trace file atomically. See `TraceFile`.
public func writeTrace(_ trace: Trace, to path: String) throws(FileError) { try TraceFile.write(trace, to: path) }
