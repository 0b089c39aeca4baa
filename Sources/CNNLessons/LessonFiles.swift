import CNNFiles
import CNNFigures
import CNNRender
import CNNTraining
import Foundation

/// One job of a lesson's files: the PDF walkthrough, one figure in one format, or measuring
/// every figure for the PDF (`path` nil).
struct RenderJob: Sendable {
    enum Kind: Sendable {
        case pdf
        case figure(index: Int, format: OutputFormat)
        case measure
        /// Shaping a section's text and measuring its figures for the PDF (on the PDF's thread).
        case prepare(section: Int, firstFigure: Int)
    }
    var kind: Kind
    var path: String?
}

/// The files of a lesson and the jobs that draw them, taken by any number of threads, even
/// while the lesson is still being worked out.
///
/// Each section's figures can be drawn as soon as the runner has made the section (`add`); their
/// bytes are kept in memory until the lesson is complete (`complete`), when the folders are made,
/// every path is checked, and the files are written: so a lesson that fails half-way writes
/// nothing. On completion the PDF comes first among the jobs left (the longest job: laid out,
/// page numbers and all, then drawn), then measuring the figures not measured yet (so that the
/// PDF's layout, on another thread, finds their sizes), then the figures left. Figure sizes are
/// measured once (`FigureSizes`) and shared by the PDF and the figure files; each file is drawn
/// on its own Cairo surface, so the bytes do not depend on which thread takes which job, or when.
final class LessonFiles: @unchecked Sendable {
    let name: String
    let folder: URL, figureFolder: URL
    let formats: Set<OutputFormat>
    let imageFormats: [OutputFormat]
    let scale: Double
    let sizes = FigureSizes()
    let queue = JobQueue()
    /// Each file is flushed to the disk and put in place on a thread of its own.
    private let writes = AtomicWrites()
    private let lock = NSLock()
    // Under `lock`: the jobs so far, the figures so far, the lesson once complete, and the bytes
    // of figures drawn before it was (by job).
    private var jobs: [RenderJob] = []
    private var figures: [LessonFigure] = []
    private var sections: [LessonSection] = []
    private var run: LessonRun?
    private var held: [Int: [UInt8]] = [:]
    /// The PDF's layout cache: used only by the one thread that takes the PDF's jobs.
    private let pdfCache: LayoutCache

    init(lesson name: String, to folder: URL, formats: Set<OutputFormat>, scale: Double) {
        self.name = name
        self.folder = folder
        self.formats = formats
        self.scale = scale
        figureFolder = folder.appendingPathComponent(name)
        imageFormats = OutputFormat.allCases.filter { $0 != .pdf && formats.contains($0) }
        pdfCache = LayoutCache(sharing: sizes)
    }

    /// Every job, as planned so far.
    var plannedJobs: [RenderJob] { lock.withLock { jobs } }

    /// Adds the jobs of a section: preparing its part of the PDF, and its figures, in their
    /// order, one per image format.
    func add(_ section: LessonSection) {
        var added: [Int] = [], forPDF: [Int] = []
        lock.withLock {
            if formats.contains(.pdf) {
                forPDF.append(jobs.count)
                jobs.append(RenderJob(kind: .prepare(section: sections.count, firstFigure: figures.count), path: nil))
            }
            sections.append(section)
            for f in section.figures {
                let index = figures.count
                figures.append(f)
                for format in imageFormats {
                    added.append(jobs.count)
                    jobs.append(RenderJob(kind: .figure(index: index, format: format),
                                          path: figureFolder.appendingPathComponent("\(f.name).\(format.fileExtension)").path))
                }
            }
        }
        queue.append(added, forPDF: forPDF)
    }

    /// The lesson is complete (its sections all added): makes the folders, checks every path,
    /// writes the figures drawn so far and puts the PDF and the measuring first among the jobs left.
    func complete(_ run: LessonRun) throws {
        do {
            try LessonReport.createFolder(folder)
            if !imageFormats.isEmpty { try LessonReport.createFolder(figureFolder) }
            var first: [Int] = [], pdf: [Int] = []
            let drawn: [Int: [UInt8]] = try lock.withLock {
                if formats.contains(.pdf) {
                    pdf.append(jobs.count)
                    jobs.append(RenderJob(kind: .pdf, path: folder.appendingPathComponent("\(name).pdf").path))
                    if !figures.isEmpty { first.append(jobs.count); jobs.append(RenderJob(kind: .measure, path: nil)) }
                }
                for job in jobs { if let path = job.path { _ = try OutputPath.resolve(path) } }
                self.run = run
                defer { held = [:] }
                return held
            }
            for (i, bytes) in drawn.sorted(by: { $0.key < $1.key }) { try write(bytes, job: i) }
            queue.complete(first: first, forPDF: pdf)
        } catch {
            queue.complete(first: [], forPDF: [], failing: error)
            throw error
        }
    }

    /// Takes jobs on `threads` threads (this one among them) until none is left to take (waiting
    /// for more while the lesson is not complete). Only one of them starts before the lesson is
    /// complete: the thread working it out needs the other core, and the PDF cannot start before.
    /// With `pdf`, this thread takes the PDF's jobs (before any other), which no other thread
    /// takes: the PDF's shaped paragraphs belong to the thread that shaped them.
    func work(threads: Int, pdf: Bool) {
        if threads <= 1 { return take(pdf: pdf) }
        DispatchQueue.concurrentPerform(iterations: threads) { k in
            if k > 0 { queue.waitUntilComplete() }
            take(pdf: pdf && k == 0)
        }
    }

