import CNNFiles
import CNNFigures
import CNNRender
import CNNTraining
import Foundation

/// One job of a lesson's files: the PDF walkthrough, one figure in one format, or measuring
/// every figure for the others (`path` nil).
struct RenderJob: Sendable {
    enum Kind: Sendable {
        case pdf
        case figure(index: Int, format: OutputFormat)
        case measure
    }
    var kind: Kind
    var path: String?
}

/// The files of a lesson and the jobs that draw them, taken by any number of threads.
///
/// The jobs, in the order they are handed out: the PDF first (the longest job: laid out, page
/// numbers and all, then drawn), then, when there is a PDF and there are figures, measuring every
/// figure (so that the PDF's layout, on another thread, finds their sizes measured), then each
/// figure in each image format. Figure sizes are measured once (`FigureSizes`) and shared by the
/// PDF and the figure files; each file is drawn on its own Cairo surface, so the bytes do not
/// depend on which thread takes which job, or when.
final class LessonFiles: @unchecked Sendable {
    let run: LessonRun
    let jobs: [RenderJob]
    let scale: Double
    let sizes: FigureSizes
    private let figures: [LessonFigure]
    private let folder: URL, figureFolder: URL
    private let queue: JobQueue
    /// Each file is flushed to the disk and put in place on a thread of its own.
    private let writes = AtomicWrites()

    /// Plans the files: creates the folders and checks every path before the first file is written.
    init(_ run: LessonRun, to folder: URL, formats: Set<OutputFormat>, scale: Double) throws {
        self.run = run
        self.scale = scale
        self.folder = folder
        figureFolder = folder.appendingPathComponent(run.lesson.name)
        figures = run.sections.flatMap(\.figures)
        sizes = FigureSizes(count: figures.count)
        try LessonReport.createFolder(folder)
        let imageFormats = OutputFormat.allCases.filter { $0 != .pdf && formats.contains($0) }
        if !imageFormats.isEmpty { try LessonReport.createFolder(figureFolder) }
        var jobs: [RenderJob] = []
        if formats.contains(.pdf) {
            jobs.append(RenderJob(kind: .pdf, path: folder.appendingPathComponent("\(run.lesson.name).pdf").path))
            if !figures.isEmpty { jobs.append(RenderJob(kind: .measure, path: nil)) }
        }
        for (index, f) in figures.enumerated() {
            for format in imageFormats {
                jobs.append(RenderJob(kind: .figure(index: index, format: format),
                                      path: figureFolder.appendingPathComponent("\(f.name).\(format.fileExtension)").path))
            }
        }
        for job in jobs { if let path = job.path { _ = try OutputPath.resolve(path) } }
        self.jobs = jobs
        queue = JobQueue(count: jobs.count)
    }

    /// Takes jobs on `threads` threads (this one among them) until none is left to take.
    func work(threads: Int) {
        let n = min(max(1, threads), max(1, jobs.count))
        if n == 1 { return take() }
        DispatchQueue.concurrentPerform(iterations: n) { _ in take() }
    }

    private func take() {
        while let i = queue.next() {
            do { try perform(jobs[i], order: i) } catch { queue.fail(i, error) }
            queue.finished()
        }
    }

    func perform(_ job: RenderJob, order: Int) throws {
        switch job.kind {
        case .measure:
            try sizes.measureAll(figures.enumerated().map { ($0.offset, $0.element.figure) })
        case .pdf:
            let cache = LayoutCache(sharing: sizes)
            let bytes = try LessonReport.document(run, cache: cache).data(cache: cache)
            try writes.write(data: Data(bytes), to: job.path ?? "", order: order)
        case let .figure(index, format):
            let bytes = try renderData(figures[index].figure, format: format, scale: scale, sizes: sizes, index: index)
            try writes.write(data: Data(bytes), to: job.path ?? "", order: order)
        }
    }

    /// Waits until every job handed out is done; then throws the failure of the earliest job
    /// that failed, or writes the experiment's sounds and returns the paths written: the
    /// figures in order, the sounds, then the PDF.
    func finish() throws -> [String] {
        queue.waitUntilFinished()
        let flushing = writes.finish()
        if let failure = queue.firstFailure(before: flushing?.order) { throw failure }
        if let flushing { throw flushing.error }
        var written: [String] = []
        for job in jobs { if case .figure = job.kind, let path = job.path { written.append(path) } }
        // An experiment's sounds, to listen to, beside the figures.
        if let sounds = run.experiment?.sounds, !sounds.isEmpty {
            try LessonReport.createFolder(figureFolder)
            written += try AudioExperiment.writeWAVs(sounds, perKind: sounds.count, to: figureFolder.path)
        }
        for job in jobs { if case .pdf = job.kind, let path = job.path { written.append(path) } }
        return written
    }
}

/// Hands out job indices to the threads, counts the jobs done, and keeps the failure of the
/// earliest job that failed (after a failure no job is handed out).
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private var nextIndex = 0
    private var done = 0
    private var failures: [(index: Int, error: any Error)] = []

    init(count: Int) { self.count = count }

    func next() -> Int? {
        condition.lock(); defer { condition.unlock() }
        guard nextIndex < count, failures.isEmpty else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func fail(_ index: Int, _ error: any Error) {
        condition.lock(); defer { condition.unlock() }
        failures.append((index, error))
    }

    /// Called once for each job handed out, when it is done (written or failed).
    func finished() {
        condition.lock(); defer { condition.unlock() }
        done += 1
        condition.broadcast()
    }

    /// Waits until no job is left to hand out and every job handed out is done.
    func waitUntilFinished() {
        condition.lock(); defer { condition.unlock() }
        while done < nextIndex || (nextIndex < count && failures.isEmpty) { condition.wait() }
    }

    /// The failure of the earliest job that failed, if it came before job `index` (any, if nil).
    func firstFailure(before index: Int?) -> (any Error)? {
        condition.lock(); defer { condition.unlock() }
        guard let first = failures.min(by: { $0.index < $1.index }), first.index < index ?? Int.max else { return nil }
        return first.error
    }
}
