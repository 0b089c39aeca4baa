import CNNCore
import CNNData
import CNNFigures
import Foundation

extension ShuffleExperiment {
    /// One training: a network on one version of one data set, from one seed.
    struct Job: Sendable {
        var dataset: Dataset
        var arrangement: Arrangement
        var architecture: Architecture
        /// 0-based: the run trains from seed `seed + run`.
        var run: Int
    }

    /// What one training gave.
    struct JobResult: Sendable {
        var accuracy: Double
        /// Held-out accuracy after each epoch and the trained network: the first run's only.
        var history: [EpochSummary]
        var network: Network?
        var seconds: Double
    }

    /// Makes the data, runs every training (two at a time) and builds the figures and claims.
    /// - Parameters:
    ///   - draw: turns a digit's strokes into 28×28 pixels (`CNNRender.rasterize`).
    ///   - progress: called with one line after each training, from the training threads one at a time.
    /// - Throws: what `draw` throws; `ModelError` never in practice (the models are fixed and valid).
    public static func run(seed: UInt64, sizes: Sizes = .lesson, draw: (StrokeDrawing) throws -> [Double],
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> ShuffleResult {
        let clock = ContinuousClock()
        let start = clock.now
        let data = try ShuffleData.make(seed: seed, sizes: sizes, draw: draw)
        // The slowest trainings first, so the two threads finish together.
        var jobs: [Job] = []
        for dataset in Dataset.allCases {
            for architecture in Architecture.allCases {
                for arrangement in Arrangement.allCases {
                    for r in 0..<sizes.runs { jobs.append(Job(dataset: dataset, arrangement: arrangement, architecture: architecture, run: r)) }
                }
            }
        }
        let results = runJobs(jobs, data: data, seed: seed, sizes: sizes, progress: progress)
        var runs: [ShuffleResult.Run] = []
        var networks: [String: Network] = [:]
        for dataset in Dataset.allCases {
            for arrangement in Arrangement.allCases {
                for architecture in Architecture.allCases {
                    let mine = jobs.indices.filter {
                        jobs[$0].dataset == dataset && jobs[$0].arrangement == arrangement && jobs[$0].architecture == architecture
                    }.sorted { jobs[$0].run < jobs[$1].run }.map { results[$0] }
                    let network = try Network(model: model(dataset, architecture), seed: seed)
                    runs.append(ShuffleResult.Run(dataset: dataset, arrangement: arrangement, architecture: architecture,
                                                  accuracies: mine.map(\.accuracy), history: mine.first?.history ?? [],
                                                  parameterCount: network.parameters.reduce(0) { $0 + $1.tensor.count },
                                                  seconds: mine.reduce(0) { $0 + $1.seconds }))
                    networks[ShuffleResult.key(dataset, arrangement, architecture)] = mine.first?.network
                }
            }
        }
        var result = ShuffleResult(seed: seed, sizes: sizes, data: data, runs: runs, networks: networks, totalSeconds: 0, figures: [])
        result.figures = ShuffleFigures.make(result)
        result.totalSeconds = AudioExperiment.seconds(clock.now - start)
        return result
    }

    /// Runs `jobs` on two threads; the results come back in the jobs' order, the same bits
    /// whatever the order they finished in.
    static func runJobs(_ jobs: [Job], data: ShuffleData, seed: UInt64, sizes: Sizes,
                        progress: @escaping @Sendable (String) -> Void) -> [JobResult] {
        let board = JobBoard(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let i = board.next() {
                let result = train(jobs[i], data: data, seed: seed, sizes: sizes)
                let done = board.finish(i, result)
                let job = jobs[i]
                progress("shuffle: \(done) of \(jobs.count) trainings done (\(job.dataset.rawValue), \(job.arrangement.rawValue), "
                         + "\(job.architecture.rawValue), seed \(seed &+ UInt64(job.run)): "
                         + formatNumber(100 * result.accuracy, .rounded(1)) + "% held out)")
            }
        }
        return board.results()
    }

    /// One training. Run `r` starts from the same weights and minibatch order on both versions.
    static func train(_ job: Job, data: ShuffleData, seed: UInt64, sizes: Sizes) -> JobResult {
        let clock = ContinuousClock()
        let start = clock.now
        let split = data.split(job.dataset, job.arrangement)
        var options = job.dataset == .digits ? sizes.digitOptions : sizes.customerOptions
        options.seed = seed &+ UInt64(job.run)
        guard let network = try? Network(model: model(job.dataset, job.architecture), seed: options.seed) else {
            return JobResult(accuracy: .nan, history: [], network: nil, seconds: 0)
        }
        var trainer = Trainer(network: network, options: options)
        // Only the first run's curve is drawn, so only it is scored after every epoch.
        let first = job.run == 0
        trainer.train(on: split.train, heldOut: first ? split.heldOut : [])
        let accuracy = first ? (trainer.history.last?.heldOut?.accuracy ?? .nan) : evaluate(trainer.network, on: split.heldOut).accuracy
        return JobResult(accuracy: accuracy, history: first ? trainer.history : [], network: first ? trainer.network : nil,
                         seconds: AudioExperiment.seconds(clock.now - start))
    }
}

/// Hands out job indices to the training threads and keeps their results.
final class JobBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var done = 0
    private var slots: [ShuffleExperiment.JobResult?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < slots.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    /// Stores job `i`'s result; returns how many jobs are done.
    func finish(_ i: Int, _ result: ShuffleExperiment.JobResult) -> Int {
        lock.lock(); defer { lock.unlock() }
        slots[i] = result
        done += 1
        return done
    }

    func results() -> [ShuffleExperiment.JobResult] {
        lock.lock(); defer { lock.unlock() }
        return slots.map { $0 ?? ShuffleExperiment.JobResult(accuracy: .nan, history: [], network: nil, seconds: 0) }
    }
}

/// What the shuffle experiment found: plain values for a lesson's text, and its figures.
public struct ShuffleResult: Sendable {
    /// One network on one version of one data set, trained `sizes.runs` times.
    public struct Run: Sendable {
        public var dataset: ShuffleExperiment.Dataset
        public var arrangement: ShuffleExperiment.Arrangement
        public var architecture: ShuffleExperiment.Architecture
        /// Each run's held-out accuracy after the last epoch, 0…1, in seed order.
        public var accuracies: [Double]
        /// The first run's epochs, each with its held-out evaluation.
        public var history: [EpochSummary]
        /// Weights and biases in the network.
        public var parameterCount: Int
        /// Wall-clock seconds of training, all runs together.
        public var seconds: Double

