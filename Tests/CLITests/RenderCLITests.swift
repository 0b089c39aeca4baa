import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `render`, run as a user runs it, on the golden trace of the article's X.
@Suite struct RenderCLITests {
    static let expectedNames = [
        "01-pipeline", "02-forward-conv1-input", "03-forward-conv1-features", "04-forward-conv1-output",
        "05-forward-relu1-relu", "06-forward-pool1-pooling", "07-forward-pool2-pooling", "08-forward-out-votes",
        "09-forward-out-vote-bars", "10-backward-out-grad-output", "11-backward-out-grad-weight",
        "12-backward-pool2-routing", "13-backward-pool1-routing", "14-backward-relu1-grad-input",
        "15-backward-conv1-grad-output", "16-backward-conv1-grad-weight",
    ]

    /// The files in `dir`, sorted, hidden (temporary) files included so a leftover would show.
    func files(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    /// Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian).
    func pngSize(_ data: Data) -> (Int, Int) {
        let b = [UInt8](data)
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(16), be(20))
    }

    @Test func pngFilesOnePerFigureWithTheirSize() throws {
        let dir = try temporaryDirectory().appendingPathComponent("figures")
        let r = try run(["render", goldenTrace, "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(try files(dir) == Self.expectedNames.map { "\($0).png" })
        #expect(r.stdout.contains("wrote \(dir.path)/04-forward-conv1-output.png"))
        #expect(r.stdout.hasSuffix("16 figures from \(goldenTrace)\n"), "\(r.stdout)")
        for name in Self.expectedNames {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(name).png"))
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name)")
            let (w, h) = pngSize(data)
            #expect(w > 200 && h > 100 && w < 4000 && h < 4000, "\(name): \(w)×\(h)")
        }
        // --scale sets pixels per point: scale 1 gives half the pixels of the default 2 (rounded up).
        let small = try temporaryDirectory()
        #expect(try run(["render", goldenTrace, "--out", small.path, "--scale", "1"]).status == 0)
        let big = pngSize(try Data(contentsOf: dir.appendingPathComponent("01-pipeline.png")))
        let one = pngSize(try Data(contentsOf: small.appendingPathComponent("01-pipeline.png")))
        #expect(abs(one.0 * 2 - big.0) <= 2 && abs(one.1 * 2 - big.1) <= 2, "\(one) vs \(big)")
    }

    @Test func pdfAndSVGFiles() throws {
        let pdfDir = try temporaryDirectory()
        let p = try run(["render", goldenTrace, "--out", pdfDir.path, "--format", "pdf", "--truncate"])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(try files(pdfDir) == Self.expectedNames.map { "\($0).pdf" })
        for name in Self.expectedNames {
            let data = try Data(contentsOf: pdfDir.appendingPathComponent("\(name).pdf"))
            #expect(data.starts(with: Data("%PDF-".utf8)), "\(name)")
            let tail = String(decoding: data.suffix(8), as: UTF8.self)
            #expect(tail.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("%%EOF"), "\(name)")
        }

        let svgDir = try temporaryDirectory()
        let s = try run(["render", goldenTrace, "--out", svgDir.path, "--format", "SVG"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(try files(svgDir) == Self.expectedNames.map { "\($0).svg" })
        for name in Self.expectedNames {
            let parser = XMLParser(contentsOf: svgDir.appendingPathComponent("\(name).svg"))
            #expect(parser?.parse() == true, "\(name).svg is not well-formed XML")
        }
    }

    @Test func theSameTraceGivesTheSameBytes() throws {
        for format in ["png", "pdf", "svg"] {
            let a = try temporaryDirectory(), b = try temporaryDirectory()
            #expect(try run(["render", goldenTrace, "--out", a.path, "--format", format]).status == 0)
            #expect(try run(["render", goldenTrace, "--out", b.path, "--format", format]).status == 0)
            for name in try files(a) {
                let da = try Data(contentsOf: a.appendingPathComponent(name)), db = try Data(contentsOf: b.appendingPathComponent(name))
                #expect(da == db, "\(name) differs between two runs")
            }
        }
    }

    @Test func aFileThatIsNotATraceFailsWithOneLine() throws {
        let dir = try temporaryDirectory()
        let r = try run(["render", xoModel, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("cnn-explain: error: ") && r.stderr.contains(xoModel), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    @Test func anUnwritableFolderFailsWithOneLine() throws {
        let dir = try temporaryDirectory()
        // A file where the folder should be.
        let blocker = dir.appendingPathComponent("taken")
        try Data("x".utf8).write(to: blocker)
        let r = try run(["render", goldenTrace, "--out", blocker.appendingPathComponent("figures").path])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("taken/figures"), "\(r.stderr)")
    }

    @Test func badOptionsAreUsageErrors() throws {
        let dir = try temporaryDirectory()
        let f = try run(["render", goldenTrace, "--out", dir.path, "--format", "gif"])
        #expect(f.status == 2)
        #expect(f.stderr.contains("'gif' is invalid for '--format <format>'. Please provide one of 'pdf', 'png', 'svg' or 'html'"), "\(f.stderr)")
        let s = try run(["render", goldenTrace, "--out", dir.path, "--scale", "0"])
        #expect(s.status == 2)
        #expect(try files(dir).isEmpty)
    }
}
