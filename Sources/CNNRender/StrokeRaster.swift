import CCairo
import CNNFigures

/// Draws a `StrokeDrawing` with Cairo's antialiasing and returns how much ink covers each pixel.
///
///     out[r · S + c] = the fraction of pixel (r, c) the strokes cover, 0 (paper) … 1 (ink)
///
/// The strokes are drawn on an 8-bit alpha surface, with round caps and joins and Cairo's default
/// (gray) antialiasing, so coverage comes in steps of 1/255. Same drawing, same pixels.
/// - Returns: `S·S` values, row by row, for a drawing of side `S`.
/// - Throws: `RenderError.invalidFigure` for a side under 1 or a negative pen width;
///   `RenderError.cairo` if Cairo fails.
public func rasterize(_ drawing: StrokeDrawing) throws -> [Double] {
    let s = drawing.size
    guard s >= 1, drawing.lineWidth >= 0, drawing.lineWidth.isFinite else {
        throw RenderError.invalidFigure("a stroke drawing of side \(s) with pen width \(drawing.lineWidth)")
    }
    let surface = try CairoSurface(owning: cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(s), Int32(s)),
                                   creating: "a \(s)×\(s) mask surface")
    let context = try CairoContext(surface: surface)
    let cr = context.pointer
    cairo_set_line_width(cr, drawing.lineWidth)
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
    for stroke in drawing.strokes {
        guard let first = stroke.first else { continue }
        cairo_move_to(cr, first.x, first.y)
        for p in stroke.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        // A single point is a dot: a zero-length segment with round caps.
        if stroke.count == 1 { cairo_line_to(cr, first.x, first.y) }
    }
    cairo_stroke(cr)
    try context.check("drawing strokes")
    cairo_surface_flush(surface.pointer)
    guard let data = cairo_image_surface_get_data(surface.pointer) else {
        throw RenderError.cairo(operation: "reading the strokes' pixels", status: "the surface has no pixels")
    }
    let stride = Int(cairo_image_surface_get_stride(surface.pointer))
    var out = [Double](repeating: 0, count: s * s)
    for r in 0..<s {
        for c in 0..<s { out[r * s + c] = Double(data[r * stride + c]) / 255 }
    }
    return out
}
