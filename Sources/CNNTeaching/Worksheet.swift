// A worksheet on the X/O network: questions whose answers come from one engine trace of a
// generated picture (and, at level 3, from the trace after one engine SGD step).

import CNNAnalysis
import CNNCore
import CNNData
import CNNFigures
import CNNFiles

/// The steps a question can be about; `check`'s class summary counts misses per step.
public enum WorksheetStep: String, Sendable, CaseIterable {
    case prediction, convolution, relu, pooling, votes, error, gradient, update
}

/// A right answer: a number, or a choice such as "X".
public enum WorksheetAnswer: Sendable, Equatable {
    case number(Double)
    case choice(String)
}

/// One blank on the worksheet.
public struct WorksheetQuestion: Sendable {
    /// The label on the blank and the key in the YAML files, e.g. "1a".
    public var id: String
    public var step: WorksheetStep
    /// What the blank asks, in words.
    public var prompt: String
    public var answer: WorksheetAnswer
    /// Where the answer is in the trace, e.g. `conv1.output[1,2,3]`; after a step, `after step: out.weight[0,3]`.
    public var source: String
    /// The worked derivation, from `explain` on the same trace.
    public var derivation: String
    /// The number each likely mistake would give (none within the tolerance of the answer).
    public var mistakes: [PlannedMistake]
    /// Predictions are not scored: a student guesses, then checks.
    public var scored: Bool
}

/// A part of the worksheet: instructions, figures with blanks, and the questions they hold.
public struct WorksheetPart: Sendable {
    public var title: String
    /// Instructions in Pango markup.
    public var text: [String]
    /// The student's figures (blanks empty) and the key's (blanks filled with the answers).
    public var studentFigures: [Figure]
    public var keyFigures: [Figure]
    public var questions: [WorksheetQuestion]
}

/// A whole worksheet: which picture, which level, and its parts.
public struct Worksheet: Sendable {
    public var seed: UInt64
    public var level: Int
    /// "an X (deformed variant)".
    public var picture: String
    public var parts: [WorksheetPart]
    /// The engine's trace of the picture, with its class as the target: where the answers come from.
    public var trace: Trace
    /// At level 3, the trace of the same picture after one engine SGD step (the update's answer).
    public var stepped: Trace?

    /// Every question in order.
    public var questions: [WorksheetQuestion] { parts.flatMap(\.questions) }
}

/// What `cnn-explain worksheet xo` needs.
public struct WorksheetRequest: Sendable {
    public var model: String
    public var weights: String
    public var seed: UInt64
    /// 1: convolution, ReLU, pooling; 2: adds the votes and the error; 3: adds a gradient and an update.
    public var level: Int
    /// The learning rate of the level-3 update.
    public var learningRate: Double

    public init(model: String, weights: String, seed: UInt64, level: Int, learningRate: Double = 0.1) {
        self.model = model; self.weights = weights; self.seed = seed; self.level = level; self.learningRate = learningRate
    }

    /// Generates the picture from `seed`, traces it with the engine, and builds the questions.
    /// - Throws: `FileError` for a model or weights file that does not load or is not the X/O network's shape.
    public func build() throws(FileError) -> Worksheet {
        guard (1...3).contains(level) else { throw FileError(file: "--level", "must be 1, 2 or 3, got \(level)") }
        var network = try loadNetwork(model: model, weights: weights, seed: 0)
        try checkShape(network.model)
        var rng = SeededGenerator(seed: seed, stream: "worksheet")
        let shape: XOGenerator.Shape = rng.next() % 2 == 0 ? .x : .o
        let variants = XOGenerator.Variant.allCases
        let variant = variants[Int(rng.next() % UInt64(variants.count))]
        var generator = XOGenerator(size: network.shapes[0][1], seed: seed, variant: variant)
        let image = generator.image(of: shape)
        let trace = network.trace(input: image, target: shape.rawValue)
        let picture = "\(shape == .x ? "an X" : "an O") (\(variant.rawValue))"
        var builder = WorksheetBuilder(trace: trace, rng: rng, picture: picture, shape: shape)
        var parts = [builder.convolutionPart(), builder.reluPart(), builder.poolingPart()]
        if level >= 2 { parts += [builder.votesPart(), builder.errorPart()] }
        var stepped: Trace?
        if level >= 3 {
            network.takeStep(input: image, target: shape.rawValue, learningRate: learningRate)
            let after = network.trace(input: image, target: shape.rawValue)
            parts.append(builder.updatePart(stepped: after, learningRate: learningRate))
            stepped = after
        }
        // The key's figures show every answer, including one from an earlier part (1b in the map).
        let answers = Dictionary(parts.flatMap(\.questions).map { ($0.id, $0.answer.text) }, uniquingKeysWith: { a, _ in a })
        for k in parts.indices { parts[k].keyFigures = parts[k].keyFigures.map { filled($0, with: answers) } }
        return Worksheet(seed: seed, level: level, picture: picture, parts: parts, trace: trace, stepped: stepped)
    }

    /// The worksheet's questions are about the article's network: one input channel, a
    /// normalized conv with 3×3 features, ReLU, max pooling, and a last dense layer with mse.
    private func checkShape(_ m: ModelSpec) throws(FileError) {
        let kinds = m.layers.map(\.kind.typeName)
        guard m.input.count == 3, m.input[0] == 1, m.input[1] >= 5, m.input[1] == m.input[2], m.classNames.count == 2, kinds.first == "conv", kinds.dropFirst().first == "relu",
              kinds.dropFirst(2).first == "maxpool", kinds.last == "dense", m.loss == .mse,
              case .conv(let c)? = m.layers.first?.kind, c.normalize, !c.bias, c.stride == 1, c.padding == .valid, c.dilation == 1,
              c.kernelH == 3, c.kernelW == 3 else {
            throw FileError(file: model, "worksheets need the X/O network: a square picture of one channel, conv (3×3, normalized, no bias), relu, maxpool, …, dense with 2 classes, mse")
        }
    }
}
