import CNNRender
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// `startWriting` (the files drawn on their own thread while the lesson is printed) writes the
/// files `write` writes, byte for byte, and the same again on a second run.
@Test func writingOnItsOwnThreadGivesTheSameFiles() throws {
    let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/xo.yaml").path)
    let run = try LessonRunner.run(lesson)
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-writing-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let direct = try LessonReport.write(run, to: base.appendingPathComponent("a"), formats: [.pdf, .png])
    let first = LessonReport.startWriting(run, to: base.appendingPathComponent("b"), formats: [.pdf, .png])
    let second = LessonReport.startWriting(run, to: base.appendingPathComponent("c"), formats: [.pdf, .png])
    let paths = [direct, try first.wait(), try second.wait(), try first.wait()]
    #expect(paths[0].count > 30, "the PDF and every figure")
    for other in paths.dropFirst() {
        #expect(other.count == direct.count)
        for (a, b) in zip(direct, other) {
            #expect((a as NSString).lastPathComponent == (b as NSString).lastPathComponent)
            #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "\(b)")
        }
    }
}
