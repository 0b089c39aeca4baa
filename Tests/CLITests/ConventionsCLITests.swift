import Foundation
import Testing

/// `--help` examples run exactly as printed; `--version`; shell completion completes file paths.
@Suite struct ConventionsCLITests {
    /// The commands whose help is read, in the order their examples build on each other (the
    /// top-level help writes x.trace.json, which explain, render and diff then read).
    static let commands = ["", "lesson", "lessons", "trace", "explain", "render", "diff", "data", "train", "gradcheck", "bench", "whatif", "worksheet", "check", "slides"]

    /// Every example command in a help text: a line that starts with `cnn-explain `, joined with
    /// the lines it continues onto with a trailing backslash.
    static func examples(in help: String) -> [String] {
        var result: [String] = []
        var current: String?
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if var c = current {
                c += " " + text
                current = c
            } else if text.hasPrefix("cnn-explain ") {
                current = text
            }
            if let c = current, !c.hasSuffix("\\") {
                result.append(c)
                current = nil
            } else if let c = current {
                current = String(c.dropLast())
            }
        }
        return result
    }

    @Test func everyHelpExampleRunsAsPrinted() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("lessons"), to: dir.appendingPathComponent("lessons"))
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("cnn-explain"), withDestinationURL: try binaryURL())
        var count = 0
        for command in Self.commands {
            let help = try run(command.isEmpty ? ["--help"] : [command, "--help"])
            #expect(help.status == 0)
            let examples = Self.examples(in: help.stdout)
            if !["lessons", "bench"].contains(command) { #expect(!examples.isEmpty, "no example in \(command) --help") }
            for example in examples {
                let r = try runShell("export PATH='\(bin.path)':\"$PATH\"; \(example) 2>&1 >/dev/null", in: dir)
                #expect(r.status == 0, "\(command) --help example failed: \(example)\n\(r.stderr)")
                count += 1
            }
        }
        #expect(count >= 15)
    }

    @Test func versionAndCompletion() throws {
        let v = try run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout == "cnn-explain 0.1.0\n")
        let zsh = try run(["--generate-completion-script", "zsh"])
        #expect(zsh.stdout.contains("'--model[The model file (JSON or YAML).]:model:_files'"))
        #expect(zsh.stdout.contains("'--out[The folder to write the PDF and figures into.]:out:_files -/'"))
        let bash = try run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0 && !bash.stdout.isEmpty)
    }
}
