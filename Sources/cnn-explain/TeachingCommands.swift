import ArgumentParser
import CNNFiles
import CNNLessons
import CNNTeaching
import Foundation

/// The article's model and weights, from the first lessons folder that has them (the lesson
/// folders, then the source tree above `.build/<triple>/<config>/cnn-explain`).
func xoNetworkFiles() -> (model: String, weights: String) {
    let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    let sourceTree = exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("lessons")
    for folder in LessonLibrary.folders() + [sourceTree] {
        let model = folder.appendingPathComponent("models/xo.json").path, weights = folder.appendingPathComponent("models/xo.weights.json").path
        if FileManager.default.fileExists(atPath: model), FileManager.default.fileExists(atPath: weights) { return (model, weights) }
    }
    return ("lessons/models/xo.json", "lessons/models/xo.weights.json")
}

struct WorksheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worksheet",
        abstract: "Write a worksheet to do by hand, its answer key, and a file to type a student's answers into.",
        discussion: """
        Each seed draws a different X or O (shifted, shrunk, rotated, thick or deformed), a \
        different patch and different blanks; the same seed gives the same files. Level 1: \
        convolution by hand on one patch, ReLU, pooling. Level 2 adds the votes and the error. \
        Level 3 adds one gradient and one update. Every answer is a number the network computed.

          cnn-explain worksheet xo --seed 7 --level 2 --out output/sheet7
          cnn-explain check output/sheet7/answers.yaml output/sheet7/filled.yaml

        Writes worksheet.pdf (the student's copy), answers.pdf (the key, with derivations), \
        answers.yaml (the key for 'check') and filled.yaml (a template for one student's answers). \
        The formats are in docs/teaching.md.
        """
    )

    @Argument(help: "The worksheet.")
    var kind: Example

    @Option(help: "Which sheet: a different picture, patch and blanks for each seed.")
    var seed: UInt64 = 1

    @Option(help: "1, 2 or 3.")
    var level: Int = 1

    @Option(help: "The folder to write (created if missing).")
    var out: String

    func validate() throws {
        guard (1...3).contains(level) else { throw ValidationError("--level must be 1, 2 or 3") }
    }

    func run() throws {
        try reportingErrors {
            let files = xoNetworkFiles()
            let sheet = try WorksheetRequest(model: files.model, weights: files.weights, seed: seed, level: level).build()
            let written = try sheet.write(to: out)
            try say("sheet \(seed), level \(level): \(sheet.picture), \(sheet.questions.filter(\.scored).count) answers to mark")
            for path in written { try say("wrote \(path)") }
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Mark a filled worksheet, or a folder of them, and name the likely mistakes.",
        discussion: """
        An answer within 0.01 of the key counts (the slides' 2-decimal truncation and rounding \
        both pass). For a wrong number it names the mistake that explains it (÷8 instead of ÷9, \
        a flipped sign, min for max, the wrong window, …) or shows the working.

          cnn-explain worksheet xo --seed 7 --level 2 --out output/sheet7
          cnn-explain check output/sheet7/answers.yaml output/sheet7/filled.yaml

        Give a folder of filled files for a class summary (which step most students missed); \
        --json prints the same as one JSON object.
        """
    )

    @Argument(help: "answers.yaml, written by 'cnn-explain worksheet'.")
    var answers: String

    @Argument(help: "A student's filled.yaml, or a folder of them.")
    var filled: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try reportingErrors {
            let key = try AnswerKey.load(answers)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: filled, isDirectory: &isFolder), isFolder.boolValue {
                let summary = try ClassSummary.make(folder: filled, key: key)
                try say(json ? try summary.json() : summary.report)
            } else {
                let marked = try mark(try FilledSheet.load(filled), against: key)
                try say(json ? try marked.json() : marked.report)
            }
        }
    }
}

struct SlidesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slides",
        abstract: "Write a 16:9 projector deck of the X/O example, with speaker notes.",
        discussion: """
        One idea per slide, numbers at least 18 pt on a 960×540 pt page (36 px at 1920 wide), \
        the sliding window built over successive slides. The notes, with the worksheet question \
        each slide prepares, go next to the deck as NAME-notes.pdf.

          cnn-explain slides xo --out output/xo-slides.pdf
        """
    )

    @Argument(help: "The deck.")
    var kind: Example

    @Option(help: "The PDF to write.")
    var out: String

    func run() throws {
        try reportingErrors {
            let files = xoNetworkFiles()
            let input = URL(fileURLWithPath: files.model).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("inputs/x.txt").path
            let deck = try SlidesRequest(model: files.model, weights: files.weights, input: input).build()
            let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
            try createFolders(folder.isEmpty ? "." : folder)
            for path in try deck.write(slides: out) { try say("wrote \(path)") }
            try say("\(deck.slides.count) slides")
        }
    }
}
