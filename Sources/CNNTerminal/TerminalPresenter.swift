import CNNFigures
import Foundation

/// Turns lesson sections into terminal lines no wider than `width` columns (80 by default).
///
/// A section becomes:
/// - a heading, `Step 3 of 10 · Convolution, worked through`, bold and underlined with `─`;
/// - its paragraphs, word-wrapped, with `*emphasis*` in italic and `**strong**` in bold;
/// - each figure drawn as text (indented two columns), then its caption.
///
/// Colour is a parameter, never guessed here: the CLI decides with `colorEnabled(noColorFlag:environment:isTerminal:)`.
/// With colour off, the lines hold no escape codes at all; signs still show as "−".
///
///     let presenter = TerminalPresenter(color: false)
///     for line in presenter.lines(for: run.sections[2], of: run.sections.count) { print(line) }
public struct TerminalPresenter: Sendable {
    /// Whether lines carry ANSI escape codes (bold, italic, sign colours).
    public var color: Bool
    /// The most display columns any line may take.
    public var width: Int

    /// - Parameters:
    ///   - color: write ANSI escape codes; pass `colorEnabled(…)`.
    ///   - width: the most columns per line; at least 40 is sensible (the article's maps need about 50).
    public init(color: Bool, width: Int = 80) {
        self.color = color
        self.width = max(20, width)
    }

    var palette: Palette { Palette(color: color) }
    /// Figures are indented by this much.
    static let figureIndent = "  "

    /// Whether to write colour: never when `noColorFlag` (`--no-color`) is given or `NO_COLOR`
    /// is set to a non-empty value (https://no-color.org), otherwise only when stdout is a terminal.
    public static func colorEnabled(noColorFlag: Bool, environment: [String: String] = ProcessInfo.processInfo.environment,
                                    isTerminal: Bool = standardOutputIsTerminal) -> Bool {
        if noColorFlag { return false }
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        return isTerminal
    }

    /// Whether standard output is a terminal (not a pipe or a file).
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether standard input is a terminal, so a lesson can wait for keys.
    public static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// The lesson's title block: the title in bold, the subtitle under it, a rule of `═`.
    public func titleLines(_ title: String, subtitle: String? = nil) -> [String] {
        var lines = wrap([Span(text: title, ink: .bold)], width: width, palette: palette)
        if let subtitle, !subtitle.isEmpty { lines += wrap(parseLessonMarkup(subtitle), width: width, palette: palette) }
        let rule = min(width, lines.map(displayWidth).max() ?? 0)
        lines.append(String(repeating: "═", count: rule))
        return lines.map(fit)
    }

    /// The heading of step `section.number` of `total`, underlined.
    public func headingLines(for section: LessonSection, of total: Int) -> [String] {
        let text = "Step \(section.number) of \(total) · \(section.heading)"
        let lines = wrap([Span(text: text, ink: Ink(bold: true))], width: width, palette: palette)
        let rule = min(width, lines.map(displayWidth).max() ?? 0)
        return lines + [palette.paint(String(repeating: "─", count: rule), Ink(dim: true))]
    }

    /// One section as lines: heading, paragraphs, figures with their captions; blank lines between.
    public func lines(for section: LessonSection, of total: Int) -> [String] {
        var blocks: [[String]] = [headingLines(for: section, of: total)]
        for paragraph in section.paragraphs {
            blocks.append(wrap(parseLessonMarkup(paragraph), width: width, palette: palette))
        }
        for figure in section.figures {
            blocks.append(lines(for: figure))
        }
        var out: [String] = []
        for block in blocks where !block.isEmpty {
            if !out.isEmpty { out.append("") }
            out += block
        }
        return out.map(fit)
    }

    /// One figure drawn as text, indented, with its caption under it.
    public func lines(for figure: LessonFigure) -> [String] {
        var out = lines(for: figure.figure)
        if !figure.caption.isEmpty {
            let spans = parseLessonMarkup(figure.caption).map { Span(text: $0.text, ink: $0.ink.merged(with: .italic)) }
            out += wrap(spans, width: width, palette: palette, indent: Self.figureIndent)
        }
        return out.map(fit)
    }

    /// A figure drawn as text, indented by two columns, no caption.
    public func lines(for figure: Figure) -> [String] {
        let text = FigureText(palette: palette, width: width - Self.figureIndent.count)
        return text.panel(figure).lines.map { $0.isEmpty ? $0 : Self.figureIndent + $0 }.map(fit)
    }

    /// The last guard of the width rule: a line still too wide is cut, with "…".
    func fit(_ line: String) -> String {
        guard displayWidth(line) > width else { return line }
        let plain = Array(stripANSI(line).unicodeScalars)
        return String(String.UnicodeScalarView(plain[..<(width - 1)])) + "…"
    }
}
