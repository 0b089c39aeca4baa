import Foundation
import Testing

/// Special files, outputs on inputs, numbers out of range, byte order marks, YAML aliases and
/// write errors: each refused with one line, or read as intended.
@Suite struct FilesCLITests {
    func traceArgs(model: String = xoModel, input: String = xoInput, out: String) -> [String] {
        ["trace", "--model", model, "--input", input, "--init", "random", "--out", out]
    }

    func expectRefused(_ r: RunResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "'\(message)' missing from \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func hugeLabelIsOutOfRange() throws {
        let dir = try temporaryDirectory()
        try write(String(repeating: ".........\n", count: 9), "x-0001.txt", in: dir)
        try write(#"{"images": [{"file": "x-0001.txt", "label": 1e300}]}"#, "labels.json", in: dir)
        expectRefused(try run(["train", "--data", dir.path, "--epochs", "1"]), "labels.json: images[0].label: expected a class name or index")
    }

    @Test func fifoAndDeviceInputsAreRefusedAtOnce() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("model.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let out = dir.appendingPathComponent("t.json").path
        expectRefused(try run(traceArgs(model: fifo, out: out)), "model.json: is a FIFO (named pipe), not a regular file")
        expectRefused(try run(traceArgs(input: "/dev/zero", out: out)), "/dev/zero: is a device, not a regular file")
        // A FIFO among a lesson's files.
        let lesson = try write("title: t\nmodel: model.json\nsteps:\n  - heading: one\n", "l.yaml", in: dir)
        expectRefused(try run(["lesson", lesson, "--no-pause", "--out", dir.path]), "is not a regular file")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func outputsNeverReplaceDevicesFIFOsOrLinks() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        expectRefused(try run(traceArgs(out: fifo)), "it is a FIFO (named pipe), not a regular file")
        let toDevice = dir.appendingPathComponent("null-link").path
        try FileManager.default.createSymbolicLink(atPath: toDevice, withDestinationPath: "/dev/null")
        expectRefused(try run(traceArgs(out: toDevice)), "symbolic link to /dev/null, a device")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: toDevice) == "/dev/null")
        // A link to a regular file is written through and kept.
        let real = try write("old", "real.json", in: dir)
        let link = dir.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        #expect(try run(traceArgs(out: link)).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect(try String(contentsOfFile: real, encoding: .utf8).hasPrefix("{\"format\": \"cnn-explain-trace\""))
    }

    @Test func outputOnAnInputOrOnAnotherOutputIsRefused() throws {
        let dir = try temporaryDirectory()
        let model = dir.appendingPathComponent("m.json").path
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent(xoModel).path, toPath: model)
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        expectRefused(try run(traceArgs(model: model, out: model)), "--out is the same file as --model")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
        let out = dir.appendingPathComponent("t.json").path
        expectRefused(try run(traceArgs(out: out) + ["--npz", out]), "--out and --npz name the same file")
        expectRefused(try run(["train", "--epochs", "1", "--count", "8", "--out", out, "--report", out]), "--out and --report name the same file")
    }

    @Test func outToStandardOutput() throws {
        let r = try run(traceArgs(out: "-"))
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\"format\": \"cnn-explain-trace\""))
        #expect(r.stderr.hasPrefix("wrote the trace to standard output"))
    }

    @Test func byteOrderMarksAreSkipped() throws {
        let dir = try temporaryDirectory()
        let grid = try String(contentsOf: packageRoot.appendingPathComponent(xoInput), encoding: .utf8)
        let input = try write("\u{FEFF}" + grid, "bom.txt", in: dir)
        let out = dir.appendingPathComponent("t.json").path
        #expect(try run(traceArgs(input: input, out: out)).status == 0)
        let plain = try run(traceArgs(out: dir.appendingPathComponent("u.json").path))
        #expect(plain.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: dir.appendingPathComponent("u.json")))
        let lessonText = try String(contentsOf: packageRoot.appendingPathComponent("lessons/xo.yaml"), encoding: .utf8)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("lessons"), to: dir.appendingPathComponent("lessons"))
        let lesson = dir.appendingPathComponent("lessons/bom.yaml")
        try Data(("\u{FEFF}" + lessonText).utf8).write(to: lesson)
        let r = try run(["lesson", lesson.path, "--no-pause", "--out", dir.path, "--format", "svg"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func yamlAliasBombIsRefusedAtOnce() throws {
        let dir = try temporaryDirectory()
        var lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
        for i in 1...12 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let bomb = try write((lines + ["input: *a12"]).joined(separator: "\n") + "\n", "bomb.yaml", in: dir)
        expectRefused(try run(traceArgs(model: bomb, out: dir.appendingPathComponent("t.json").path)), "YAML aliases (*name) are not supported")
        let lesson = try write((lines + ["title: *a12"]).joined(separator: "\n") + "\n", "bomb-lesson.yaml", in: dir)
        expectRefused(try run(["lesson", lesson, "--no-pause", "--out", dir.path]), "YAML aliases (*name) are not supported")
    }

    @Test func writeErrorsNameTheirCause() throws {
        let long = String(repeating: "a", count: 300) + ".json"
        expectRefused(try run(traceArgs(out: "/tmp/" + long)), "cannot write: the name is too long")
        if getuid() != 0 {
            let dir = try temporaryDirectory()
            #expect(chmod(dir.path, 0o500) == 0)
            defer { chmod(dir.path, 0o700) }
            expectRefused(try run(traceArgs(out: dir.appendingPathComponent("t.json").path)), "permission denied")
        }
        expectRefused(try run(traceArgs(out: "/proc/version")), "cannot write")
        // A file-size limit (SIGXFSZ ignored, so the write fails with EFBIG): no space for the file.
        let dir = try temporaryDirectory()
        let r = try runShell("trap '' XFSZ; ulimit -f 4; $B trace --model \(xoModel) --init random --input \(xoInput) --out '\(dir.path)/t.json'")
        #expect(r.stderr.hasSuffix("t.json: cannot write: the file is too large for the device (no space for it)\n"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

/// A lesson is checked whole before the first file is written.
@Suite struct LessonCheckCLITests {
    @Test func stepIdWithASlashFailsBeforeAnyFile() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("lessons"), to: dir.appendingPathComponent("lessons"))
        let text = try String(contentsOf: packageRoot.appendingPathComponent("lessons/xo.yaml"), encoding: .utf8)
        let edited = text.replacingOccurrences(of: "id: xs-and-os", with: "id: a/b")
        #expect(edited != text)
        let lesson = try write(edited, "lessons/slash.yaml", in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try run(["lesson", lesson, "--no-pause", "--out", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("'a/b' names files"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
