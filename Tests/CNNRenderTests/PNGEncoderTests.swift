import CCairo
import Testing
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
