import CNNCore
import CNNFigures
import CNNFiles
import CNNRender
@testable import CNNTerminal
@testable import CNNTraining
import Foundation
import Testing
@testable import CNNLessons

// Small, fast runs of the audio and shuffle experiments. Set CNN_EXPERIMENT_FIGURES=/some/folder
// to write every figure of a full-size run there as PNG, for looking at (CNN_EXPERIMENT_SEED picks the seed).

private let smallAudio = AudioExperiment.Sizes(trainPerKind: 30, heldOutPerKind: 10,
                                               options: TrainingOptions(epochs: 4, learningRate: 0.05, batchSize: 16, momentum: 0.9),
                                               wavPerKind: 1)

@Test func audioExperimentShapesAndBeatsChance() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audio-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try AudioExperiment.run(seed: 3, sizes: smallAudio, wavFolder: dir.appendingPathComponent("audio").path)
    #expect(r.classes == ["rising chirp", "falling chirp", "harmonic tone", "click train"])
    #expect(r.trainCount == 120 && r.heldOutCount == 40)
    #expect(r.bands == 24 && r.steps == 24 && r.bandEdges.count == 25)
    #expect(r.history.count == 4 && r.epochs == 4)
    #expect(r.heldOut.count == 40 && r.heldOut.confusion.count == 4)
    #expect(r.parameterCount == 8 * 25 + 8 + 4 * 800 + 4)
    #expect(r.heldOutAccuracy > 0.5, "chance is 0.25; got \(r.heldOutAccuracy)")
    #expect(r.examples.map(\.kind.rawValue) == [0, 1, 2, 3])
    #expect(r.trace.record("conv1", "output")?.shape == [8, 20, 20])
    #expect(abs(r.tracedProbabilities.reduce(0, +) - 1) < 1e-9)
    #expect(r.figures.map(\.name) == ["audio-sounds", "audio-sounds-2", "audio-training", "audio-confusion", "audio-features", "audio-trace"])
    #expect(r.figures.allSatisfy { !$0.caption.isEmpty })
    // One WAV per kind, each 44 + 2·4000 bytes.
    #expect(r.wavFiles.map { ($0 as NSString).lastPathComponent } == ["rising-chirp-1.wav", "falling-chirp-1.wav", "harmonic-tone-1.wav", "click-train-1.wav"])
    for path in r.wavFiles {
        #expect((try? Data(contentsOf: URL(fileURLWithPath: path)).count) == 44 + 8000)
    }
    for (name, _, figure) in r.figures {
        let s = try size(of: figure)
        #expect(s.width > 0 && s.height > 0, "\(name)")
    }
}

@Test func audioExperimentIsDeterministic() throws {
    let tiny = AudioExperiment.Sizes(trainPerKind: 8, heldOutPerKind: 4,
                                     options: TrainingOptions(epochs: 2, learningRate: 0.05, batchSize: 8, momentum: 0.9))
    let a = try AudioExperiment.run(seed: 5, sizes: tiny), b = try AudioExperiment.run(seed: 5, sizes: tiny)
    #expect(a.history.map(\.loss) == b.history.map(\.loss))
    #expect(a.trace == b.trace)
    #expect(a.figures.map(\.caption) == b.figures.map(\.caption))
    let pngA = try renderData(a.figures[0].figure, format: .png), pngB = try renderData(b.figures[0].figure, format: .png)
    #expect(pngA == pngB)
}

@Test func experimentFiguresFitAnEightyColumnTerminal() throws {
    let audio = try AudioExperiment.run(seed: 1, sizes: AudioExperiment.Sizes(
        trainPerKind: 4, heldOutPerKind: 2, options: TrainingOptions(epochs: 1, batchSize: 8)))
    let shuffle = try ShuffleExperiment.run(seed: 1, sizes: tinyShuffle, draw: rasterize)
    let show = ProcessInfo.processInfo.environment["CNN_EXPERIMENT_TERMINAL"] != nil
    for (name, caption, figure) in audio.figures + shuffle.figures {
        let lines = FigureText(palette: Palette(color: false), width: 80).panel(figure).lines
        #expect(!lines.isEmpty, "\(name)")
        for line in lines { #expect(displayWidth(line) <= 80, "\(name): \(line)") }
        if show { print("== \(name): \(caption)\n" + lines.joined(separator: "\n")) }
    }
}

