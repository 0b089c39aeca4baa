import CNNFigures
import Foundation
import ZIPFoundation

/// One self-contained HTML page: a lesson's text and figures (the same values the PDF draws)
/// and, when given, the explorer of a trace, where every number opens its derivation, the
/// convolution and pooling windows slide, and a pixel can be flipped. Script, style and data are
/// inline (the explorer's data as deflated JSON); the page loads nothing (its Content-Security-Policy
/// forbids it).
///
///     let page = HTMLPage(title: "How a CNN sees an X", sections: run.sections, explorer: explorer)
///     try Data(page.html().utf8).write(to: url)
///
/// Open it with `#selftest` at the end of the address to run its self-test, which writes
/// `selftest: N passed, M failed` into the element with id `selftest`.
public struct HTMLPage: Sendable {
    public var title: String
    public var subtitle: String?
    /// Lines under the title (e.g. the number style, how to run it again).
    public var lines: [String]
    public var sections: [LessonSection]
    public var explorer: Explorer?
    /// Whether the self-test also lists every decimal the sentences and captions write that is not a
    /// button (set for lessons whose sentences give every such number a source: those without an experiment).
    public var checksSentences: Bool

    public init(title: String, subtitle: String? = nil, lines: [String] = [], sections: [LessonSection] = [],
                explorer: Explorer? = nil, checksSentences: Bool = false) {
        self.title = title; self.subtitle = subtitle; self.lines = lines; self.sections = sections; self.explorer = explorer
        self.checksSentences = checksSentences
    }

    /// The page as one string.
    /// - Throws: `EncodingError` if the explorer's data cannot be written as JSON.
    public func html() throws -> String {
        let csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        let head = HTML.el("head",
            .el("meta", ["charset": "utf-8"]),
            .el("meta", ["http-equiv": "Content-Security-Policy", "content": csp]),
            .el("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
            .el("title", .text(title)),
            .el("style", .raw(WebFiles.pageCSS)))
        let body = HTML.el("body", children: [
            .el("a", ["class": "skip", "href": explorer == nil ? "#main" : "#explorer"], .text("Skip to the explorer")),
            header, hatchDefinitions, .el("main", checksSentences ? ["id": "main", "data-check-sentences": ""] : ["id": "main"], children: [tableOfContents] + sections.map(section) + [try explorerSection()]),
            .el("aside", ["id": "panel", "aria-live": "polite", "aria-label": "Derivation of the chosen number", "hidden": ""],
                .el("button", ["type": "button", "id": "panel-close", "aria-label": "Close the derivation"], .text("×")),
                .el("div", ["id": "panel-body"])),
            .el("script", .raw(WebFiles.pageJS)),
        ])
        return "<!DOCTYPE html>\n" + HTML.el("html", ["lang": "en"], head, body).rendered + "\n"
    }

    var header: HTML {
        var parts: [HTML] = [.el("h1", .text(title))]
        if let subtitle { parts.append(.el("p", ["class": "subtitle"], .text(subtitle))) }
        parts += lines.map { .el("p", ["class": "meta"], .text($0)) }
        if explorer != nil {
            parts.append(.el("p", ["id": "load-check", "role": "status"], .text("The page's own arithmetic is checked against the trace when its script runs.")))
        }
        parts.append(.el("p", ["id": "selftest", "role": "status"]))
        return .el("header", children: parts)
    }

    /// The hatching that marks negative cells in every SVG on the page.
    var hatchDefinitions: HTML {
        .raw("<svg width=\"0\" height=\"0\" aria-hidden=\"true\" style=\"position:absolute\"><defs><pattern id=\"neg-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7a3d00\" stroke-width=\"1.2\" stroke-opacity=\"0.55\"/></pattern></defs></svg>")
    }

    var tableOfContents: HTML {
        guard !sections.isEmpty || explorer != nil else { return .group([]) }
        var items: [HTML] = sections.map { s in .el("li", .el("a", ["href": "#step-\(s.id)"], .text(s.heading))) }
        if explorer != nil { items.append(.el("li", .el("a", ["href": "#explorer"], .text("Every number, explained")))) }
        return .el("nav", ["aria-label": "Contents"], .el("h2", .text("Contents")), .el("ol", children: items))
    }

    func section(_ s: LessonSection) -> HTML {
        var parts: [HTML] = [.el("h2", .text("\(s.number). \(s.heading)"))]
        parts += s.paragraphs.enumerated().map { i, text in
            let quoted = i < s.paragraphSources.count ? s.paragraphSources[i] : []
            return .el("p", Self.quoting(text, quoted))
        }
        parts += s.figures.map { f in
            .el("figure", ["id": "fig-\(f.name)"], FigureHTML.draw(f.figure), .el("figcaption", Self.quoting(f.caption, f.captionSources)))
        }
        return .el("section", ["id": "step-\(s.id)", "class": "step"], children: parts)
    }

    /// A sentence with light markup, each number it quotes from a trace a button for its derivation.
    static func quoting(_ text: String, _ quoted: [TextSource]) -> HTML {
        quoted.isEmpty ? .group(Markup.lesson(text)) : .raw(Markup.numbered(HTML.group(Markup.lesson(text)).rendered, quoted, inSentence: true))
    }

    func explorerSection() throws -> HTML {
        guard let explorer else { return .group([]) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let packed = try Self.deflate(try encoder.encode(explorer)).base64EncodedString()
        return .el("section", ["id": "explorer", "aria-labelledby": "explorer-title"],
            .el("h2", ["id": "explorer-title"], .text("Every number, explained: \(explorer.name)")),
            .el("p", .text("Click, tap or focus any number to see where it came from. Arrow keys move within a grid; Tab moves to the next grid. Hover a feature-map cell to outline its patch and feature, a pooled cell for its window and winner, a vote for its weighted inputs.")),
            .el("div", ["id": "whatif", "class": "whatif"]),
            .el("div", ["id": "players"]),
            .el("div", ["id": "grids"]),
            .el("script", ["type": "text/plain", "id": "cnn-data", "data-encoding": "deflate-raw+base64"], .text(packed)))
    }

    /// Raw deflate (RFC 1951), which the page's script inflates with `DecompressionStream("deflate-raw")`:
    /// the derivations repeat themselves, so the data shrinks about tenfold.
    static func deflate(_ data: Data) throws -> Data {
        var out = Data()
        _ = try Data.compress(size: Int64(data.count), bufferSize: 1 << 16, provider: { position, size in
            data.subdata(in: Int(position)..<(Int(position) + size))
        }, consumer: { out.append($0) })
        return out
    }
}
