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

    /// Every row unpacked (`unpack`) and filtered with "Up" in one pass: the filter byte 2, then
    /// each byte minus the byte above it in the unfiltered image (the first row as it is).
    private static func filterRows(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, opaque: Bool,
                                   into raw: UnsafeMutablePointer<UInt8>) {
        let rowBytes = width * (opaque ? 3 : 4) + 1, n = rowBytes - 1
        // The unfiltered row and the one above it, in turn.
        let rows = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, 2 * n))
        defer { rows.deallocate() }
        for y in 0..<height {
            let line = raw + y * rowBytes
            line[0] = 2  // the Up filter
            let current = rows + (y & 1) * n, above = rows + ((y + 1) & 1) * n
            unpack(UnsafeRawPointer(data + y * stride), width: width, opaque: opaque, into: current)
            guard y > 0 else { (line + 1).update(from: current, count: n); continue }
            for i in 0..<n { line[1 + i] = current[i] &- above[i] }
        }
    }

    private static func isOpaque(_ data: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) -> Bool {
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride)
            for x in 0..<width where row.loadUnaligned(fromByteOffset: 4 * x, as: UInt32.self) >> 24 != 0xFF { return false }
        }
        return true
    }

    /// One row of ARGB32 words as R, G, B (and A) bytes, un-premultiplied.
    private static func unpack(_ words: UnsafeRawPointer, width: Int, opaque: Bool, into row: UnsafeMutablePointer<UInt8>) {
        for x in 0..<width {
            let word = words.loadUnaligned(fromByteOffset: 4 * x, as: UInt32.self)
            var r = (word >> 16) & 0xFF, g = (word >> 8) & 0xFF, b = word & 0xFF
            let a = word >> 24
            if opaque {
                row[3 * x] = UInt8(r); row[3 * x + 1] = UInt8(g); row[3 * x + 2] = UInt8(b)
                continue
            }
            if a == 0 {
                r = 0; g = 0; b = 0
            } else if a != 0xFF {
                r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a
            }
            row[4 * x] = UInt8(r); row[4 * x + 1] = UInt8(g); row[4 * x + 2] = UInt8(b); row[4 * x + 3] = UInt8(a)
        }
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
