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

    @Test(arguments: [0.3, 0.8, 1.5, 2.5, 4.0])
    func sigintMidLessonLeavesNoNewFile(delay: Double) throws {
        // A run that finished before the signal is not checked; the longest delay still ends mid-run
        // in a debug build, and the first one always does.
        let dir = try temporaryDirectory()
        try write("kept", "existing.txt", in: dir)
        let before = contents(dir)
        let interrupted = try interrupt(["lesson", packageRoot.appendingPathComponent("lessons/xo.yaml").path, "--no-pause",
                                         "--format", "pdf,svg", "--out", dir.appendingPathComponent("out").path],
                                        in: dir, after: delay, signal: SIGINT)
        if delay < 1 { #expect(interrupted, "SIGINT at \(delay) s did not end the run") }
        if interrupted { #expect(contents(dir) == before, "after SIGINT at \(delay) s") }
    }

    @Test func sigtermDuringTrainingLeavesNoNewFile() throws {
        let dir = try temporaryDirectory()
        let interrupted = try interrupt(["train", "--model", packageRoot.appendingPathComponent("lessons/models/xo-train.json").path,
                                         "--out", "w.json", "--report", "r.pdf"], in: dir, after: 1, signal: SIGTERM)
        #expect(interrupted)
        #expect(contents(dir).isEmpty)
    }
}
