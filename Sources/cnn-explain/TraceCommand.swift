import CNNInputs
import ArgumentParser
import Foundation
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNLessons
import CNNTraining

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run a network on one input and log every array, forward and backward.",
        discussion: """
        Writes a JSON trace: every layer's input, weights, bias and output, then (with --target) \
        the loss and every gradient. Every parameter must be in the weights file; --init random \
        draws the ones it does not give (all of them, without --weights) from --seed.

        Example, the article's X through the article's network:

          cnn-explain trace --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input lessons/inputs/x.txt --target X \\
              --out x.trace.json --npz x.npz

        The trace format is described in docs/formats.md; numpy.load reads the --npz file.
        """
    )

    @OptionGroup var files: NetworkFiles

    @Option(help: "The right answer, as a class index or name; traces the loss and the backward pass.")
    var target: String?

    @Option(help: "Where to write the trace (JSON); - for standard output.", completion: .file())
    var out: String

    @Option(help: "Also write every array as a .npy inside this .npz file; - for standard output.", completion: .file(extensions: ["npz"]))
    var npz: String?

    @OptionGroup var budget: BudgetOptions

    func run() throws {
        try reportingErrors {
            Console.messagesToStandardError = out == "-" || npz == "-"
            try OutputPath.checkDistinct(outputs: [("--out", out)] + (npz.map { [("--npz", $0)] } ?? []),
                                         inputs: [("--model", files.model), ("--input", files.input)] + (files.weights.map { [("--weights", $0)] } ?? []))
            var request = TraceRequest(model: files.model, input: files.input, weights: files.weights, target: target, seed: files.seed,
                                       initialization: files.initialization, pixels: files.pixels)
            request.limits = budget.limits
            let trace = try request.run()
            try writeOutput(TraceFile.data(trace), to: out)
            if let npz { try writeOutput(try NPZ.data(trace, path: npz), to: npz) }
            try say("wrote \(out == "-" ? "the trace to standard output" : out) (\(trace.records.count) arrays\(trace.loss.map { ", loss \(formatNumber($0, .rounded(4)))" } ?? ""))")
        }
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how one number in a trace came to be, with the real operands.",
        discussion: """
        Name a number as LAYER.ROLE[INDEX], with the index in the array's shape:

          cnn-explain explain x.trace.json 'conv1.output[0,1,1]'
              the patch, the feature, 9 products, their sum, sum / 9
          cnn-explain explain x.trace.json 'pool1.output[0,3,3]'
              the window and which value won
          cnn-explain explain x.trace.json 'out.output[0]'
              weight × value for every input, and their sum
          cnn-explain explain x.trace.json 'conv1.grad_weight[0,0,1,1]'
              the chain-rule terms that were summed

        Roles: input, weight, bias, output, grad_output, grad_input, grad_weight, grad_bias; and 'loss'.
        Batchnorm also has running_mean, running_var, batch_mean, batch_var, updated_running_mean and \
        updated_running_var; dropout has mask.
        """
    )

    @Argument(help: "A trace written by 'cnn-explain trace'.", completion: .file(extensions: ["json"]))
    var trace: String

    @Argument(help: "The number to explain, e.g. 'conv1.output[0,1,1]'.")
    var query: String

    @OptionGroup var numbers: NumberOptions

    func run() throws {
        try reportingErrors {
            let t = try TraceFile.load(trace)
            try say(try explain(trace: t, query: query, style: numbers.style))
        }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two traces array by array: JSON traces or .npz files of arrays.",
        discussion: """
        B is the reference. Two numbers agree when |a − b| ≤ atol + rtol·|b|. Every array that \
        differs is listed with its worst element; at the first disagreement in pass order the \
        reference's number is explained, as 'explain' would. An .npz may hold any of a trace's \
        arrays, named PASS/LAYER/ROLE as 'trace --npz' writes them (forward/conv1/output); the \
        ones it lacks are not compared. Exit status: 0 when every array agrees, 1 when some \
        differ, 2 on an error.

          cnn-explain trace --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input lessons/inputs/x.txt --target X \\
              --out new.trace.json --npz mine.npz
          cnn-explain diff mine.npz x.trace.json --float32
          cnn-explain diff new.trace.json x.trace.json
        """
    )

    @Argument(help: "The first file (a): a trace, or an .npz of arrays named PASS/LAYER/ROLE.", completion: .file())
    var a: String

    @Argument(help: "The second file (b), the reference.", completion: .file())
    var b: String

    @Option(help: "Relative tolerance (default 1e-9; 1e-5 with --float32).")
    var rtol: Double?

    @Option(help: "Absolute tolerance (default 1e-12; 1e-5 with --float32).")
    var atol: Double?

    @Flag(help: "Tolerances that fit single precision (rtol 1e-5, atol 1e-5), for float32 code such as NumPy's float32 or PyTorch.")
    var float32 = false

    @Option(help: "Decimals in the explanation of the first disagreement (more than explain's 2, since float32 rounding shows there).")
    var digits: Int = 6

    @Flag(help: "Truncate the explanation's numbers instead of rounding them.")
    var truncate = false

    @Flag(help: "Print every digit in the explanation.")
    var full = false

    var tolerance: Tolerance {
        let preset = float32 ? Tolerance.float32 : .float64
        return Tolerance(rtol: rtol ?? preset.rtol, atol: atol ?? preset.atol)
    }

    func validate() throws {
        for v in [rtol, atol].compactMap({ $0 }) where !(v >= 0 && v.isFinite) {
            throw ValidationError("--rtol and --atol must be finite and not negative")
        }
        try NumberOptions.check(digits: digits)
    }

    func run() throws {
        var agrees = false
        try reportingErrors(exitCode: ExitCode(2)) {
            let report = try diffFiles(a, b, tolerance: tolerance, style: NumberOptions.style(digits: digits, truncate: truncate, full: full))
            try say(report.text)
            agrees = report.result.agrees
        }
        if !agrees { throw ExitCode.failure }
    }
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's speed (build with -c release).",
        discussion: """
        Warms up, then prints the median of several repeats for each workload, one JSON line each:
          {"workload": "xo-train-step-b1", "us_per_step": ..., "images_per_s": ...}

        Workloads:
          xo-train-step-b1       one SGD step on one 9×9 image (conv 3@3×3, relu, pool, dense 2)
          digits-train-step-b32  one SGD step on a batch of 32 28×28 images (two convs, two pools, dense 10)
          xo-trace               the same xo step with the tracer logging every array
          lesson-xo              the whole xo lesson: traces, figures, PDF and PNGs (no terminal)

        With --model, times one SGD step of that model instead (forward, its loss, backward and \
        the update) on --batch seeded random inputs, with at most --threads threads per pass; \
        the workload is named after the file and the batch, e.g. digits-b32; --trace adds the \
        tracer, logging every array of the step (digits-b32-traced).

          swift build -c release && .build/release/cnn-explain bench
          .build/release/cnn-explain bench --model lessons/models/xo.json --batch 32 --json
          python3 bench/torch_bench.py --tables .build/release/cnn-explain    # against PyTorch

        CNN_EXPLAIN_KERNEL=portable|avx2|avx512 forces a kernel path (see docs/performance.md).
        """
    )

    @Option(help: "Time one SGD step of this model file instead of the built-in workloads.")
    var model: String?

    @Option(help: "Images per step with --model.")
    var batch: Int = 1

    @Option(help: "The most threads a pass may use (1 or 2; the numbers are the same either way).")
    var threads: Int = 2

    @Option(help: "Steps per timed repeat with --model (default: about 50 ms worth), e.g. 1 under a profiler.")
    var iterations: Int?

    @Flag(help: "With --model, log every array of the step with the tracer (what tracing costs).")
    var trace = false

    @Flag(help: "A tenth of the iterations, for a quick look.")
    var quick = false

    @Flag(help: "Print only the JSON lines.")
    var json = false

    @Option(help: "Run only these workloads: repeat the option, or list them with commas.")
    var workload: [ValueList<BenchWorkload>] = []

    /// The workloads asked for; nil for all of them.
    var selected: Set<BenchWorkload>? { workload.isEmpty ? nil : Set(workload.flattened()) }

    func validate() throws {
        guard batch >= 1 && batch <= 100_000 else { throw ValidationError("--batch must be between 1 and 100000") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if model != nil && !workload.isEmpty { throw ValidationError("--model and --workload do not go together") }
        if trace && model == nil { throw ValidationError("--trace goes with --model") }
    }

    func run() throws {
        try reportingErrors {
            #if DEBUG
            if !json { try say("note: this is a debug build; build with -c release for real figures") }
            #endif
            if let model {
                let spec = try ModelFile.load(model)
                let stem = ((model as NSString).lastPathComponent as NSString).deletingPathExtension
                let result = try Benchmarks.modelStep(model: spec, name: "\(stem)-b\(batch)\(trace ? "-traced" : "")", batch: batch,
                                                      threads: threads, iterations: iterations, traced: trace)
                try say(result.jsonLine)
                return
            }
            var writeError: (any Error)?
            _ = try Benchmarks.engineWorkloads(quick: quick, only: selected) { result in
                if writeError == nil { do { try say(result.jsonLine) } catch { writeError = error } }
            }
            if let writeError { throw writeError }
            if selected?.contains(.lessonXO) ?? true {
                let us = try Benchmarks.lessonRun(path: try LessonLibrary.resolve("xo"), repeats: quick ? 1 : 5)
                try say(BenchResult(workload: BenchWorkload.lessonXO.rawValue, microsecondsPerStep: us, imagesPerSecond: 1e6 / us).jsonLine)
            }
        }
    }
}
