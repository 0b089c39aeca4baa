import CNNTerminal
import Foundation
import Testing

/// The terminal: its width, escape codes only where they work, single keys in raw mode with the
/// settings put back, and long steps shown a page at a time.
@Suite struct TerminalCLITests {
    @Test func widthComesFromTheTerminalThenColumnsWithinBounds() {
        #expect(TerminalDevice.width(terminalColumns: nil, environment: [:]) == 80)
        #expect(TerminalDevice.width(terminalColumns: 100, environment: ["COLUMNS": "70"]) == 100)
        #expect(TerminalDevice.width(terminalColumns: nil, environment: ["COLUMNS": "120"]) == 120)
        #expect(TerminalDevice.width(terminalColumns: 0, environment: ["COLUMNS": "90"]) == 90)
        #expect(TerminalDevice.width(terminalColumns: nil, environment: ["COLUMNS": "300"]) == 200)
        #expect(TerminalDevice.width(terminalColumns: 20, environment: [:]) == 60)
        #expect(TerminalDevice.width(terminalColumns: nil, environment: ["COLUMNS": "wide"]) == 80)
    }

    @Test func escapeCodesOnlyForARealTerminal() {
        #expect(TerminalDevice.acceptsEscapes(isTerminal: true, environment: ["TERM": "xterm-256color"]))
        #expect(!TerminalDevice.acceptsEscapes(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(!TerminalDevice.acceptsEscapes(isTerminal: true, environment: [:]))
        #expect(!TerminalDevice.acceptsEscapes(isTerminal: false, environment: ["TERM": "xterm"]))
    }

    @Test func keysMapToAnswers() {
        for key in ["\n", "\r", " ", "n"] { #expect(TerminalDevice.RawKeys.answer(for: UInt8(ascii: Unicode.Scalar(key)!)) == "") }
        #expect(TerminalDevice.RawKeys.answer(for: UInt8(ascii: "b")) == "b")
        #expect(TerminalDevice.RawKeys.answer(for: UInt8(ascii: "Q")) == "q")
    }

    /// Runs `command` inside a pseudo-terminal (util-linux `script`), typing `keys`, and returns
    /// everything the terminal showed.
    func inTerminal(_ command: String, keys: String, term: String) throws -> String {
        let dir = try temporaryDirectory()
        let typed = try write(keys, "keys", in: dir)
        let shown = dir.appendingPathComponent("shown").path
        let r = try runShell("export TERM=\(term); unset NO_COLOR; timeout 120 script -q -e -c \"\(command)\" /dev/null < '\(typed)' > '\(shown)'")
        #expect(r.status == 0, "\(r.stderr)")
        return try String(contentsOfFile: shown, encoding: .utf8)
    }

    @Test func singleKeysInRawModeAndTheTerminalPutBack() throws {
        let out = try temporaryDirectory().path
        // Space for the next step, b for back, q to quit: no Enter anywhere.
        let shown = try inTerminal("$B lesson xo --out '\(out)'; stty -a", keys: " bq", term: "xterm")
        #expect(shown.contains("Stopped before the end"), "\(shown.suffix(500))")
        #expect(shown.contains("\u{1B}["), "colour in a real terminal")
        // After the program: line editing and echo are back on.
        #expect(shown.contains(" icanon") && shown.contains(" echo"), "\(shown.suffix(800))")
        #expect(!shown.contains("-icanon"))
    }

    @Test func dumbTerminalsGetNoEscapeCodes() throws {
        let out = try temporaryDirectory().path
        let shown = try inTerminal("$B lesson xo --out '\(out)'", keys: "q", term: "dumb")
        #expect(shown.contains("Stopped before the end"))
        #expect(!shown.contains("\u{1B}"))
        let piped = try run(["lesson", "xo", "--no-pause", "--out", out], environment: ["NO_COLOR": ""])
        #expect(!piped.stdout.contains("\u{1B}"))
    }

    @Test func aLongStepPages() throws {
        let out = try temporaryDirectory().path
        // A 24-row terminal: the first step is longer than 22 lines, so it pages; q at the first
        // "-- more" quits.
        let shown = try inTerminal("stty rows 24 cols 80; $B lesson xo --out '\(out)'", keys: "q", term: "dumb")
        #expect(shown.contains("-- more ("), "\(shown.prefix(2000))")
        #expect(shown.contains("Stopped before the end"))
    }
}
