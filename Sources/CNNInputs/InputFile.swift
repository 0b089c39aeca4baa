import CNNCore
import CNNFiles
import CNNPNG
import Foundation

/// Input files: one image for the network, `[C, H, W]`, in one of these forms:
///
/// - nested arrays (JSON or YAML), `[C][H][W]` or `[H][W]` for one channel:
///
///       [[-1, 1, -1], [1, -1, 1], [-1, 1, -1]]
///
/// - a text grid, one row per line, where `#` is 1 (the stroke) and `.` is −1 (the background):
///
///       .#.
///       #.#
///       .#.
///
/// - a PNG (8-bit gray, RGB or RGBA), its 0…255 pixels mapped by `PixelMapping`; see `png`;
/// - a NumPy `.npy` (float64, float32, or uint8 mapped by `PixelMapping`), C order; see `npy`;
/// - a `.csv` of numbers, one image row per line, a blank line between channels; see `csv`.
///
/// PNG and `.npy` are told by their signatures, CSV by the name ending in `.csv`. A file whose
/// first non-blank character is `#` or `.` is a grid; trailing spaces and blank lines at the end
/// are ignored, and any other character is an error naming its row and column.
public enum InputFile {
    /// Reads an input file and checks it against the model's input shape `[C, H, W]`.
    /// - Parameter pixels: how PNG and `uint8` pixel values become numbers.
    /// - Throws: `FileError` for an empty file, ragged rows, a bad grid character, non-numbers,
    ///   a PNG or `.npy` that cannot be read, or a shape other than `shape` (naming it).
    public static func load(_ path: String, expecting shape: [Int], pixels: PixelMapping = .article) throws(FileError) -> Tensor {
        try parse(try readFileBytes(path), file: path, expecting: shape, pixels: pixels)
    }

    /// Parses the bytes of an input file (see `load`).
    public static func parse(_ bytes: [UInt8], file: String, expecting shape: [Int], pixels: PixelMapping = .article) throws(FileError) -> Tensor {
        if isPNG(bytes) { return try png(bytes, file: file, expecting: shape, pixels: pixels) }
        let t: Tensor
        if bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
            t = try npy(bytes, file: file, pixels: pixels)
        } else if file.lowercased().hasSuffix(".csv") {
            t = try csv(bytes, file: file)
        } else {
            t = try text(bytes, file: file)
        }
        guard t.shape == shape else {
            let hwc = t.shape.count == 3 && [t.shape[2], t.shape[0], t.shape[1]] == shape
            let hint = hwc ? "; it looks like [H, W, C] (an image library's order): save x.transpose(2, 0, 1)" : ""
            throw FileError(file: file, "the image is \(ShapeText.list(t.shape)) ([C, H, W]) but the model's input is \(ShapeText.list(shape))\(hint)")
        }
        return t
    }

    /// Nested arrays or a grid.
    static func text(_ bytes: [UInt8], file: String) throws(FileError) -> Tensor {
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        guard let first else { throw FileError(file: file, "the input is empty") }
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ".") { return try grid(bytes, file: file) }
        let doc = try parseDocument(bytes, file: file)
        guard case .array = doc else {
            throw FileError(file: file, "expected nested arrays [C][H][W] or [H][W], or a grid of '#' and '.', got \(doc.kindName)")
        }
        let n = try tensorFromNested(doc, field: "input", file: file)
        switch n.shape.count {
        case 2: return n.reshaped([1] + n.shape)
        case 3: return n
        default:
            throw FileError(file: file, "expected nested arrays [C][H][W] or [H][W], got \(n.shape.count) levels of nesting (shape \(ShapeText.list(n.shape)))")
        }
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

/// Reads an input image and checks it has the model's input shape `[C, H, W]`. See `InputFile`.
public func loadInput(path: String, expecting shape: [Int], pixels: PixelMapping = .article) throws(FileError) -> Tensor {
    try InputFile.load(path, expecting: shape, pixels: pixels)
}
