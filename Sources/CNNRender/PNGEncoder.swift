import CZlibPNG

/// PNG bytes of a Cairo ARGB32 image, compressed with zlib at a fast level.
///
/// Cairo's own writer (libpng's default compression and adaptive filters) spent most of a
/// lesson's time. This one writes 8-bit RGB when every pixel is opaque, else 8-bit RGBA
/// (un-premultiplied as Cairo does: `c·255 + a/2) / a`), filters every row with PNG's "Up"
/// filter (the difference to the row above, which is 0 across the flat areas of a figure), and
/// deflates at level 1 (`memLevel` 6), a band of rows at a time. The same pixels always give the same bytes.
enum PNGEncoder {
    /// zlib's compression level: 1, the fastest.
    static let level: Int32 = 1
    /// zlib's `memLevel` (the size of its hash table of 3-byte strings): 6 instead of zlib's
    /// default 8. On the lessons' figures it deflates with about 16 % fewer instructions to the
    /// same size (the smaller table is also kinder to the cache).
    static let memoryLevel: Int32 = 6

    /// Encodes `height` rows of `width` native-endian ARGB32 words, `stride` bytes apart.
    static func encode(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) throws -> [UInt8] {
        let opaque = cnn_png_is_opaque(data, width, height, stride) != 0
        let rowBytes = width * (opaque ? 3 : 4) + 1
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [8, opaque ? 2 : 6, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        ihdr.withUnsafeBufferPointer { appendChunk("IHDR", $0, to: &png) }
        try appendDeflated(data, width: width, height: height, stride: stride, opaque: opaque,
                           rawCount: rowBytes * height, to: &png)
        appendChunk("IEND", UnsafeBufferPointer(start: nil, count: 0), to: &png)
        return png
    }

    /// Appends an IDAT chunk holding the image's scanlines, every row filtered with "Up" (the
    /// filter byte 2, then each byte minus the byte above it), deflated by zlib at `level` and
    /// `memoryLevel`: `cnn_png_deflate_rows` filters a band of rows at a time and streams them
    /// into zlib, which gives the bytes it gives for all the rows at once.
    private static func appendDeflated(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, opaque: Bool,
                                       rawCount: Int, to png: inout [UInt8]) throws {
        let bound = Int(compressBound(uLong(rawCount)))
        // Left uninitialized: zlib writes only the bytes it returns.
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: bound)
        defer { out.deallocate() }
        let size = cnn_png_deflate_rows(data, width, height, stride, opaque ? 1 : 0, level, memoryLevel, out, bound)
        guard size >= 0 else { throw RenderError.cairo(operation: "encoding PNG", status: "zlib status \(size)") }
        png.reserveCapacity(png.count + size + 24)
        appendChunk("IDAT", UnsafeBufferPointer(start: out, count: size), to: &png)
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
