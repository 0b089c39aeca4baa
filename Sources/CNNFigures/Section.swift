// A lesson step as values: what every drawer (the PDF, the terminal, later HTML) shows of it.

/// One step, ready to show.
public struct LessonSection: Sendable {
    /// 1-based step number.
    public var number: Int
    public var heading: String
    public var id: String
    /// Paragraphs with light markup: `*emphasis*`, `**strong**`; every `{{…}}` already filled in.
    public var paragraphs: [String]
    public var figures: [LessonFigure]
    /// The paragraphs for paper: the same, except that where a step is named as the place a word is
    /// taught (`{{taught:ID}}`) they say "page {{page:ID}}, step N", and the PDF writer fills in
    /// the page once it has laid the pages out (see `fillPages`).
    public var paperParagraphs: [String]
    /// For each paragraph, the numbers it quotes from a trace (`{{X:conv1.output[0,1,1]}}`), in the
    /// order they appear, each with its text and trace element (only the HTML drawer reads them).
    public var paragraphSources: [[TextSource]]

    public init(number: Int, heading: String, id: String, paragraphs: [String], figures: [LessonFigure],
                paperParagraphs: [String]? = nil, paragraphSources: [[TextSource]] = []) {
        self.number = number; self.heading = heading; self.id = id; self.paragraphs = paragraphs; self.figures = figures
        self.paperParagraphs = paperParagraphs ?? paragraphs
        self.paragraphSources = paragraphSources
    }

    /// Every trace element the step shows: its figures' numbers and captions', then its paragraphs' quoted numbers.
    public var traceSources: [TraceSource] {
        figures.flatMap { $0.figure.traceSources + $0.captionSources.compactMap(\.source) } + paragraphSources.flatMap { $0.compactMap(\.source) }
    }

    /// `text` with every `{{page:ID}}` replaced by `pages[ID]` ("?" for an id not in `pages`).
    public static func fillPages(_ text: String, _ pages: [String: Int]) -> String {
        var out = "", rest = Substring(text)
        while let open = rest.range(of: "{{page:"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            out += pages[String(rest[open.upperBound..<close.lowerBound])].map(String.init) ?? "?"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

/// A figure of a step, with the name its files get (`NN-step-kind`).
public struct LessonFigure: Sendable {
    public var name: String
    public var caption: String
    public var figure: Figure
    /// The numbers the caption quotes from a trace, in order, each with its text and element (only
    /// the HTML drawer reads them).
    public var captionSources: [TextSource]

    public init(name: String, caption: String, figure: Figure, captionSources: [TextSource] = []) {
        self.name = name; self.caption = caption; self.figure = figure; self.captionSources = captionSources
    }
}
