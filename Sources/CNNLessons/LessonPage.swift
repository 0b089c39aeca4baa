import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNHTML
import Foundation

/// A worked-out lesson as one self-contained HTML page: the same sections and figure values as
/// the PDF, then the explorer of the lesson's first input traced backward (every number with its
/// derivation, sliding windows, a what-if flip).
public enum LessonPage {
    /// The lessons whose sentences and captions give every decimal they write a source (a trace
    /// element, a worked-out number, a slide's quoted value or a lesson parameter), so the page's
    /// self-test lists any that is plain. The other lessons' sentences still write plain decimals.
    static let sentencesChecked: Set<String> = ["xo"]

    /// The page of `run`.
    /// - Throws: `FileError` if the explored trace's model is invalid.
    public static func page(_ run: LessonRun) throws(FileError) -> HTMLPage {
        let lesson = run.lesson
        var lines = ["\(run.sections.count) steps · numbers \(LessonReport.styleNote(lesson.numbers))"]
        lines.append("Every number is computed by the engine from the lesson's model and inputs.")
        lines.append("Run it yourself: cnn-explain lesson \(lesson.name) --format html")
        var explorer = try exploredTrace(run).map { (name, trace) throws(FileError) in
            try Explorer.build(from: trace, name: name, style: lesson.numbers)
        }
        // Numbers in the figures and the text that come from other inputs' traces open their derivations too.
        let sources = run.sections.flatMap(\.traceSources)
        explorer?.addFigureRecords(for: sources, traces: run.traces.merging(run.steppedTraces) { a, _ in a }, style: lesson.numbers)
        return HTMLPage(title: lesson.title, subtitle: lesson.subtitle ?? lesson.summary, lines: lines,
                        sections: run.sections, explorer: explorer,
                        checksSentences: sentencesChecked.contains(lesson.name))
    }

    /// The trace the page explores: the first lesson input with a backward pass, else the first
    /// input, else the experiment's trace.
    static func exploredTrace(_ run: LessonRun) -> (String, Trace)? {
        let named = run.lesson.inputs.compactMap { i in run.traces[i.name].map { (i.name, $0) } }
        if let withGradients = named.first(where: { $0.1.loss != nil }) { return withGradients }
        if let first = named.first { return first }
        return run.traces.sorted { $0.key < $1.key }.first.map { ($0.key, $0.value) }
    }

    /// Writes `folder/NAME.html` in one step (a temporary file renamed into place).
    /// - Returns: the path written.
    @discardableResult
    public static func write(_ run: LessonRun, to folder: URL) throws -> String {
        let path = folder.appendingPathComponent("\(run.lesson.name).html").path
        try writeAtomically(data: Data(try page(run).html().utf8), to: path)
        return path
    }
}
