import CNNCore

/// A problem with a file the user gave, in one line: `FILE: FIELD: MESSAGE`.
///
///     model.json: layers[0].size: must be between 1 and 65536, got 0
///     weights.json: conv1.weight: expected shape [3, 1, 3, 3], got [3, 1, 2, 2]
///     input.txt: row 3: column 5: '*' is not '#' or '.'
///
/// When no single field is at fault (the file is missing, or is not JSON or YAML), the field
/// is empty and the line is `FILE: MESSAGE`.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as the user gave it.
    public var file: String
    /// The field at fault, e.g. `layers[0].size`, `conv1.weight`, `row 3`; empty for the whole file.
    public var field: String
    /// What is wrong, in one line.
    public var message: String

    public init(file: String, field: String = "", _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    /// Wraps an engine error (which names a field but not a file) with the file's name.
    public init(file: String, _ error: ModelError) {
        self.init(file: file, field: error.field, error.message)
    }

    /// Wraps any error from the engine: a `ModelError` keeps its field, a `FileError` is kept as
    /// it is, anything else becomes its description.
    public static func wrapping(_ error: any Error, file: String) -> FileError {
        if let e = error as? FileError { return e }
        if let e = error as? ModelError { return FileError(file: file, e) }
        return FileError(file: file, "\(error)")
    }

    /// One line, `FILE: FIELD: MESSAGE` or `FILE: MESSAGE`; newlines in the message become spaces.
    public var description: String {
        let text = field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)"
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
