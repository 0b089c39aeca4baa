import CNNCore
import CNNData
import CNNFigures
import CNNFiles
import Foundation

/// The article's "beyond images" idea for sound: "audio signals can be chopped into short time
/// chunks, and then each chunk broken up into bass, midrange, treble, or finer frequency bands".
///
///     sounds (SoundGenerator) → spectrograms [1, 24, 24] → CNN → rising chirp / falling chirp / harmonic tone / click train
///
/// Training and held-out sounds come from different seeds, so the held-out accuracy is measured
/// on sounds the network never heard.
public enum AudioExperiment {
    /// How much data and training; `.lesson` is what the lesson runs, tests use smaller ones.
    public struct Sizes: Sendable, Equatable {
        /// Training sounds of each kind.
        public var trainPerKind: Int
        /// Held-out sounds of each kind.
        public var heldOutPerKind: Int
        /// Training settings (the seed is replaced by the experiment's).
        public var options: TrainingOptions
        /// Sounds of each kind written as WAV files when a folder is given.
        public var wavPerKind: Int
        /// The control experiment (`AudioControl`) on the same sounds, or `nil` to skip it.
        public var control: AudioControl.Sizes?

        public init(trainPerKind: Int, heldOutPerKind: Int, options: TrainingOptions, wavPerKind: Int = 2,
                    control: AudioControl.Sizes? = nil) {
            self.trainPerKind = trainPerKind
            self.heldOutPerKind = heldOutPerKind
            self.options = options
            self.wavPerKind = wavPerKind
            self.control = control
        }

        /// 150 training and 50 held-out sounds per kind (600 and 200), 12 epochs of SGD with
        /// momentum, and the control experiment at its lesson size.
        public static let lesson = Sizes(trainPerKind: 150, heldOutPerKind: 50,
                                         options: TrainingOptions(epochs: 12, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                         control: .lesson)
    }

    /// The name the lesson gives the traced example's trace (the experiment's name).
    public static let traceName = "audio"

    /// The spectrogram settings: 24 chunks of 32 ms every 20 ms, 24 mel-spaced bands from 0 to 4000 Hz.
    public static let spectrogramSettings = SpectrogramSettings()

