import CNNLessons
import CNNTerminal
import Foundation

/// Shows a worked lesson in the terminal: paused after each step when interactive, all at once
/// otherwise. Returns false when the learner quit early.
func presentLesson(_ run: LessonRun, interactive: Bool, color: Bool, from: String?) throws -> Bool {
    let start = try from.map { s throws(StepSelectionError) in try LessonSession.stepNumber(s, in: run.sections) } ?? 1
    let session = LessonSession(run: run, presenter: TerminalPresenter(color: color), interactive: interactive,
                                readLine: { Swift.readLine() },
                                write: { text in
                                    FileHandle.standardOutput.write(Data(text.utf8))
                                })
    return session.run(from: start) == .finished
}
