import CCairo
import CZlibPNG
import Testing
import CNNFigures
@testable import CNNRender

/// `PNGEncoder` against Cairo's own PNG writer: both encodings of one surface decode (with Cairo's
/// reader) to the same pixels, for an opaque image (written as RGB) and one with transparency
/// (RGBA, un-premultiplied like Cairo).
@Test(arguments: [true, false])
func pngEncoderKeepsEveryPixel(opaque: Bool) throws {
    let surface = try CairoSurface.image(width: 37, height: 23)
    let context = try CairoContext(surface: surface)
    let cr = context.pointer
    if opaque {
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
    }
    cairo_set_source_rgba(cr, 0.8, 0.2, 0.1, opaque ? 1 : 0.37)
    cairo_arc(cr, 15, 11, 9, 0, 6.283)
    cairo_fill(cr)
    cairo_set_source_rgba(cr, 0.1, 0.5, 0.9, 0.6)
    cairo_rectangle(cr, 20.5, 3.25, 14, 17)
    cairo_fill(cr)
    let ours = try surface.pngBytes(), cairo = try surface.cairoPNGBytes()
    #expect(ours[25] == (opaque ? 2 : 6), "colour type: RGB when opaque, else RGBA")
    let a = try PNGPixels(png: ours), b = try PNGPixels(png: cairo)
    #expect(a.width == 37 && a.height == 23)
    #expect(a.rgba == b.rgba)
    #expect(try surface.pngBytes() == ours, "the same pixels give the same bytes")
}

/// A figure's PNG is opaque to its last column and row even when its size times the scale is not
/// a whole number of pixels (the surface is painted white first), so it is written as RGB.
@Test func figurePNGIsOpaqueRGBAtAnyScale() throws {
    let figure = Figure.voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51]))
    let s = try size(of: figure)
    let scale = 1.37
    #expect(((s.width + 2 * figurePadding) * scale).rounded(.up) != (s.width + 2 * figurePadding) * scale,
            "the width is not a whole number of pixels, so the last column is partly outside the page")
    let bytes = try renderData(figure, format: .png, scale: scale)
    #expect(bytes[25] == 2, "colour type 2: RGB")
    let image = try PNGPixels(png: bytes)
    let corner = image.pixel(x: image.width - 1, y: image.height - 1)
    #expect(corner.r == 255 && corner.g == 255 && corner.b == 255 && corner.a == 255)
}

/// The IDAT bytes of a PNG (its zlib stream), inflated by zlib itself, which checks the stream's
/// Adler-32; nil when zlib refuses them or they do not fill exactly `expected` bytes.
private func inflatedScanlines(_ png: [UInt8], expected: Int) -> [UInt8]? {
    var i = 8, stream: [UInt8] = []
    while i + 8 <= png.count {
        let length = png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
        if String(decoding: png[i + 4..<i + 8], as: UTF8.self) == "IDAT" { stream += png[i + 8..<i + 8 + length] }
        i += 12 + length
    }
    var out = [UInt8](repeating: 0, count: expected + 1)
    var size = uLong(out.count)
    let status = uncompress(&out, &size, stream, uLong(stream.count))
    return status == Z_OK && Int(size) == expected ? Array(out.prefix(expected)) : nil
}

/// Surfaces with long runs of one byte (white rows, flat fills: matches of 258 and the pieces left
/// over, runs across the bands of 32 rows) and with noise (every byte a literal, both code
/// lengths): zlib inflates the stream and agrees with its Adler-32, and the pixels are Cairo's.
@Test(arguments: [(87, 70, true), (700, 90, true), (301, 45, false), (64, 33, false)])
func pngEncoderStreamInflatesWithZlib(width: Int, height: Int, opaque: Bool) throws {
    let surface = try CairoSurface.whiteImage(width: width, height: height)
    let context = try CairoContext(surface: surface)
    let cr = context.pointer
    if !opaque {
        cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR)
        cairo_rectangle(cr, 0, 0, Double(width) / 2, Double(height))
        cairo_fill(cr)
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER)
    }
    cairo_set_source_rgba(cr, 0.13, 0.4, 0.67, opaque ? 1 : 0.5)
    cairo_rectangle(cr, 3, 5, Double(width) * 0.6, Double(height) * 0.4)
    cairo_fill(cr)
    cairo_set_source_rgb(cr, 0.88, 0.51, 0.08)
    cairo_arc(cr, Double(width) * 0.7, Double(height) * 0.6, Double(height) * 0.3, 0, 6.283)
    cairo_fill(cr)
    // A band of noise: bytes of every value, most of them literals.
    var state: UInt32 = 12345
    for y in 0..<min(8, height) {
        for x in 0..<width / 3 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let v = Double(state >> 24) / 255
            cairo_set_source_rgb(cr, v, 1 - v, Double((state >> 16) & 0xFF) / 255)
            cairo_rectangle(cr, Double(x), Double(height - 1 - y), 1, 1)
            cairo_fill(cr)
        }
    }
    let ours = try withExtendedLifetime(context) { try surface.pngBytes() }
    #expect(ours[25] == (opaque ? 2 : 6))
    let rowBytes = width * (opaque ? 3 : 4) + 1
    let rows = try #require(inflatedScanlines(ours, expected: rowBytes * height), "zlib inflates the stream")
    #expect((0..<height).allSatisfy { rows[$0 * rowBytes] == 2 }, "every row filtered with Up")
    #expect(try PNGPixels(png: ours).rgba == PNGPixels(png: try surface.cairoPNGBytes()).rgba)
}
