import ArgumentParser
import CNNCore
import CNNFigures
import CNNFiles
import CNNLessons
import CNNTerminal
import CNNTraining
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn features and voting weights from X and O images.",
        discussion: """
        Starts from random weights (from --seed) and trains with minibatch SGD and momentum, \
        using backpropagation (--method backprop) or the article's nudging of each weight up \
        and down (--method nudge, many more forward passes). Reports the held-out accuracy and, \
        with --data xo, the accuracy on shifted, shrunk, rotated, thick and deformed images it \
        never saw. The same seed gives the same weights, byte for byte.

        The default model, lessons/models/xo-train.json, is the article's network with 8 features \
        instead of 3, one pooling step instead of two, and a bias on the votes, trained with \
        cross-entropy: conv 8@3×3 normalize → relu → maxpool 2/2 ceil → dense 2. It reaches \
        about 99% on held-out images in a few seconds. The article's own xo.json learns too, \
        but levels off near 97%: --model lessons/models/xo.json.

        --report writes a PDF of the run. The wall-clock time is printed here, not kept \
        in the PDF, so the same seed always gives the same bytes.

        Example (3 passes, a few seconds; the default 30 reach about 99%):

          cnn-explain train --epochs 3 --out xo-trained.json \\
              --report training.pdf
          cnn-explain trace --model lessons/models/xo-train.json \\
              --weights xo-trained.json \\
              --input lessons/inputs/x.txt --out x.trace.json
        """
    )

    @Option(help: "The model file (JSON or YAML).", completion: .file())
    var model: String = Self.defaultModel

    static let defaultModel = "lessons/models/xo-train.json"

    @Option(help: "'xo' to generate images from --seed, or a folder written by 'cnn-explain data'.", completion: .directory)
    var data: String = "xo"

    @Option(name: .customLong("held-out"), help: "A folder of held-out images (default: generated, or the last fifth of --data).", completion: .directory)
    var heldOut: String?

    @Option(help: "Passes over the training images.")
    var epochs: Int = TrainingDefaults.options.epochs

    @Option(help: "Learning rate (backprop).")
    var lr: Double = TrainingDefaults.options.learningRate

    @Option(help: "Images per minibatch.")
    var batch: Int = TrainingDefaults.options.batchSize

    @Option(help: "Momentum (backprop; 0 for plain SGD).")
    var momentum: Double = TrainingDefaults.options.momentum

    @Option(help: "Seed for the initial weights, the generated images and the shuffling.")
    var seed: UInt64 = 0

    @Option(help: "How the weights learn: from backpropagation's gradients, or by the article's nudging of each weight up and down.")
    var method: TrainingMethod = .backprop

    @Option(name: .customLong("nudge-step"), help: "How far each weight is nudged (--method nudge).")
    var nudgeStep: Double = TrainingDefaults.options.nudgeStep

    @Option(help: "Training images generated for --data xo.")
    var count: Int = TrainRequest.defaultTrainCount

    @Option(help: "Where to write the trained weights (the format 'trace --weights' reads); - for standard output.", completion: .file())
    var out: String?

    @Option(help: "Where to write a PDF training report: curves, features, confusion matrix, mistakes, one worked update, nudging vs backprop, time; - for standard output.", completion: .file(extensions: ["pdf"]))
    var report: String?

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        guard (0...100_000).contains(epochs) else { throw ValidationError("--epochs must be between 0 and 100000") }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 100000") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be at least 0 and below 1") }
        guard nudgeStep > 0, nudgeStep.isFinite else { throw ValidationError("--nudge-step must be a positive number") }
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 1000000") }
        // Say so before training, not after: the files are written at the end.
        for (flag, path) in [("--out", out), ("--report", report)] {
            guard let path, path != "-" else { continue }
            var isDir: ObjCBool = false
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("\(flag): the folder \(folder) does not exist")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let options = TrainingOptions(epochs: epochs, learningRate: lr, batchSize: batch, momentum: momentum, seed: seed,
                                          method: method, nudgeStep: nudgeStep)
            // The default model is the shipped one: from ./lessons, or built in when run elsewhere.
            let model = self.model == Self.defaultModel && !FileManager.default.fileExists(atPath: self.model)
                ? LessonLibrary.shippedFile("models/xo-train.json") ?? self.model : self.model
            var request = TrainRequest(model: model, data: data, heldOut: heldOut, options: options, trainCount: count)
            request.limits = budget.limits
            Console.messagesToStandardError = out == "-" || report == "-"
            try OutputPath.checkDistinct(outputs: (out.map { [("--out", $0)] } ?? []) + (report.map { [("--report", $0)] } ?? []),
                                         inputs: [("--model", model)])
            let setup = try request.prepare()
            // A progress bar redrawn in place needs a terminal that takes escape codes.
            let terminal = TerminalDevice.acceptsEscapes(isTerminal: isatty(STDOUT_FILENO) == 1,
                                                         environment: ProcessInfo.processInfo.environment)
            var writeError: (any Error)?
            let outcome = setup.train(options: options) { event in
                guard writeError == nil else { return }
                do { try showProgress(event, epochs: options.epochs, terminal: terminal) } catch { writeError = error }
            }
            if let writeError { throw writeError }
            if let divergence = outcome.divergence {
                if terminal { try say() }
                throw TrainingFailure(message: divergence.description)
            }
            for line in outcome.summaryLines() { try say(line) }
            if let out {
                try writeOutput(WeightsFile.data(outcome.network), to: out)
                try say("wrote \(out)")
            }
            if let report {
                // The wall-clock time stays out of the PDF, so the same seed gives the same bytes.
                let document = TrainingReport.document(outcome, handMade: TrainingReport.handMadeFeatures(), seconds: nil)
                try writeOutput(Data(try document.data()), to: report)
                try say("wrote \(report)")
            }
        }
    }

    /// One progress line: a bar redrawn in place on a terminal, one line per epoch otherwise.
    private func showProgress(_ event: TrainingEvent, epochs: Int, terminal: Bool) throws(OutputError) {
        switch event {
        case .step(let s) where terminal:
            let width = 24, done = s.step * width / max(s.steps, 1)
            let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            try say("\repoch \(s.epoch)/\(epochs) \(bar) loss \(formatNumber(s.loss, .rounded(4))) accuracy \(formatNumber(100 * s.accuracy, .rounded(1)))%", terminator: "")
        case .step:
            break
        case .epoch(let e):
            var line = "epoch \(e.epoch)/\(epochs): loss \(formatNumber(e.loss, .rounded(4))), accuracy \(formatNumber(100 * e.accuracy, .rounded(1)))%"
            if let h = e.heldOut { line += ", held-out \(formatNumber(100 * h.accuracy, .rounded(1)))%" }
            try say(terminal ? "\r\u{1B}[K" + line : line)
        }
    }
}

/// Training that could not finish, in one line.
struct TrainingFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
