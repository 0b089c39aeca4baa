import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNRender
import CNNTraining
import Foundation

// What the training commands write with the Cairo drawer, and what they read from the lessons
// folder: kept here so CNNTraining itself draws nothing.

extension TrainingReport {
    /// The hand-made features to show beside the learned ones: the first conv weight of the
    /// article's weights file, `lessons/models/xo.weights.json` in the first lessons folder that
    /// has it (see `LessonLibrary.folders`); `nil` when there is none.
    public static func handMadeFeatures() -> [NamedGrid]? {
        for folder in LessonLibrary.folders() {
            let path = folder.appendingPathComponent("models/xo.weights.json").path
            guard LessonLibrary.fileExists(path), let weights = try? loadWeights(path: path),
                  let w = weights["conv1.weight"] else { continue }
            return TraceFigures.features(weight: TraceRecord(pass: .forward, layer: "conv1", role: .weight, shape: w.shape, data: w.data))
        }
        return nil
    }

    /// Writes the report to `path` atomically.
    public static func write(_ outcome: TrainingOutcome, to path: String, seconds: Double?, command: String? = nil) throws {
        let doc = document(outcome, handMade: handMadeFeatures(), seconds: seconds, command: command)
        try writeAtomically(data: Data(try doc.data()), to: path)
    }

}

extension TrainingFigures {
    /// Writes `contactSheet` as a PNG to `path`.
    public static func writeContactSheet(_ images: [LabeledImage], classes: [String], to path: String) throws {
        try writeAtomically(data: Data(renderData(contactSheet(images, classes: classes), format: .png)), to: path)
    }
}

extension Benchmarks {
    /// The whole xo lesson as `cnn-explain lesson xo --no-pause` runs it, minus the terminal:
    /// load, trace, build every figure, write the PDF and the PNGs into a temporary folder.
    /// Returns the median microseconds of `repeats` runs after one warm-up run.
    public static func lessonRun(path: String, repeats: Int = 5) throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-explain-bench-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func once() throws {
            let run = try LessonRunner.run(try Lesson.load(path))
            try LessonReport.write(run, to: folder, formats: [.pdf, .png])
        }
        try once()
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            var failure: Error?
            let elapsed = clock.measure { do { try once() } catch { failure = error } }
            if let failure { throw failure }
            let c = elapsed.components
            samples.append((Double(c.seconds) + Double(c.attoseconds) * 1e-18) * 1e6)
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}
