import CCairo
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

/// Noise does not deflate: igzip must store it, across many bands of rows (the last one short),
/// within the output bound, and Cairo's reader must still decode every pixel as Cairo wrote it.
@Test(arguments: [true, false])
func pngEncoderStoresNoise(opaque: Bool) throws {
    let width = 301, height = 32 * 5 + 7
    let surface = try CairoSurface.image(width: width, height: height)
    cairo_surface_flush(surface.pointer)
    let data = try #require(cairo_image_surface_get_data(surface.pointer))
    let stride = Int(cairo_image_surface_get_stride(surface.pointer))
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for y in 0..<height {
        for x in 0..<width {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let word = UInt32(truncatingIfNeeded: state >> 32)
            let alpha = opaque ? 0xFF : word >> 24
            // Premultiplied: no colour byte above alpha.
            let c = { (v: UInt32) in min(v & 0xFF, alpha) }
            let pixel = alpha << 24 | c(word >> 16) << 16 | c(word >> 8) << 8 | c(word)
            (data + y * stride + 4 * x).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee = pixel }
        }
    }
    cairo_surface_mark_dirty(surface.pointer)
    let ours = try surface.pngBytes(), cairo = try surface.cairoPNGBytes()
    if opaque {
        // (With alpha, premultiplying keeps each colour byte at or below alpha: not pure noise.)
        #expect(ours.count > height * (width * 3 + 1), "noise is stored, not shrunk")
    }
    let a = try PNGPixels(png: ours), b = try PNGPixels(png: cairo)
    #expect(a.width == width && a.height == height)
    #expect(a.rgba == b.rgba)
}
