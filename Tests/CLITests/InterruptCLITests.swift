import Foundation
import Testing

/// An interrupted run leaves nothing behind that was not there before: no temporary file, no
/// half-finished set of figures, no folder it created.
@Suite struct InterruptCLITests {
    /// Everything under `dir`, as relative paths.
    func contents(_ dir: URL) -> [String] {
        (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).sorted()
    }

    /// Starts the binary in `dir` with `arguments`, sends `signal` after `delay` seconds, and
    /// returns whether the signal ended it (false when the run had already finished).
    func interrupt(_ arguments: [String], in dir: URL, after delay: Double, signal: Int32) throws -> Bool {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == signal
    }

    /// SIGINT at fractions of the time an uninterrupted run takes, so the signal lands while
    /// the lesson computes, while it prints, and while it writes its files.
    @Test(arguments: [0.1, 0.3, 0.5, 0.7, 0.85])
    func sigintMidLessonLeavesNoNewFile(fraction: Double) throws {
        let lesson = packageRoot.appendingPathComponent("lessons/backprop.yaml").path
        let args = { (out: URL) in ["lesson", lesson, "--no-pause", "--format", "pdf,svg", "--out", out.appendingPathComponent("out").path] }
        let clock = ContinuousClock(), start = clock.now
        let full = try temporaryDirectory()
        #expect(try run(args(full)).status == 0)
        let whole = clock.now - start
        let seconds = Double(whole.components.seconds) + Double(whole.components.attoseconds) * 1e-18
        let dir = try temporaryDirectory()
        try write("kept", "existing.txt", in: dir)
        let before = contents(dir)
        let interrupted = try interrupt(args(dir), in: dir, after: fraction * seconds, signal: SIGINT)
        // A run that finished before the signal is not checked; the earliest one always ends mid-run.
        if fraction < 0.2 { #expect(interrupted, "SIGINT at \(fraction) of \(seconds) s did not end the run") }
        if interrupted { #expect(contents(dir) == before, "after SIGINT at \(fraction) of \(seconds) s") }
    }

    @Test func sigtermDuringTrainingLeavesNoNewFile() throws {
        let dir = try temporaryDirectory()
        let interrupted = try interrupt(["train", "--model", packageRoot.appendingPathComponent("lessons/models/xo-train.json").path,
                                         "--out", "w.json", "--report", "r.pdf"], in: dir, after: 1, signal: SIGTERM)
        #expect(interrupted)
        #expect(contents(dir).isEmpty)
    }
}
