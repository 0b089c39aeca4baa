// A multi-page PDF: a title page, then sections of headings, wrapped paragraphs and figures
// laid out top to bottom, with page numbers and one bookmark (outline entry) per section.

import CCairo
import CNNFigures
import Foundation

/// Lays out and writes a `ReportDocument` as a PDF.
///
/// Blocks flow down the page; a block that does not fit starts a new page. Figures wider than the
/// text column (or taller than a page) are scaled down to fit, never up. Every page but the title
/// page has "title · page n of N" in its footer. The bytes are reproducible (fixed creation date,
/// see `SOURCE_DATE_EPOCH`).
extension ReportDocument {
    /// The PDF bytes.
    public func data() throws -> [UInt8] { try data(cache: LayoutCache()) }

    /// The PDF bytes, laid out with the sizes `cache` already holds (see `LayoutCache`); the
    /// bytes are the same as `data()`'s.
    public func data(cache: LayoutCache) throws -> [UInt8] {
        let layout = try self.layout(cache: cache)
        let surface = try CairoSurface.pdf(width: pageWidth, height: pageHeight)
        try surface.setPDFMetadata(CAIRO_PDF_METADATA_TITLE, title)
        if let author { try surface.setPDFMetadata(CAIRO_PDF_METADATA_AUTHOR, author) }
        do {
            let context = try CairoContext(surface: surface)
            let painter = Painter(context: context)
            for (index, page) in layout.pages.enumerated() {
                for item in page.items { try draw(item, painter: painter, cache: cache) }
                if !page.isTitlePage {
                    let footer = "\(title) · page \(index + 1) of \(layout.pages.count)"
                    painter.text(footer, x: pageWidth / 2, y: pageHeight - margin / 2, FontStyle(size: 9), color: Palette.muted, align: .center)
                }
                cairo_show_page(context.pointer)
                try context.check("drawing page \(index + 1)")
            }
            var lastTop: Int32 = 0 // CAIRO_PDF_OUTLINE_ROOT
            for entry in layout.outline {
                let parent: Int32 = entry.level <= 1 ? 0 : lastTop
                let id = try surface.addOutline(parent: parent, title: entry.title, page: entry.page, y: entry.y)
                if entry.level <= 1 { lastTop = id }
            }
        }
        try surface.finish()
        return surface.sink?.bytes ?? []
    }

    /// How many pages the document will have.
    public func pageCount() throws -> Int { try layout(cache: LayoutCache()).pages.count }

    /// The page (from 1) on which each heading stands, in the order the headings were added.
    public func headingPages() throws -> [Int] { try headingPages(cache: LayoutCache()) }

    /// `headingPages()`, measuring with `cache` and filling it.
    public func headingPages(cache: LayoutCache) throws -> [Int] {
        try layout(cache: cache).outline.filter(\.isHeading).map(\.page)
    }

    // MARK: layout

    struct Item {
        enum Kind { case text(String, FontStyle, Align), figure(Figure, scale: Double), rule }
        var kind: Kind
        var x: Double, y: Double, width: Double, height: Double
    }
    struct Page { var items: [Item] = []; var isTitlePage = false }
    struct OutlineEntry { var title: String; var level: Int; var page: Int; var y: Double; var isHeading = true }

    private static let headingFonts = [FontStyle(size: 20, bold: true), FontStyle(size: 15, bold: true), FontStyle(size: 12.5, bold: true)]
    private static let bodyFont = FontStyle(size: 11)
    private static let captionFont = FontStyle(size: 9.5)

