import CNNLessons
import CNNTerminal
import Foundation

/// Shows a worked lesson in the terminal: paused after each step when interactive, all at once
/// otherwise. Returns false when the learner quit early.
/// - Throws: `OutputError` when standard output cannot be written.
func presentLesson(_ run: LessonRun, interactive: Bool, color: Bool, from: String?) throws -> Bool {
    let start = try from.map { s throws(StepSelectionError) in try LessonSession.stepNumber(s, in: run.sections) } ?? 1
    let failure = FirstError()
    // Interactively, single keys without Enter; the terminal is put back however the run ends.
    let keys = interactive ? TerminalDevice.RawKeys() : nil
    if let keys { Interrupts.beforeExit = { keys.restore() } }
    defer { keys?.restore() }
    var session = LessonSession(run: run, presenter: TerminalPresenter(color: color, width: TerminalDevice.currentWidth()),
                                interactive: interactive,
                                readLine: { failure.error == nil ? (keys.map { $0.readKey() } ?? Swift.readLine()) : nil },
                                write: { text in
                                    guard failure.error == nil else { return }
                                    do { try Console.out(text) } catch { failure.error = error }
                                })
    session.pageLines = TerminalDevice.size().map { $0.rows - 2 }
    let outcome = session.run(from: start)
    if let error = failure.error { throw error }
    return outcome == .finished
}

/// The first write error of a session whose writer cannot throw.
private final class FirstError {
    var error: (any Error)?
}
