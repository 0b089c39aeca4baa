import CCairo

/// A PNG image decoded to 8-bit pixels, with straight (not premultiplied) alpha.
///
/// This target only decodes: it is how the input loader reads a PNG without Cairo leaking into
/// the file formats. Cairo (`cairo_image_surface_create_from_png_stream`) does the decoding; the
/// PNG's own header (`IHDR`) says whether it is gray or color and how large it is, which is
/// checked before Cairo allocates anything.
public struct PNGImage: Sendable, Equatable {
    /// Gray (PNG color types 0 and 4) or color (2, 3 for a palette, and 6).
    public enum Color: Sendable, Equatable {
        case gray
        case rgb
    }

    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Gray or color, from the PNG's header.
    public let color: Color
    /// Whether the PNG has an alpha channel (color types 4 and 6) or transparency (`tRNS`).
    public let hasAlpha: Bool
    /// Row-major pixels, four bytes each: red, green, blue, alpha. Gray pixels have r = g = b.
    public let rgba: [UInt8]

    /// The value of channel `c` (0 red, 1 green, 2 blue, 3 alpha) of the pixel at row `y`, column `x`.
    public func channel(_ c: Int, x: Int, y: Int) -> UInt8 { rgba[(y * width + x) * 4 + c] }
}

/// Why PNG bytes could not be decoded, in one line.
public struct PNGError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in one line.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Decodes PNG bytes.
///
/// 8-bit gray, RGB, RGBA, gray with alpha, palette images, and gray of 1, 2 or 4 bits (widened
/// to 8) are read. 16-bit images are refused (Cairo would drop their low byte silently), and so
/// is any image with more than `maxPixels` pixels, before it is decoded.
/// - Throws: `PNGError` for bytes that are not a PNG, a 16-bit PNG, too many pixels, or a PNG
///   that Cairo cannot decode.
public func decodePNG(_ bytes: [UInt8], maxPixels: Int) throws(PNGError) -> PNGImage {
    let header = try pngHeader(bytes)
    guard header.width > 0, header.height > 0, header.width <= maxPixels / header.height else {
        throw PNGError("the image is \(header.width)×\(header.height) pixels; at most \(maxPixels) pixels are read")
    }
    guard header.depth <= 8 else { throw PNGError("a \(header.depth)-bit PNG is not read; save it with 8 bits per channel") }
    let rgba = try cairoDecode(bytes, width: header.width, height: header.height)
    let alpha = header.colorType == 4 || header.colorType == 6 || rgba.enumerated().contains { $0.offset % 4 == 3 && $0.element != 255 }
    return PNGImage(width: header.width, height: header.height, color: header.colorType == 0 || header.colorType == 4 ? .gray : .rgb,
                    hasAlpha: alpha, rgba: rgba)
}

/// Whether `bytes` start with the PNG signature.
public func isPNG(_ bytes: [UInt8]) -> Bool { bytes.starts(with: pngSignature) }

private let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// Width, height, bit depth and color type from the `IHDR` chunk, which must come first.
private func pngHeader(_ b: [UInt8]) throws(PNGError) -> (width: Int, height: Int, depth: Int, colorType: Int) {
    guard isPNG(b) else { throw PNGError("not a PNG (no PNG signature)") }
    guard b.count >= 33, Array(b[12..<16]) == Array("IHDR".utf8) else { throw PNGError("a damaged PNG: no IHDR header") }
    func be32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(b[at + $1]) } }
    return (be32(16), be32(20), Int(b[24]), Int(b[25]))
}

/// Cairo's decoding, unpremultiplied into RGBA bytes.
private func cairoDecode(_ bytes: [UInt8], width: Int, height: Int) throws(PNGError) -> [UInt8] {
    final class Source { let bytes: [UInt8]; var offset = 0; init(_ b: [UInt8]) { bytes = b } }
    let source = Source(bytes)
    let read: cairo_read_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
        let s = Unmanaged<Source>.fromOpaque(closure).takeUnretainedValue()
        let n = Int(length)
        guard s.offset + n <= s.bytes.count else { return CAIRO_STATUS_READ_ERROR }
        s.bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { data.update(from: base + s.offset, count: n) } }
        s.offset += n
        return CAIRO_STATUS_SUCCESS
    }
    let surface = withExtendedLifetime(source) {
        cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(source).toOpaque())
    }
    guard let surface else { throw PNGError("Cairo could not decode the PNG") }
    defer { cairo_surface_destroy(surface) }
    let status = cairo_surface_status(surface)
    guard status == CAIRO_STATUS_SUCCESS else {
        throw PNGError("Cairo could not decode the PNG: \(String(cString: cairo_status_to_string(status)))")
    }
    cairo_surface_flush(surface)
    guard Int(cairo_image_surface_get_width(surface)) == width, Int(cairo_image_surface_get_height(surface)) == height,
          let data = cairo_image_surface_get_data(surface) else { throw PNGError("Cairo decoded the PNG to an unexpected size") }
    let stride = Int(cairo_image_surface_get_stride(surface))
    var out = [UInt8](repeating: 0, count: width * height * 4)
    for y in 0..<height {
        for x in 0..<width {
            // ARGB32 and RGB24 are native-endian 32-bit words, A << 24 | R << 16 | G << 8 | B,
            // with color premultiplied by alpha; RGB24's top byte is unused (opaque).
            let word = UnsafeRawPointer(data + y * stride + x * 4).loadUnaligned(as: UInt32.self)
            let a = cairo_image_surface_get_format(surface) == CAIRO_FORMAT_RGB24 ? 255 : Int(word >> 24)
            let i = (y * width + x) * 4
            for (k, shift) in [16, 8, 0].enumerated() {
                let c = Int((word >> UInt32(shift)) & 0xFF)
                out[i + k] = a == 0 ? 0 : UInt8(min(255, (c * 255 + a / 2) / a))
            }
            out[i + 3] = UInt8(a)
        }
    }
    return out
}
