import CNNCore
import CNNFiles
import CNNFigures
import CNNRender
import CNNTraining
import Foundation

/// Writes a worked-out lesson as files: a PDF walkthrough and one image file per figure.
public enum LessonReport {
    /// The PDF walkthrough: a title page, then one section per step (with a bookmark) holding
    /// its paragraphs and figures; every page but the title page is numbered.
    ///
    /// Where the text names the page a step starts on (`{{taught:ID}}`), the pages are laid out
    /// once with "?" there, the page of each step read off, and filled in; laid out again until
    /// the pages stop moving (a longer number could push a line over), at most three times.
    public static func document(_ run: LessonRun) throws -> ReportDocument {
        try document(run, cache: LayoutCache())
    }

    /// `document(_:)`, measuring with `cache`: every paragraph and figure is measured once
    /// across the layouts, and `doc.data(cache: cache)` then draws without measuring again.
    public static func document(_ run: LessonRun, cache: LayoutCache) throws -> ReportDocument {
        let needsPages = run.sections.contains { $0.paperParagraphs.contains { $0.contains("{{page:") } }
        var pages: [String: Int] = [:]
        var doc = document(run, pages: pages)
        guard needsPages else { return doc }
        for _ in 0..<3 {
            let starts = try doc.headingPages(cache: cache)
            let found = Dictionary(zip(run.sections.map(\.id), starts), uniquingKeysWith: { a, _ in a })
            if found == pages { break }
            pages = found
            doc = document(run, pages: pages)
        }
        return doc
    }

    /// The walkthrough with the page of each step (by id) written where the text names it.
    static func document(_ run: LessonRun, pages: [String: Int]) -> ReportDocument {
        let lesson = run.lesson
        var doc = ReportDocument(title: lesson.title, author: "cnn-explain")
        var lines = ["\(run.sections.count) steps · numbers \(styleNote(lesson.numbers))"]
        lines.append("Every number is computed by the engine from the lesson's model and inputs.")
        lines.append("Run it yourself: cnn-explain lesson \(lesson.name)")
        doc.addTitlePage(subtitle: lesson.subtitle ?? lesson.summary, lines: lines)
        for section in run.sections { add(section, to: &doc, pages: pages) }
        return doc
    }

    /// Adds a step to the walkthrough: its heading, paragraphs (with the pages in `pages`) and figures.
    static func add(_ section: LessonSection, to doc: inout ReportDocument, pages: [String: Int]) {
        // Steps follow one another on the page; a step starts a new page only when
        // too little room is left for its heading and the start of its text.
        doc.addSection("\(section.number). \(section.heading)", newPage: false)
        for p in section.paperParagraphs { doc.addParagraph(markup(LessonSection.fillPages(p, pages))) }
        for f in section.figures { doc.addFigure(f.figure, caption: f.caption) }
    }

    /// Shapes a step's text and measures its figures (the first of which is the `firstFigure`-th
    /// of the lesson) into `cache`, as the walkthrough's first layout will ask for them.
    static func prepare(_ section: LessonSection, firstFigure: Int, cache: LayoutCache) throws {
        var part = ReportDocument(title: "")
        add(section, to: &part, pages: [:])
        try part.prepare(cache: cache, firstFigure: firstFigure)
    }

    static func styleNote(_ style: NumberStyle) -> String {
        switch style {
        case .truncated(let d): return "truncated to \(d) decimals, as on the slides"
        case .rounded(let d): return "rounded to \(d) decimals"
        case .full: return "in full precision"
        }
    }

