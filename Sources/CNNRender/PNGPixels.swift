import CCairo
import CNNFigures

/// Decoded PNG pixels, for tests and checks: read back what `renderData(_:format: .png)` wrote.
public struct PNGPixels: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major (r, g, b, a) bytes, not premultiplied for opaque pixels.
    let rgba: [UInt8]

    /// Decodes PNG bytes with Cairo. Throws `RenderError.cairo` for bytes that are not a PNG.
    public init(png bytes: [UInt8]) throws {
        final class Source { var bytes: [UInt8]; var offset = 0; init(_ b: [UInt8]) { bytes = b } }
        let source = Source(bytes)
        let read: cairo_read_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
            let s = Unmanaged<Source>.fromOpaque(closure).takeUnretainedValue()
            let n = Int(length)
            guard s.offset + n <= s.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            s.bytes.withUnsafeBufferPointer { buffer in
                if let base = buffer.baseAddress { data.update(from: base + s.offset, count: n) }
            }
            s.offset += n
            return CAIRO_STATUS_SUCCESS
        }
        let surface = try withExtendedLifetime(source) {
            try CairoSurface(owning: cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(source).toOpaque()),
                             creating: "an image from PNG bytes")
        }
        cairo_surface_flush(surface.pointer)
        let w = Int(cairo_image_surface_get_width(surface.pointer)), h = Int(cairo_image_surface_get_height(surface.pointer))
        let stride = Int(cairo_image_surface_get_stride(surface.pointer))
        var out = [UInt8](repeating: 0, count: w * h * 4)
        if let data = cairo_image_surface_get_data(surface.pointer) {
            // Cairo stores ARGB32 as native-endian 32-bit words: on little-endian machines B, G, R, A.
            for y in 0..<h {
                for x in 0..<w {
                    let word = UnsafeRawPointer(data + y * stride + x * 4).loadUnaligned(as: UInt32.self)
                    let i = (y * w + x) * 4
                    out[i] = UInt8((word >> 16) & 0xFF); out[i + 1] = UInt8((word >> 8) & 0xFF)
                    out[i + 2] = UInt8(word & 0xFF); out[i + 3] = UInt8(word >> 24)
                }
            }
        }
        width = w; height = h; rgba = out
    }

    /// The pixel at column `x`, row `y` (from the top-left).
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }
}
