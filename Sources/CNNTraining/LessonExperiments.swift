import CNNCore
import CNNData
import CNNFigures
import CNNFiles
import Foundation

/// An experiment a lesson runs once (`experiment: audio` or `experiment: shuffle`): it trains
/// networks from the lesson's seed and gives named figures and named values to the steps.
///
/// Steps show a figure with `- experiment: FIGURE` and quote a value with `{{NAME:KEY}}`, e.g.
/// `{{audio:accuracy|round1}}`. Accuracies are percentages.
public struct ExperimentOutcome: Sendable {
    /// A figure the experiment drew.
    public struct NamedFigure: Sendable {
        public var name: String
        public var caption: String
        public var figure: Figure
    }

    /// `audio` or `shuffle`.
    public var name: String
    public var figures: [NamedFigure]
    /// Numbers for the text, by key.
    public var values: [String: Double]
    /// The trained network and one traced example, when the experiment has one; the lesson's
    /// usual show kinds (`maps`, `pipeline`, …) can then draw it as input `NAME`.
    public var network: Network?
    public var trace: Trace?
    /// Sounds to write as WAV files next to the figures (the audio experiment).
    public var sounds: [Sound]
}

/// The experiments lessons can run.
public enum LessonExperiments {
    /// Their names, as a lesson's `experiment` field takes them.
    public static let names = ["audio", "shuffle"]

    /// How much an experiment trains: the lesson's full size, or a quick run for tests.
    public enum Scale: Sendable {
        case lesson
        /// A few hundred examples and a few epochs: the same figures and values, less accurate.
        case quick
    }

    /// Runs experiment `name` from `seed`; `nil` for a name that is not one of `names`.
    /// - Parameter progress: called with a line now and then while an experiment trains (the CLI prints it on stderr).
    public static func run(_ name: String, seed: UInt64, scale: Scale = .lesson,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> ExperimentOutcome? {
        switch name {
        case "audio": return try audio(seed: seed, scale: scale, progress: progress)
        case "shuffle": return try shuffle(seed: seed, scale: scale)
        default: return nil
        }
    }

    static func audio(seed: UInt64, scale: Scale, progress: (String) -> Void) throws -> ExperimentOutcome {
        let sizes = scale == .lesson ? AudioExperiment.Sizes.lesson
            : AudioExperiment.Sizes(trainPerKind: 20, heldOutPerKind: 8, options: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                    control: AudioControl.Sizes(trainPerKind: 10, options: TrainingOptions(epochs: 1, learningRate: 0.05, batchSize: 16, momentum: 0.9), repeats: 2))
        let r = try AudioExperiment.run(seed: seed, sizes: sizes, progress: progress)
        let predicted = r.tracedPrediction
        var values: [String: Double] = [
            "accuracy": 100 * r.heldOutAccuracy,
            "chance": 100 * r.chance,
            "correct": Double(r.heldOut.correct),
            "heldout": Double(r.heldOutCount),
            "train": Double(r.trainCount),
            "kinds": Double(r.classes.count),
            "weights": Double(r.parameterCount),
            "epochs": Double(r.epochs),
            "bands": Double(r.bands),
            "steps": Double(r.steps),
            "frame_ms": r.frameMilliseconds,
            "hop_ms": r.hopMilliseconds,
            "sample_rate": Double(r.sampleRate),
            "duration_ms": 1000 * r.duration,
            "low_hz": r.bandEdges.first ?? 0,
            "high_hz": r.bandEdges.last ?? 0,
            "traced_probability": 100 * (predicted < r.tracedProbabilities.count ? r.tracedProbabilities[predicted] : 0),
        ]
        values.merge(r.control?.values ?? [:]) { a, _ in a }
        // Every sound of the held-out examples, and the one traced, can be listened to.
        var sounds = r.examples
        if !sounds.contains(where: { $0.samples == r.tracedSound.samples }) { sounds.append(r.tracedSound) }
        let network = try? Network(model: r.model, parameters: parameters(of: r.trace), seed: seed)
        return ExperimentOutcome(name: "audio", figures: r.figures.map { ExperimentOutcome.NamedFigure(name: $0.name, caption: $0.caption, figure: $0.figure) },
                                 values: values, network: network, trace: r.trace, sounds: sounds)
    }

    static func shuffle(seed: UInt64, scale: Scale) throws -> ExperimentOutcome {
        let sizes = scale == .lesson ? ShuffleExperiment.Sizes.lesson
            : ShuffleExperiment.Sizes(trainCount: 200, heldOutCount: 100, options: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 16, momentum: 0.9), repeats: 1)
        let r = try ShuffleExperiment.run(seed: seed, sizes: sizes)
        var values: [String: Double] = [
            "train": Double(r.trainCount),
            "heldout": Double(r.heldOutCount),
            "repeats": Double(r.repeats),
            "epochs": Double(r.options.epochs),
            "size": Double(r.imageSize),
        ]
        let arrangementKeys: [ShuffleExperiment.Arrangement: String] = [.original: "original", .columnsShuffled: "columns", .pixelsShuffled: "pixels"]
        let architectureKeys: [ShuffleExperiment.Architecture: String] = [.cnn: "cnn", .dense: "dense"]
        for run in r.runs {
            guard let a = arrangementKeys[run.arrangement], let k = architectureKeys[run.architecture] else { continue }
            values["\(k).\(a)"] = 100 * run.accuracy
            values["\(k).\(a).low"] = 100 * run.lowest
            values["\(k).\(a).high"] = 100 * run.highest
            values["\(k).weights"] = Double(run.parameterCount)
        }
        values["neighbours_kept"] = Double(neighboursKept(r.columnPermutation))
        // The CNN's architecture, for `pipeline` (its weights are not kept: six versions were trained).
        let network = try? Network(model: ShuffleExperiment.cnn, seed: seed)
        return ExperimentOutcome(name: "shuffle", figures: r.figures.map { ExperimentOutcome.NamedFigure(name: $0.name, caption: $0.caption, figure: $0.figure) },
                                 values: values, network: network, trace: nil, sounds: [])
    }

    /// How many pairs of neighbouring columns stay neighbours (in either order) after the permutation.
    static func neighboursKept(_ permutation: [Int]) -> Int {
        zip(permutation, permutation.dropFirst()).filter { abs($0 - $1) == 1 }.count
    }

    /// The parameters recorded in a trace's forward pass, by `state_dict` name.
    static func parameters(of trace: Trace) -> [String: Tensor] {
        var p: [String: Tensor] = [:]
        for r in trace.records where r.pass == .forward && (r.role == "weight" || r.role == "bias") {
            p["\(r.layer).\(r.role)"] = r.tensor
        }
        return p
    }
}
