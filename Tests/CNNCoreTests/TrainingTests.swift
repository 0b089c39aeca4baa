import Testing
@testable import CNNCore

/// The article's X and O (9×9, ±1), each moved by −1, 0 or +1 pixel across and down (wrapping
/// round, which touches only background): 18 labelled images.
func shiftedArticleImages() -> [LabeledImage] {
    let x = [".........", ".#.....#.", "..#...#..", "...#.#...", "....#....", "...#.#...", "..#...#..", ".#.....#.", "........."]
    let o = [".........", "...###...", "..#...#..", ".#.....#.", ".#.....#.", ".#.....#.", "..#...#..", "...###...", "........."]
    var set: [LabeledImage] = []
    for dy in -1...1 {
        for dx in -1...1 {
            for (label, art) in [(0, x), (1, o)] {
                var data = [Double](repeating: -1, count: 81)
                for r in 0..<9 {
                    for (c, ch) in art[r].enumerated() where ch == "#" { data[((r + dy + 9) % 9) * 9 + (c + dx + 9) % 9] = 1 }
                }
                set.append(LabeledImage(image: Tensor(shape: [1, 9, 9], data: data), label: label))
            }
        }
    }
    return set
}

/// A small trainable model: conv 3@3×3 normalize → relu → pool 2/2 ceil → dense 2 with bias, cross-entropy.
func smallTrainModel() -> ModelSpec {
    ModelSpec(input: [1, 9, 9], layers: [
        LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
        LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
        LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: true))),
    ], loss: .crossEntropy, classes: ["X", "O"])
}

@Test func trainingLowersTheLossAndBeatsChance() throws {
    let data = shiftedArticleImages()
    var trainer = Trainer(network: try Network(model: smallTrainModel(), seed: 3),
                          options: TrainingOptions(epochs: 15, learningRate: 0.1, batchSize: 4, momentum: 0.9, seed: 1))
    var steps = 0
    trainer.train(on: data, heldOut: data) { event in if case .step = event { steps += 1 } }
    #expect(steps == 15 * 5)
    let first = try #require(trainer.history.first), last = try #require(trainer.history.last)
    #expect(last.loss < first.loss / 2)
    #expect(try #require(last.heldOut).accuracy > 0.9)
    #expect(last.forwardPasses == 15 * data.count && last.backwardPasses == 15 * data.count)
}

@Test func theSameSeedGivesBitIdenticalWeights() throws {
    func run(_ seed: UInt64) throws -> [[UInt64]] {
        var trainer = Trainer(network: try Network(model: smallTrainModel(), seed: 9),
                              options: TrainingOptions(epochs: 3, learningRate: 0.1, batchSize: 5, seed: seed))
        trainer.train(on: shiftedArticleImages())
        return trainer.network.parameters.map { $0.tensor.data.map(\.bitPattern) }
    }
    #expect(try run(4) == run(4))
    #expect(try run(4) != run(5))
}

@Test func evaluationCountsEveryImageOnce() throws {
    let data = shiftedArticleImages()
    let e = evaluate(try Network(model: smallTrainModel(), seed: 1), on: data, batchSize: 7)
    #expect(e.count == data.count)
    #expect(e.confusion.flatMap { $0 }.reduce(0, +) == data.count)
    #expect(e.confusion[0].reduce(0, +) == 9 && e.confusion[1].reduce(0, +) == 9)
    #expect(isClose(e.accuracy, Double(e.correct) / Double(data.count), rtol: 0))
}

@Test func nudgingAndBackpropMoveTheWeightsTheSameWay() throws {
    // With a small nudge δ, L(w ± δ) ≈ L(w) ± δ·g, so nudging picks −sign(g) wherever g is not tiny.
    let net = try Network(model: smallTrainModel(), seed: 2)
    let c = compareNudgeWithBackprop(net, on: Array(shiftedArticleImages().prefix(8)), delta: 1e-4)
    #expect(c.entries.count == 27 + 2 * 48 + 2)
    #expect(c.disagreeing == 0)
    #expect(c.agreeing * 10 >= c.entries.count * 9)
    #expect(c.nudgeForwardPasses == 8 * (1 + 2 * c.entries.count))
}

