import Foundation
import Testing

/// The binary alone is the whole program: copied anywhere and run from `/`, it lists and runs
/// the lessons built into it.
@Suite struct InstallCLITests {
    @Test func aCopiedBinaryRunsItsLessonsFromTheRootFolder() throws {
        let dir = try temporaryDirectory()
        let copy = dir.appendingPathComponent("cnn-explain")
        try FileManager.default.copyItem(at: try binaryURL(), to: copy)
        let root = URL(fileURLWithPath: "/")
        let list = try run(["lessons"], in: root, environment: ["CNN_EXPLAIN_LESSONS": ""], binary: copy)
        #expect(list.status == 0, "\(list.stderr)")
        let names = list.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("lessons").path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == shipped)
        let out = dir.appendingPathComponent("out")
        let lesson = try run(["lesson", "xo", "--no-pause", "--out", out.path], in: root, binary: copy)
        #expect(lesson.status == 0, "\(lesson.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("xo.pdf").path))
        let figures = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("xo").path)
        #expect(figures.count > 10)
        // The default training model is built in too.
        let train = try run(["train", "--epochs", "1", "--count", "32"], in: root, binary: copy)
        #expect(train.status == 0, "\(train.stderr)")
    }
}
