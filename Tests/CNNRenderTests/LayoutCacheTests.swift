import CCairo
import CNNFigures
import Foundation
import Testing
@testable import CNNRender

/// A small report: a title page, sections, paragraphs and three figures. `pageText` stands where
/// a lesson writes the page a step starts on ("?" before the pages are known).
private func report(pageText: String) -> ReportDocument {
    var doc = ReportDocument(title: "Layout cache", author: "cnn-explain tests")
    doc.addTitlePage(subtitle: "measured once", lines: ["seed 42"])
    addImagePart(to: &doc, pageText: pageText)
    addFilteringPart(to: &doc)
    addVotesPart(to: &doc)
    return doc
}

/// The report's three parts, in order (one figure each).
private func addImagePart(to doc: inout ReportDocument, pageText: String) {
    doc.addSection("The image")
    doc.addParagraph("The X is a <b>9×9</b> grid of pixels; the votes are on page \(pageText).")
    doc.addFigure(.image(ImageFigure(grid: Article.x, title: "X", showNumbers: true)), caption: "The article's X")
}

private func addFilteringPart(to doc: inout ReportDocument) {
    doc.addSection("Filtering", level: 2, newPage: false)
    doc.addParagraph("A filter slides over the image. " + String(repeating: "Each window gives one number. ", count: 12))
    doc.addFigure(.layer(LayerFigure(features: Article.features, maps: Article.maps)), caption: "Three feature maps")
}

private func addVotesPart(to doc: inout ReportDocument) {
    doc.addSection("Votes")
    doc.addFigure(.voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51])))
}

@Test func aSecondLayoutWithTheCacheMeasuresOnlyWhatChanged() throws {
    let cache = LayoutCache()
    let draft = report(pageText: "?")
    let fresh = try draft.headingPages()
    #expect(try draft.headingPages(cache: cache) == fresh)
    let paragraphs = cache.measuredParagraphs
    #expect(cache.measuredFigures == 3, "each of the three figures measured once")
    #expect(paragraphs >= 9, "title, subtitle, line, headings, paragraphs and captions")
    #expect(try draft.headingPages(cache: cache) == fresh)
    #expect(cache.measuredParagraphs == paragraphs, "the same document again measures nothing")
    #expect(cache.measuredFigures == 3)
    _ = try report(pageText: "12").headingPages(cache: cache)
    #expect(cache.measuredParagraphs == paragraphs + 1, "only the paragraph whose page number changed")
    #expect(cache.measuredFigures == 3)
}

@Test func cachedSizesAreTheFreshOnes() throws {
    let doc = report(pageText: "?")
    let cache = LayoutCache()
    _ = try doc.headingPages(cache: cache)
    let context = try CairoContext(surface: try CairoSurface.recording())
    let painter = Painter(context: context)
    for (key, shaped) in cache.paragraphs {
        let fresh = painter.measureParagraph(key.markup, width: key.width, key.font)
        #expect(fresh.height == shaped.height && fresh.width == shaped.width, "\(key.markup)")
    }
    let figures = doc.blocks.compactMap { block -> Figure? in
        if case let .figure(figure, _) = block { return figure } else { return nil }
    }
    #expect(figures.count == cache.figureSizes.count)
    for (index, figure) in figures.enumerated() {
        let fresh = try measure(figure)
        #expect(cache.figureSizes[index]?.width == fresh.width && cache.figureSizes[index]?.height == fresh.height)
    }
}

@Test func theBytesWithAndWithoutTheCacheAreEqual() throws {
    let cache = LayoutCache()
    _ = try report(pageText: "?").headingPages(cache: cache)
    let filled = report(pageText: "12")
    _ = try filled.headingPages(cache: cache)
    let cached = try filled.data(cache: cache)
    #expect(cached == (try filled.data()))
    #expect(cached.count > 1000)
}

/// One PDF page with every paragraph the cache holds, one under another: each drawn by `draw`.
private func pageOfParagraphs(_ cache: LayoutCache,
                              _ draw: (Painter, LayoutCache.ParagraphKey, ShapedParagraph, Double) -> Void) throws -> [UInt8] {
    let entries = cache.paragraphs.sorted { ($0.key.markup, $0.key.size, $0.key.width) < ($1.key.markup, $1.key.size, $1.key.width) }
    let surface = try CairoSurface.pdf(width: 595, height: 842)
    do {
        let painter = Painter(context: try CairoContext(surface: surface))
        var y = 20.0
        for (key, shaped) in entries {
            draw(painter, key, shaped, y)
            y += shaped.height + 4
        }
    }
    try surface.finish()
    return surface.sink?.bytes ?? []
}

