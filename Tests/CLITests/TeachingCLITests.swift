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
}
