import Foundation
import Testing

/// Runs `script` with bash in `directory`, with `$B` the built binary; returns its status and stderr.
/// The script's own stdout is discarded, its stderr captured.
func runShell(_ script: String, in directory: URL = packageRoot) throws -> RunResult {
    // The script's stderr is captured; its stdout is discarded.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["B"] = try binaryURL().path
    env["NO_COLOR"] = "1"
    process.environment = env
    let dir = try temporaryDirectory()
    let errURL = dir.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try err.close()
    let text = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
    try? FileManager.default.removeItem(at: dir)
    return RunResult(status: process.terminationStatus, stdout: "", stderr: text)
}

/// Standard output that cannot be written (full, closed, a reader that has gone) is an error:
/// exit status 1 and one line on stderr, never a crash and never a silent success.
@Suite struct OutputCLITests {
    static let commands: [String] = [
        "$B lessons",
        "$B --help",
        "$B explain \(goldenTrace) 'conv1.output[0,1,1]'",
        "$B trace --model \(xoModel) --weights \(xoWeights) --input \(xoInput) --target X --out \"$T/t.json\"",
        "$B lesson xo --no-pause --out \"$T\"",
        "$B worksheet xo --seed 7 --out \"$T/w\"",
    ]

    /// The bash statement that runs `command` with stdout sent to `sink`, then prints its exit status
    /// on stderr as `status=N`.
    func script(_ command: String, _ sink: String, dir: URL) -> String {
        let run: String
        switch sink {
        case "full": run = "\(command) > /dev/full; s=$?"
        case "closed": run = "\(command) >&-; s=$?"
        default: run = "trap '' PIPE; \(command) | (exec 0<&-; true); s=${PIPESTATUS[0]}"
        }
        return "T='\(dir.path)'; \(run); echo \"status=$s\" >&2"
    }

    @Test(arguments: ["full", "closed", "broken-pipe"])
    func unwritableStandardOutputIsAnError(sink: String) throws {
        for command in Self.commands {
            let dir = try temporaryDirectory()
            let r = try runShell(script(command, sink, dir: dir))
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.last == "status=1", "\(command) with stdout \(sink): \(r.stderr)")
            #expect(lines.count == 2, "\(command) with stdout \(sink): \(r.stderr)")
            #expect(lines.first?.contains("cannot write to standard output") == true, "\(command): \(r.stderr)")
        }
    }

    @Test func closedStandardErrorDoesNotCrash() throws {
        let r = try runShell("$B explain nope.json 'x[0]' 2>&-; echo \"status=$?\" >&2")
        #expect(r.stderr == "status=1\n")
        let ok = try runShell("$B lessons 2>&-; echo \"status=$?\" >&2")
        #expect(ok.stderr == "status=0\n")
    }
}

/// Training whose loss leaves the finite numbers stops with one line and writes no weights.
@Suite struct DivergenceCLITests {
    @Test func hugeLearningRateStopsAndWritesNothing() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("w.json").path
        let r = try run(["train", "--lr", "1e308", "--epochs", "2", "--count", "64", "--out", out])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        // Step 1 sends the weights to about 1e307; step 2's logits overflow to inf − inf = NaN.
        #expect(r.stderr == "cnn-explain: error: training diverged at epoch 1, step 2 (loss = nan); try a smaller --lr\n", "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
