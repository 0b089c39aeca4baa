import CNNPNG

/// Decoded PNG pixels, for tests and checks: read back what `renderData(_:format: .png)` wrote.
/// The decoding is CNNPNG's, the one PNG reader of the project.
public struct PNGPixels: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major (r, g, b, a) bytes, straight alpha.
    let rgba: [UInt8]

    /// Decodes PNG bytes. Throws `RenderError.cairo` for bytes that are not a PNG.
    public init(png bytes: [UInt8]) throws {
        do {
            let image = try decodePNG(bytes, maxPixels: 1 << 26)
            width = image.width; height = image.height; rgba = image.rgba
        } catch {
            throw RenderError.cairo(operation: "reading an image from PNG bytes", status: error.message)
        }
    }

    /// The pixel at column `x`, row `y` (from the top-left).
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }
}
