import CNNCore
import CNNFiles
import CNNPNG
import Foundation

/// How 8-bit pixel values (0…255, from a PNG or a `uint8` `.npy`) become the network's numbers.
public enum PixelMapping: String, Sendable, CaseIterable {
    /// The article's −1…1: black (0) is −1, white (255) is +1, `v = 2·p/255 − 1`.
    case article
    /// torchvision's `ToTensor()`: 0…1, `v = p/255`.
    case torchvision

    /// The number for pixel value `p` (0…255).
    public func value(_ p: UInt8) -> Double {
        switch self {
        case .article: return 2 * Double(p) / 255 - 1
        case .torchvision: return Double(p) / 255
        }
    }

    /// The same mapping for a value already widened to `Double` (the gray of an RGB pixel).
    func value(_ p: Double) -> Double {
        switch self {
        case .article: return 2 * p / 255 - 1
        case .torchvision: return p / 255
        }
    }
}

extension InputFile {
    /// A PNG as the model's `[C, H, W]` input.
    ///
    /// - C = 1: one gray channel. A gray PNG gives its gray; a color PNG is converted with the
    ///   ITU-R BT.601 luma, `L = (299·R + 587·G + 114·B) / 1000`, the weights of PIL's
    ///   `convert("L")` (kept as a fraction, not rounded to an integer).
    /// - C = 3: red, green, blue (a gray PNG repeats its gray, as PIL's `convert("RGB")`).
    /// - C = 4: red, green, blue, alpha.
    /// Alpha is dropped for C = 1 and 3, as PIL's `convert` does. Cairo keeps color premultiplied
    /// by alpha, so a fully transparent pixel reads as black, and a partly transparent one is
    /// un-premultiplied to within one level.
    static func png(_ bytes: [UInt8], file: String, expecting shape: [Int], pixels: PixelMapping) throws(FileError) -> Tensor {
        let image: PNGImage
        do {
            image = try decodePNG(bytes, maxPixels: Limits.maxElements)
        } catch {
            throw FileError(file: file, error.message)
        }
        guard shape.count == 3, [1, 3, 4].contains(shape[0]) else {
            throw FileError(file: file, "the model's input is \(ShapeText.list(shape)); a PNG gives [1, H, W] (gray), [3, H, W] (RGB) or [4, H, W] (RGBA)")
        }
        guard image.height == shape[1], image.width == shape[2] else {
            throw FileError(file: file, "the PNG is \(image.width)×\(image.height) pixels (width×height), but the model's input is \(ShapeText.list(shape)) ([C, H, W]), \(shape[2])×\(shape[1])")
        }
        let plane = image.width * image.height
        var data = [Double](repeating: 0, count: shape[0] * plane)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let at = y * image.width + x
                if shape[0] == 1 {
                    let (r, g, b) = (Double(image.channel(0, x: x, y: y)), Double(image.channel(1, x: x, y: y)), Double(image.channel(2, x: x, y: y)))
                    data[at] = image.color == .gray ? pixels.value(image.channel(0, x: x, y: y)) : pixels.value((299 * r + 587 * g + 114 * b) / 1000)
                } else {
                    for c in 0..<shape[0] { data[c * plane + at] = pixels.value(image.channel(c, x: x, y: y)) }
                }
            }
        }
        return Tensor(shape: shape, data: data)
    }

    /// A `.npy` array as an input: float64 and float32 as they are, uint8 through `pixels`.
    /// Shapes `[C, H, W]`, `[H, W]` (one channel) and `[1, C, H, W]` (a batch of one).
    static func npy(_ bytes: [UInt8], file: String, pixels: PixelMapping) throws(FileError) -> Tensor {
        let a = try NPY.parse(bytes[...], file: file)
        guard ["float64", "float32", "uint8"].contains(a.dtype) else {
            throw FileError(file: file, "element type \(a.dtype) is not read as an input; save float64, float32 or uint8 (x.astype(np.float32))")
        }
        if let bad = a.data.firstIndex(where: { !$0.isFinite }) {
            throw FileError(file: file, "element \(ShapeText.list(multiIndex(bad, shape: a.shape))) is \(a.data[bad]), not a finite number")
        }
        let data = a.dtype == "uint8" ? a.data.map { pixels.value($0) } : a.data
        switch a.shape.count {
        case 2: return Tensor(shape: [1] + a.shape, data: data)
        case 3: return Tensor(shape: a.shape, data: data)
        case 4 where a.shape[0] == 1: return Tensor(shape: Array(a.shape.dropFirst()), data: data)
        default:
            throw FileError(file: file, "expected an array of shape [C, H, W], [H, W] or [1, C, H, W], got \(ShapeText.list(a.shape))")
        }
    }

    /// CSV of numbers: one image row per line, values separated by commas; a blank line starts
    /// the next channel. Spaces around values are ignored.
    static func csv(_ bytes: [UInt8], file: String) throws(FileError) -> Tensor {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileError(file: file, "not valid UTF-8 text") }
        var channels: [[[Double]]] = [[]]
        var total = 0
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                if channels[channels.count - 1].isEmpty == false { channels.append([]) }
                continue
            }
            var row: [Double] = []
            for (col, cell) in trimmed.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let s = cell.trimmingCharacters(in: .whitespaces)
                guard let v = Double(s), v.isFinite else {
                    throw FileError(file: file, field: "row \(k + 1)", "column \(col + 1): '\(s)' is not a finite number")
                }
                row.append(v)
            }
            if let width = channels.first?.first?.count, row.count != width {
                throw FileError(file: file, field: "row \(k + 1)", "ragged: \(row.count) values where the first row has \(width)")
            }
            channels[channels.count - 1].append(row)
            total += row.count
            guard row.count <= Limits.maxDimension, channels[channels.count - 1].count <= Limits.maxDimension, total <= Limits.maxElements else {
                throw FileError(file: file, field: "row \(k + 1)", "the CSV is larger than \(Limits.maxDimension) in a dimension or \(Limits.maxElements) numbers")
            }
        }
        if channels.last?.isEmpty == true { channels.removeLast() }
        guard let first = channels.first, let width = first.first?.count else { throw FileError(file: file, "the input is empty") }
        for (c, ch) in channels.enumerated() where ch.count != first.count {
            throw FileError(file: file, field: "channel \(c + 1)", "\(ch.count) rows where the first channel has \(first.count)")
        }
        return Tensor(shape: [channels.count, first.count, width], data: channels.flatMap { $0.flatMap { $0 } })
    }
}
