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
    /// Sentences for the text, by key, worded by the experiment from its results
    /// (`{{shuffle:claim.verdict}}`), so the text claims only what the numbers show.
    public var texts: [String: String] = [:]
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
    /// - Parameters:
    ///   - draw: turns pen strokes into pixels (the Cairo drawer's `rasterize`), for experiments that draw their data.
    ///   - progress: called with a line now and then while an experiment trains (the CLI prints it on stderr).
    public static func run(_ name: String, seed: UInt64, scale: Scale = .lesson, draw: (StrokeDrawing) throws -> [Double],
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> ExperimentOutcome? {
        switch name {
        case "audio": return try audio(seed: seed, scale: scale, progress: progress)
        case "shuffle": return try shuffle(seed: seed, scale: scale, draw: draw, progress: progress)
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
            // The winner's softmax share as the vote bars print it, from 0 to 1.
            "traced_share": predicted < r.tracedProbabilities.count ? r.tracedProbabilities[predicted] : 0,
        ]
        values.merge(r.control?.values ?? [:]) { a, _ in a }
        // Every sound of the held-out examples, and the one traced, can be listened to.
        var sounds = r.examples
        if !sounds.contains(where: { $0.samples == r.tracedSound.samples }) { sounds.append(r.tracedSound) }
        let network = try? Network(model: r.model, parameters: parameters(of: r.trace), seed: seed)
        return ExperimentOutcome(name: "audio", figures: r.figures.map { ExperimentOutcome.NamedFigure(name: $0.name, caption: $0.caption, figure: $0.figure) },
                                 values: values, network: network, trace: r.trace, sounds: sounds)
    }

    static func shuffle(seed: UInt64, scale: Scale, draw: (StrokeDrawing) throws -> [Double],
                        progress: @escaping @Sendable (String) -> Void) throws -> ExperimentOutcome {
        let r = try ShuffleExperiment.run(seed: seed, sizes: scale == .lesson ? .lesson : .quick, draw: draw, progress: progress)
        let s = r.sizes
        var values: [String: Double] = [
            "runs": Double(s.runs),
            "size": Double(ShuffleExperiment.digitSize),
            "pixels": Double(ShuffleExperiment.digitSize * ShuffleExperiment.digitSize),
            "digits.train": Double(s.digitTrain), "digits.heldout": Double(s.digitHeldOut), "digits.epochs": Double(s.digitOptions.epochs),
            "customers.train": Double(s.customerTrain), "customers.heldout": Double(s.customerHeldOut),
            "customers.epochs": Double(s.customerOptions.epochs), "customers.columns": Double(CustomerTable.columns.count),
        ]
        for run in r.runs {
            let k = "\(run.dataset.rawValue).\(run.architecture == .cnn ? "cnn" : "dense")"
            values["\(k).\(run.arrangement.rawValue)"] = 100 * run.accuracy
            values["\(k).\(run.arrangement.rawValue).low"] = 100 * run.lowest
            values["\(k).\(run.arrangement.rawValue).high"] = 100 * run.highest
            values["\(k).weights"] = Double(run.parameterCount)
        }
        var outcome = ExperimentOutcome(name: "shuffle", figures: r.figures.map { ExperimentOutcome.NamedFigure(name: $0.name, caption: $0.caption, figure: $0.figure) },
                                        values: values, network: r.network(.digits, .original, .cnn), trace: nil, sounds: [])
        outcome.texts = r.claims
        outcome.texts["rule"] = ShuffleFigures.ruleText(r.data.heldOutCustomers.rule)
        return outcome
    }

    /// The parameters recorded in a trace's forward pass, by `state_dict` name.
    static func parameters(of trace: Trace) -> [String: Tensor] {
        var p: [String: Tensor] = [:]
        for r in trace.records where r.pass == .forward && (r.role == .weight || r.role == .bias) {
            p["\(r.layer).\(r.role)"] = r.tensor
        }
        return p
    }
}