        /// The mean held-out accuracy over the runs, 0…1.
        public var accuracy: Double { accuracies.reduce(0, +) / Double(max(1, accuracies.count)) }
        /// The lowest and highest held-out accuracy of the runs.
        public var lowest: Double { accuracies.min() ?? .nan }
        public var highest: Double { accuracies.max() ?? .nan }
    }

    public var seed: UInt64
    public var sizes: ShuffleExperiment.Sizes
    public var data: ShuffleData
    /// Eight rows: for each data set and version, the CNN then the dense network.
    public var runs: [Run]
    /// The first run's trained networks, by `key(dataset, arrangement, architecture)`.
    public var networks: [String: Network]
    /// Wall-clock seconds for everything: data, trainings, figures.
    public var totalSeconds: Double
    /// The figures, named `shuffle-…`, with captions.
    public var figures: [(name: String, caption: String, figure: Figure)]

    static func key(_ d: ShuffleExperiment.Dataset, _ a: ShuffleExperiment.Arrangement, _ m: ShuffleExperiment.Architecture) -> String {
        "\(d.rawValue)/\(a.rawValue)/\(m.rawValue)"
    }

    /// The row of `architecture` on `dataset` in `arrangement`.
    public func run(_ dataset: ShuffleExperiment.Dataset, _ arrangement: ShuffleExperiment.Arrangement,
                    _ architecture: ShuffleExperiment.Architecture) -> Run? {
        runs.first { $0.dataset == dataset && $0.arrangement == arrangement && $0.architecture == architecture }
    }

    /// The first run's trained network.
    public func network(_ dataset: ShuffleExperiment.Dataset, _ arrangement: ShuffleExperiment.Arrangement,
                        _ architecture: ShuffleExperiment.Architecture) -> Network? {
        networks[Self.key(dataset, arrangement, architecture)]
    }
}
