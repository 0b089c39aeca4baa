@testable import CNNCore
import CNNFiles
import CNNTraining
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

    /// The memory estimate counts what the workspace allocates (read from the workspace), within
    /// 1 %: conv layers that keep their columns for the batch, ones that work by blocks of rows, and
    /// Winograd layers (32 → 64 and 64 → 128 hold its per-part blocks and transformed kernels).
    @Test(arguments: [(28, 8, 16, 1), (28, 8, 16, 32), (28, 8, 16, 128), (56, 64, 128, 32), (112, 8, 16, 8), (0, 0, 0, 4),
                      (28, 32, 64, 5)])
    func workspaceEstimateIsWhatTheWorkspaceAllocates(image: Int, f1: Int, f2: Int, batch: Int) throws {
        let model = image == 0 ? try loadModel(path: Self.root.appendingPathComponent("lessons/models/xo-deep.json").path)
            : Benchmarks.digitsModel(image: image, features: (f1, f2))
        let network = try Network(model: model)
        let allocated = Double(Workspace(network: network, batch: batch).allocatedBytes)
        let estimate = try ModelCost(model).workspaceBytes(batch: batch)
        #expect(abs(estimate / allocated - 1) < 0.01, "estimate \(estimate) bytes, allocated \(allocated)")
    }

    /// A wide layer works by blocks of rows (im2col, conv1 here) or of tiles (Winograd, conv2): its
    /// workspace is far below the whole batch's columns, and so are the Winograd blocks and the
    /// transformed kernels (`WinogradSizes`, at most 4 parts of 2 MB blocks and the kernels).
    @Test func wideLayersDoNotHoldTheBatchsColumns() throws {
        let model = Benchmarks.digitsModel(image: 56, features: (64, 128))
        let cost = try ModelCost(model), network = try Network(model: model)
        let wholeBatchColumns = 8 * cost.columns * 32, arrays = 8 * (2 * cost.activations * 32 + cost.parameters)
        let plan = WorkspaceSizes(kernels: network.kernels, sizes: network.shapes.map { $0.reduce(1, *) }, batch: 32)
        let winograd = 8 * Double(plan.winograd.count)
        #expect(winograd > 0 && winograd < wholeBatchColumns / 4)
        #expect(cost.workspaceBytes(batch: 32) < arrays + wholeBatchColumns / 4 + winograd)
        #expect(cost.workspaceBytes(batch: 32) > arrays + winograd)
    }
}
