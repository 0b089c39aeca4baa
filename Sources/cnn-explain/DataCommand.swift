import ArgumentParser
import CNNCore
import CNNFiles
import CNNLessons
import CNNTraining
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate a data set of X and O images for training.",
        discussion: """
        Draws balanced X's and O's (white +1 strokes on a black −1 background), each shifted, \
        shrunk, rotated, thickened and wobbled at random from --seed, and writes one file per \
        image plus labels.json, and contact-sheet.png showing the first 100. The same seed gives \
        the same files.

        Example, 200 images as text grids ('#' is +1, '.' is −1):

          cnn-explain data xo --count 200 --seed 1 --out data/xo
          cat data/xo/x-0001.txt
          cnn-explain train --data data/xo --epochs 3

        Any image can be traced:

          cnn-explain trace --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input data/xo/o-0001.txt --out o.trace.json
        """
    )

    @Argument(help: "The kind of images.")
    var kind: Example

    @Option(help: "How many images (half X, half O).")
    var count: Int = 100

    @Option(help: "Seed for the random shapes.")
    var seed: UInt64 = 0

    @Option(help: "Image side in pixels.")
    var size: Int = 9

    @Option(help: "Image files: 'text' grids of # and ., or 'json' nested arrays.")
    var format: TrainingDataFolder.Format = .text

    @Option(help: "The folder to write (created if missing).", completion: .directory)
    var out: String

    @Flag(name: .customLong("no-sheet"), help: "Do not draw contact-sheet.png (the first 100 images).")
    var noSheet = false

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 1000000") }
        guard (5...256).contains(size) else { throw ValidationError("--size must be between 5 and 256") }
    }

    func run() throws {
        try reportingErrors {
            var request = DataRequest(count: count, seed: seed, size: size, out: out, format: format)
            request.limits = budget.limits
            let images = try request.run()
            let xs = images.filter { $0.label == 0 }.count
            try say("wrote \(images.count) images (\(xs) X, \(images.count - xs) O), \(size)×\(size), and labels.json to \(out)")
            if !noSheet {
                let sheet = (out as NSString).appendingPathComponent("contact-sheet.png")
                try TrainingFigures.writeContactSheet(images, classes: ["X", "O"], to: sheet)
                try say("wrote \(sheet) (the first \(min(images.count, 100)) images)")
            }
        }
    }
}
