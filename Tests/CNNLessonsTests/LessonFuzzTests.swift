import CNNCore
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// Seeded random mutations of the shipped lessons: each loads or fails with a located error.
@Suite struct LessonFuzzTests {
    static let lessons = Fixtures.lessons

    @Test func mutatedLessonsLoadOrFailWithALocation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Point the lesson's relative paths at the shipped files, so the copy works from elsewhere.
        var text = try String(contentsOf: Self.lessons.appendingPathComponent("xo.yaml"), encoding: .utf8)
        for dir in ["models/", "inputs/", "reference/"] { text = text.replacingOccurrences(of: " \(dir)", with: " \(Self.lessons.path)/\(dir)") }
        let original = Array(text.utf8)
        var rng = SeededGenerator(seed: 7, stream: "lessons")
        var loaded = 0, refused = 0, ran = 0
        let path = folder.appendingPathComponent("fuzz.yaml").path
        for i in 0..<1_000 {
            var b = original
            for _ in 0..<(1 + rng.below(3)) {
                let at = rng.below(b.count)
                switch rng.below(4) {
                case 0: b[at] = [UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: " "), 0x0A, UInt8(ascii: "'")][rng.below(7)]
                case 1: b.removeSubrange(at..<min(b.count, at + 1 + rng.below(20)))
                case 2: b.insert(contentsOf: b[at..<min(b.count, at + 1 + rng.below(40))], at: at)
                default: b[at] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            try Data(b).write(to: URL(fileURLWithPath: path))
            do {
                let lesson = try Lesson.load(path)
                loaded += 1
                // Running is slower: run a sample of the lessons that load.
                if i % 10 == 0 {
                    do { _ = try LessonRunner.run(lesson); ran += 1 } catch { #expect(!"\(error)".isEmpty) }
                }
            } catch {
                refused += 1
                // The error names the file, and a line when the YAML itself is at fault.
                #expect(error.description.hasPrefix(path), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(loaded > 0 && refused > 0)
    }
}
