import CNNInputs
import ArgumentParser
import CNNCore
import CNNFigures
import CNNFiles
import CNNLessons
import Foundation

@main
struct CNNExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn-explain",
        abstract: "Shows how a convolutional neural network works, one number at a time.",
        discussion: """
        Start with the article's example, an X or an O in a 9×9 picture:

          cnn-explain lesson xo

        Or trace a network yourself and ask where any number came from:

          cnn-explain trace --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input lessons/inputs/x.txt --target X --out x.trace.json
          cnn-explain explain x.trace.json 'conv1.output[0,1,1]'
        """,
        version: "cnn-explain 0.1.0",
        subcommands: [LessonCommand.self, LessonsCommand.self, TraceCommand.self, ExplainCommand.self, RenderCommand.self, DiffCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, GradCheckCommand.self, WhatIfCommand.self, WorksheetCommand.self, CheckCommand.self, SlidesCommand.self]
    )

    /// Runs the command line. Usage errors exit with status 2, other errors with 1 (after one
    /// line on stderr), and a failed write to standard output is an error too.
    static func main() {
        Console.prepare()
        Interrupts.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            finish(with: error)
        }
        Foundation.exit(0)
    }

    /// Exits after an error: help and `--version` (a clean exit) go to stdout, usage errors to
    /// stderr with status 2, anything else with its own status.
    static func finish(with error: any Error) -> Never {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            do {
                if !message.isEmpty { try say(message) }
            } catch {
                Console.err("cnn-explain: error: \(error)\n")
                Foundation.exit(1)
            }
            Foundation.exit(0)
        }
        if !message.isEmpty { Console.err(message + "\n") }
        Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
    }
}

/// Runs `body`, turning any error into one line on stderr and exit status `exitCode` (1 unless
/// the command gives its own meaning to 1, as `diff` does).
func reportingErrors(exitCode: ExitCode = .failure, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        let line = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        Console.err("cnn-explain: error: \(line)\n")
        throw exitCode
    }
}

/// How numbers are printed: `--digits N` decimals, rounded by default, truncated with `--truncate`
/// (the article's slides), or every digit with `--full`.
struct NumberOptions: ParsableArguments {
    @Option(help: "Decimals to print.")
    var digits: Int = 2

    @Flag(help: "Truncate instead of rounding, as the article's slides do (7/9 shows as 0.77).")
    var truncate = false

    @Flag(help: "Print every digit (the shortest text that reads back as the same number).")
    var full = false

    var style: NumberStyle { Self.style(digits: digits, truncate: truncate, full: full) }

    func validate() throws { try Self.check(digits: digits) }

    /// The style `--digits`, `--truncate` and `--full` ask for (also for `diff`'s own defaults).
    static func style(digits: Int, truncate: Bool, full: Bool) -> NumberStyle {
        full ? .full : truncate ? .truncated(digits) : .rounded(digits)
    }

    /// Refuses a `--digits` outside 0…17 (a double has at most 17 significant digits).
    static func check(digits: Int) throws {
        guard (0...17).contains(digits) else { throw ValidationError("--digits must be between 0 and 17") }
    }
}

/// The files that make a network and its input, shared by `trace` and `gradcheck`.
struct NetworkFiles: ParsableArguments {
    @Option(help: "The model file (JSON or YAML).", completion: .file())
    var model: String

    @Option(help: "The input: nested JSON arrays [C][H][W] or [H][W], a text grid of '#' (1) and '.' (−1), a PNG, a .npy or a .csv.", completion: .file())
    var input: String

    @Option(help: "How PNG and uint8 .npy pixels (0…255) become numbers: 'article' (black −1, white +1) or 'torchvision' (0…1).")
    var pixels: PixelMapping = .article

    @Option(help: "A weights file with PyTorch state_dict names, e.g. conv1.weight; it must give every parameter unless --init random.", completion: .file())
    var weights: String?

    @Option(name: .customLong("init"), help: "'file': every parameter comes from --weights; 'random': the ones it does not give (all, without --weights) are drawn from --seed.")
    var initialization: WeightsInit = .file

    @Option(help: "Seed for the weights drawn at random (--init random).")
    var seed: UInt64 = 0
}

/// How much memory and work a command may plan for; it refuses, before starting, work whose
/// estimate is over either limit.
struct BudgetOptions: ParsableArguments {
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("The most memory to plan for, in GiB (default 2, or $CNN_EXPLAIN_MEMORY_LIMIT).", valueName: "gib"))
    var memoryLimit: Double?

    @Option(name: .customLong("work-limit"), help: ArgumentHelp("The most multiply-adds to plan for (default 1e12, or $CNN_EXPLAIN_WORK_LIMIT).", valueName: "n"))
    var workLimit: Double?

    /// The limits from the options, else the environment, else the defaults.
    var limits: BudgetLimits {
        let env = ProcessInfo.processInfo.environment
        var limits = BudgetLimits.standard
        if let gib = memoryLimit ?? env["CNN_EXPLAIN_MEMORY_LIMIT"].flatMap(Double.init) { limits.bytes = gib * 1_073_741_824 }
        if let n = workLimit ?? env["CNN_EXPLAIN_WORK_LIMIT"].flatMap(Double.init) { limits.operations = n }
        return limits
    }

    func validate() throws {
        let env = ProcessInfo.processInfo.environment
        for (name, option, variable) in [("--memory-limit", memoryLimit, "CNN_EXPLAIN_MEMORY_LIMIT"), ("--work-limit", workLimit, "CNN_EXPLAIN_WORK_LIMIT")] {
            if let v = option, !(v > 0 && v.isFinite) { throw ValidationError("\(name) must be a positive number") }
            if option == nil, let text = env[variable], !(Double(text).map { $0 > 0 && $0.isFinite } ?? false) {
                throw ValidationError("\(variable)='\(text)' is not a positive number")
            }
        }
    }
}