@Test func nudgeTrainingLowersTheLossWithoutBackwardPasses() throws {
    let data = shiftedArticleImages()
    var trainer = Trainer(network: try Network(model: smallTrainModel(), seed: 3),
                          options: TrainingOptions(epochs: 3, batchSize: 18, seed: 1, method: .nudge, nudgeStep: 0.05))
    trainer.train(on: data)
    let losses = trainer.history.map(\.loss)
    #expect(losses[2] < losses[0])
    #expect(trainer.backwardPasses == 0)
    // Per minibatch: one forward pass, then two per weight.
    #expect(trainer.forwardPasses == 3 * 18 * (1 + 2 * 125))
}

@Test func backpropAgreesWithFiniteDifferences() throws {
    // Random inputs in [−1, 1) keep pooling free of ties, so no difference straddles a kink.
    var rng = SeededGenerator(seed: 5)
    let x = Tensor(shape: [1, 9, 9], data: (0..<81).map { _ in rng.uniform(-1, 1) })
    for loss in LossKind.allCases {
        var model = smallTrainModel()
        model.loss = loss
        let check = gradientCheck(try Network(model: model, seed: 4), input: x, target: 1)
        #expect(check.elements.count == 125)
        #expect(check.worstRelativeError < 1e-6, "\(loss): \(String(describing: check.worst))")
    }
}

@Test func gradientCheckFindsKinksAtPoolingTies() throws {
    // The article's X through the article's network: ±1 pixels and ±1 features give many ties.
    let x = try #require(shiftedArticleImages().first).image
    let features = Tensor(shape: [3, 1, 3, 3], data: [1, -1, -1, -1, 1, -1, -1, -1, 1,
                                                      1, -1, 1, -1, 1, -1, 1, -1, 1,
                                                      -1, -1, 1, -1, 1, -1, 1, -1, -1])
    let net = try Network(model: articleModel(), parameters: ["conv1.weight": features], seed: 1)
    let check = gradientCheck(net, input: x, target: 0)
    #expect(check.worstRelativeError < 1e-6)
    #expect(check.elements.count == 27 + 24)
    #expect(!check.kinks.isEmpty)
}

@Test func firstUpdateIsWMinusLearningRateTimesG() throws {
    var trainer = Trainer(network: try Network(model: smallTrainModel(), seed: 3),
                          options: TrainingOptions(epochs: 1, learningRate: 0.1, batchSize: 18, momentum: 0.9, seed: 1))
    let before = trainer.network
    trainer.train(on: shiftedArticleImages())
    let u = try #require(trainer.firstUpdate)
    #expect(u.parameter == "conv1.weight")
    #expect(isClose(u.newWeight, u.weight - 0.1 * u.gradient, rtol: 1e-15))
    #expect(try #require(before.parameter("conv1.weight"))[index: u.index] == u.weight)
    #expect(try #require(trainer.network.parameter("conv1.weight"))[index: u.index] == u.newWeight)
}

@Test func nudgingComparesAnEvenSampleOfABigModel() throws {
    // 125 weights with a limit of 40: every 4th (⌈125 / 40⌉), counted through the parameters in order.
    let net = try Network(model: smallTrainModel(), seed: 2)
    let full = compareNudgeWithBackprop(net, on: Array(shiftedArticleImages().prefix(4)), delta: 1e-4)
    let c = compareNudgeWithBackprop(net, on: Array(shiftedArticleImages().prefix(4)), delta: 1e-4, limit: 40)
    #expect(!full.isSample && full.totalWeights == 125)
    #expect(c.isSample && c.sampleStride == 4 && c.totalWeights == 125)
    #expect(c.entries == stride(from: 0, to: 125, by: 4).map { full.entries[$0] })
    // The cost of nudging counts every weight, sampled or not.
    #expect(c.nudgeForwardPasses == full.nudgeForwardPasses)
}
