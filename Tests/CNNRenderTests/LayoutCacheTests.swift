import CNNFigures
import Testing
@testable import CNNRender

/// A small report: a title page, sections, paragraphs and three figures. `pageText` stands where
/// a lesson writes the page a step starts on ("?" before the pages are known).
private func report(pageText: String) -> ReportDocument {
    var doc = ReportDocument(title: "Layout cache", author: "cnn-explain tests")
    doc.addTitlePage(subtitle: "measured once", lines: ["seed 42"])
    doc.addSection("The image")
    doc.addParagraph("The X is a <b>9×9</b> grid of pixels; the votes are on page \(pageText).")
    doc.addFigure(.image(ImageFigure(grid: Article.x, title: "X", showNumbers: true)), caption: "The article's X")
    doc.addSection("Filtering", level: 2, newPage: false)
    doc.addParagraph("A filter slides over the image. " + String(repeating: "Each window gives one number. ", count: 12))
    doc.addFigure(.layer(LayerFigure(features: Article.features, maps: Article.maps)), caption: "Three feature maps")
    doc.addSection("Votes")
    doc.addFigure(.voteBars(VoteBarsFigure(labels: ["X", "O"], values: [0.92, 0.51])))
    return doc
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
    for (key, height) in cache.paragraphHeights {
        let font = FontStyle(size: key.size, bold: key.bold, mono: key.mono)
        #expect(painter.measureParagraph(key.markup, width: key.width, font).height == height, "\(key.markup)")
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
