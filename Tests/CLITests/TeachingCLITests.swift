import Foundation
import Testing

/// The example commands in a `--help` text: lines starting with `cnn-explain`, joined over `\` continuations.
func helpExamples(_ help: String) -> [[String]] {
    var commands: [[String]] = [], current = ""
    for raw in help.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if current.isEmpty && !line.hasPrefix("cnn-explain ") { continue }
        current += " " + line
        if current.hasSuffix("\\") { current.removeLast(); continue }
        commands.append(shellWords(current))
        current = ""
    }
    return commands
}

/// Splits a command line as a shell would for these examples: spaces, and single quotes.
func shellWords(_ s: String) -> [String] {
    var words: [String] = [], word = "", quoted = false, has = false
    for ch in s {
        if ch == "'" { quoted.toggle(); has = true; continue }
        if ch == " " && !quoted { if has { words.append(word) }; word = ""; has = false; continue }
        word.append(ch); has = true
    }
    if has { words.append(word) }
    return words
}

@Suite struct TeachingCLITests {
    @Test func whatifHelpExamplesRunAsPrinted() throws {
        let help = try run(["whatif", "--help"])
        let examples = helpExamples(help.stdout)
        #expect(examples.count == 2)
        let dir = try temporaryDirectory()
        for example in examples {
            let args = Array(example.dropFirst()).map { $0.hasPrefix("output/") ? dir.path + "/" + $0 : $0 }
            let r = try run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("votes before → after"))
        }
        #expect(FileManager.default.fileExists(atPath: dir.path + "/output/whatif/whatif.pdf"))
        let pages = try pdfTool("pdfinfo", dir.path + "/output/whatif/whatif.pdf")
        #expect(pages.contains("Pages:           1"))
    }

    @Test func whatifBadInputIsOneLine() throws {
        let r = try run(["whatif", "--model", xoModel, "--weights", xoWeights, "--input", xoInput, "--flip", "12,1"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("--flip"))
        let none = try run(["whatif", "--model", xoModel, "--weights", xoWeights, "--input", xoInput])
        #expect(none.status == 2)
    }

    @Test func worksheetAndCheckHelpExamplesRunAsPrinted() throws {
        let dir = try temporaryDirectory()
        for command in ["worksheet", "check"] {
            let examples = helpExamples(try run([command, "--help"]).stdout)
            #expect(examples.count == 2, "\(command)")
            for example in examples {
                let args = Array(example.dropFirst()).map { $0.hasPrefix("output/") ? dir.path + "/" + $0 : $0 }
                let r = try run(args)
                #expect(r.status == 0, "\(args): \(r.stderr)")
            }
        }
        let blank = try run(["check", dir.path + "/output/sheet7/answers.yaml", dir.path + "/output/sheet7/filled.yaml", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(blank.stdout.utf8)) as? [String: Any])
        #expect(object["score"] as? Int == 0)
        #expect((object["answers"] as? [Any])?.isEmpty == false)
    }

    /// Separate processes: a Set's order changes between runs, and must not change the bytes.
    @Test func worksheetBytesRepeatAcrossRuns() throws {
        let dir = try temporaryDirectory()
        for name in ["a", "b"] {
            let r = try run(["worksheet", "xo", "--seed", "9", "--level", "3", "--out", dir.path + "/" + name])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for file in ["worksheet.pdf", "answers.pdf", "answers.yaml", "filled.yaml"] {
            #expect(FileManager.default.contents(atPath: dir.path + "/a/" + file) == FileManager.default.contents(atPath: dir.path + "/b/" + file), "\(file)")
        }
        let text = try pdfTool("pdftotext", dir.path + "/a/worksheet.pdf")
        #expect(text.contains("Name:"))
    }

    @Test func checkBadFilesAreOneLine() throws {
        let dir = try temporaryDirectory()
        _ = try run(["worksheet", "xo", "--seed", "2", "--out", dir.path])
        let bad = try write("name: x\nseed: 2\nlevel: 1\nanswers:\n  9z: 1\n", "bad.yaml", in: dir)
        let r = try run(["check", dir.path + "/answers.yaml", bad])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("bad.yaml") && r.stderr.contains("9z"))
    }

    /// The deck is 16:9, every word on it is at least 18 pt (pdftotext's box is 1.164 × the size
    /// for DejaVu Sans), the sliding window takes several slides, and the notes name a worksheet
    /// question for every slide.
    @Test func slidesReadFromTheBackOfTheRoom() throws {
        let help = try run(["slides", "--help"])
        let examples = helpExamples(help.stdout)
        #expect(examples.count == 1)
        let dir = try temporaryDirectory()
        let args = Array(try #require(examples.first).dropFirst()).map { $0.hasPrefix("output/") ? dir.path + "/" + $0 : $0 }
        let r = try run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let deck = dir.path + "/output/xo-slides.pdf", notes = dir.path + "/output/xo-slides-notes.pdf"
        let info = try pdfTool("pdfinfo", deck)
        #expect(info.contains("960 x 540 pts"))
        let bbox = dir.appendingPathComponent("bbox.html").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["pdftotext", "-bbox", deck, bbox]
        try p.run(); p.waitUntilExit()
        let html = try String(contentsOfFile: bbox, encoding: .utf8)
        let heights = html.matches(of: /yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)"/).compactMap { m -> Double? in
            guard let a = Double(m.output.1), let b = Double(m.output.2) else { return nil }
            return b - a
        }
        #expect(heights.count > 200)
        #expect((heights.min() ?? 0) / 1.164 >= 18 - 0.05)
        let text = try pdfTool("pdftotext", deck)
        #expect(text.components(separatedBy: "Slide the feature").count - 1 >= 4)
        let notesText = try pdfTool("pdftotext", notes)
        let slides = Int(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last ?? "") ?? 0
        #expect(slides > 8)
        #expect(notesText.components(separatedBy: "Worksheet:").count - 1 == slides)
    }
}
