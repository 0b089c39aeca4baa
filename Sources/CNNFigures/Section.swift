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

    public init(number: Int, heading: String, id: String, paragraphs: [String], figures: [LessonFigure]) {
        self.number = number; self.heading = heading; self.id = id; self.paragraphs = paragraphs; self.figures = figures
    }
}

/// A figure of a step, with the name its files get (`NN-step-kind`).
public struct LessonFigure: Sendable {
    public var name: String
    public var caption: String
    public var figure: Figure

    public init(name: String, caption: String, figure: Figure) {
        self.name = name; self.caption = caption; self.figure = figure
    }
}
