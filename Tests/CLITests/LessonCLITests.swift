import Foundation
import Testing

/// `cnn-explain lesson` and `lessons`, run as a learner runs them (output not a terminal).
@Suite struct LessonCLITests {
    @Test func xoLessonEndToEnd() throws {
        let dir = try temporaryDirectory()
        let r = try run(["lesson", "xo", "--no-pause", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        // Every step heading is printed.
        let lesson = try String(contentsOf: packageRoot.appendingPathComponent("lessons/xo.yaml"), encoding: .utf8)
        let headings = lesson.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("- heading:") else { return nil }
            return t.dropFirst("- heading:".count).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        #expect(headings.count >= 10, "the xo lesson has its ten article steps and more")
        for h in headings { #expect(r.stdout.contains(h), "heading '\(h)' not printed") }

        // The PDF: numbered pages, one bookmark per step, and the key numbers in its text.
        let pdf = dir.appendingPathComponent("xo.pdf").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        #expect(bytes.starts(with: Data("%PDF-".utf8)))
        let text = try pdfTool("pdftotext", pdf)
        for key in ["1.00", "0.55", "9 / 9 = 1.00", "5 / 9 = 0.55", "0.9120", "0.5175", "0.49", "page 2 of"] {
            #expect(text.contains(key), "the PDF text lacks '\(key)'")
        }
        for h in headings { #expect(text.contains(h), "the PDF lacks the heading '\(h)'") }
        let outline = String(decoding: bytes, as: UTF8.self).components(separatedBy: "/Outlines").count
        #expect(outline > 1, "the PDF has no outline")

        // Every figure as a PNG.
        let figures = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("xo").path)
        #expect(figures.filter { $0.hasSuffix(".png") }.count >= 15)
        #expect(figures.contains("03-convolution-convolution-x-f0-r1c1.png"))
    }

    @Test func sameLessonGivesTheSameBytes() throws {
        let a = try temporaryDirectory(), b = try temporaryDirectory()
        for dir in [a, b] {
            let r = try run(["lesson", "xo", "--no-pause", "--out", dir.path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let pa = try Data(contentsOf: a.appendingPathComponent("xo.pdf")), pb = try Data(contentsOf: b.appendingPathComponent("xo.pdf"))
        #expect(pa == pb)
        // The votes figure, whatever the number of its step.
        let votes = try #require(try FileManager.default.contentsOfDirectory(atPath: a.appendingPathComponent("xo").path)
            .first { $0.hasSuffix("-votes-votes-x-out.png") })
        let fa = try Data(contentsOf: a.appendingPathComponent("xo/" + votes))
        let fb = try Data(contentsOf: b.appendingPathComponent("xo/" + votes))
        #expect(fa == fb)
    }

    @Test func unknownLessonListsTheAvailableOnes() throws {
        let r = try run(["lesson", "nonesuch", "--no-pause"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nonesuch") && r.stderr.contains("xo"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        let list = try run(["lessons"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("xo"))
    }

    @Test func malformedLessonGivesLineAndColumn() throws {
        let dir = try temporaryDirectory()
        let bad = try write("title: \"broken\nsteps: [\n", "broken.yaml", in: dir)
        let r = try run(["lesson", bad, "--no-pause", "--out", dir.path])
        #expect(r.status == 1)
        // FILE:LINE:COLUMN: …
        #expect(r.stderr.range(of: #"broken\.yaml:\d+:\d+: "#, options: .regularExpression) != nil, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("broken.pdf").path))

        let models = packageRoot.appendingPathComponent("lessons/models/xo.json").path
        let unknown = try write("""
            title: t
            model: \(models)
            inputs: {}
            steps:
              - heading: one
                show:
                  - imagee: X
            """, "unknown.yaml", in: dir)
        let u = try run(["lesson", unknown, "--no-pause", "--out", dir.path])
        #expect(u.status == 1)
        #expect(u.stderr.contains("unknown.yaml:7:") && u.stderr.contains("imagee"), "\(u.stderr)")

        let missing = try write("title: t\nmodel: no/such/model.json\nsteps:\n  - heading: one\n", "missing.yaml", in: dir)
        let m = try run(["lesson", missing, "--no-pause", "--out", dir.path])
        #expect(m.status == 1)
        #expect(m.stderr.contains("missing.yaml:2:") && m.stderr.contains("no/such/model.json"), "\(m.stderr)")
    }
}