    /// The lesson's light markup (`*emphasis*`, `**strong**`) as Pango markup, with `&`, `<`, `>` escaped.
    public static func markup(_ text: String) -> String {
        // Over UTF-8 bytes: `*` is ASCII, so no byte of another character can be taken for it.
        let bytes = Array(TextBlock.escape(text).utf8)
        let star = UInt8(ascii: "*")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32)
        var bold = false, italic = false
        var i = 0
        while i < bytes.count {
            if bytes[i] == star && i + 1 < bytes.count && bytes[i + 1] == star {
                out += (bold ? "</b>" : "<b>").utf8
                bold.toggle()
                i += 2
            } else if bytes[i] == star {
                out += (italic ? "</i>" : "<i>").utf8
                italic.toggle()
                i += 1
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        if italic { out += "</i>".utf8 }
        if bold { out += "</b>".utf8 }
        return String(decoding: out, as: UTF8.self)
    }

    /// The scale of a lesson's PNG figures unless one is asked for: 1.5 pixels per point, about
    /// 900 pixels across a wide figure, sharp on a projected slide, with its numbers legible.
    public static let figureScale = 1.5

    /// Writes the lesson into `folder`: `NAME.pdf` when `formats` has PDF, and every figure as
    /// `NAME/NN-step-figure.png` (and `.svg`) for each image format asked for. Only the formats
    /// asked for are written: `[.pdf]` writes the PDF alone (the command's default, `pdf,png`,
    /// adds a PNG of each figure so it can be projected on its own).
    /// - Parameter progress: called with each path before it is written.
    /// - Returns: the paths written, in order.
    @discardableResult
    public static func write(_ run: LessonRun, to folder: URL, formats: Set<OutputFormat>, scale: Double = figureScale,
                             progress: (String) -> Void = { _ in }) throws -> [String] {
        let files = LessonFiles(lesson: run.lesson.name, to: folder, formats: formats, scale: scale)
        for section in run.sections { files.add(section) }
        try files.complete(run)
        for job in files.plannedJobs { if let path = job.path { progress(path) } }
        files.work(threads: drawingThreads, pdf: true)
        return try files.finish()
    }

    /// The threads that draw a lesson's files once it is complete: one per core, at least 2
    /// (the PDF and the figures) and at most 4 (each keeps a figure's pixels in memory). More
    /// threads than cores would take the PDF's thread, the longest job, off its core part of
    /// the time and make the lesson slower.
    static var drawingThreads: Int { min(4, max(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Creates `url` (and its parents) if needed, so a lesson can check where it will write
    /// before it starts.
    /// - Throws: `RenderError.write` saying why, e.g. that a part of the path is a file.
    public static func createFolder(_ url: URL) throws {
        var isDir: ObjCBool = false
        var probe = url.standardizedFileURL
        // The deepest part of the path that exists must be a folder.
        while !FileManager.default.fileExists(atPath: probe.path, isDirectory: &isDir) && probe.path != "/" {
            probe = probe.deletingLastPathComponent()
        }
        guard isDir.boolValue else {
            throw RenderError.write(path: url.path, reason: "'\(probe.path)' is a file, not a folder")
        }
        do {
            try createFolders(url.path)
        } catch {
            throw RenderError.write(path: url.path, reason: "cannot create the folder here (is '\(probe.path)' writable?)")
        }
        guard FileManager.default.isWritableFile(atPath: url.path) else {
            throw RenderError.write(path: url.path, reason: "the folder is not writable")
        }
    }
}

/// A lesson's files being written on a thread of their own (`LessonReport.startWriting`).
public final class LessonWriting: @unchecked Sendable {
    // Written once by the writing thread before it signals `done`; read only after waiting for it.
    private var result: Result<[String], any Error> = .success([])
    private let done = DispatchSemaphore(value: 0)
    /// The files, whose jobs the waiting thread takes too.
    private let files: LessonFiles

    fileprivate init(_ files: LessonFiles) { self.files = files }

    /// Adds a section the runner has made: its figures are drawn from now on.
    public func add(_ section: LessonSection) { files.add(section) }

    /// The lesson is complete: its files are written (an error is thrown by `wait()`).
    public func complete(_ run: LessonRun) { _ = try? files.complete(run) }

    /// The lesson failed: no file is written, and `wait()` throws `error`.
    public func cancel(_ error: any Error) { files.queue.complete(first: [], forPDF: [], failing: error) }

    fileprivate func finish(_ result: Result<[String], any Error>) {
        self.result = result
        done.signal()
    }

    /// Takes the files still to draw on this thread too, then waits until every file is
    /// written; returns their paths as `LessonReport.write` does, or throws its error. May be
    /// called more than once.
    public func wait() throws -> [String] {
        files.work(threads: 1, pdf: false)
        done.wait()
        done.signal()
        return try result.get()
    }
}

extension LessonReport {
    /// Starts `write(_:to:formats:scale:)` on a thread of its own and returns at once, so that the
    /// caller can print the lesson meanwhile; `wait()` on the result gives the paths, and lends
    /// the calling thread to the files not yet drawn. The files are the ones `write` writes, byte
    /// for byte, however the threads are timed.
    public static func startWriting(_ run: LessonRun, to folder: URL, formats: Set<OutputFormat>,
                                    scale: Double = figureScale) -> LessonWriting {
        let writing = startWriting(lesson: run.lesson.name, to: folder, formats: formats, scale: scale)
        for section in run.sections { writing.add(section) }
        writing.complete(run)
        return writing
    }

    /// Starts drawing a lesson's files before the lesson is worked out: give `add` each section
    /// as the runner makes it (`LessonRunner.run(_:scale:progress:onSection:)`), then `complete`
    /// the run (or `cancel`). Figures are drawn as their sections come, and the files written
    /// once the run is complete; they are the ones `write` writes, byte for byte.
    public static func startWriting(lesson name: String, to folder: URL, formats: Set<OutputFormat>,
                                    scale: Double = figureScale) -> LessonWriting {
        let files = LessonFiles(lesson: name, to: folder, formats: formats, scale: scale)
        let writing = LessonWriting(files)
        // The calling thread joins in `wait()`: one thread fewer than `drawingThreads`, so
        // that the PDF's thread, the longest job, is not crowded off its core.
        let threads = max(1, drawingThreads - 1)
        let thread = Thread {
            files.work(threads: threads, pdf: true)
            writing.finish(Result { try files.finish() })
        }
        thread.start()
        return writing
    }

    /// Starts loading the fonts (fontconfig's configuration and caches, the faces the figures
    /// use) on a thread of its own, so that the first file drawn does not wait for them.
    public static func prepareFonts() {
        Thread { CNNRender.prepareFonts() }.start()
    }
}
