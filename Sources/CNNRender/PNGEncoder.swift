import CZlibPNG

/// PNG bytes of a Cairo ARGB32 image, compressed with zlib at a fast level.
///
/// Cairo's own writer (libpng's default compression and adaptive filters) spent most of a
/// lesson's time. This one writes 8-bit RGB when every pixel is opaque, else 8-bit RGBA
/// (un-premultiplied as Cairo does: `c·255 + a/2) / a`), filters every row with PNG's "Up"
/// filter (the difference to the row above, which is 0 across the flat areas of a figure), and
/// deflates at level 1. The same pixels always give the same bytes.
enum PNGEncoder {
    /// zlib's compression level: 1, the fastest.
    static let level: Int32 = 1

    /// Encodes `height` rows of `width` native-endian ARGB32 words, `stride` bytes apart.
    static func encode(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) throws -> [UInt8] {
        let opaque = isOpaque(data, width: width, height: height, stride: stride)
        let rowBytes = width * (opaque ? 3 : 4) + 1
        let raw = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rowBytes * height))
        defer { raw.deallocate() }
        filterRows(data, width: width, height: height, stride: stride, opaque: opaque, into: raw)
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [8, opaque ? 2 : 6, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        ihdr.withUnsafeBufferPointer { appendChunk("IHDR", $0, to: &png) }
        try appendDeflated(UnsafeBufferPointer(start: raw, count: rowBytes * height), to: &png)
        appendChunk("IEND", UnsafeBufferPointer(start: nil, count: 0), to: &png)
        return png
    }

    /// Every row unpacked and filtered with "Up" in one pass (`cnn_png_up_rows`): the filter
    /// byte 2, then each byte minus the byte above it in the unfiltered image.
    private static func filterRows(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, opaque: Bool,
                                   into raw: UnsafeMutablePointer<UInt8>) {
        let n = width * (opaque ? 3 : 4)
        // The unfiltered row and the one above it, in turn.
        let rows = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, 2 * n))
        defer { rows.deallocate() }
        cnn_png_up_rows(data, width, height, stride, opaque ? 1 : 0, raw, rows)
    }

    private static func isOpaque(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) -> Bool {
        cnn_png_is_opaque(data, width, height, stride) != 0
    }

    /// Appends an IDAT chunk holding `raw` deflated by zlib (`compress2` at `level`).
    private static func appendDeflated(_ raw: UnsafeBufferPointer<UInt8>, to png: inout [UInt8]) throws {
        let bound = Int(compressBound(uLong(raw.count)))
        // Left uninitialized: zlib writes only the bytes it returns.
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: bound)
        defer { out.deallocate() }
        var size = uLong(bound)
        let status = compress2(out, &size, raw.baseAddress, uLong(raw.count), level)
        guard status == Z_OK else { throw RenderError.cairo(operation: "encoding PNG", status: "zlib status \(status)") }
        png.reserveCapacity(png.count + Int(size) + 24)
        appendChunk("IDAT", UnsafeBufferPointer(start: out, count: Int(size)), to: &png)
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func appendChunk(_ type: String, _ body: UnsafeBufferPointer<UInt8>, to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(body.count))
        png += typeBytes
        png.append(contentsOf: body)
        var crc = crc32(0, nil, 0)
        crc = typeBytes.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
        if let b = body.baseAddress { crc = crc32(crc, b, uInt(body.count)) }
        png += bigEndian(UInt32(truncatingIfNeeded: crc))
    }
}
