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

/// Files drawn while the lesson is worked out (each section's figures as the runner makes it)
/// are `write`'s, byte for byte; so are files whose jobs are done in the reverse order.
@Test func filesAreTheSameWhenAndInWhateverOrderTheyAreDrawn() throws {
    let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/xo.yaml").path)
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-order-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let streamed = LessonReport.startWriting(lesson: lesson.name, to: base.appendingPathComponent("b"), formats: [.pdf, .png])
    let run = try LessonRunner.run(lesson, onSection: { streamed.add($0) })
    streamed.complete(run)
    let direct = try LessonReport.write(run, to: base.appendingPathComponent("a"), formats: [.pdf, .png])
    // Every job handed out first, then done last to first, on this thread.
    let files = LessonFiles(lesson: lesson.name, to: base.appendingPathComponent("c"), formats: [.pdf, .png], scale: LessonReport.figureScale)
    for section in run.sections { files.add(section) }
    try files.complete(run)
    var order: [Int] = []
    while let i = files.queue.next(pdfThread: true) { order.append(i) }
    #expect(order.count == direct.count + 1 + run.sections.count, "every file, the measuring and each section's part of the PDF")
    for i in order.reversed() {
        try files.perform(i)
        files.queue.finished()
    }
    for other in [try streamed.wait(), try files.finish()] {
        #expect(other.map { ($0 as NSString).lastPathComponent } == direct.map { ($0 as NSString).lastPathComponent })
        for (a, b) in zip(direct, other) {
            #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "\(b)")
        }
    }
}

/// A lesson that fails after some of its figures were drawn writes no file at all, and `wait()`
/// throws the lesson's error.
@Test func aLessonThatFailsWritesNothing() throws {
    let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/xo.yaml").path)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-failed-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let writing = LessonReport.startWriting(lesson: lesson.name, to: folder, formats: [.pdf, .png])
    let run = try LessonRunner.run(lesson)
    for section in run.sections.prefix(3) { writing.add(section) }
    usleep(200_000) // the figures of those sections drawn (or being drawn)
    writing.cancel(LessonError(file: lesson.file, "a step went wrong"))
    #expect(throws: LessonError.self) { _ = try writing.wait() }
    #expect(!FileManager.default.fileExists(atPath: folder.path), "no folder, no file")
}
