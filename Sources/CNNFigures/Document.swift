// A document as values: a title page, then sections of headings, wrapped paragraphs and figures.
// The Cairo drawer (CNNRender) lays it out on pages and writes the PDF; other drawers may follow.

/// A document built from headings, paragraphs and figures: the PDF walkthrough of a lesson, or a report.
/// CNNRender lays it out and writes it as a PDF (`data()`, `write(to:)`).
///
///     var doc = ReportDocument(title: "How a CNN sees an X")
///     doc.addTitlePage(subtitle: "Following Brandon Rohrer's article", lines: ["seed 42"])
///     doc.addSection("Convolution")                       // new page + bookmark
///     doc.addParagraph("Multiply, add, <b>divide by 9</b>.")
///     doc.addFigure(.featureMap(FeatureMapFigure(map: m)), caption: "The cross feature map")
///     doc.addSection("One step", level: 2, newPage: false) // nested bookmark
///     let pdf = try doc.data()                              // CNNRender: the PDF bytes
///
/// Blocks flow down the page; a block that does not fit starts a new page. Figures wider than the
/// text column (or taller than a page) are scaled down to fit, never up. Every page but the title
/// page has "title · page n of N" in its footer. The bytes are reproducible (fixed creation date,
/// see `SOURCE_DATE_EPOCH`).
public struct ReportDocument: Sendable {
    /// The document title: PDF metadata, footer and (by default) title page.
    public var title: String
    public var author: String?
    /// Page size in points; the default is A4 (595.28 × 841.89).
    public var pageWidth: Double
    public var pageHeight: Double
    /// Margin on every side, in points.
    public var margin: Double

    /// One piece of the document, in order.
    public enum Block: Sendable {
        case titlePage(title: String, subtitle: String?, lines: [String])
        case heading(String, level: Int, newPage: Bool)
        case paragraph(String)
        case figure(Figure, caption: String?)
        case pageBreak
    }
    public private(set) var blocks: [Block] = []

    public init(title: String, author: String? = nil, pageWidth: Double = 595.28, pageHeight: Double = 841.89,
                margin: Double = 56) {
        self.title = title; self.author = author
        self.pageWidth = pageWidth; self.pageHeight = pageHeight; self.margin = margin
    }

    /// Width available for text and figures.
    public var textWidth: Double { pageWidth - 2 * margin }

    /// A page with the title large, a subtitle and a few lines (e.g. date, seed, command). `title` defaults to the document title.
    public mutating func addTitlePage(title: String? = nil, subtitle: String? = nil, lines: [String] = []) {
        blocks.append(.titlePage(title: title ?? self.title, subtitle: subtitle, lines: lines))
    }

    /// A heading with a PDF bookmark. Level 1 bookmarks sit at the top; level 2 nest under the last level 1.
    /// `newPage` defaults to true for level 1.
    public mutating func addSection(_ heading: String, level: Int = 1, newPage: Bool? = nil) {
        blocks.append(.heading(heading, level: max(1, level), newPage: newPage ?? (level <= 1)))
    }

    /// A paragraph in Pango markup (`<b>`, `<i>`, `<tt>`), wrapped to the text width.
    public mutating func addParagraph(_ markup: String) { blocks.append(.paragraph(markup)) }

    /// A figure, centred, with an optional caption under it (plain text).
    public mutating func addFigure(_ figure: Figure, caption: String? = nil) { blocks.append(.figure(figure, caption: caption)) }

    /// Starts a new page.
    public mutating func addPageBreak() { blocks.append(.pageBreak) }
}
