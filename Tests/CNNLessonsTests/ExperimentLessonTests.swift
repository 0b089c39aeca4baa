import CNNCore
import CNNFigures
import CNNRender
@testable import CNNTraining
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// The audio and shuffle lessons, run end to end with quick experiments (the full ones train for
/// seconds in a release build, but far longer in a debug build).
@Suite struct ExperimentLessonTests {
    static let lessons = Fixtures.lessons

    @Test(arguments: ["audio", "shuffle"])
    func lessonRunsAndWritesItsFiles(name: String) throws {
        let lesson = try Lesson.load(Self.lessons.appendingPathComponent("\(name).yaml").path)
        #expect(lesson.experiment == name)
        let run = try LessonRunner.run(lesson, scale: .quick)
        #expect(run.sections.count == lesson.steps.count)
        for s in run.sections {
            for p in s.paragraphs { #expect(!p.contains("{{") && !p.contains("}}"), "unfilled template in step \(s.number): \(p)") }
        }
        // Every experiment figure the lesson shows exists, and the numbers in the text are the experiment's.
        let experiment = try #require(run.experiment)
        let shown = run.sections.flatMap(\.figures).map(\.name)
        #expect(shown.count >= 4)
        let text = run.sections.flatMap(\.paragraphs).joined(separator: " ")
        let key = name == "audio" ? "accuracy" : "digits.cnn.original"
        let value = try #require(experiment.values[key])
        #expect(text.contains(formatNumber(value, .rounded(1)) + "%"), "the text quotes \(key) = \(value)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try LessonReport.write(run, to: dir, formats: [.pdf, .png])
        #expect(written.contains { $0.hasSuffix("\(name).pdf") })
        #expect(written.filter { $0.hasSuffix(".png") }.count == shown.count)
        if name == "audio" {
            // The sounds to listen to: RIFF/WAVE files.
            let wavs = written.filter { $0.hasSuffix(".wav") }
            #expect(wavs.count >= 4)
            let head = try Data(contentsOf: URL(fileURLWithPath: try #require(wavs.first))).prefix(12)
            #expect(head.prefix(4) == Data("RIFF".utf8) && head.suffix(4) == Data("WAVE".utf8))
        }
    }

    /// The winner's softmax share is written one way, as the cover's rule says (2 decimals): in
    /// the text, on the vote bars and in the caption; and every figure title is lowercase.
    @Test func audioWritesTheWinningShareOneWay() throws {
        let lesson = try Lesson.load(Self.lessons.appendingPathComponent("audio.yaml").path)
        #expect(lesson.numbers == .rounded(2))
        let run = try LessonRunner.run(lesson, scale: .quick)
        let experiment = try #require(run.experiment)
        let share = formatNumber(try #require(experiment.values["traced_share"]), .rounded(2))
        let trace = try #require(run.sections.first { $0.id == "trace" })
        #expect(trace.paragraphs.joined(separator: " ").contains("a share of \(share)"))
        #expect(!trace.paragraphs.joined().contains("%") && !trace.paragraphs.joined().contains("e^"))
        let figure = try #require(trace.figures.first)
        #expect(figure.caption.contains("with a share of \(share)."))
        func titles(_ f: Figure) -> [String] {
            switch f {
            case .linePlot(let p): return [p.title ?? ""]
            case .row(let fs, _), .column(let fs, _): return fs.flatMap(titles)
            default: return []
            }
        }
        for t in run.sections.flatMap(\.figures).flatMap({ titles($0.figure) }) { #expect(t == t.lowercased(), "\(t)") }
    }

    @Test func unknownExperimentIsRefusedWithItsLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-x-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.yaml").path
        try Data("title: t\nexperiment: radio\nsteps:\n  - heading: one\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LessonError.self) { try Lesson.load(path) }
        do { _ = try Lesson.load(path) } catch {
            #expect(error.line == 2 && error.description.contains("radio") && error.description.contains("audio"))
        }
    }
}
