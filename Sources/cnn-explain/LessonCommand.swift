import ArgumentParser
import CNNFigures
import CNNLessons
import CNNRender
import CNNTerminal
import Foundation

struct LessonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "List the lessons, each with a one-line summary.",
        discussion: "Run one with 'cnn-explain lesson NAME'."
    )

    func run() throws {
        try reportingErrors {
            let all = LessonLibrary.available()
            if all.isEmpty {
                try say("No lessons found. Run from the source folder, or set CNN_EXPLAIN_LESSONS to a folder of lesson files.")
                return
            }
            let width = all.map(\.name.count).max() ?? 0
            for e in all { try say("\(padRight(e.name, width))  \(e.summary)") }
        }
    }
}

struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Walk through a lesson step by step, and write its PDF walkthrough.",
        discussion: """
        In a terminal the lesson pauses after each step: Enter for the next, b to go back, \
        q to quit. When the output is not a terminal (or with --no-pause) it prints every \
        step without pausing. It then writes OUT/NAME.pdf and every figure as OUT/NAME/NN-name.png; \
        with --format html, OUT/NAME.html: one page, to open in any browser, where every number \
        explains itself and the window slides.

          cnn-explain lesson xo        # the article's X/O example
          cnn-explain lesson xo --no-pause --from 5     # from step 5 on
          cnn-explain lesson lessons/xo.yaml --format pdf,svg --out handouts
          cnn-explain lesson xo --format html --no-pause    # writes output/xo.html

        'cnn-explain lessons' lists the lessons; docs/lessons.md shows how to write one.
        """
    )

    @Argument(help: "A lesson name (see 'cnn-explain lessons') or the path of a lesson file.", completion: .file(extensions: ["yaml", "yml"]))
    var lesson: String

    @Option(help: "The folder to write the PDF and figures into.", completion: .directory)
    var out: String = "output"

    @Option(help: "The formats to write (only those): repeat the option, or list them with commas.")
    var format: [ValueList<FileFormat>] = [ValueList(.pdf, .png)]

    @Option(help: "Scale of PNG figures in pixels per point (1.5 is sharp on slides, 2 and more for print).")
    var scale: Double = LessonReport.figureScale

    @Flag(help: "Print every step without pausing.")
    var noPause = false

    @Option(help: "Start at this step: its number, or its id.")
    var from: String?

    @Flag(help: "No colour in the terminal (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: "Seed for random weights and for the lesson's experiment (default: the lesson's own).")
    var seed: UInt64?

    /// The drawer's formats asked for (PDF, PNG, SVG).
    var formats: Set<OutputFormat> { Set(format.flattened().compactMap(\.drawn)) }

    var wantsHTML: Bool { format.flattened().contains(.html) }

    func validate() throws {
        guard scale > 0 && scale <= 8 else { throw ValidationError("--scale must be between 0 and 8") }
    }

    func run() throws {
        try reportingErrors {
            if !formats.isEmpty { LessonReport.prepareFonts() }
            let path = try LessonLibrary.resolve(lesson)
            var loaded = try Lesson.load(path)
            if let seed { loaded.seed = seed }
            let folder = URL(fileURLWithPath: out)
            let interactive = !noPause && TerminalPresenter.standardInputIsTerminal && TerminalPresenter.standardOutputIsTerminal
            let color = TerminalPresenter.colorEnabled(noColorFlag: noColor)
                && TerminalDevice.acceptsEscapes(isTerminal: TerminalPresenter.standardOutputIsTerminal,
                                                 environment: ProcessInfo.processInfo.environment)
            // Not interactive, the lesson runs to its end: its figures are drawn while it is worked
            // out and while its text is printed (the files are written once it is complete).
            let early = interactive || formats.isEmpty ? nil
                : LessonReport.startWriting(lesson: loaded.name, to: folder, formats: formats, scale: scale)
            let worked: LessonRun
            do {
                worked = try LessonRunner.run(loaded, progress: { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }, onSection: { early?.add($0) })
                // Check where the PDF will go before the learner walks through the lesson.
                try LessonReport.createFolder(folder)
            } catch {
                early?.cancel(error)
                _ = try? early?.wait()
                throw error
            }
            early?.complete(worked)
            let finished: Bool
            do {
                finished = try presentLesson(worked, interactive: interactive, color: color, from: from)
            } catch {
                _ = try? early?.wait() // no file left half-written
                throw error
            }
            guard finished else {
                _ = try? early?.wait()
                try say("\nStopped before the end. The PDF walkthrough is written when a lesson runs to its end;")
                try say("'cnn-explain lesson \(lesson) --no-pause' writes it without pausing.")
                return
            }
            try say("")
            var written = try early?.wait() ?? (formats.isEmpty ? [] : try LessonReport.write(worked, to: folder, formats: formats, scale: scale))
            if wantsHTML { written.append(try LessonPage.write(worked, to: folder)) }
            // Paths as the learner gave them (output/xo.pdf), not absolute.
            func shown(_ path: String) -> String {
                path.hasPrefix(folder.path) ? (out as NSString).appendingPathComponent(String(path.dropFirst(folder.path.count + 1))) : path
            }
            let pdfs = written.filter { $0.hasSuffix(".pdf") || $0.hasSuffix(".html") }
            for p in pdfs { try say("wrote \(shown(p))") }
            let folderShown = (out as NSString).appendingPathComponent(worked.lesson.name)
            let sounds = written.filter { $0.hasSuffix(".wav") }.count
            let figures = written.count - pdfs.count - sounds
            if figures > 0 { try say("wrote \(figures) figures to \(folderShown)/") }
            if sounds > 0 { try say("wrote \(sounds) sounds to \(folderShown)/ (WAV files, to listen to)") }
        }
    }
}
