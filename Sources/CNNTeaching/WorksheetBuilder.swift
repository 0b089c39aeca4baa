// Builds the worksheet's parts from one trace. Answers are traced numbers; derivations are
// `explain`'s text for the same numbers; mistakes are what a wrong recipe would give on them.

import CNNAnalysis
import CNNCore
import CNNData
import CNNFigures

struct WorksheetBuilder {
    let trace: Trace
    var rng: SeededGenerator
    let picture: String
    let shape: XOGenerator.Shape
    /// The feature (map) the level-1 questions use, and the patch position in that map.
    var feature = 0
    var patch = (row: 0, col: 0)
    /// The pooling windows of parts 2 and 3 (output cells of the first pooling layer).
    var windowA = (row: 0, col: 0)
    var windowB = (row: 0, col: 0)

    init(trace: Trace, rng: SeededGenerator, picture: String, shape: XOGenerator.Shape) {
        self.trace = trace; self.rng = rng; self.picture = picture; self.shape = shape
    }

    // MARK: trace access

    var layers: [String] { trace.model.layers.map(\.name) }
    var conv: String { layers[0] }
    var relu: String { layers[1] }
    var pool: String { layers[2] }
    var dense: String { layers[layers.count - 1] }

    func record(_ layer: String, _ role: TraceRole) -> TraceRecord {
        trace.record(layer, role) ?? TraceRecord(pass: .forward, layer: layer, role: role, shape: [0], data: [])
    }
    func value(_ layer: String, _ role: TraceRole, _ index: [Int]) -> Double {
        let r = record(layer, role)
        return r.data.isEmpty ? .nan : r.data[r.tensor.offset(index)]
    }
    /// `explain`'s text for `query`, without its last line (the check that the recomputed value is
    /// the recorded one, which is for people debugging a trace, not for students).
    func derivation(_ query: String) -> String {
        let text = (try? explain(trace: trace, query: query, style: .rounded(2))) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("recomputed") }.joined(separator: "\n")
    }
    var mapShape: (rows: Int, cols: Int) { let s = record(conv, .output).shape; return (s[1], s[2]) }
    var windows: PoolWindows {
        var spec = PoolSpec(size: 2, stride: 2, ceil: true)
        if case .maxpool(let p) = trace.model.layers[2].kind { spec = p }
        return PoolWindows(spec, height: mapShape.rows, width: mapShape.cols)
    }
    /// The engine's derivation of conv output `[o, i, j]`: patch, weights, products, sum, divisor.
    func convDerivation(_ o: Int, _ i: Int, _ j: Int) -> ConvDerivation? {
        guard case .conv(let spec) = trace.model.layers[0].kind else { return nil }
        return spec.derivation(input: record(conv, .input).tensor, weight: record(conv, .weight).tensor, bias: nil,
                               filter: o, row: i, col: j)
    }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(rng.next() % UInt64(items.count))]
    }

    /// A question with its mistakes, dropping any mistake that gives the right answer (within tolerance).
    func question(_ id: String, _ step: WorksheetStep, _ prompt: String, answer: Double, source: String,
                  derivation: String, mistakes: [(MistakeKind, Double)]) -> WorksheetQuestion {
        var planned: [PlannedMistake] = []
        for (kind, v) in mistakes where v.isFinite && !answerMatches(v, answer) && !planned.contains(PlannedMistake(kind: kind, value: v)) {
            planned.append(PlannedMistake(kind: kind, value: v))
        }
        return WorksheetQuestion(id: id, step: step, prompt: prompt, answer: .number(answer), source: source,
                                 derivation: derivation, mistakes: planned, scored: true)
    }

    func prediction(_ id: String, _ prompt: String, answer: String, derivation: String) -> WorksheetQuestion {
        WorksheetQuestion(id: id, step: .prediction, prompt: prompt, answer: .choice(answer), source: "prediction",
                          derivation: derivation, mistakes: [], scored: false)
    }

    func ix(_ i: [Int]) -> String { "[" + i.map(String.init).joined(separator: ",") + "]" }
}
