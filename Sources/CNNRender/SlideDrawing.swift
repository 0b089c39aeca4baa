// A 16:9 slide deck as a PDF: one page per slide, a large title, a few large lines, and the
// figures scaled to fill what is left.

import CCairo
import CNNFigures
import Foundation

extension SlideDeck {
    /// The PDF bytes of the slides (one page each, `width`×`height` points). Same deck, same bytes.
    public func data() throws -> [UInt8] {
        let surface = try CairoSurface.pdf(width: width, height: height)
        try surface.setPDFMetadata(CAIRO_PDF_METADATA_TITLE, title)
        do {
            let context = try CairoContext(surface: surface)
            let painter = Painter(context: context)
            for (index, slide) in slides.enumerated() {
                try draw(slide, number: index + 1, painter: painter)
                cairo_show_page(context.pointer)
                try context.check("drawing slide \(index + 1)")
            }
        }
        try surface.finish()
        return surface.sink?.bytes ?? []
    }

    private var margin: Double { width * 0.045 }

    private func draw(_ slide: Slide, number: Int, painter: Painter) throws {
        painter.fillRect(0, 0, width, height, .white)
        let textWidth = width - 2 * margin
        let titleFont = FontStyle(size: max(minimumFontSize * 1.6, 36), bold: true)
        var y = margin * 0.8
        // `paragraph` returns the height it drew: each line is shaped once.
        y += painter.paragraph(TextBlock.escape(slide.title), x: margin, y: y, width: textWidth, titleFont) + minimumFontSize * 0.6
        let lineFont = FontStyle(size: max(minimumFontSize * 1.2, minimumFontSize))
        for line in slide.lines {
            y += painter.paragraph(line, x: margin, y: y, width: textWidth, lineFont) + minimumFontSize * 0.35
        }
        let footerFont = FontStyle(size: minimumFontSize)
        painter.text("\(number) / \(slides.count)", x: width - margin, y: height - margin * 0.5, footerFont, color: Palette.muted, align: .right)
        try drawFigures(slide.figures, top: y + minimumFontSize * 0.4, bottom: height - margin * 0.5 - footerFont.size * 1.4, painter: painter)
    }

    /// Figures side by side, centred, scaled to the box (at most 3 times their own size).
    private func drawFigures(_ figures: [Figure], top: Double, bottom: Double, painter: Painter) throws {
        guard !figures.isEmpty, bottom > top else { return }
        let sizes = try figures.map { try measure($0) }
        let gap = minimumFontSize * 1.5
        let totalWidth = sizes.map(\.width).reduce(0, +) + gap * Double(figures.count - 1)
        let tallest = sizes.map(\.height).max() ?? 1
        let scale = min(3, (width - 2 * margin) / max(totalWidth, 1), (bottom - top) / max(tallest, 1))
        var x = (width - totalWidth * scale) / 2
        for (figure, size) in zip(figures, sizes) {
            painter.save()
            painter.translate(x, top + (bottom - top - size.height * scale) / 2)
            painter.scale(scale)
            _ = try Drawer(painter: painter).draw(figure)
            painter.restore()
            x += (size.width + gap) * scale
        }
    }
}
