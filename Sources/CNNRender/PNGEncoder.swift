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
        let channels = opaque ? 3 : 4
        let rowBytes = width * channels + 1
        var raw = [UInt8](repeating: 0, count: rowBytes * height)
        raw.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            for y in 0..<height {
                base[y * rowBytes] = 2  // the Up filter
                unpack(UnsafeRawPointer(data + y * stride), width: width, opaque: opaque, into: base + y * rowBytes + 1)
            }
            // Bottom row first, so each row still sees the unfiltered row above it.
            for y in Swift.stride(from: height - 1, to: 0, by: -1) {
                let line = base + y * rowBytes + 1, above = base + (y - 1) * rowBytes + 1
                for i in 0..<(rowBytes - 1) { line[i] = line[i] &- above[i] }
            }
        }
        var ihdr = [UInt8]()
        ihdr += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [8, opaque ? 2 : 6, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk("IHDR", ihdr, to: &png)
        appendChunk("IDAT", try deflate(raw), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
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

    private static func deflate(_ raw: [UInt8]) throws -> [UInt8] {
        var size = compressBound(uLong(raw.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            raw.withUnsafeBufferPointer { r in compress2(o.baseAddress, &size, r.baseAddress, uLong(r.count), level) }
        }
        guard status == Z_OK else { throw RenderError.cairo(operation: "encoding PNG", status: "zlib status \(status)") }
        return Array(out.prefix(Int(size)))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func appendChunk(_ type: String, _ body: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(body.count))
        png += typeBytes + body
        var crc = crc32(0, nil, 0)
        crc = typeBytes.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
        crc = body.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(truncatingIfNeeded: crc))
    }
}
