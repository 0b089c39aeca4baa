import ArgumentParser
import CNNFiles
import CNNTeaching

struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Change pixels or weights, or take one learning step, and see every number that moves.",
        discussion: """
        Traces the input before and after the changes with the engine and compares the two traces \
        as 'cnn-explain diff' does. Prints, layer by layer, every number that changed \
        (old → new, and the change), then the votes before and after.

        The deformed X against the X (the 16 pixels where they differ come first):

          cnn-explain whatif --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json --input lessons/inputs/x.txt \\
              --to lessons/inputs/x_deformed.txt --out output/whatif

        One pixel, one weight, or one learning step on the right answer:

          cnn-explain whatif --model lessons/models/xo.json \\
              --weights lessons/models/xo.weights.json --input lessons/inputs/x.txt \\
              --flip 5,5 --set 'conv1.weight[0,0,1,1]=-1' --target X --lr 0.1

        Rows and columns count from 1, as the lessons show them. --out writes one PNG per \
        changed layer and whatif.pdf, one page with the changed cells outlined.
        """
    )

    @OptionGroup var files: NetworkFiles

    @Option(name: .customLong("flip"), help: "Flip the pixel at ROW,COL (from 1): −1 ↔ 1. Repeatable.")
    var flips: [String] = []

    @Option(name: .customLong("set"), help: "Set one weight: LAYER.weight[i,j,k,l]=V (or LAYER.bias[i]=V). Repeatable.")
    var sets: [String] = []

    @Option(help: "Trace this input instead (then apply any flips), e.g. a deformed X against the X.")
    var to: String?

    @Option(help: "Take one learning step w ← w − lr·g on the target (needs --target).")
    var lr: Double?

    @Option(help: "The right answer, as a class index or name; adds the loss and the gradients to both traces.")
    var target: String?

    @Option(help: "Also draw the changes: a PNG per layer and whatif.pdf, in this folder.")
    var out: String?

    @OptionGroup var numbers: NumberOptions

    func validate() throws {
        if let lr { guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") } }
        if lr != nil && target == nil { throw ValidationError("--lr needs --target (the right answer the step moves towards)") }
        guard !flips.isEmpty || !sets.isEmpty || lr != nil || to != nil else {
            throw ValidationError("nothing to change: give --flip, --set, --to or --lr")
        }
    }

    func run() throws {
        try reportingErrors {
            let changes = try flips.map { s throws(FileError) in try WhatIfChange.parseFlip(s) }
                + sets.map { s throws(FileError) in try WhatIfChange.parseSet(s) }
            let request = WhatIfRequest(model: files.model, weights: files.weights, input: files.input, target: target,
                                        seed: files.seed, changes: changes, otherInput: to, learningRate: lr)
            let result = try request.run()
            try say(result.report(style: numbers.style))
            if let out {
                let written = try result.write(to: out, style: numbers.style)
                try say("wrote \(written.count) files to \(out), among them \(written.last ?? "")")
            }
        }
    }
}
