import CNNCore
import CNNFiles
import CNNTraining
import Foundation
import Testing
import TestSupport

// The xo lesson's two-convolution network (lessons/models/xo-deep.json) ships trained weights, so
// the lesson never trains. They come from this command, run from the package root:
//
//     cnn-explain train --model lessons/models/xo-deep.json --epochs 10 --count 2000 --seed 3 \
//         --out lessons/models/xo-deep.weights.json
//
// The test runs the same training through the library (what the command calls) and checks that
// it writes the shipped file byte for byte.

@Test func shippedDeepWeightsAreTheDocumentedTrainingRun() throws {
    let model = Fixtures.lessons.appendingPathComponent("models/xo-deep.json").path
    var options = TrainingDefaults.options
    options.epochs = 10
    options.seed = 3
    let request = TrainRequest(model: model, options: options, trainCount: 2000)
    let outcome = try request.prepare().train(options: options)
    let shipped = try Data(contentsOf: Fixtures.lessons.appendingPathComponent("models/xo-deep.weights.json"))
    #expect(WeightsFile.data(outcome.network) == shipped)
    // The run learned: most held-out images are classified right.
    #expect((outcome.heldOut?.accuracy ?? 0) > 0.9)
}