    private func take(pdf: Bool) {
        while let i = queue.next(pdfThread: pdf) {
            do { try perform(i) } catch { queue.fail(i, error) }
            queue.finished()
        }
    }

    /// Does job `i`.
    func perform(_ i: Int) throws {
        let (job, lessonRun, figureList) = lock.withLock { (jobs[i], run, figures) }
        switch job.kind {
        case .measure:
            try sizes.measureAll(figureList.enumerated().map { ($0.offset, $0.element.figure) })
        case let .prepare(section, firstFigure):
            let part = lock.withLock { sections[section] }
            try LessonReport.prepare(part, firstFigure: firstFigure, cache: pdfCache)
        case .pdf:
            guard let lessonRun else { return }
            try write(try LessonReport.document(lessonRun, cache: pdfCache).data(cache: pdfCache), job: i)
        case let .figure(index, format):
            let bytes = try renderData(figureList[index].figure, format: format, scale: scale, sizes: sizes, index: index)
            let ready: Bool = lock.withLock {
                if run == nil { held[i] = bytes }
                return run != nil
            }
            if ready { try write(bytes, job: i) }
        }
    }

    private func write(_ bytes: [UInt8], job i: Int) throws {
        let path = lock.withLock { jobs[i].path } ?? ""
        try writes.write(data: Data(bytes), to: path, order: i)
    }

    /// Waits until every job is done; then throws the failure of the earliest job that failed,
    /// or writes the experiment's sounds and returns the paths written: the figures in order,
    /// the sounds, then the PDF.
    func finish() throws -> [String] {
        queue.waitUntilFinished()
        let flushing = writes.finish()
        if let failure = queue.firstFailure(before: flushing?.order) { throw failure }
        if let flushing { throw flushing.error }
        let (all, lessonRun) = lock.withLock { (jobs, run) }
        var written: [String] = []
        for job in all { if case .figure = job.kind, let path = job.path { written.append(path) } }
        // An experiment's sounds, to listen to, beside the figures.
        if let sounds = lessonRun?.experiment?.sounds, !sounds.isEmpty {
            try LessonReport.createFolder(figureFolder)
            written += try AudioExperiment.writeWAVs(sounds, perKind: sounds.count, to: figureFolder.path)
        }
        for job in all { if case .pdf = job.kind, let path = job.path { written.append(path) } }
        return written
    }
}

/// Hands out job indices to the threads (those put `first` before the others; the PDF's only
/// to the PDF's thread, which takes them before any other), waiting for more while the jobs are
/// not all known; counts the jobs done, and keeps the failure of the earliest job that failed
/// (after a failure no job is handed out).
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [Int] = []
    private var pendingForPDF: [Int] = []
    private var complete = false
    private var handedOut = 0
    private var done = 0
    private var failures: [(index: Int, error: any Error)] = []

    func append(_ jobs: [Int], forPDF: [Int] = []) {
        condition.lock(); defer { condition.unlock() }
        pending += jobs
        pendingForPDF += forPDF
        condition.broadcast()
    }

    /// No job will be added after `first` and `forPDF`, which go before the jobs waiting;
    /// `failing` stops the work.
    func complete(first: [Int], forPDF: [Int], failing: (any Error)? = nil) {
        condition.lock(); defer { condition.unlock() }
        pending = first + pending
        pendingForPDF += forPDF
        complete = true
        if let failing { failures.append((-1, failing)) }
        condition.broadcast()
    }

    /// The next job for a thread (the PDF's thread or another), waiting for one while the jobs
    /// are not all known; nil when none is left for it.
    func next(pdfThread: Bool) -> Int? {
        condition.lock(); defer { condition.unlock() }
        func available() -> Bool { !pending.isEmpty || (pdfThread && !pendingForPDF.isEmpty) }
        while !available() && !complete && failures.isEmpty { condition.wait() }
        guard available(), failures.isEmpty else { return nil }
        handedOut += 1
        if pdfThread && !pendingForPDF.isEmpty { return pendingForPDF.removeFirst() }
        return pending.removeFirst()
    }

    /// Waits until the jobs are all known (or a job failed).
    func waitUntilComplete() {
        condition.lock(); defer { condition.unlock() }
        while !complete && failures.isEmpty { condition.wait() }
    }

    func fail(_ index: Int, _ error: any Error) {
        condition.lock(); defer { condition.unlock() }
        failures.append((index, error))
        condition.broadcast()
    }

    /// Called once for each job handed out, when it is done (written or failed).
    func finished() {
        condition.lock(); defer { condition.unlock() }
        done += 1
        condition.broadcast()
    }

    /// Waits until the jobs are all known and every job is done (after a failure, until every job
    /// handed out is done).
    func waitUntilFinished() {
        condition.lock(); defer { condition.unlock() }
        while done < handedOut || (failures.isEmpty && (!complete || !pending.isEmpty || !pendingForPDF.isEmpty)) {
            condition.wait()
        }
    }

    /// The failure of the earliest job that failed, if it came before job `index` (any, if nil).
    func firstFailure(before index: Int?) -> (any Error)? {
        condition.lock(); defer { condition.unlock() }
        guard let first = failures.min(by: { $0.index < $1.index }), first.index < index ?? Int.max else { return nil }
        return first.error
    }
}
