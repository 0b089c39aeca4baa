import Foundation
import TestSupport
import Testing

/// Golden tests of every subcommand's `--help` (and the top-level one), at 80 columns, so a
/// change to the help shows up in review. The expected texts are `Tests/Fixtures/help/NAME.txt`.
///
/// To regenerate them after changing a command's help on purpose:
///
///     CNN_EXPLAIN_RECORD_HELP=1 swift test --filter HelpGoldenTests
///
/// (the run then fails once, to say what it wrote; review the diff and commit it).
@Suite struct HelpGoldenTests {
    static let commands = ["", "lesson", "lessons", "trace", "explain", "render", "diff", "bench", "data", "train",
                           "gradcheck", "whatif", "worksheet", "check", "slides"]

    @Test(arguments: commands)
    func helpMatchesItsGolden(command: String) throws {
        let arguments = command.isEmpty ? ["--help"] : [command, "--help"]
        let r = try run(arguments, environment: ["COLUMNS": "80"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.isEmpty)
        let file = Fixtures.url("help/\(command.isEmpty ? "cnn-explain" : command).txt")
        if ProcessInfo.processInfo.environment["CNN_EXPLAIN_RECORD_HELP"] == "1" {
            try Data(r.stdout.utf8).write(to: file)
            Issue.record("wrote \(file.path); rerun without CNN_EXPLAIN_RECORD_HELP")
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(r.stdout == expected, "cnn-explain \(arguments.joined(separator: " ")) differs from \(file.lastPathComponent)")
    }
}
