import CNNAnalysis
import CNNCore
import CNNFigures
import CNNHTML
import CNNRender
import CNNTerminal
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// Every lesson's figures speak in words (no engine layer names in titles), the xo flip-books
/// show exactly the traced numbers in the engine's windows, grids carry their row and column
/// numbers in every drawer, and the PDF glossary names the page where each word is taught.
@Suite(.serialized) struct LessonWordsTests {
    static func run(_ name: String) throws -> LessonRun {
        let lesson = try Lesson.load(Fixtures.lessons.appendingPathComponent("\(name).yaml").path)
        return try LessonRunner.run(lesson, scale: lesson.experiment == nil ? .lesson : .quick)
    }

    // MARK: Titles in words

    /// Every title and name a figure draws, found through rows and columns.
    static func titles(_ figure: Figure) -> [String] {
        switch figure {
        case .image(let f): return [f.title].compactMap { $0 }
        case .feature(let f): return [f.name]
        case .convolutionStep(let f): return [f.title, f.featureName].compactMap { $0 }
        case .featureMap(let f): return [f.title].compactMap { $0 }
        case .layer(let f): return [f.title].compactMap { $0 } + f.mapNames + f.features.map(\.name)
        case .relu(let f): return [f.title].compactMap { $0 }
        case .pooling(let f): return [f.title].compactMap { $0 }
        case .poolingGradient(let f): return [f.title].compactMap { $0 }
        case .slidingWindow(let f): return [f.title].compactMap { $0 } + f.frames.indices.map(f.label)
        case .votes(let f): return [f.title].compactMap { $0 } + (f.inputLabels ?? []) + f.outputLabels
        case .voteBars(let f): return [f.title].compactMap { $0 } + f.labels
        case .pipeline(let f): return [f.title].compactMap { $0 } + f.stages.map(\.name)
        case .linePlot(let f): return [f.title].compactMap { $0 } + f.series.map(\.name)
        case .errorCurve(let f): return [f.title].compactMap { $0 }
        case .filterBank(let f): return [f.title].compactMap { $0 } + f.rows.flatMap { [$0.label] + $0.features.map(\.name) }
        case .spectrogram(let f): return [f.title].compactMap { $0 }
        case .table(let f): return [f.title].compactMap { $0 } + f.header
        case .worksheetGrid(let f): return [f.title].compactMap { $0 }
        case .text: return []
        case .row(let parts, _), .column(let parts, _): return parts.flatMap(titles)
        }
    }

    /// The names of the layers of every network a lesson shows.
    static func layerNames(_ run: LessonRun) -> Set<String> {
        Set(run.traces.values.flatMap { $0.model.layers.map(\.name) } + run.network.model.layers.map(\.name))
    }

    /// `name` as a whole word of `text` (not part of a longer word: "out" is not in "outlined" or "held-out").
    static func mentions(_ text: String, _ name: String) -> Bool {
        text.range(of: "(?<![A-Za-z0-9_-])\(NSRegularExpression.escapedPattern(for: name))(?![A-Za-z0-9_-])", options: .regularExpression) != nil
    }

