import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNTeaching
import Foundation
import Testing

func sheet(seed: UInt64, level: Int) throws -> Worksheet {
    try WorksheetRequest(model: model, weights: weights, seed: seed, level: level).build()
}

/// Writes the worksheet's files to a fresh folder and returns its path.
func written(_ s: Worksheet) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ws-\(UUID().uuidString)").path
    _ = try s.write(to: dir)
    return dir
}

/// A filled.yaml with `answers` (id → text).
func filledFile(_ answers: [String: String], seed: UInt64, level: Int, name: String = "test", in dir: String) throws -> String {
    let lines = ["name: \(name)", "seed: \(seed)", "level: \(level)", "answers:"] + answers.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"" }
    let path = dir + "/\(name).yaml"
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The value `LAYER.ROLE[i,j,…]` (or `loss`) names in `trace`.
func tracedValue(_ source: String, in trace: Trace) throws -> Double? {
    if source == "loss" { return trace.loss }
    guard let open = source.firstIndex(of: "["), let dot = source[..<open].lastIndex(of: ".") else { return nil }
    let layer = String(source[..<dot])
    let role = try #require(TraceRole(rawValue: String(source[source.index(after: dot)..<open])), "\(source) names no role")
    let index = source[source.index(after: open)..<source.index(before: source.endIndex)].split(separator: ",").compactMap { Int($0) }
    guard let r = trace.record(layer, role) else { return nil }
    return r.data[r.tensor.offset(index)]
}

@Suite struct WorksheetTests {
    @Test(arguments: [1, 2, 3]) func answersAreTracedNumbers(level: Int) throws {
        let s = try sheet(seed: 5, level: level)
        let steps = Set(s.questions.map(\.step))
        #expect(steps.isSuperset(of: [.convolution, .relu, .pooling, .prediction]))
        #expect(steps.contains(.votes) == (level >= 2) && steps.contains(.error) == (level >= 2))
        #expect(steps.contains(.gradient) == (level >= 3) && steps.contains(.update) == (level >= 3))
        // Every scored answer is the value its source names in the engine's trace (the update's in
        // the trace after one step); the sum of products is the traced value times 9. Its
        // derivation is explain's text for that value.
        let key = try AnswerKey.load(try written(s) + "/answers.yaml")
        for q in key.questions where q.scored {
            guard case .number(let v) = q.answer else { Issue.record("\(q.id) is not a number"); continue }
            let after = q.source.hasPrefix("after one step: ")
            let source = after ? String(q.source.dropFirst("after one step: ".count)) : q.source
            let trace = after ? s.stepped : s.trace
            #expect(trace != nil, "\(q.id)")
            let traced = try #require(try trace.flatMap { try tracedValue(source, in: $0) }, "\(q.id) \(q.source)")
            if q.id == "1a" {
                #expect(isClose(v, traced * 9, rtol: 1e-12, atol: 1e-12), "\(q.id)")
            } else {
                #expect(v == traced, "\(q.id)")
            }
            #expect(q.derivation.contains(formatNumber(after ? v : traced, .rounded(2))), "\(q.id)")
        }
    }

    @Test func seedsDifferAndTheSameSeedGivesTheSameBytes() throws {
        let a = try written(try sheet(seed: 3, level: 3)), b = try written(try sheet(seed: 3, level: 3))
        for name in ["worksheet.pdf", "answers.pdf", "answers.yaml", "filled.yaml"] {
            #expect(FileManager.default.contents(atPath: a + "/" + name) == FileManager.default.contents(atPath: b + "/" + name), "\(name)")
        }
        let sources = try (1...4).map { try sheet(seed: UInt64($0), level: 1).questions.map(\.source).joined() }
        #expect(Set(sources).count == 4)
    }

    @Test func anotherNetworkIsRefusedWithOneLine() throws {
        let other = WorksheetRequest(model: path("lessons/models/xo-train.json"), weights: weights, seed: 1, level: 1)
        #expect(throws: FileError.self) { try other.build() }
        #expect(throws: FileError.self) { try WorksheetRequest(model: model, weights: weights, seed: 1, level: 4).build() }
    }

    @Test func blanksAreAtLeast8mm() throws {
        let s = try sheet(seed: 2, level: 3)
        func blanks(_ f: Figure) -> [WorksheetGridFigure] {
            switch f {
            case .worksheetGrid(let g): return g.cells.joined().contains { if case .blank = $0 { return true }; return false } ? [g] : []
            case .row(let fs, _), .column(let fs, _): return fs.flatMap(blanks)
            default: return []
            }
        }
        let all = s.parts.flatMap(\.studentFigures).flatMap(blanks)
        #expect(!all.isEmpty)
        for g in all { #expect(min(g.cellWidth, g.cellHeight) >= 8 / 25.4 * 72) }
    }
}

@Suite struct CheckTests {
    @Test(arguments: [1, 2, 3] as [UInt64]) func aCorrectSheetScores100(seed: UInt64) throws {
        let s = try sheet(seed: seed, level: 3)
        let dir = try written(s)
        let key = try AnswerKey.load(dir + "/answers.yaml")
        for style in [NumberStyle.truncated(2), .rounded(2)] {
            var answers: [String: String] = [:]
            for q in key.questions {
                switch q.answer {
                case .number(let v): answers[q.id] = formatNumber(v, style)
                case .choice(let c): answers[q.id] = c
                }
            }
            let marked = try mark(try FilledSheet.load(try filledFile(answers, seed: seed, level: 3, in: dir)), against: key)
            #expect(marked.score == marked.outOf && marked.percent == 100, "\(style)")
        }
    }

