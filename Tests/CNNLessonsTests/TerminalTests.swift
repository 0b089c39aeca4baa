import CNNCore
import CNNFigures
import CNNRender
@testable import CNNTerminal
import Foundation
import Testing
@testable import CNNLessons
import TestSupport

let esc = "\u{1B}"

func mapped(_ g: Grid, _ f: (Double) -> Double) -> Grid {
    Grid(g.rowArrays.map { $0.map(f) })
}

/// One figure of every kind, built from the article's numbers.
func everyFigureKind() throws -> [(String, Figure)] {
    let a = try ArticleFixture()
    let x = try a.image("X"), deformed = try a.image("X_deformed")
    var differ = Set<Cell>()
    for r in 0..<x.rows { for c in 0..<x.cols where x[r, c] != deformed[r, c] { differ.insert(Cell(row: r, col: c)) } }
    let names = ["diagonal_down", "cross", "diagonal_up"]
    let features = try names.map { NamedGrid(name: $0, grid: try a.feature($0)) }
    let maps = try names.map { mapped(try a.grid("X_conv_sums_over_9", $0)) { $0 / 9 } }
    let pooled = try a.grid("X_pooled_4x4", "cross")
    let values = try a.numbers("votes", "values")
    let xAt = Set(try a.ints("votes", "X_positions_1based")), oAt = Set(try a.ints("votes", "O_positions_1based"))
    let weights = [values.indices.map { xAt.contains($0 + 1) ? 0.2 : 0 }, values.indices.map { oAt.contains($0 + 1) ? 0.25 : -0.05 }]
    let slide = try #require(a.json["votes"] as? [String: Any])["slide_result"] as? [String: Double]
    let bars = [try #require(slide?["X"]), try #require(slide?["O"])]
    var wideRows: [[Double]] = []
    for r in 0..<30 {
        var row: [Double] = []
        for c in 0..<30 { row.append(Double((r * 7 + c * 3) % 19) / 9 - 1) }
        wideRows.append(row)
    }
    let wide = Grid(wideRows)
    return [
        ("image", .image(ImageFigure(grid: x, title: "X"))),
        ("image with numbers", .image(ImageFigure(grid: x, title: "X", showNumbers: true))),
        ("compare", .row([.image(ImageFigure(grid: x, title: "X", highlighted: differ)),
                          .image(ImageFigure(grid: deformed, title: "X deformed", highlighted: differ))])),
        ("feature", .feature(FeatureFigure(grid: features[0].grid, name: "diagonal ↘", showNumbers: true))),
        ("learned feature", .feature(FeatureFigure(grid: mapped(features[1].grid) { $0 * 0.37 - 0.1 }, name: "learned"))),
        ("convolution step", .convolutionStep(SampleFigure.convolutionStep(image: x, feature: features[0].grid, featureName: "diagonal ↘",
                                                                     row: 0, col: 0, numberStyle: .article))),
        ("feature map", .featureMap(FeatureMapFigure(map: maps[0], title: "conv1 [0]", numberStyle: .article))),
        ("wide feature map", .featureMap(FeatureMapFigure(map: wide, title: "30×30", highlighted: [Cell(row: 1, col: 2)]))),
        ("layer", .layer(LayerFigure(features: features, maps: maps, title: "conv1: X"))),
        ("relu", .relu(ReLUFigure(before: maps[1], title: "relu [1]"))),
        ("pooling", .pooling(SampleFigure.pooling(input: maps[1], title: "pool [1]"))),
        ("pooling 4×4", .pooling(SampleFigure.pooling(input: pooled, title: "pool2"))),
        ("pooling gradient", .poolingGradient(SampleFigure.poolingGradient(input: maps[1], outputGradient: mapped(pooled) { -$0 }, title: "back"))),
        ("votes", .votes(VotesFigure(inputs: values, outputLabels: ["X", "O"], weights: weights, title: "votes", numberStyle: .article))),
        ("many classes", .votes(VotesFigure(inputs: Array(values.prefix(4)), outputLabels: (0..<10).map { "digit \($0)" },
                                            weights: (0..<10).map { k in (0..<4).map { Double(k - $0) / 7 } }))),
        ("vote bars", .row([.voteBars(VoteBarsFigure(labels: ["X", "O"], values: bars, title: "the X image")),
                            .voteBars(VoteBarsFigure(labels: ["X", "O"], values: [-0.4, 1.3], title: "odd"))])),
        ("pipeline", .pipeline(PipelineFigure(stages: (0..<14).map { PipelineStage(name: "layer number \($0) with a long name", shape: "\($0 + 3)@\($0 + 10)×\($0 + 10)") }))),
        ("line plot", .linePlot(LinePlotFigure(series: [Series(name: "loss", y: (0..<200).map { 1 / Double($0 + 1) }),
                                                         Series(name: "accuracy", y: (0..<200).map { Double($0) / 200 })]))),
        ("filter bank", .filterBank(FilterBankFigure(rows: [FilterRow(label: "hand-made", features: features),
                                                            FilterRow(label: "learned", features: features.map { NamedGrid(name: $0.name, grid: mapped($0.grid) { $0 * 0.4 }) })]))),
        ("text", .text(TextBlock(markup: "<b>X image</b> (right answer: X) &amp; more &lt;here&gt; " + String(repeating: "long words ", count: 20)
                                 + "\n<tt>  class   right   actual</tt>\n<span foreground=\"#2166AC\">blue</span> <i>it</i>"))),
        ("column", .column([.image(ImageFigure(grid: x)), .featureMap(FeatureMapFigure(map: pooled))])),
        ("big row", .row(maps.map { .featureMap(FeatureMapFigure(map: $0)) })),
    ]
}

func section(_ number: Int, _ heading: String, id: String? = nil, paragraphs: [String] = [], figures: [LessonFigure] = []) -> LessonSection {
    LessonSection(number: number, heading: heading, id: id ?? LessonSession.headingSlug(heading), paragraphs: paragraphs, figures: figures)
}

func allLines(_ figure: Figure, color: Bool) -> [String] {
    let presenter = TerminalPresenter(color: color)
    let s = section(3, "Convolution, worked through",
                    paragraphs: ["Multiply, add, and *divide by nine*: the **perfect** match is 1.00. " + String(repeating: "word ", count: 40)],
                    figures: [LessonFigure(name: "f", caption: "A caption that goes on and on " + String(repeating: "and on ", count: 15), figure: figure)])
    return presenter.lines(for: s, of: 10)
}

// MARK: Width

/// Set CNN_TERMINAL_FIGURES=path to also write every figure kind (colour off) there, to read it.
@Test(arguments: [false, true])
func everyFigureKindFitsIn80Columns(color: Bool) throws {
    var sample = ""
    for (name, figure) in try everyFigureKind() {
        let lines = allLines(figure, color: color)
        sample += "=== \(name)\n" + lines.joined(separator: "\n") + "\n\n"
        #expect(lines.count > 3, "\(name) drew nothing")
        for line in lines {
            #expect(displayWidth(line) <= 80, "\(name): \(displayWidth(line)) columns: \(stripANSI(line))")
            #expect(!(displayWidth(line) == 80 && line.hasSuffix("…")), "\(name) needed the last-resort cut: \(stripANSI(line))")
        }
    }
    if !color, let path = ProcessInfo.processInfo.environment["CNN_TERMINAL_FIGURES"] {
        try sample.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

@Test func displayWidthCountsScalarsAndSkipsEscapes() {
    #expect(displayWidth("−0.77") == 5)
    #expect(displayWidth("██··") == 4)
    #expect(displayWidth("\(esc)[1;38;5;32m0.55\(esc)[0m") == 4)
    #expect(stripANSI("\(esc)[3mhi\(esc)[0m") == "hi")
}

@Test func narrowPresenterStillFits() throws {
    let presenter = TerminalPresenter(color: true, width: 50)
    for (name, figure) in try everyFigureKind() {
        for line in presenter.lines(for: figure) {
            #expect(displayWidth(line) <= 50, "\(name): \(stripANSI(line))")
        }
    }
}

// MARK: Signs and colour

@Test func negativeNumbersUseTheTrueMinusSign() throws {
    let a = try ArticleFixture()
    let map = mapped(try a.grid("X_conv_sums_over_9", "cross")) { $0 / 9 }
    #expect(map.values.contains { $0 < 0 })
    let text = TerminalPresenter(color: false).lines(for: .featureMap(FeatureMapFigure(map: map, numberStyle: .article))).joined(separator: "\n")
    #expect(text.contains("−0.11"))
    #expect(!text.contains("-"), "an ASCII hyphen-minus slipped in")
    #expect(text.contains("1.00"))
}

@Test func noColorMeansNoEscapeCodes() throws {
    for (name, figure) in try everyFigureKind() {
        let text = allLines(figure, color: false).joined(separator: "\n")
        #expect(!text.contains(esc), "\(name) wrote an escape code with colour off")
    }
}

@Test func colorOnWritesEscapeCodesForSignsAndMarkup() throws {
    let a = try ArticleFixture()
    let map = mapped(try a.grid("X_conv_sums_over_9", "cross")) { $0 / 9 }
    let lines = TerminalPresenter(color: true).lines(for: .featureMap(FeatureMapFigure(map: map, numberStyle: .article)))
    let text = lines.joined(separator: "\n")
    #expect(text.contains("\(esc)[38;5;208m−0.11\(esc)[0m"), "negative numbers are orange")
    #expect(text.contains("\(esc)[38;5;32m1.00\(esc)[0m"), "positive numbers are blue")
    let para = TerminalPresenter(color: true).lines(for: section(1, "One", paragraphs: ["a *soft* and **hard** word"]), of: 1)
    #expect(para.contains("a \(esc)[3msoft\(esc)[0m and \(esc)[1mhard\(esc)[0m word"))
    let plain = TerminalPresenter(color: false).lines(for: section(1, "One", paragraphs: ["a *soft* and **hard** word, 2 * 3"]), of: 1)
    #expect(plain.contains("a soft and hard word, 2 * 3"))
}

@Test func colourFollowsNoColorTheFlagAndTheTerminal() {
    #expect(TerminalPresenter.colorEnabled(noColorFlag: false, environment: [:], isTerminal: true))
    #expect(!TerminalPresenter.colorEnabled(noColorFlag: false, environment: [:], isTerminal: false))
    #expect(!TerminalPresenter.colorEnabled(noColorFlag: true, environment: [:], isTerminal: true))
    #expect(!TerminalPresenter.colorEnabled(noColorFlag: false, environment: ["NO_COLOR": "1"], isTerminal: true))
    // NO_COLOR set but empty does not count (no-color.org).
    #expect(TerminalPresenter.colorEnabled(noColorFlag: false, environment: ["NO_COLOR": ""], isTerminal: true))
}

// MARK: What the figures say

@Test func imagesDrawWhiteStrokeAsBlocks() throws {
    let x = try ArticleFixture().image("X")
    let lines = TerminalPresenter(color: false).lines(for: .image(ImageFigure(grid: x, title: "X")))
    // Row 1 of the X: stroke at columns 1 and 7; each pixel two columns wide, after a 2-column indent.
    let rowTexts = lines.filter { ($0.contains("██") || $0.hasPrefix("  ··")) && !$0.contains("(white)") }
    try #require(rowTexts.count == x.rows)
    for (r, line) in rowTexts.enumerated() {
        let body = Array(line.dropFirst(2))
        for c in 0..<x.cols {
            let pixel = String(body[(2 * c)..<(2 * c + 2)])
            #expect(pixel == (x[r, c] > 0 ? "██" : "··"), "row \(r) column \(c)")
        }
    }
    #expect(lines.contains { $0.contains("██ +1 (white)") && $0.contains("·· −1 (black)") })
}

@Test func differingPixelsAreMarkedWithoutColour() throws {
    let a = try ArticleFixture()
    let x = try a.image("X"), d = try a.image("X_deformed")
    var differ = Set<Cell>()
    for r in 0..<x.rows { for c in 0..<x.cols where x[r, c] != d[r, c] { differ.insert(Cell(row: r, col: c)) } }
    let lines = TerminalPresenter(color: false).lines(for: .image(ImageFigure(grid: x, highlighted: differ)))
    #expect(lines.contains { $0.contains("marked") })
    let text = lines.filter { !$0.contains("marked") }.joined()
    let marked = text.components(separatedBy: "▓▓").count - 1 + text.components(separatedBy: "░░").count - 1
    #expect(marked == differ.count)
}

@Test func convolutionStepShowsSumAndDivisionForTheTopLeftPatch() throws {
    let a = try ArticleFixture()
    let x = try a.image("X"), diagonal = try a.feature("diagonal_down")
    let expected = try a.grid("X_conv_sums_over_9", "diagonal_down")[0, 0]   // the sum the slides divide by 9
    let figure = Figure.convolutionStep(SampleFigure.convolutionStep(image: x, feature: diagonal, featureName: "diagonal ↘", row: 0, col: 0,
                                                              numberStyle: .article))
    let lines = TerminalPresenter(color: false).lines(for: figure)
    let text = lines.joined(separator: "\n")
    let sum = formatCount(expected)
    #expect(lines.contains { $0.hasPrefix("  sum = ") && $0.hasSuffix("= \(sum)") })
    #expect(text.contains("\(sum) / 9 = \(formatNumber(expected / 9, .truncated(2)))"))
    #expect(text.contains("7 / 9 = 0.77"))
    #expect(text.contains("sum = −1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 = 7"))
    // The patch, the feature and the products sit side by side under their titles.
    #expect(lines.contains { $0.contains("patch") && $0.contains("products") })
    // The operator is the one the lesson's text names: ⊙, multiply pixel by pixel.
    #expect(lines.contains { $0.contains(" ⊙ ") } && !lines.contains { $0.contains(" × ") })
}

@Test func poolingMarksOneWinnerPerWindowIncludingPartialEdges() throws {
    let a = try ArticleFixture()
    let map = mapped(try a.grid("X_conv_sums_over_9", "diagonal_down")) { $0 / 9 }
    let lines = TerminalPresenter(color: false).lines(for: .pooling(SampleFigure.pooling(input: map, numberStyle: .article)))
    let stars = lines.joined().filter { $0 == "*" }.count
    #expect(stars == 16 + 1, "16 windows of 7×7 (4×4 output) plus the legend's star")
    let pooled = try a.grid("X_pooled_4x4", "diagonal_down")
    #expect(lines.joined().contains(formatNumber(pooled[3, 3], .article)))
    #expect(lines.contains { $0.contains("partial") })
}

@Test func votesListEveryValueAndTheTotals() throws {
    let a = try ArticleFixture()
    let values = try a.numbers("votes", "values")
    let w = [values.map { _ in 1.0 / Double(values.count) }, values.map { _ in 0.0 }]
    let text = TerminalPresenter(color: false).lines(for: .votes(VotesFigure(inputs: values, outputLabels: ["X", "O"], weights: w)))
        .joined(separator: "\n")
    for v in values { #expect(text.contains(formatNumber(v))) }
    let mean = values.reduce(0, +) / Double(values.count)
    #expect(text.contains("vote for X = sum of value × w→X = \(formatNumber(mean))"))
}

@Test func pipelineWrapsAtArrows() {
    let stages = (0..<20).map { PipelineStage(name: "l\($0)", shape: "\($0)@7×7") }
    let lines = TerminalPresenter(color: false).lines(for: .pipeline(PipelineFigure(stages: stages)))
    #expect(lines[0].hasPrefix("  0@7×7 → 1@7×7 → "))
    #expect(lines[0].hasSuffix("→"))
    #expect(lines.allSatisfy { displayWidth($0) <= 80 })
}

@Test func pangoMarkupIsStrippedAndUnescaped() {
    let lines = TerminalPresenter(color: false).lines(for: .text(TextBlock(markup: "<b>X</b> &amp; <tt>a &lt; b</tt> <span foreground=\"#fff\">c</span>")))
    #expect(lines == ["  X & a < b c"])
    let bold = TerminalPresenter(color: true).lines(for: .text(TextBlock(markup: "<b>X</b> y")))
    #expect(bold == ["  \(esc)[1mX\(esc)[0m y"])
}

@Test func headingSaysWhichStepOfHowMany() {
    let lines = TerminalPresenter(color: false).lines(for: section(3, "Convolution, worked through"), of: 10)
    #expect(lines[0] == "Step 3 of 10 · Convolution, worked through")
    #expect(lines[1] == String(repeating: "─", count: displayWidth(lines[0])))
}

// MARK: Navigation

func tenSections() -> [LessonSection] {
    (1...10).map { section($0, "Heading \($0)", id: "step-\($0)", paragraphs: ["Text of step \($0)."]) }
}

/// Runs a session fed `keys`, returning the outcome and the step headings in the order shown.
func drive(_ keys: [String?], interactive: Bool = true, from start: Int = 1) -> (LessonSession.Outcome, [Int], String) {
    var input = keys.makeIterator()
    var output = ""
    let session = LessonSession(sections: tenSections(), title: "A lesson", presenter: TerminalPresenter(color: false),
                                interactive: interactive, readLine: { input.next() ?? nil }, write: { output += $0 })
    let outcome = session.run(from: start)
    let shown = output.components(separatedBy: "\n").compactMap { line -> Int? in
        guard line.hasPrefix("Step ") else { return nil }
        return Int(line.dropFirst(5).prefix { $0.isNumber })
    }
    return (outcome, shown, output)
}

@Test func enterBackQuitShowsStepsInOrder() {
    let (outcome, shown, output) = drive(["", "b", "q"])
    #expect(shown == [1, 2, 1])
    #expect(outcome == .quit(step: 1))
    #expect(output.components(separatedBy: LessonSession.prompt).count - 1 == 3)
}

@Test func endOfInputQuitsCleanly() {
    let (outcome, shown, output) = drive(["", ""])
    #expect(shown == [1, 2, 3])
    #expect(outcome == .endOfInput(step: 3))
    #expect(output.hasSuffix("\n"))
}

@Test func backOnTheFirstStepStaysAndAStepNumberJumps() {
    let (outcome, shown, output) = drive(["b", "7", "", "", "", "q"])
    #expect(shown == [1, 7, 8, 9, 10])
    #expect(output.contains("(this is the first step)"))
    #expect(outcome == .finished || outcome == .quit(step: 10))
}

@Test func enterAfterTheLastStepFinishes() {
    let (outcome, shown, output) = drive(["", "x"], from: 9)
    #expect(shown == [9, 10])
    #expect(output.contains("[Enter] finish"))
    #expect(outcome == .quit(step: 10) || outcome == .endOfInput(step: 10) || outcome == .finished)
    let (done, _, _) = drive([""], from: 10)
    #expect(done == .finished)
}

@Test func nonInteractivePrintsEverythingWithoutPrompts() {
    let (outcome, shown, output) = drive([], interactive: false)
    #expect(shown == Array(1...10))
    #expect(outcome == .finished)
    #expect(!output.contains("[Enter]"))
    #expect(output.hasPrefix("A lesson\n"))
}

@Test func fromThreeStartsAtStepThree() throws {
    let number = try LessonSession.stepNumber("3", in: tenSections())
    let (_, shown, _) = drive([], interactive: false, from: number)
    #expect(shown == Array(3...10))
    let (_, interactiveShown, _) = drive(["q"], from: number)
    #expect(interactiveShown == [3])
}

@Test func fromAcceptsAnIdOrAHeadingSlug() throws {
    let sections = [section(1, "X's and O's", id: "xs-and-os"), section(2, "Features", id: "features"),
                    section(3, "Convolution, worked through", id: "convolution")]
    #expect(try LessonSession.stepNumber("convolution", in: sections) == 3)
    #expect(try LessonSession.stepNumber("Convolution-Worked-Through", in: sections) == 3)
    #expect(try LessonSession.stepNumber("x-s-and-o-s", in: sections) == 1)
    #expect(try LessonSession.stepNumber("features", in: sections) == 2)
    #expect(throws: StepSelectionError.self) { try LessonSession.stepNumber("pooling", in: sections) }
    #expect(throws: StepSelectionError.self) { try LessonSession.stepNumber("0", in: sections) }
    #expect(throws: StepSelectionError.self) { try LessonSession.stepNumber("4", in: sections) }
    do {
        _ = try LessonSession.stepNumber("nope", in: sections)
    } catch {
        #expect(error.description.contains("3  convolution  (convolution-worked-through)"))
    }
}

// MARK: The real lesson

/// Every section of the shipped xo lesson fits in 80 columns, colour on and off.
/// Set CNN_TERMINAL_SAMPLE=path to also write the plain text there, to read it.
@Test func theXOLessonFitsIn80Columns() throws {
    let root = Fixtures.packageRoot
    let path = root.appendingPathComponent("lessons/xo.yaml").path
    let run = try LessonRunner.run(try Lesson.load(path))
    #expect(run.sections.count >= 8)
    for color in [false, true] {
        var out = ""
        let session = LessonSession(run: run, presenter: TerminalPresenter(color: color), interactive: false,
                                    readLine: { nil }, write: { out += $0 })
        #expect(session.run() == .finished)
        for line in out.components(separatedBy: "\n") {
            #expect(displayWidth(line) <= 80, "\(displayWidth(line)) columns: \(stripANSI(line))")
            #expect(!(displayWidth(line) == 80 && line.hasSuffix("…")), "cut: \(stripANSI(line))")
        }
        for s in run.sections { #expect(stripANSI(out).contains("Step \(s.number) of \(run.sections.count) · \(s.heading)")) }
        if !color, let sample = ProcessInfo.processInfo.environment["CNN_TERMINAL_SAMPLE"] {
            try out.write(toFile: sample, atomically: true, encoding: .utf8)
        }
        if color {
            let colorSample = ProcessInfo.processInfo.environment["CNN_TERMINAL_SAMPLE_COLOR"]
            if let colorSample { try out.write(toFile: colorSample, atomically: true, encoding: .utf8) }
        }
    }
}