    @Test(arguments: ["xo", "backprop", "audio", "shuffle"])
    func figureTitlesNameNoEngineLayer(name: String) throws {
        let run = try Self.run(name)
        let names = Self.layerNames(run)
        #expect(names.contains("conv1"), "the check knows the engine's names")
        let titles = run.sections.flatMap(\.figures).flatMap { Self.titles($0.figure) }
        #expect(!titles.isEmpty)
        for title in titles {
            for layer in names { #expect(!Self.mentions(title, layer), "\(name): '\(title)' names the layer \(layer)") }
        }
        // A caption names code only in brackets, at most once: "(conv1.output[0,1,1])".
        for caption in run.sections.flatMap(\.figures).map(\.caption) {
            let outside = caption.replacingOccurrences(of: "\\([^()]*\\)", with: "", options: .regularExpression)
            for layer in names { #expect(!Self.mentions(outside, layer), "\(name): caption '\(caption)' names \(layer) outside brackets") }
            let inBrackets = names.map { layer in
                caption.components(separatedBy: "(").dropFirst().filter { Self.mentions($0.prefix { $0 != ")" }.description, layer) }.count
            }.reduce(0, +)
            #expect(inBrackets <= 1, "\(name): caption '\(caption)' names code more than once")
        }
    }

    /// No title or caption shows an input's code name ("X_deformed", nor "X deformed"): inputs are
    /// called by their `title` in the lesson file ("the deformed X") or "the X image".
    @Test(arguments: ["xo", "backprop", "audio", "shuffle"])
    func figureTitlesAndCaptionsNameNoInputByItsCodeName(name: String) throws {
        let run = try Self.run(name)
        let figures = run.sections.flatMap(\.figures)
        let texts = figures.flatMap { Self.titles($0.figure) } + figures.map(\.caption)
        let codeNames = run.lesson.inputs.map(\.name).filter { $0.contains("_") }
        for code in codeNames {
            for text in texts {
                #expect(!text.contains(code) && !text.contains(code.replacingOccurrences(of: "_", with: " ")),
                        "\(name): '\(text)' calls an input by its code name \(code)")
            }
        }
        if name == "xo" {
            #expect(codeNames.count >= 6, "the check sees the xo lesson's named inputs")
            for input in run.lesson.inputs where input.title != nil {
                let title = try #require(input.title)
                #expect(texts.contains { $0.contains(title) }, "the title '\(title)' of \(input.name) is used")
            }
        }
    }

    @Test func xoTitlesUseTheFeatureNamesOfTheLessonFile() throws {
        let run = try Self.run("xo")
        let titles = run.sections.flatMap(\.figures).flatMap { Self.titles($0.figure) }
        let names = try #require(run.lesson.featureNames["conv1"])
        #expect(titles.contains("the map of feature \(names[0]) for the X image"))
        #expect(titles.contains("every map of the first convolution, X image"))
        #expect(titles.contains("pooling the \(names[0]) map"))
    }

    /// A lesson whose `feature_names` gives a layer the wrong number of names stops with a line
    /// naming the field and both counts.
    @Test func featureNamesMustNameEveryFeature() throws {
        let folder = Fixtures.lessons.path
        var text = try String(contentsOf: Fixtures.lessons.appendingPathComponent("xo.yaml"), encoding: .utf8)
        for dir in ["models/", "inputs/", "reference/"] { text = text.replacingOccurrences(of: ": \(dir)", with: ": \(folder)/\(dir)") }
        text = text.replacingOccurrences(of: #"conv1: ["diagonal ↘", "cross ✕", "diagonal ↗"]"#, with: #"conv1: ["one", "two"]"#)
        let file = try Fixtures.temporaryFolder("feature-names").appendingPathComponent("named.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try LessonRunner.run(try Lesson.load(file.path))
            Issue.record("two names for three features were accepted")
        } catch let e as LessonError {
            #expect(e.description.contains("feature_names.conv1 gives 2 names, but conv1 has 3 features"), "\(e.description)")
        }
    }

    // MARK: Flip-books

    static func flipBooks(_ run: LessonRun) -> [SlidingWindowFigure] {
        run.sections.flatMap(\.figures).compactMap { if case .slidingWindow(let f) = $0.figure { return f } else { return nil } }
    }

    /// Frame by frame: at least six frames in walking order, the filled cells are exactly the traced
    /// output up to the frame's cell, and the others (not reached yet) are blank.
    static func checkFrames(_ f: SlidingWindowFigure, traced: Grid) {
        #expect(f.frames.count >= 6)
        #expect(traced.rows == f.outputRows && traced.cols == f.outputCols)
        var last = -1
        for frame in f.frames {
            let reached = frame.position.row * traced.cols + frame.position.col
            #expect(reached > last, "frames go in walking order")
            last = reached
            for (k, cell) in frame.output.enumerated() {
                if k <= reached { #expect(cell == traced.values[k], "cell \(k) of frame \(reached)") } else { #expect(cell == nil) }
            }
        }
        #expect(f.frames.last?.output.allSatisfy { $0 != nil } == true, "the last frame shows the whole map")
    }

    @Test func theConvolutionFlipBookShowsTheTracedMapFillingUnderTheEnginesPatches() throws {
        let run = try Self.run("xo")
        let t = try #require(run.traces["X"])
        let book = try #require(Self.flipBooks(run).first { $0.inputIsImage })
        let x = try #require(t.record("conv1", .input)), w = try #require(t.record("conv1", .weight))
        guard case .conv(let spec)? = t.model.layers.first(where: { $0.name == "conv1" })?.kind else { Issue.record("conv1"); return }
        Self.checkFrames(book, traced: try TraceFigures.channel(try #require(t.record("conv1", .output)), 0))
        #expect(book.input == (try TraceFigures.channel(x, 0)))
        for frame in book.frames {
            let d = spec.derivation(input: x.tensor, weight: w.tensor, bias: nil, filter: 0, row: frame.position.row, col: frame.position.col)
            #expect(frame.rows == d.top..<(d.top + spec.kernelH) && frame.cols == d.left..<(d.left + spec.kernelW))
        }
    }

    @Test func thePoolingFlipBookShowsTheTracedMaxOfTheEnginesWindows() throws {
        let run = try Self.run("xo")
        let t = try #require(run.traces["X"])
        let book = try #require(Self.flipBooks(run).first { !$0.inputIsImage })
        let input = try TraceFigures.channel(try #require(t.record("pool1", .input)), 0)
        guard case .maxpool(let p)? = t.model.layers.first(where: { $0.name == "pool1" })?.kind else { Issue.record("pool1"); return }
        let windows = PoolWindows(p, height: input.rows, width: input.cols)
        Self.checkFrames(book, traced: try TraceFigures.channel(try #require(t.record("pool1", .output)), 0))
        #expect(book.frames.contains { windows.isPartial($0.position.row, $0.position.col) }, "an edge window is shown")
        for frame in book.frames {
            #expect(frame.rows == windows.rows(frame.position.row) && frame.cols == windows.cols(frame.position.col))
        }
    }

    @Test func everyDrawerDrawsAFlipBook() throws {
        let book = try #require(Self.flipBooks(try Self.run("xo")).first)
        let png = try renderData(.slidingWindow(book), format: .png)
        #expect(png.count > 1000)
        let text = TerminalPresenter(color: false).lines(for: .slidingWindow(book)).joined(separator: "\n")
        #expect(text.contains(book.label(0)) && text.contains(book.label(book.frames.count - 1)) && text.contains("·"))
        let html = FigureHTML.draw(.slidingWindow(book)).rendered
        #expect(book.frames.indices.allSatisfy { html.contains(book.label($0)) })
    }

    // MARK: Row and column numbers

    /// A 7×7 map without numbers in its cells, so the only small numbers drawn are its labels.
    static var labelledMap: FeatureMapFigure {
        var f = FeatureMapFigure(map: Grid(rows: 7, cols: 7, repeating: 0.5), title: "labels", showNumbers: false, showLegend: false)
        f.labelled = true
        return f
    }

    @Test func cairoWritesRowNumbersDownTheLeftAndColumnNumbersAlongTheTop() throws {
        var doc = ReportDocument(title: "Labels")
        doc.addFigure(.featureMap(Self.labelledMap))
        let pdf = try PDFPageTests.write(try doc.data(), name: "labels")
        let xml = try PDFPageTests.run("/usr/bin/pdftotext", ["-bbox", pdf.path, "-"])
        var words: [(text: String, x: Double, y: Double, h: Double)] = []
        for line in xml.split(separator: "\n") where line.contains("<word ") {
            let text = line.split(separator: ">").dropFirst().first.map { String($0.prefix { $0 != "<" }) } ?? ""
            guard let x = PDFPageTests.attribute(line, "xMin"), let y = PDFPageTests.attribute(line, "yMin"),
                  let y2 = PDFPageTests.attribute(line, "yMax"), Int(text) != nil else { continue }
            words.append((text, x, y, y2 - y))
        }
        // Seven column numbers on one line, left to right, and seven row numbers in one column, top to bottom.
        let top = words.filter { abs($0.y - (words.map(\.y).min() ?? 0)) < 1 }
        let oneToSeven: [String] = (1...7).map { String($0) }
        #expect(top.sorted { $0.x < $1.x }.map(\.text) == oneToSeven)
        let left = words.filter { abs($0.x - (words.map(\.x).min() ?? 0)) < 1 }
        #expect(left.sorted { $0.y < $1.y }.map(\.text) == oneToSeven)
        #expect(words.allSatisfy { $0.h >= PDFPageTests.smallestWordHeight }, "labels are at least 7 pt")
    }

    @Test func theTerminalAndTheHTMLNumberRowsAndColumnsToo() throws {
        var f = Self.labelledMap
        f.showNumbers = true
        let lines = TerminalPresenter(color: false).lines(for: .featureMap(f))
        let oneToSeven: [String] = (1...7).map { String($0) }
        let header = try #require(lines.first { $0.split(separator: " ").map(String.init) == oneToSeven })
        let rows = lines.compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
        #expect(rows.suffix(7) == Array(1...7), "\(header)\n\(lines.joined(separator: "\n"))")
        let html = FigureHTML.draw(.featureMap(f)).rendered
        let labels = html.components(separatedBy: "class=\"axis\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(labels == oneToSeven + oneToSeven)
    }

    // MARK: Glossary pages

    /// Each "page P, step N" of the PDF's glossary names the page on which step N's heading stands.
    @Test func theGlossaryGivesThePageEachStepStartsOn() throws {
        let run = try Self.run("xo")
        let doc = try LessonReport.document(run)
        let pdf = try PDFPageTests.write(try doc.data(), name: "glossary")
        let count = try doc.pageCount()
        var headingPage: [Int: Int] = [:]
        for page in 1...count {
            let text = try PDFPageTests.run("/usr/bin/pdftotext", ["-f", "\(page)", "-l", "\(page)", pdf.path, "-"])
            for section in run.sections where text.contains("\(section.number). \(section.heading)") { headingPage[section.number] = page }
        }
        let glossary = try #require(run.sections.last).paperParagraphs.joined(separator: "\n")
        let pattern = try NSRegularExpression(pattern: "page (\\d+), step (\\d+)")
        let matches = pattern.matches(in: glossary, range: NSRange(glossary.startIndex..., in: glossary))
        #expect(matches.isEmpty, "paper paragraphs keep {{page:ID}} until the PDF is laid out")
        let filled = doc.blocks.compactMap { if case .paragraph(let p) = $0 { return p } else { return nil } }.joined(separator: "\n")
        let found = pattern.matches(in: filled, range: NSRange(filled.startIndex..., in: filled)).map { m in
            (page: Int((filled as NSString).substring(with: m.range(at: 1))) ?? 0, step: Int((filled as NSString).substring(with: m.range(at: 2))) ?? 0)
        }
        #expect(found.count >= 10)
        for f in found { #expect(headingPage[f.step] == f.page, "step \(f.step) starts on page \(headingPage[f.step] ?? 0), not \(f.page)") }
        // On screen the glossary gives the step alone.
        let screen = try #require(run.sections.last).paragraphs.joined(separator: "\n")
        #expect(screen.contains("(step ") && !screen.contains("page"))
    }
}