    /// Plants each named mistake in a question the key lists it for, with the mistake's number as a
    /// student would write it (2 decimals), and expects `check` to name it.
    @Test(arguments: [1, 2, 3] as [UInt64]) func plantedMistakesAreNamed(seed: UInt64) throws {
        let s = try sheet(seed: seed, level: 3)
        let dir = try written(s)
        let key = try AnswerKey.load(dir + "/answers.yaml")
        var planted: [String: (MistakeKind, String)] = [:]
        for kind in [MistakeKind.divideBy8, .signFlipped, .minInsteadOfMax, .wrongWindow] {
            let found = key.questions.first { q in
                guard planted[q.id] == nil, case .number(let v) = q.answer else { return false }
                return q.mistakes.contains { $0.kind == kind && abs($0.value - v) > 0.03 }
            }
            let q = try #require(found, "seed \(seed) has no question for \(kind)")
            guard case .number(let v) = q.answer, let m = q.mistakes.first(where: { $0.kind == kind && abs($0.value - v) > 0.03 }) else { continue }
            planted[q.id] = (kind, formatNumber(m.value, .truncated(2)))
        }
        let marked = try mark(try FilledSheet.load(try filledFile(planted.mapValues(\.1), seed: seed, level: 3, in: dir)), against: key)
        for (id, (kind, _)) in planted {
            let a = try #require(marked.answers.first { $0.id == id })
            #expect(a.verdict == .wrong)
            #expect(a.mistakes.contains(kind.rawValue), "\(id): \(a.mistakes)")
            #expect(a.feedback.contains(kind.explanation))
        }
        #expect(marked.score == 0)
    }

    /// Every mistake a key lists, written to 2 decimals in its question, is named, for every kind
    /// that occurs on five level-3 sheets.
    @Test func everyListedMistakeIsNamed() throws {
        var kinds = Set<MistakeKind>()
        for seed in 1...5 as ClosedRange<UInt64> {
            let s = try sheet(seed: seed, level: 3)
            let dir = try written(s)
            let key = try AnswerKey.load(dir + "/answers.yaml")
            for q in key.questions {
                guard case .number(let v) = q.answer else { continue }
                for m in q.mistakes where abs(m.value - v) > 0.03 {
                    let a = markAnswer(q, given: formatNumber(m.value, .rounded(2)))
                    #expect(a.verdict == .wrong && a.mistakes.contains(m.kind.rawValue), "seed \(seed) \(q.id) \(m.kind)")
                    kinds.insert(m.kind)
                }
            }
        }
        #expect(kinds.count >= 8, "\(kinds)")
    }

    @Test func aWrongNumberNoMistakeExplainsGetsTheWorking() throws {
        let s = try sheet(seed: 1, level: 1)
        let dir = try written(s)
        let key = try AnswerKey.load(dir + "/answers.yaml")
        let marked = try mark(try FilledSheet.load(try filledFile(["1b": "42"], seed: 1, level: 1, in: dir)), against: key)
        let a = try #require(marked.answers.first { $0.id == "1b" })
        #expect(a.verdict == .wrong && a.mistakes.isEmpty)
        #expect(a.feedback.contains("sum of the 9 products"))
        #expect(throws: TeachingError.self) { try mark(try FilledSheet.load(try filledFile(["1b": "1"], seed: 2, level: 1, in: dir)), against: key) }
    }

    @Test func classSummaryNamesTheMostMissedStep() throws {
        let s = try sheet(seed: 4, level: 1)
        let dir = try written(s)
        let key = try AnswerKey.load(dir + "/answers.yaml")
        let right = Dictionary(key.questions.map { ($0.id, $0.answer.text) }, uniquingKeysWith: { a, _ in a })
        let pool = try #require(key.questions.first { $0.step == .pooling && !$0.mistakes.isEmpty })
        let wrongPool = formatNumber(try #require(pool.mistakes.first).value, .rounded(2))
        let classDir = dir + "/class"
        try FileManager.default.createDirectory(atPath: classDir, withIntermediateDirectories: true)
        _ = try filledFile(right, seed: 4, level: 1, name: "ada", in: classDir)
        var b = right; b[pool.id] = wrongPool
        _ = try filledFile(b, seed: 4, level: 1, name: "ben", in: classDir)
        var c = right; c[pool.id] = wrongPool; c["1a"] = nil
        _ = try filledFile(c, seed: 4, level: 1, name: "cy", in: classDir)
        let summary = try ClassSummary.make(folder: classDir, key: key)
        #expect(summary.students == 3)
        #expect(summary.mostMissedStep == "pooling")
        #expect(summary.questions.first { $0.id == pool.id }?.wrong == 2)
        #expect(summary.sheets.first { $0.name == "ada" }?.percent == 100)
        #expect(summary.report.contains("the step most students missed: pooling (2 of 3 students)"))
    }
}
