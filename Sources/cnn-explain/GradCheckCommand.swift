import CNNInputs
import ArgumentParser
import CNNCore
import CNNFigures
import CNNFiles

struct GradCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare backprop's gradients with finite differences.",
        discussion: """
        For every weight and bias w, computes (L(w + ε) − L(w − ε)) / 2ε and compares it with \
        backprop's ∂L/∂w. Prints the worst relative error |b − n| / max(|b|, |n|) and where it is. \
        Where w ± ε moves a pooling winner or switches a ReLU (a kink: ties are common with ±1 \
        images) the difference is not a derivative; those weights are listed apart.

        Example, the article's network on the article's X:

          cnn-explain gradcheck --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json \\
              --input lessons/inputs/x.txt --target X

        Exit status 1 when the worst relative error (away from kinks) exceeds --tolerance.
        """
    )

    @OptionGroup var files: NetworkFiles

    @Option(help: "The right answer, as a class index or name.")
    var target: String = "0"

    @Option(help: "The finite-difference step ε.")
    var epsilon: Double = 1e-6

    @Option(help: "The largest acceptable relative error.")
    var tolerance: Double = 1e-5

    @OptionGroup var budget: BudgetOptions

    func validate() throws {
        guard epsilon > 0, epsilon.isFinite, epsilon < 1 else { throw ValidationError("--epsilon must be between 0 and 1") }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
    }

    func run() throws {
        var passed = true
        try reportingErrors {
            let network = try loadNetwork(model: files.model, weights: files.weights, seed: files.seed, initialization: files.initialization,
                                          limits: budget.limits, estimate: { $0.gradientCheck() })
            let x = try InputFile.load(files.input, expecting: network.shapes[0], pixels: files.pixels)
            let t = try parseTarget(target, classes: network.model.classNames)
            let check = gradientCheck(network, input: x, target: t, epsilon: epsilon)
            let e = { (v: Double) in formatNumber(v, .full) }
            try say("checked \(check.elements.count) weights with ε = \(e(epsilon))")
            if let w = check.worst {
                let at = "\(w.parameter)[\(w.index.map(String.init).joined(separator: ","))]"
                try say("worst relative error: \(e(w.relativeError)) at \(at) (backprop \(e(w.backprop)), finite difference \(e(w.numeric)))")
            } else {
                try say("every weight sits at a kink; nothing to compare")
            }
            let kinks = check.kinks
            if !kinks.isEmpty {
                let names = kinks.prefix(5).map { "\($0.parameter)[\($0.index.map(String.init).joined(separator: ","))]" }
                try say("\(kinks.count) at a kink (left out): \(names.joined(separator: ", "))\(kinks.count > 5 ? ", …" : "")")
            }
            passed = check.worstRelativeError <= tolerance
            try say(passed ? "ok: within \(e(tolerance))" : "FAILED: above \(e(tolerance))")
        }
        if !passed { throw ExitCode.failure }
    }
}
