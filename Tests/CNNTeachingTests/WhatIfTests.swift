import CNNInputs
import CNNAnalysis
import CNNCore
import CNNFiles
import CNNTeaching
import Foundation
import Testing
import TestSupport

let root = Fixtures.packageRoot.path
func path(_ p: String) -> String { root + "/" + p }
let model = path("lessons/models/xo.json"), weights = path("lessons/models/xo.weights.json")
let xInput = path("lessons/inputs/x.txt"), deformed = path("lessons/inputs/x_deformed.txt")

/// The pixels where the deformed X differs from the X, read from the two files, as flips.
func flipsFromXToDeformed() throws -> [WhatIfChange] {
    let a = try String(contentsOfFile: xInput, encoding: .utf8).split(separator: "\n").map(Array.init)
    let b = try String(contentsOfFile: deformed, encoding: .utf8).split(separator: "\n").map(Array.init)
    var flips: [WhatIfChange] = []
    for r in a.indices { for c in a[r].indices where a[r][c] != b[r][c] { flips.append(.flip(row: r + 1, col: c + 1)) } }
    return flips
}

@Suite struct WhatIfTests {
    @Test func deformedXListsExactlyWhatDiffFinds() throws {
        let result = try WhatIfRequest(model: model, weights: weights, input: xInput, changes: [], otherInput: deformed).run()
        let tx = try TraceRequest(model: model, input: xInput, weights: weights).run()
        let td = try TraceRequest(model: model, input: deformed, weights: weights).run()
        #expect(diffTraces(result.before, tx).agrees)
        #expect(diffTraces(result.after, td).agrees)
        let diff = diffTraces(tx, td)
        #expect(!diff.agrees && diff.problems.isEmpty)
        // The same arrays, in the same order, with as many elements each as diff counts.
        #expect(result.differences.map(\.name) == diff.differences.map(\.array))
        #expect(result.differences.map(\.elements.count) == diff.differences.map(\.differing))
        // diff's worst element of each array is among those listed.
        for (mine, theirs) in zip(result.differences, diff.differences) {
            #expect(mine.elements.contains { $0.index == theirs.index && $0.a == theirs.a && $0.b == theirs.b })
        }
        // Every element listed differs; every element not listed agrees, by diff's tolerance.
        for (ra, rb) in zip(tx.records, td.records) {
            let listed = Set(result.differences.first { $0.pass == ra.pass && $0.layer == ra.layer && $0.role == ra.role }?
                .elements.map { ra.tensor.offset($0.index) } ?? [])
            for k in ra.data.indices {
                #expect(listed.contains(k) == !isClose(ra.data[k], rb.data[k], rtol: Tolerance.float64.rtol, atol: Tolerance.float64.atol), "\(ra.key)[\(k)]")
            }
        }
    }

    @Test func flipsGiveTheSameChangesAsTheOtherFile() throws {
        let flips = try flipsFromXToDeformed()
        #expect(flips.count > 0)
        let byFlips = try WhatIfRequest(model: model, weights: weights, input: xInput, changes: flips).run()
        let byFile = try WhatIfRequest(model: model, weights: weights, input: xInput, changes: [], otherInput: deformed).run()
        #expect(byFlips.differences == byFile.differences)
        #expect(byFlips.differences.first?.elements.count == flips.count)
    }

    @Test func reportPrintsEveryChangedNumberOnce() throws {
        let result = try WhatIfRequest(model: model, weights: weights, input: xInput, changes: [], otherInput: deformed).run()
        let text = result.report(style: .standard)
        let listed = text.split(separator: "\n").filter { $0.hasPrefix("  [") }.count
        let repeated = result.differences.filter { $0.role == .input && $0.layer != "conv1" }.map(\.elements.count).reduce(0, +)
        #expect(listed == result.changedCount - repeated)
        #expect(text.contains("X: 1.00 → 0.82"))
    }

    @Test func oneLearningStepIsTheEnginesSGD() throws {
        let lr = 0.1
        let result = try WhatIfRequest(model: model, weights: weights, input: xInput, target: "X", changes: [], learningRate: lr).run()
        let w0 = try #require(result.before.record("out", .weight)), g = try #require(result.before.record("out", .gradWeight))
        let w1 = try #require(result.after.record("out", .weight))
        for k in w0.data.indices { #expect(isClose(w1.data[k], w0.data[k] - lr * g.data[k], rtol: 1e-12, atol: 1e-15)) }
        #expect(result.differences.contains { $0.layer == "out" && $0.role == .weight })
    }

    @Test func setChangesOneWeightAndBadChangesAreNamed() throws {
        let set = try WhatIfChange.parseSet("conv1.weight[0,0,1,1]=-1")
        let result = try WhatIfRequest(model: model, weights: weights, input: xInput, changes: [set]).run()
        let w = try #require(result.differences.first { $0.role == .weight })
        #expect(w.elements.map(\.index) == [[0, 0, 1, 1]])
        #expect(throws: FileError.self) { try WhatIfChange.parseFlip("0,3") }
        #expect(throws: FileError.self) { try WhatIfChange.parseSet("conv1.weight=3") }
        let outside = WhatIfRequest(model: model, weights: weights, input: xInput, changes: [.flip(row: 10, col: 1)])
        #expect(throws: FileError.self) { try outside.run() }
        let noSuch = WhatIfRequest(model: model, weights: weights, input: xInput, changes: [.set(parameter: "conv9.weight", index: [0], value: 1)])
        #expect(throws: FileError.self) { try noSuch.run() }
    }
}
