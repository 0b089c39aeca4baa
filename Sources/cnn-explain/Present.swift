import CNNLessons
import CNNTerminal
import Foundation

/// Shows a worked lesson in the terminal: paused after each step when interactive, all at once
/// otherwise. Returns false when the learner quit early.
/// - Throws: `OutputError` when standard output cannot be written.
func presentLesson(_ run: LessonRun, interactive: Bool, color: Bool, from: String?) throws -> Bool {
    let start = try from.map { s throws(StepSelectionError) in try LessonSession.stepNumber(s, in: run.sections) } ?? 1
    let failure = FirstError()
    let session = LessonSession(run: run, presenter: TerminalPresenter(color: color), interactive: interactive,
                                readLine: { failure.error == nil ? Swift.readLine() : nil },
                                write: { text in
                                    guard failure.error == nil else { return }
                                    do { try Console.out(text) } catch { failure.error = error }
                                })
    let outcome = session.run(from: start)
    if let error = failure.error { throw error }
    return outcome == .finished
}

/// The first write error of a session whose writer cannot throw.
private final class FirstError {
    var error: (any Error)?
}