    /// Places every block on pages, measuring text with Pango and figures with the drawing code
    /// (each paragraph and figure once per `cache`).
    func layout(cache: LayoutCache) throws -> (pages: [Page], outline: [OutlineEntry]) {
        let context = try CairoContext(surface: try CairoSurface.recording())
        let painter = Painter(context: context)
        let measure = CachedMeasure(painter: painter, cache: cache)
        var figureIndex = 0
        var pages: [Page] = []
        var outline: [OutlineEntry] = []
        var current = Page()
        var y = margin
        let bottom = pageHeight - margin
        func newPage() {
            pages.append(current)
            current = Page()
            y = margin
        }
        func ensure(_ height: Double) {
            if y + height > bottom, !current.items.isEmpty { newPage() }
        }
        for block in blocks {
            switch block {
            case let .titlePage(title, subtitle, lines):
                if !current.items.isEmpty { newPage() }
                current.isTitlePage = true
                current.items += titlePageItems(title: title, subtitle: subtitle, lines: lines, measure: measure)
                outline.append(OutlineEntry(title: title, level: 1, page: pages.count + 1, y: 0, isHeading: false))
                newPage()
            case let .heading(text, level, startsPage):
                if startsPage, !current.items.isEmpty { newPage() }
                let font = Self.headingFonts[min(level, Self.headingFonts.count) - 1]
                let markup = TextBlock.escape(text)
                let h = measure.paragraphHeight(markup, width: textWidth, font, align: .left)
                let before = current.items.isEmpty ? 0 : font.size * 0.9
                ensure(before + h + 90) // keep a heading with at least the start of what follows
                if !current.items.isEmpty { y += before }
                outline.append(OutlineEntry(title: text, level: level, page: pages.count + 1, y: max(0, y - 6)))
                current.items.append(Item(kind: .text(markup, font, .left), x: margin, y: y, width: textWidth, height: h))
                y += h + font.size * 0.5
            case let .paragraph(markup):
                let h = measure.paragraphHeight(markup, width: textWidth, Self.bodyFont, align: .left)
                ensure(h)
                current.items.append(Item(kind: .text(markup, Self.bodyFont, .left), x: margin, y: y, width: textWidth, height: h))
                y += h + 10
            case let .figure(figure, caption):
                let s = try measure.figureSize(figure, index: figureIndex)
                figureIndex += 1
                let captionMarkup = caption.map { TextBlock.escape($0) }
                let captionHeight = captionMarkup.map { measure.paragraphHeight($0, width: textWidth, Self.captionFont, align: .center) + 6 } ?? 0
                let scale = figureScale(s, captionHeight: captionHeight, room: bottom - y, fullPage: bottom - margin)
                let w = s.width * scale, h = s.height * scale
                ensure(h + captionHeight + 12)
                y += 6
                current.items.append(Item(kind: .figure(figure, scale: scale), x: margin + (textWidth - w) / 2, y: y, width: w, height: h))
                y += h
                if let captionMarkup {
                    y += 6
                    current.items.append(Item(kind: .text(captionMarkup, Self.captionFont, .center), x: margin, y: y,
                                              width: textWidth, height: captionHeight - 6))
                    y += captionHeight - 6
                }
                y += 16
            case .pageBreak:
                if !current.items.isEmpty { newPage() }
            }
        }
        if !current.items.isEmpty || pages.isEmpty { pages.append(current) }
        try context.check("laying out the document")
        return (pages, outline)
    }

    /// Shapes every heading, paragraph and caption of this document into `cache`, as `layout`
    /// will ask for them, and measures its figures (numbered from `firstFigure` among the figures
    /// of the whole document), without laying out any page: a document made in parts (a lesson's
    /// sections as they come) can be prepared part by part, and the whole laid out then with the
    /// same cache finds them all. On the thread that will lay out and draw the whole.
    public func prepare(cache: LayoutCache, firstFigure: Int = 0) throws {
        let context = try CairoContext(surface: try CairoSurface.recording())
        let measure = CachedMeasure(painter: Painter(context: context), cache: cache)
        var figureIndex = firstFigure
        for block in blocks {
            switch block {
            case let .titlePage(title, subtitle, lines):
                _ = titlePageItems(title: title, subtitle: subtitle, lines: lines, measure: measure)
            case let .heading(text, level, _):
                let font = Self.headingFonts[min(level, Self.headingFonts.count) - 1]
                _ = measure.paragraphHeight(TextBlock.escape(text), width: textWidth, font, align: .left)
            case let .paragraph(markup):
                _ = measure.paragraphHeight(markup, width: textWidth, Self.bodyFont, align: .left)
            case let .figure(figure, caption):
                _ = try measure.figureSize(figure, index: figureIndex)
                figureIndex += 1
                if let caption { _ = measure.paragraphHeight(TextBlock.escape(caption), width: textWidth, Self.captionFont, align: .center) }
            case .pageBreak:
                break
            }
        }
        try context.check("preparing the document")
    }

    /// The scale of a figure of natural size `s`: never up, down to the text width and the page
    /// height; and down to the `room` left on the page when that costs at most a fifth of its
    /// size, so a figure stays with the text before it instead of leaving a half-empty page.
    func figureScale(_ s: Size, captionHeight: Double, room: Double, fullPage: Double) -> Double {
        let scale = min(1, textWidth / max(s.width, 1), (fullPage - captionHeight - 20) / max(s.height, 1))
        let fitted = (room - captionHeight - 18) / max(s.height, 1)
        return s.height * scale + captionHeight + 12 > room && fitted >= 0.8 * scale ? fitted : scale
    }

    /// The title page: the title large, a rule, the subtitle and the lines, centred.
    private func titlePageItems(title: String, subtitle: String?, lines: [String], measure: CachedMeasure) -> [Item] {
        var items: [Item] = []
        var ty = pageHeight * 0.3
        let titleFont = FontStyle(size: 28, bold: true)
        let th = measure.paragraphHeight(TextBlock.escape(title), width: textWidth, titleFont, align: .center)
        items.append(Item(kind: .text(TextBlock.escape(title), titleFont, .center), x: margin, y: ty, width: textWidth, height: th))
        ty += th + 14
        items.append(Item(kind: .rule, x: margin, y: ty, width: textWidth, height: 1))
        ty += 20
        if let subtitle {
            let font = FontStyle(size: 15)
            let h = measure.paragraphHeight(TextBlock.escape(subtitle), width: textWidth, font, align: .center)
            items.append(Item(kind: .text(TextBlock.escape(subtitle), font, .center), x: margin, y: ty, width: textWidth, height: h))
            ty += h + 24
        }
        for line in lines {
            let h = measure.paragraphHeight(TextBlock.escape(line), width: textWidth, Self.bodyFont, align: .center)
            items.append(Item(kind: .text(TextBlock.escape(line), Self.bodyFont, .center), x: margin, y: ty, width: textWidth, height: h))
            ty += h + 6
        }
        return items
    }