    /// The network: 8 learned 5×5 features over the spectrogram, ReLU, 2×2 max pooling, and
    /// votes for the four kinds.
    ///
    ///     [1, 24, 24] → conv1 8@5×5 → [8, 20, 20] → relu → pool 2×2 → [8, 10, 10] → dense → [4]
    public static let model = ModelSpec(
        input: [1, 24, 24],
        layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 8, kernelH: 5, kernelW: 5))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 4))),
        ],
        loss: .crossEntropy,
        classes: SoundKind.allCases.map(\.name))

    /// Runs the experiment: makes the sounds, trains the network, evaluates it on held-out
    /// sounds, traces one of them, and builds the figures. With `wavFolder`, also writes
    /// `wavPerKind` sounds of each kind there as `KIND-N.wav` (creating the folder).
    /// - Throws: `FileError` when the WAV files cannot be written; `ModelError` never in practice
    ///   (the model is fixed and valid).
    /// `progress` gets a line now and then while the networks train.
    public static func run(seed: UInt64, sizes: Sizes = .lesson, wavFolder: String? = nil,
                           progress: (String) -> Void = { _ in }) throws -> AudioResult {
        let clock = ContinuousClock()
        let start = clock.now
        var trainGen = SoundGenerator(seed: seed)
        var heldGen = SoundGenerator(seed: seed &+ 0x9E37_79B9)
        let trainSounds = trainGen.makeSet(perKind: sizes.trainPerKind)
        let heldSounds = heldGen.makeSet(perKind: sizes.heldOutPerKind)
        let settings = spectrogramSettings
        func labelled(_ sounds: [Sound]) -> [LabeledImage] {
            sounds.map { LabeledImage(image: Spectrogram(samples: $0.samples, sampleRate: $0.sampleRate, settings: settings).image, label: $0.kind.rawValue) }
        }
        let train = labelled(trainSounds), heldOut = labelled(heldSounds)

        var options = sizes.options
        options.seed = seed
        let network = try Network(model: model, seed: seed)
        var trainer = Trainer(network: network, options: options)
        let trainStart = clock.now
        progress("audio: training the CNN on \(train.count) sounds for \(options.epochs) epochs")
        trainer.train(on: train, heldOut: heldOut)
        let trainSeconds = seconds(clock.now - trainStart)
        let trained = trainer.network
        let evaluation = trainer.history.last?.heldOut ?? evaluate(trained, on: heldOut)

        // One example of each kind (the first held-out one) to look at and trace.
        let examples = SoundKind.allCases.compactMap { kind in heldSounds.first { $0.kind == kind } }
        let traced = examples[0]
        let tracedSpectrogram = Spectrogram(samples: traced.samples, sampleRate: traced.sampleRate, settings: settings)
        let trace = trained.trace(input: tracedSpectrogram.image, target: traced.kind.rawValue)
        let scores = trace.record("out", .output)?.data ?? []
        let probabilities = softmax(scores)
        let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0

        var wavFiles: [String] = []
        if let wavFolder {
            wavFiles = try writeWAVs(trainSounds, perKind: sizes.wavPerKind, to: wavFolder)
        }

        var result = AudioResult(
            seed: seed, classes: model.classNames, trainCount: train.count, heldOutCount: heldOut.count,
            sampleRate: traced.sampleRate, duration: traced.duration,
            bands: tracedSpectrogram.bands, steps: tracedSpectrogram.steps, bandEdges: tracedSpectrogram.bandEdges,
            frameMilliseconds: 1000 * Double(settings.frameLength) / Double(traced.sampleRate),
            hopMilliseconds: 1000 * Double(settings.hop) / Double(traced.sampleRate),
            model: model, parameterCount: trained.parameters.reduce(0) { $0 + $1.tensor.count },
            options: options, history: trainer.history, heldOut: evaluation,
            examples: examples, tracedSound: traced, trace: trace, tracedProbabilities: probabilities, tracedPrediction: predicted,
            wavFiles: wavFiles, trainSeconds: trainSeconds, totalSeconds: 0, control: nil, figures: [])
        // The kinds take turns in the training set, so its first sounds hold as many of each kind.
        result.control = try sizes.control.map { c in
            try AudioControl.run(seed: seed, train: Array(train.prefix(c.trainPerKind * SoundKind.allCases.count)), heldOut: heldOut,
                                 sizes: c, progress: progress)
        }
        result.figures = AudioFigures.make(result, network: trained, settings: settings)
        result.totalSeconds = seconds(clock.now - start)
        return result
    }

    /// Writes the first `perKind` sounds of each kind in `sounds` to `folder` as `KIND-N.wav`
    /// (`rising-chirp-1.wav`, …), creating the folder. Returns the paths written, in kind order.
    /// - Throws: `FileError` naming the folder or file that could not be written.
    @discardableResult
    public static func writeWAVs(_ sounds: [Sound], perKind: Int, to folder: String) throws(FileError) -> [String] {
        do {
            try createFolders(folder)
        } catch {
            throw FileError(file: folder, "cannot create the folder: \(error.localizedDescription)")
        }
        var paths: [String] = []
        for kind in SoundKind.allCases {
            for (n, sound) in sounds.filter({ $0.kind == kind }).prefix(max(0, perKind)).enumerated() {
                let path = (folder as NSString).appendingPathComponent("\(kind.slug)-\(n + 1).wav")
                try WAV.write(samples: sound.samples, sampleRate: sound.sampleRate, to: path)
                paths.append(path)
            }
        }
        return paths
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// `p_k = e^(s_k − max s) / Σ_j e^(s_j − max s)`.
    static func softmax(_ s: [Double]) -> [Double] {
        guard let top = s.max() else { return [] }
        let e = s.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

/// What the audio experiment found: plain values for a lesson's text, and its figures.
public struct AudioResult: Sendable {
    public var seed: UInt64
    /// The four kinds, in label order.
    public var classes: [String]
    /// Sounds trained on and held out.
    public var trainCount: Int
    public var heldOutCount: Int
    /// Samples per second and seconds per sound.
    public var sampleRate: Int
    public var duration: Double
    /// The spectrogram's size, its `bands + 1` band edges in Hz, and its chunk length and hop in ms.
    public var bands: Int
    public var steps: Int
    public var bandEdges: [Double]
    public var frameMilliseconds: Double
    public var hopMilliseconds: Double
    /// The network and its number of weights and biases.
    public var model: ModelSpec
    public var parameterCount: Int
    public var options: TrainingOptions
    /// One summary per epoch (training loss and accuracy, held-out evaluation).
    public var history: [EpochSummary]
    /// The held-out evaluation after the last epoch: `accuracy`, `correct`, `count`, `confusion`.
    public var heldOut: Evaluation
    /// One held-out sound of each kind, in kind order.
    public var examples: [Sound]
    /// The traced sound (the first example), its trace, the network's probabilities and its pick.
    public var tracedSound: Sound
    public var trace: Trace
    public var tracedProbabilities: [Double]
    public var tracedPrediction: Int
    /// The WAV files written, when a folder was given.
    public var wavFiles: [String]
    /// Wall-clock seconds spent training (held-out evaluation after each epoch included), and in all.
    public var trainSeconds: Double
    public var totalSeconds: Double
    /// The control experiment's results, when it ran.
    public var control: AudioControlResult?
    /// The figures, named `audio-…`, with captions.
    public var figures: [(name: String, caption: String, figure: Figure)]

    /// The held-out accuracy, 0…1.
    public var heldOutAccuracy: Double { heldOut.accuracy }
    /// The number of epochs trained.
    public var epochs: Int { history.count }
    /// Chance level: one over the number of kinds.
    public var chance: Double { 1 / Double(max(1, classes.count)) }
}

/// The audio lesson's figures.
enum AudioFigures {
    static func make(_ r: AudioResult, network: Network, settings: SpectrogramSettings) -> [(name: String, caption: String, figure: Figure)] {
        var figures: [(name: String, caption: String, figure: Figure)] = []
        func spectrogramFigure(_ sound: Sound, title: String?, legend: Bool, cell: Double = 7) -> Figure {
            let s = Spectrogram(samples: sound.samples, sampleRate: sound.sampleRate, settings: settings)
            let grid = Grid(rows: s.bands, cols: s.steps, values: s.values) ?? Grid([[]])
            return .spectrogram(SpectrogramFigure(grid: grid, bandEdges: s.bandEdges, timeEdges: s.timeEdges, title: title,
                                                  legend: legend ? "log power: +1 is the loudest cell, −1 is \(Int(settings.dynamicRange)) dB or more below it" : nil,
                                                  cellWidth: cell, cellHeight: cell))
        }
        // 1. One spectrogram per kind, two to a figure (`audio-sounds`, `audio-sounds-2`), so
        //    each figure fits under text without being shrunk.
        for (n, start) in stride(from: 0, to: r.examples.count, by: 2).enumerated() {
            let pair = Array(r.examples[start..<min(start + 2, r.examples.count)])
            let panels = pair.enumerated().map { i, sound in spectrogramFigure(sound, title: sound.kind.name, legend: n == 0 && i == 0) }
            let summaries = pair.map { TextBlock.escape($0.summary) }.joined(separator: "; ")
            let lead = n == 0 ? "One held-out sound of each kind as a spectrogram: \(r.steps) time chunks of \(formatCount(r.frameMilliseconds)) ms every \(formatCount(r.hopMilliseconds)) ms across, \(r.bands) frequency bands up (narrow in the bass, wide in the treble). "
                : "The other two kinds: "
            figures.append((n == 0 ? "audio-sounds" : "audio-sounds-\(n + 1)", lead + summaries + ".", .row(panels, spacing: 28)))
        }

        // 2. Training curves.
        let epochs = r.history.map { Double($0.epoch) }
        let curves = LinePlotFigure(series: [
            Series(name: "training loss", x: epochs, y: r.history.map(\.loss)),
            Series(name: "training accuracy", x: epochs, y: r.history.map(\.accuracy)),
            Series(name: "held-out accuracy", x: epochs, y: r.history.map { $0.heldOut?.accuracy ?? .nan }),
        ], title: "training on \(r.trainCount) spectrograms", xLabel: "epoch", yLabel: "")
        figures.append(("audio-training", "Loss and accuracy per epoch; held-out accuracy is measured on \(r.heldOutCount) sounds the network never trained on.", .linePlot(curves)))

        // 3. Held-out confusion table.
        let header = ["true \\ answer"] + r.classes
        let rows = r.heldOut.confusion.enumerated().map { t, counts in [r.classes[t]] + counts.map(String.init) }
        let diagonal = Set(r.classes.indices.map { Cell(row: $0, col: $0 + 1) })
        var confusion = TableFigure(header: header, rows: rows, bold: diagonal)
        confusion.sources = confusionSources(r)
        figures.append(("audio-confusion", "Held-out sounds by true kind (rows) and the network's answer (columns): \(r.heldOut.correct) of \(r.heldOut.count) right.",
                        .table(confusion)))

        // 4. Learned first-layer features, on one diverging scale with its key.
        let features = featureGrids(network, layer: "conv1")
        let featureScale = features.flatMap { $0.grid.values.map(abs) }.max().map { $0 > 0 ? $0 : 1 } ?? 1
        figures.append(("audio-features", "The \(features.count) features the convolution learned, each 5 bands high and 5 chunks wide, all on one colour scale (the key under the last): blue cells are positive weights, orange hatched cells negative ones, white is 0. A feature with a diagonal of positive weights would answer to a chirp, a row to a steady pitch, a column to a click.",
                        featureBank(features, scale: featureScale)))

        // 5. The traced example: the input, the maps of the four features that voted most for the
        //    answer (after ReLU, on one colour scale), and the vote.
        if let relu = r.trace.record("relu1", .output), relu.shape.count == 3,
           let pooled = r.trace.record("pool1", .output), let votes = network.parameter("out.weight") {
            let (c, h, w) = (relu.shape[0], relu.shape[1], relu.shape[2])
            let contributions = voteContributions(pooled: pooled.data, channels: c, weights: votes, to: r.tracedPrediction)
            let chosen = (0..<c).sorted { contributions[$0] > contributions[$1] }.prefix(4).sorted()
            let mapsData = chosen.map { k in Array(relu.data[(k * h * w)..<((k + 1) * h * w)]) }
            let scale = mapsData.flatMap { $0 }.max().map { $0 > 0 ? $0 : 1 } ?? 1
            let maps: [Figure] = zip(chosen, mapsData).map { k, values in
                let grid = Grid(rows: h, cols: w, values: values) ?? Grid([[]])
                let vote = formatNumber(contributions[k], .rounded(2))
                return .column([
                    .featureMap(FeatureMapFigure(map: features[k].grid, title: features[k].name, scale: featureScale, showNumbers: false,
                                                 showLegend: false, cellSize: 8)),
                    .featureMap(FeatureMapFigure(map: grid, title: "adds \(vote)", scale: scale, showNumbers: false,
                                                 showLegend: k == chosen.first, cellSize: 6)),
                ], spacing: 6)
            }
            var bars = VoteBarsFigure(labels: r.classes, values: r.tracedProbabilities, title: "the network's vote (softmax)", range: 0...1)
            bars.derived = softmaxShares(r)
            // One above the other: side by side the spectrogram and the bars are wider than the
            // text column, and shrinking them would shrink their labels.
            let trace: Figure = .column([
                spectrogramFigure(r.tracedSound, title: "input: \(r.tracedSound.kind.name)", legend: false),
                .voteBars(bars),
                .row(maps, spacing: 18),
            ], spacing: 18)
            let said = r.classes[r.tracedPrediction]
            figures.append(("audio-trace", "One held-out \(r.tracedSound.kind.name) through the network. Top: its spectrogram, then the network's vote — \(said), with a share of \(formatNumber(r.tracedProbabilities[r.tracedPrediction], .rounded(2))). Bottom: the four features (coloured as in the previous figure) whose maps added most to the vote for \(said) (\"adds\": that map's pooled values times their voting weights, summed), each map after ReLU on one shared colour scale. A map is \(h)×\(w), 4 chunks shorter and 4 bands lower than the input, because a 5×5 feature fits in \(h)×\(w) places; its rows and columns line up with the spectrogram's bands and chunks.",
                            trace))
        }
        return figures + controlFigures(r, settings: settings)
    }

    /// Each cell of the confusion table, a count of the held-out evaluation after the last epoch.
    static func confusionSources(_ r: AudioResult) -> [Cell: [TextSource]] {
        var sources: [Cell: [TextSource]] = [:]
        for (t, counts) in r.heldOut.confusion.enumerated() {
            for (a, n) in counts.enumerated() where t < r.classes.count && a < r.classes.count {
                let why = "counted: of the \(r.heldOut.count) held-out sounds, after the last epoch, the \(r.classes[t]) sounds "
                    + "the network answered \(r.classes[a]) (its largest vote)"
                sources[Cell(row: t, col: a + 1)] = [TextSource(String(n), derived: DerivedNumber("held-out \(r.classes[t]) answered \(r.classes[a])",
                                                                                                   .given(why), [], value: Double(n)))]
            }
        }
        return sources
    }

    /// The traced sound's vote as softmax shares of the traced scores (`out.output` of trace `audio`):
    /// `p_k = e^(s_k) / Σ_j e^(s_j)`.
    static func softmaxShares(_ r: AudioResult) -> [DerivedNumber?] {
        guard let scores = r.trace.record("out", .output)?.data, scores.count == r.tracedProbabilities.count else { return [] }
        let operands = scores.enumerated().map { j, s in
            DerivedOperand("score of \(j < r.classes.count ? r.classes[j] : String(j))", s, text: formatNumber(s, .standard),
                           source: TraceSource(trace: AudioExperiment.traceName, key: "out.output", index: j))
        }
        return r.tracedProbabilities.indices.map { k in
            DerivedNumber("vote for \(k < r.classes.count ? r.classes[k] : String(k))", .softmaxShare(k), operands, value: r.tracedProbabilities[k])
        }
    }

    /// The control experiment's figures, when it ran: one sound in its four versions, and the table.
    static func controlFigures(_ r: AudioResult, settings: SpectrogramSettings) -> [(name: String, caption: String, figure: Figure)] {
        guard let control = r.control else { return [] }
        var figures: [(name: String, caption: String, figure: Figure)] = []
        if let sound = r.examples.first {
            figures.append(("audio-control-versions", "One held-out \(sound.kind.name) in the four versions, in gray: white is the loudest cell, black the quietest. No axes: a shuffled row or column is no longer one band or one time.",
                            AudioControl.versionsFigure(Spectrogram(samples: sound.samples, sampleRate: sound.sampleRate, settings: settings), seed: r.seed)))
        }
        figures.append(("audio-control", control.caption, .table(control.table)))
        return figures
    }

    /// Features four to a row on one diverging scale (blue +, orange hatched −), the key under the last.
    static func featureBank(_ features: [NamedGrid], scale: Double) -> Figure {
        let rows = stride(from: 0, to: features.count, by: 4).map { i in
            Figure.row(features.indices[i..<min(i + 4, features.count)].map { k in
                .featureMap(FeatureMapFigure(map: features[k].grid, title: features[k].name, scale: scale, showNumbers: false,
                                             showLegend: k == features.count - 1, cellSize: 14))
            }, spacing: 28)
        }
        return .column(rows, spacing: 14)
    }

    /// Each feature of a conv layer as a `NamedGrid` (`feature 1`, …), one input channel.
    static func featureGrids(_ network: Network, layer: String) -> [NamedGrid] {
        guard let w = network.parameter("\(layer).weight"), w.shape.count == 4 else { return [] }
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let per = w.shape[1] * kh * kw
        return (0..<o).map { k in
            NamedGrid(name: "feature \(k + 1)", grid: Grid(rows: kh, cols: kw, values: Array(w.data[(k * per)..<(k * per + kh * kw)])) ?? Grid([[]]))
        }
    }

    /// How much each channel of a pooled map adds to the score of class `k`:
    ///
    ///     contribution[c] = Σ_i w[k, c·n + i] · pooled[c·n + i],   n = values per channel
    ///
    /// (the score is the sum of these plus the bias).
    static func voteContributions(pooled: [Double], channels: Int, weights: Tensor, to k: Int) -> [Double] {
        let n = pooled.count / max(1, channels)
        let inputs = weights.shape[1]
        return (0..<channels).map { c in
            (0..<n).reduce(0) { $0 + weights.data[k * inputs + c * n + $1] * pooled[c * n + $1] }
        }
    }
}
