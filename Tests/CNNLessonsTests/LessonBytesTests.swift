import CNNCore
import CNNRender
@testable import CNNTerminal
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// Pins the bytes of every shipped lesson's output: the PDF, every PNG (and WAV), and the terminal
/// text of `--no-pause --no-color` at 80 columns. The reference hashes live in
/// `Tests/Fixtures/lesson_bytes.sha256` (one `SHA-256  lesson/file` line per file).
///
/// A change that fixes a wrong number on purpose updates the manifest in the same commit and says
/// why. To regenerate it: `CNN_EXPLAIN_RECORD_BYTES=1 swift test --filter LessonBytesTests`
/// (the run then fails once, to say the manifest was written).
///
/// The audio and shuffle lessons run their quick experiments, as the other lesson tests do.
@Suite(.serialized) struct LessonBytesTests {
    static let root = Fixtures.packageRoot
    static let manifest = root.appendingPathComponent("Tests/Fixtures/lesson_bytes.sha256")

    @Test(arguments: ["xo", "backprop", "audio", "shuffle"])
    func lessonBytesAreUnchanged(name: String) throws {
        let hashes = try Self.outputHashes(lesson: name)
        #expect(hashes.count >= 3, "the \(name) lesson writes a PDF, figures and terminal text")
        if ProcessInfo.processInfo.environment["CNN_EXPLAIN_RECORD_BYTES"] == "1" {
            try Self.record(hashes, lesson: name)
            Issue.record("wrote \(hashes.count) hashes of the \(name) lesson to \(Self.manifest.path); rerun without CNN_EXPLAIN_RECORD_BYTES")
            return
        }
        let pinned = try Self.pinned().filter { $0.key.hasPrefix(name + "/") }
        #expect(Set(hashes.keys) == Set(pinned.keys), "the files of the \(name) lesson")
        for (file, hash) in hashes.sorted(by: { $0.key < $1.key }) {
            #expect(pinned[file] == hash, "\(file) changed")
        }
    }

    /// `lesson/file → SHA-256` for every file the lesson writes, plus `lesson/terminal.txt`.
    static func outputHashes(lesson name: String) throws -> [String: String] {
        let lesson = try Lesson.load(root.appendingPathComponent("lessons/\(name).yaml").path)
        let run = try LessonRunner.run(lesson, scale: lesson.experiment == nil ? .lesson : .quick)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-bytes-\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try LessonReport.write(run, to: dir, formats: [.pdf, .png])
        var text = ""
        let session = LessonSession(run: run, presenter: TerminalPresenter(color: false, width: 80), interactive: false,
                                    readLine: { nil }, write: { text += $0 })
        #expect(session.run(from: 1) == .finished)
        let terminal = dir.appendingPathComponent("terminal.txt")
        try Data(text.utf8).write(to: terminal)
        var hashes: [String: String] = [:]
        for path in written + [terminal.path] {
            let relative = String(path.dropFirst(dir.path.count + 1))
            hashes["\(name)/\(relative)"] = try sha256(path)
        }
        return hashes
    }

    static func sha256(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self)
        return String(text.prefix { $0 != " " })
    }

    static func pinned() throws -> [String: String] {
        let text = try String(contentsOf: manifest, encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2 { out[String(parts[1])] = String(parts[0]) }
        }
        return out
    }

    static func record(_ hashes: [String: String], lesson name: String) throws {
        var all = (try? pinned()) ?? [:]
        all = all.filter { !$0.key.hasPrefix(name + "/") }
        all.merge(hashes) { $1 }
        let header = "# SHA-256 of every shipped lesson's output; see Tests/CNNLessonsTests/LessonBytesTests.swift\n"
        let body = all.sorted { $0.key < $1.key }.map { "\($0.value)  \($0.key)\n" }.joined()
        try Data((header + body).utf8).write(to: manifest)
    }
}