@Test func aShapedParagraphDrawsTheBytesOfAFreshOne() throws {
    let cache = LayoutCache()
    _ = try report(pageText: "?").headingPages(cache: cache)
    #expect(cache.paragraphs.contains { $0.key.align == .center } && cache.paragraphs.contains { $0.key.align == .left })
    let reused = try pageOfParagraphs(cache) { painter, _, shaped, y in painter.show(shaped, x: 40, y: y) }
    let fresh = try pageOfParagraphs(cache) { painter, key, _, y in
        painter.paragraph(key.markup, x: 40, y: y, width: key.width, key.font, align: key.align)
    }
    #expect(reused == fresh)
    // Drawn twice, a shaped paragraph gives the same bytes again.
    #expect(try pageOfParagraphs(cache) { painter, _, shaped, y in painter.show(shaped, x: 40, y: y) } == reused)
}

/// Figure sizes measured on another thread (`FigureSizes`, as a lesson's figure files measure
/// them) and shared with the PDF's layout give the PDF's bytes of fresh sizes; the layout then
/// measures no figure itself.
@Test func sharedFigureSizesGiveTheSameBytes() throws {
    let doc = report(pageText: "?")
    let figures = doc.blocks.compactMap { block -> Figure? in
        if case let .figure(figure, _) = block { return figure } else { return nil }
    }
    let sizes = FigureSizes()
    let done = DispatchSemaphore(value: 0)
    Thread {
        try? sizes.measureAll(figures.enumerated().map { ($0.offset, $0.element) })
        done.signal()
    }.start()
    done.wait()
    #expect(sizes.measurements == figures.count)
    let cache = LayoutCache(sharing: sizes)
    #expect(try doc.data(cache: cache) == doc.data())
    #expect(cache.measuredFigures == 0, "every size came from the other thread")
    // The other way round: the layout measures and stores, a figure's own file takes the size.
    let fromLayout = FigureSizes()
    _ = try doc.headingPages(cache: LayoutCache(sharing: fromLayout))
    for (index, figure) in figures.enumerated() {
        for format in [OutputFormat.png, .svg, .pdf] {
            #expect(try renderData(figure, format: format, scale: 1.5, sizes: fromLayout, index: index)
                    == renderData(figure, format: format, scale: 1.5), "figure \(index) as \(format)")
        }
    }
    #expect(fromLayout.measurements == figures.count, "no figure measured again for its file")
}

/// A PNG drawn into a thread's kept pixel memory (a figure after a larger one, with the larger
/// one's pixels still in it) has the pixels of one drawn on a fresh surface.
@Test func keptPixelMemoryGivesFreshPixels() throws {
    let large = Figure.layer(LayerFigure(features: Article.features, maps: Article.maps))
    let small = Figure.voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51]))
    _ = try renderData(large, format: .png, scale: 2)
    let kept = try renderData(small, format: .png, scale: 2)
    let s = try measure(small)
    let w = Int(((s.width + 2 * figurePadding) * 2).rounded(.up)), h = Int(((s.height + 2 * figurePadding) * 2).rounded(.up))
    let surface = try CairoSurface.image(width: w, height: h)
    let context = try CairoContext(surface: surface)
    cairo_set_source_rgb(context.pointer, 1, 1, 1)
    cairo_paint(context.pointer)
    cairo_scale(context.pointer, 2, 2)
    let painter = Painter(context: context)
    painter.translate(figurePadding, figurePadding)
    _ = try Drawer(painter: painter).draw(small)
    let a = try PNGPixels(png: kept), b = try PNGPixels(png: try surface.pngBytes())
    #expect(a.width == b.width && a.height == b.height && a.rgba == b.rgba)
}

/// A document prepared in parts (each part's text shaped and figures measured, as a lesson's
/// sections are while it is worked out) lays out and draws the bytes of a fresh one, shaping
/// and measuring nothing more than its title page.
@Test func aDocumentPreparedInPartsGivesTheSameBytes() throws {
    let whole = report(pageText: "?")
    // The sections of `report`, each a document of its own.
    var first = ReportDocument(title: ""), second = ReportDocument(title: ""), third = ReportDocument(title: "")
    addImagePart(to: &first, pageText: "?")
    addFilteringPart(to: &second)
    addVotesPart(to: &third)
    let cache = LayoutCache()
    // In any order: each part knows the place of its first figure.
    try third.prepare(cache: cache, firstFigure: 2)
    try first.prepare(cache: cache, firstFigure: 0)
    try second.prepare(cache: cache, firstFigure: 1)
    let (paragraphs, figures) = (cache.measuredParagraphs, cache.measuredFigures)
    #expect(figures == 3)
    #expect(try whole.data(cache: cache) == whole.data())
    #expect(cache.measuredFigures == figures, "no figure measured again")
    #expect(cache.measuredParagraphs == paragraphs + 3, "only the title page's title, subtitle and line")
}
