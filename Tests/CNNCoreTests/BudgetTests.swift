import CNNCore
import CNNFiles
import Foundation
import Testing

/// The estimator counts what the engine allocates.
@Suite struct BudgetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["xo.json", "xo-train.json", "votes.json"])
    func parameterShapesAreTheNetworksShapes(file: String) throws {
        let model = try loadModel(path: Self.root.appendingPathComponent("lessons/models/\(file)").path)
        let network = try Network(model: model)
        let shapes = try model.parameterShapes()
        #expect(shapes.map(\.name) == network.parameters.map(\.name))
        #expect(shapes.map(\.shape) == network.parameters.map(\.tensor.shape))
        let cost = try ModelCost(model)
        #expect(cost.parameters == Double(network.parameters.map(\.tensor.count).reduce(0, +)))
        #expect(cost.activations == Double(network.shapes.map { $0.reduce(1, *) }.reduce(0, +)))
    }

    @Test func theArticlesNetworkIsFarBelowTheLimits() throws {
        let model = try loadModel(path: Self.root.appendingPathComponent("lessons/models/xo.json").path)
        let cost = try ModelCost(model)
        for e in [cost.trace(), cost.gradientCheck(), cost.render(scale: 2),
                  cost.train(images: 10_000, trainImages: 8000, batch: 16, epochs: 30, nudge: false)] {
            try BudgetLimits.standard.check(e)
            #expect(e.bytes < 1e8)
        }
    }

    @Test func anEstimateOverALimitNamesBoth() throws {
        let e = Estimate(bytes: 3 * 1_073_741_824, operations: 1, detail: "a test")
        #expect(throws: BudgetError("needs about 3.0 GiB of memory (a test), over the limit of 2.0 GiB; raise it with --memory-limit GIB or CNN_EXPLAIN_MEMORY_LIMIT")) {
            try BudgetLimits.standard.check(e)
        }
        #expect(throws: BudgetError.self) { try BudgetLimits.standard.check(Estimate(bytes: 1, operations: 2e12, detail: "")) }
    }
}
