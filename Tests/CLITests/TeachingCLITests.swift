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
}
