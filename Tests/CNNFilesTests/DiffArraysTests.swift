import CNNAnalysis
import CNNCore
import CNNFigures
import Foundation
import Testing
@testable import CNNFiles

/// `diff` over whole traces and partial `.npz` files: every differing array, the float32 preset
/// and hint, shapes with a batch dimension.
@Suite struct DiffArraysTests {
    func full(_ t: Trace, _ name: String) -> TraceArrays { TraceArrays(file: name, trace: t, records: t.records) }

    /// The trace as a float32 computation would give it: every number rounded to float32.
    func float32(_ t: Trace) -> Trace {
        var f = t
        for k in f.records.indices { f.records[k].data = f.records[k].data.map { Double(Float($0)) } }
        return f
    }

    @Test func everyDifferingArrayIsListedWithItsWorstElement() throws {
        let ref = try articleTrace()
        var mine = ref
        let k1 = try #require(mine.records.firstIndex { $0.layer == "out" && $0.role == .gradWeight })
        let k2 = try #require(mine.records.firstIndex { $0.layer == "conv1" && $0.role == .output })
        mine.records[k1].data[5] += 0.5
        mine.records[k1].data[7] -= 2          // the worst element of out.grad_weight
        mine.records[k2].data[3] += 1e-3
        let d = diffTraces(mine, ref)
        #expect(d.differences.map(\.array) == ["forward conv1.output", "backward out.grad_weight"])  // pass order
        let g = d.differences[1]
        #expect(g.differing == 2 && g.count == ref.records[k1].data.count)
        #expect(g.index == multiIndex(7, shape: ref.records[k1].shape))
        #expect(g.b == ref.records[k1].data[7] && g.a == ref.records[k1].data[7] - 2)
        #expect(g.absolute == abs(g.a - g.b))
        #expect(g.relative == abs(g.a - g.b) / abs(g.b))
        let text = d.summary()
        #expect(text.contains("backward out.grad_weight: 2 of 24 numbers differ; worst [0,7]: a = \(formatNumber(g.a, .full)), b = \(formatNumber(g.b, .full))"), "\(text)")
        #expect(text.contains("forward conv1.output: 1 of 147"), "\(text)")
        #expect(!d.looksLikeFloat32Rounding)
    }

    @Test func float32RoundingGetsTheHintAndPassesWithThePreset() throws {
        let ref = try articleTrace()
        let mine = float32(ref)
        let strict = diffArrays(full(mine, "mine.json"), full(ref, "ref.json"))
        #expect(!strict.agrees)
        #expect(strict.looksLikeFloat32Rounding)
        #expect(strict.float32Files == ["mine.json"])
        #expect(strict.summary().contains("compare with --float32"))
        let loose = diffArrays(full(mine, "mine.json"), full(ref, "ref.json"), tolerance: .float32)
        #expect(loose.agrees, "\(loose.summary())")
        // A real mistake in float32 code is named beyond the rounding.
        var wrong = mine
        let k = try #require(wrong.records.firstIndex { $0.layer == "out" && $0.role == .gradWeight })
        wrong.records[k].data[0] = Double(Float(wrong.records[k].data[0] + 0.01))
        let mixed = diffArrays(full(wrong, "mine.json"), full(ref, "ref.json"))
        #expect(!mixed.looksLikeFloat32Rounding)
        #expect(mixed.summary().contains("even then 1 array would differ: backward out.grad_weight"), "\(mixed.summary())")
        #expect(diffArrays(full(wrong, "mine.json"), full(ref, "ref.json"), tolerance: .float32).differences.map(\.array) == ["backward out.grad_weight"])
    }

    /// An `.npz` may hold only some arrays, with a batch dimension of 1: those it lacks are not
    /// compared, and order and reference come from the full trace whichever side it is on.
    @Test func partialNPZWithBatchDimension() throws {
        let ref = try articleTrace()
        let outputs = ref.records.filter { $0.role == .output || $0.role == .gradWeight }.reversed()
        let partial = TraceArrays(file: "mine.npz", trace: nil, records: outputs.map { r in
            TraceRecord(pass: r.pass, layer: r.layer, role: r.role, shape: r.shape.isEmpty ? [] : [1] + r.shape, data: r.data)
        })
        for d in [diffArrays(partial, full(ref, "ref.json")), diffArrays(full(ref, "ref.json"), partial)] {
            #expect(d.agrees, "\(d.summary())")
            #expect(d.arraysCompared == outputs.count)
            #expect(d.notCompared.count == ref.records.count - outputs.count)
        }
        var changed = partial
        changed.records[0].data[0] += 1   // the last array in pass order
        changed.records[changed.records.count - 1].data[0] += 1  // the first
        let d = diffArrays(changed, full(ref, "ref.json"))
        #expect(d.first?.array == "forward conv1.output")
        #expect(d.differences.count == 2)
        // A name the trace does not have is a problem, not ignored.
        changed.records.append(TraceRecord(pass: .forward, layer: "conv9", role: .output, shape: [1], data: [0]))
        #expect(diffArrays(changed, full(ref, "ref.json")).problems == ["forward conv9.output is only in mine.npz"])
    }

    @Test func npzMemberNames() throws {
        let a = NPYArray(shape: [2], data: [1, 2], dtype: "float32")
        let t = try TraceArrays.fromNPZ([("backward/block/conv1/grad_weight", a), ("forward/loss/output", a)], file: "m.npz")
        #expect(t.records.map(\.layer) == ["block/conv1", "loss"])
        #expect(t.records.map(\.role) == [.gradWeight, .output])
        #expect(t.dtypes["forward/loss/output"] == "float32")
        for bad in ["conv1_out", "sideways/conv1/output", "forward//output", "forward/conv1"] {
            let e = fileError { try TraceArrays.fromNPZ([(bad, a)], file: "m.npz") }
            #expect(e?.description == "m.npz: \(bad): expected a member named PASS/LAYER/ROLE, such as forward/conv1/output or backward/conv1/grad_weight")
        }
    }

    @Test func shapesThatDifferAreProblems() throws {
        let ref = try articleTrace()
        var mine = ref
        mine.records[0].shape = [9, 9, 1]
        let d = diffTraces(mine, ref)
        #expect(d.problems.count == 1)
        #expect(d.problems[0].contains("[9, 9, 1] in the first trace, [1, 9, 9] in the second trace"), "\(d.problems)")
    }

    /// The presets' numbers, which the docs state.
    @Test func toleranceExcess() {
        let t = Tolerance.float32
        #expect(t.rtol == 1e-5 && t.atol == 1e-5)
        #expect(Tolerance.float64 == Tolerance(rtol: 1e-9, atol: 1e-12))
        #expect(t.excess(1, 1) == 0)
        #expect(isClose(t.excess(1 + 2e-5, 1), 1, rtol: 1e-9, atol: 0))  // at the edge: |a − b| = atol + rtol·|b|
        #expect(t.excess(.nan, 1) == .infinity)
        #expect(t.excess(.nan, .nan) == 0)
    }
}
