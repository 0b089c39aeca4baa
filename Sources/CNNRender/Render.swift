// Entry points: measure a figure, render it to bytes, write it to a file atomically.

import CCairo
import CNNFigures
import Foundation

/// The file formats a figure can be written in.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// A bitmap; its pixel size is (figure size + 2 × padding) × scale, rounded up.
    case png
    /// Vectors, one page the size of the figure.
    case pdf
    /// Vectors, sized in points.
    case svg

    /// The usual file extension.
    public var fileExtension: String { rawValue }
}

/// White space (points) around a figure written on its own by `render`.
public let figurePadding = 12.0

/// The size of `figure` in points (1/72 inch), without padding, so a document can place it.
public func size(of figure: Figure) throws -> (width: Double, height: Double) {
    let s = try measure(figure)
    return (s.width, s.height)
}

/// Measures by drawing on a recording surface that produces no output.
func measure(_ figure: Figure) throws -> Size {
    let context = try CairoContext(surface: try CairoSurface.recording())
    let size = try Drawer(painter: Painter(context: context)).draw(figure)
    try context.check("measuring a figure")
    return size
}

/// The bytes of `figure` in `format`. The same figure always gives the same bytes.
///
/// - `scale`: pixels per point for PNG (2 is sharp enough for slides); ignored for PDF and SVG.
public func renderData(_ figure: Figure, format: OutputFormat, scale: Double = 2) throws -> [UInt8] {
    try renderData(figure, format: format, scale: scale, size: try measure(figure))
}

/// `renderData(_:format:scale:)` for a figure whose natural size `s` is known (`measure`'s).
func renderData(_ figure: Figure, format: OutputFormat, scale: Double, size s: Size) throws -> [UInt8] {
    let width = s.width + 2 * figurePadding, height = s.height + 2 * figurePadding
    switch format {
    case .png:
        guard scale > 0, scale.isFinite else { throw RenderError.invalidFigure("PNG scale must be positive, got \(scale)") }
        let pixelsWide = Int((width * scale).rounded(.up)), pixelsHigh = Int((height * scale).rounded(.up))
        // Cairo itself rejects sizes over 32767 (a thrown INVALID_SIZE); this only keeps Int32 from trapping.
        guard pixelsWide < Int(Int32.max), pixelsHigh < Int(Int32.max) else {
            throw RenderError.invalidFigure("a PNG of \(pixelsWide)×\(pixelsHigh) pixels is too large")
        }
        let surface = try CairoSurface.image(width: pixelsWide, height: pixelsHigh, memory: PixelMemory.current)
        let context = try CairoContext(surface: surface)
        // Every pixel white first: the page's white covers the last column and row only in part
        // when its size times the scale is not whole, and an opaque image is written as RGB,
        // a quarter fewer bytes to filter and deflate than RGBA.
        cairo_set_source_rgb(context.pointer, 1, 1, 1)
        cairo_paint(context.pointer)
        cairo_scale(context.pointer, scale, scale)
        try drawPage(figure, context: context, width: width, height: height)
        return try surface.pngBytes()
    case .pdf:
        let surface = try CairoSurface.pdf(width: width, height: height)
        do {
            let context = try CairoContext(surface: surface)
            try drawPage(figure, context: context, width: width, height: height)
            cairo_show_page(context.pointer)
            try context.check("ending the page")
        }
        try surface.finish()
        return surface.sink?.bytes ?? []
    case .svg:
        let surface = try CairoSurface.svg(width: width, height: height)
        do {
            let context = try CairoContext(surface: surface)
            try drawPage(figure, context: context, width: width, height: height)
        }
        try surface.finish()
        return renumberSVGSurfaceIDs(surface.sink?.bytes ?? [])
    }
}

/// Cairo names SVG groups "surfaceN" from a process-wide counter, so the same figure would get
/// different ids on a second render. Renumber them 1, 2, 3… in order of first appearance.
func renumberSVGSurfaceIDs(_ bytes: [UInt8]) -> [UInt8] {
    let text = String(decoding: bytes, as: UTF8.self)
    var numbers: [Substring: Int] = [:]
    let pattern = /(id="|#)surface([0-9]+)/
    let renumbered = text.replacing(pattern) { match in
        let old = match.output.2
        let new = numbers[old] ?? (numbers.count + 1)
        numbers[old] = new
        return "\(match.output.1)surface\(new)"
    }
    return Array(renumbered.utf8)
}

/// White background, then the figure inside the padding.
private func drawPage(_ figure: Figure, context: CairoContext, width: Double, height: Double) throws {
    let painter = Painter(context: context)
    painter.fillRect(0, 0, width, height, .white)
    painter.save()
    painter.translate(figurePadding, figurePadding)
    _ = try Drawer(painter: painter).draw(figure)
    painter.restore()
    try context.check("drawing a figure")
}
