import CNNFigures
import CNNRender
import Foundation
import TestSupport
import Testing
@testable import CNNLessons
@testable import CNNTraining

/// Checks every shipped lesson's PDF, and the training report's, as a reader holds it on paper:
/// - no text smaller than 7 pt (`pdftotext -bbox` gives each word's box; its height is the font
///   size times the font's ascent plus descent, 1.164 for DejaVu Sans: 11-pt body text gives
///   12.8-pt boxes);
/// - no page but the title page and a lesson's last whose ink ends above mid-page (pages drawn
///   by `pdftoppm -r 20 -gray`; the footer band, "page n of N", is not counted).
///
/// Both checks are first run on a PDF made bad on purpose, so they are known to fail on one.
@Suite(.serialized) struct PDFPageTests {
    /// The box of a 7-pt word: 7 × 1.164 (DejaVu Sans' ascent + descent per point).
    static let smallestWordHeight = 7.0 * 1.164 - 0.01

    @Test func theChecksFailOnABadPDF() throws {
        var doc = ReportDocument(title: "Bad on purpose")
        doc.addSection("A step")
        doc.addParagraph("Tiny text follows.")
        doc.addFigure(.text(TextBlock(markup: "<span size='4000'>four-point words</span>", width: 200)), caption: nil)
        doc.addPageBreak()
        doc.addParagraph("The last page.")
        let pdf = try Self.write(doc.data(), name: "bad")
        #expect(try !Self.smallWords(pdf).isEmpty, "4-pt words are found")
        #expect(try Self.halfEmptyPages(pdf) == [1], "page 1 ends near its top")
    }

    @Test(arguments: ["xo", "backprop", "audio", "shuffle"])
    func lessonPagesAreReadable(name: String) throws {
        let lesson = try Lesson.load(Fixtures.lessons.appendingPathComponent("\(name).yaml").path)
        let run = try LessonRunner.run(lesson, scale: lesson.experiment == nil ? .lesson : .quick)
        let pdf = try Self.write(LessonReport.document(run).data(), name: name)
        let small = try Self.smallWords(pdf)
        let empty = try Self.halfEmptyPages(pdf, skipFirst: true)
        #expect(small.isEmpty, "\(name).pdf has text under 7 pt: \(small.prefix(12))")
        #expect(empty.isEmpty, "\(name).pdf pages whose ink ends above mid-page: \(empty)")
    }

    /// The training report of a short seeded run, with mistakes, a worked update and the
    /// nudging sample, held to the same rules as the lessons.
    @Test func trainingReportPagesAreReadable() throws {
        let outcome = try TrainingReportContentTests.outcome()
        let doc = TrainingReport.document(outcome, handMade: TrainingReport.handMadeFeatures(), seconds: nil)
        let pdf = try Self.write(doc.data(), name: "training")
        let small = try Self.smallWords(pdf)
        let empty = try Self.halfEmptyPages(pdf, skipFirst: true)
        #expect(small.isEmpty, "training.pdf has text under 7 pt: \(small.prefix(12))")
        #expect(empty.isEmpty, "training.pdf pages whose ink ends above mid-page: \(empty)")
    }

    // MARK: Helpers

    static func write(_ bytes: [UInt8], name: String) throws -> URL {
        let folder = try Fixtures.temporaryFolder("pdf-pages-\(name)")
        let url = folder.appendingPathComponent("\(name).pdf")
        try Data(bytes).write(to: url)
        return url
    }

    /// `"page N: word (h pt)"` for every word whose box is under `smallestWordHeight`.
    static func smallWords(_ pdf: URL) throws -> [String] {
        let xml = try run("/usr/bin/pdftotext", ["-bbox", pdf.path, "-"])
        var found: [String] = []
        var page = 0
        for line in xml.split(separator: "\n") {
            if line.contains("<page ") { page += 1; continue }
            guard line.contains("<word "), let yMin = attribute(line, "yMin"), let yMax = attribute(line, "yMax") else { continue }
            let word = line.split(separator: ">").dropFirst().first.map { String($0.prefix { $0 != "<" }) } ?? ""
            if yMax - yMin < smallestWordHeight { found.append("page \(page): \(word) (\(String(format: "%.1f", (yMax - yMin) / 1.164)) pt)") }
        }
        return found
    }

    static func attribute(_ line: Substring, _ name: String) -> Double? {
        guard let r = line.range(of: "\(name)=\"") else { return nil }
        return Double(line[r.upperBound...].prefix { $0 != "\"" })
    }

    /// The 1-based numbers of the pages, other than the last (and the first with `skipFirst`),
    /// whose lowest ink above the footer band is above mid-page.
    static func halfEmptyPages(_ pdf: URL, skipFirst: Bool = false) throws -> [Int] {
        let folder = pdf.deletingLastPathComponent()
        let prefix = folder.appendingPathComponent("page").path
        _ = try run("/usr/bin/pdftoppm", ["-r", "20", "-gray", pdf.path, prefix])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".pgm") }.sorted()
        var pages: [Int] = []
        for (i, file) in files.enumerated() where i < files.count - 1 && !(skipFirst && i == 0) {
            let image = try PGM(Data(contentsOf: folder.appendingPathComponent(file)))
            // The footer sits at height − margin/2 (margin 56 of 842 pt): leave out the bottom 5 %.
            let lowest = image.lowestInkRow(above: Int(Double(image.height) * 0.95))
            if Double(lowest) < Double(image.height) / 2 { pages.append(i + 1) }
        }
        return pages
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " "))")
        return String(decoding: out, as: UTF8.self)
    }
}

/// A binary (P5) grey image, as `pdftoppm -gray` writes it.
struct PGM {
    var width = 0, height = 0
    var pixels: [UInt8] = []

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        var fields: [Int] = []
        var i = 2
        while fields.count < 3 {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
            var n = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { n = n * 10 + Int(bytes[i] - 0x30); i += 1 }
            fields.append(n)
        }
        i += 1
        width = fields[0]; height = fields[1]
        pixels = Array(bytes[i...])
        #expect(bytes.prefix(2) == [0x50, 0x35] && pixels.count == width * height, "a P5 image of \(width)×\(height)")
    }

    /// The lowest row above `limit` with a pixel darker than near-white, or -1.
    func lowestInkRow(above limit: Int) -> Int {
        for row in stride(from: min(limit, height) - 1, through: 0, by: -1) {
            if pixels[(row * width)..<(row * width + width)].contains(where: { $0 < 240 }) { return row }
        }
        return -1
    }
}