    /// Draws one placed item; a paragraph that `cache` holds shaped is drawn without shaping it again.
    private func draw(_ item: Item, painter: Painter, cache: LayoutCache) throws {
        switch item.kind {
        case let .text(markup, font, align):
            if let shaped = cache.paragraphs[LayoutCache.ParagraphKey(markup, item.width, font, align)] {
                painter.show(shaped, x: item.x, y: item.y)
            } else {
                painter.paragraph(markup, x: item.x, y: item.y, width: item.width, font, align: align)
            }
        case let .figure(figure, scale):
            painter.save()
            painter.translate(item.x, item.y)
            painter.scale(scale)
            _ = try Drawer(painter: painter).draw(figure)
            painter.restore()
        case .rule:
            painter.line(item.x + item.width * 0.2, item.y, item.x + item.width * 0.8, item.y, Palette.muted, width: 1)
        }
    }
}

/// Paragraphs shaped and figures measured while laying out a document, kept so that laying it
/// out again (a lesson lays out its PDF up to three times to fill in page numbers, then once more
/// to draw it) measures only what changed, and drawing it shapes no paragraph a second time.
///
/// - Paragraphs are keyed by their markup, font, wrap width and alignment: the same key always
///   shapes the same, so a cached paragraph measures and draws as a fresh one (its Pango layout
///   is kept, made on a surface without a transformation, as the document's pages draw it).
/// - Figures are keyed by their place among the document's figures (the first, the second…):
///   use one cache only for layouts of documents whose figures are the same, in the same order
///   (their text may differ, as it does when page numbers are filled in).
///
/// Not Sendable: a cache (and its Pango layouts) belongs to the one thread that lays out the document.
public final class LayoutCache {
    struct ParagraphKey: Hashable {
        var markup: String, size: Double, bold: Bool, mono: Bool, width: Double, align: Align

        init(_ markup: String, _ width: Double, _ font: FontStyle, _ align: Align) {
            self.markup = markup
            size = font.size; bold = font.bold; mono = font.mono
            self.width = width
            self.align = align
        }

        var font: FontStyle { FontStyle(size: size, bold: bold, mono: mono) }
    }
    var paragraphs: [ParagraphKey: ShapedParagraph] = [:]
    var figureSizes: [Int: Size] = [:]
    /// Figure sizes shared with other threads (the document's figures by their place), if any.
    let shared: FigureSizes?
    /// How many paragraphs and figures were measured (not found in the cache), for tests.
    public private(set) var measuredParagraphs = 0
    public private(set) var measuredFigures = 0

    public init() { shared = nil }

    /// A cache that takes figure sizes from `sizes` (and stores there the ones it measures), so
    /// that figures measured on another thread, e.g. for their own PNG files, are not measured
    /// again; `sizes` must hold the document's figures in the document's order.
    public init(sharing sizes: FigureSizes) { shared = sizes }

    func countParagraph() { measuredParagraphs += 1 }
    func countFigure() { measuredFigures += 1 }
}

/// Measures paragraphs and figures on `painter`, each key once per `cache`.
struct CachedMeasure {
    let painter: Painter
    let cache: LayoutCache

    /// The height of `markup` wrapped at `width` in `font` (Pango's, as `Painter.measureParagraph`);
    /// the shaped paragraph stays in the cache, to be drawn with `align`.
    func paragraphHeight(_ markup: String, width: Double, _ font: FontStyle, align: Align) -> Double {
        let key = LayoutCache.ParagraphKey(markup, width, font, align)
        if let shaped = cache.paragraphs[key] { return shaped.height }
        guard let shaped = painter.shapeParagraph(markup, width: width, font, align: align) else { return 0 }
        cache.paragraphs[key] = shaped
        cache.countParagraph()
        return shaped.height
    }

    /// The natural size of the `index`-th figure of the document, drawn once to measure it.
    func figureSize(_ figure: Figure, index: Int) throws -> Size {
        if let s = cache.figureSizes[index] { return s }
        if let s = cache.shared?.stored(index) {
            cache.figureSizes[index] = s
            return s
        }
        var s = try Drawer(painter: painter).draw(figure)
        if let shared = cache.shared { s = shared.store(s, at: index) }
        cache.figureSizes[index] = s
        cache.countFigure()
        return s
    }
}
