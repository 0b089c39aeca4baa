import CNNCore
import Foundation

/// Input files: one image for the network, `[C, H, W]`.
///
/// Either nested arrays (JSON or YAML), `[C][H][W]` or `[H][W]` for one channel:
///
///     [[-1, 1, -1], [1, -1, 1], [-1, 1, -1]]
///
/// or a text grid, one row per line, where `#` is 1 (the stroke) and `.` is −1 (the background):
///
///     .#.
///     #.#
///     .#.
///
/// A file whose first non-blank character is `#` or `.` is a grid. Trailing spaces and blank
/// lines at the end are ignored; any other character is an error naming its row and column.
public enum InputFile {
    /// Reads an input file and checks it against the model's input shape `[C, H, W]`.
    /// - Throws: `FileError` for an empty file, ragged rows, a bad grid character, non-numbers,
    ///   or a shape other than `shape`.
    public static func load(_ path: String, expecting shape: [Int]) throws(FileError) -> Tensor {
        try parse(try readFileBytes(path), file: path, expecting: shape)
    }

    /// Parses the bytes of an input file (see `load`).
    public static func parse(_ bytes: [UInt8], file: String, expecting shape: [Int]) throws(FileError) -> Tensor {
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        guard let first else { throw FileError(file: file, "the input is empty") }
        let t: Tensor
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ".") {
            t = try grid(bytes, file: file)
        } else {
            let doc = try parseDocument(bytes, file: file)
            guard case .array = doc else {
                throw FileError(file: file, "expected nested arrays [C][H][W] or [H][W], or a grid of '#' and '.', got \(doc.kindName)")
            }
            let n = try tensorFromNested(doc, field: "input", file: file)
            switch n.shape.count {
            case 2: t = n.reshaped([1] + n.shape)
            case 3: t = n
            default:
                throw FileError(file: file, "expected nested arrays [C][H][W] or [H][W], got \(n.shape.count) levels of nesting (shape \(ShapeText.list(n.shape)))")
            }
        }
        guard t.shape == shape else {
            throw FileError(file: file, "the image is \(ShapeText.list(t.shape)) ([C, H, W]) but the model's input is \(ShapeText.list(shape))")
        }
        return t
    }

    /// Reads a `#`/`.` grid into a `[1, H, W]` tensor.
    static func grid(_ bytes: [UInt8], file: String) throws(FileError) -> Tensor {
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw FileError(file: file, "not valid UTF-8 text")
        }
        // A byte order mark (EF BB BF) before the grid is not a pixel.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var s = Substring(line)
            while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
            return s
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        // Leading blank lines are skipped, but rows keep their line numbers in messages.
        let start = lines.firstIndex { !$0.isEmpty } ?? lines.count
        var rows: [[Double]] = []
        for (k, line) in lines.enumerated() where k >= start {
            let rowName = "row \(k + 1)"
            guard !line.isEmpty else { throw FileError(file: file, field: rowName, "an empty row inside the grid") }
            var row: [Double] = []
            for (col, ch) in line.enumerated() {
                switch ch {
                case "#": row.append(1)
                case ".": row.append(-1)
                default:
                    throw FileError(file: file, field: rowName, "column \(col + 1): '\(ch)' is not '#' (1) or '.' (−1)")
                }
            }
            if let width = rows.first?.count, row.count != width {
                throw FileError(file: file, field: rowName, "ragged: \(row.count) columns where the first row has \(width)")
            }
            guard row.count <= Limits.maxDimension, rows.count < Limits.maxDimension else {
                throw FileError(file: file, field: rowName, "the grid is larger than \(Limits.maxDimension) in a dimension")
            }
            rows.append(row)
        }
        guard let width = rows.first?.count else { throw FileError(file: file, "the input is empty") }
        return Tensor(shape: [1, rows.count, width], data: rows.flatMap { $0 })
    }
}

/// Reads a target: a class index (`"0"`) or a class name (`"X"`).
///
/// A string that is a class name wins over reading it as an index, so classes named `"1"`,
/// `"0"` map by name.
/// - Parameter classes: the model's class names (`ModelSpec.classNames`).
/// - Throws: `FileError` with file `target`, listing the valid classes.
public func parseTarget(_ s: String, classes: [String]) throws(FileError) -> Int {
    let t = s.trimmingCharacters(in: .whitespaces)
    if let k = classes.firstIndex(of: t) { return k }
    let valid = classes.enumerated().map { "\($0.offset) (\($0.element))" }.joined(separator: ", ")
    if let k = Int(t) {
        guard k >= 0 && k < classes.count else {
            throw FileError(file: "target", "class index \(k) is out of range; valid classes: \(valid)")
        }
        return k
    }
    throw FileError(file: "target", "unknown class '\(s)'; valid classes: \(valid)")
}
