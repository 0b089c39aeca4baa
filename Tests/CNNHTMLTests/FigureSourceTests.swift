import CNNCore
import CNNFigures
import CNNHTML
import Foundation
import TestSupport
import Testing
import CNNLessons

/// Every number a lesson figure says comes from a trace is that trace element: the value drawn
/// equals the recorded one, for every figure of the xo and backprop lessons.
@Suite struct FigureSourceTests {
    /// The (value drawn, source) pairs of a figure.
    static func pairs(_ figure: Figure) -> [(Double, TraceSource)] {
        func zipped(_ values: [Double], _ sources: [TraceSource?]) -> [(Double, TraceSource)] {
            zip(values, sources).compactMap { v, s in s.map { (v, $0) } }
        }
        switch figure {
        case .image(let f): return zipped(f.grid.values, f.sources)
        case .feature(let f): return zipped(f.grid.values, f.sources)
        case .featureMap(let f): return zipped(f.map.values, f.sources)
        case .convolutionStep(let f):
            return zipped(f.feature.values, f.featureSources) + zipped(f.patch.values, f.patchSources)
                + zipped([f.value], [f.valueSource])
        case .layer(let f): return zip(f.maps, f.mapSources).flatMap { zipped($0.values, $1) }
        case .relu(let f): return zipped(f.before.values, f.beforeSources) + zipped(f.after?.values ?? [], f.afterSources)
        case .pooling(let f): return zipped(f.input.values, f.inputSources) + zipped(f.output.values, f.outputSources)
        case .poolingGradient(let f):
            return zipped(f.input.values, f.inputSources) + zipped(f.outputGradient.values, f.outputGradientSources)
                + zipped(f.inputGradient.values, f.inputGradientSources)
        case .votes(let f): return zipped(f.inputs, f.inputSources) + zipped(f.outputValues ?? [], f.outputSources)
        case .voteBars(let f): return zipped(f.values, f.sources)
        case .slidingWindow(let f):
            return f.frames.indices.compactMap { k in
                let p = f.labelParts(k)
                guard let v = p.value, p.cell < f.outputSources.count, let s = f.outputSources[p.cell] else { return nil }
                return (v, s)
            }
        case .text(let t): return t.sources.compactMap { s in s.source.flatMap { src in s.value.map { ($0, src) } } }
        case .row(let parts, _), .column(let parts, _): return parts.flatMap(pairs)
        default: return []
        }
    }

    @Test(arguments: ["xo", "backprop"]) func figureNumbersAreTheTraceElementsTheyName(name: String) throws {
        let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/\(name).yaml").path)
        let run = try LessonRunner.run(lesson)
        let traces = run.traces.merging(run.steppedTraces) { a, _ in a }
        var count = 0
        for section in run.sections {
            for f in section.figures {
                for (value, s) in Self.pairs(f.figure) {
                    let parts = s.key.split(separator: ".", maxSplits: 1).map(String.init)
                    let role = try #require(TraceRole(rawValue: parts[1]), "\(f.name): \(s.key) names no role")
                    let record = try #require(traces[s.trace]?.record(parts[0], role), "\(f.name): no \(s.trace) \(s.key)")
                    #expect(s.index < record.data.count && record.data[s.index].bitPattern == value.bitPattern,
                            "\(f.name): \(s.trace) \(s.key)[\(s.index)] is not the \(value) drawn")
                    count += 1
                }
            }
        }
        // The maps, pooling, votes and gradient figures: hundreds of numbers.
        #expect(count > 300, "\(count) numbers with a source")
    }

    /// A table's numbers are matched in order, each standing alone: an index such as [0,0,1] or a
    /// number inside another is never taken, and a worked-out number (no source) keeps its place.
    @Test func tableNumbersBecomeButtonsInOrder() {
        let s = TraceSource(trace: "X", key: "out.output", index: 1)
        var block = TextBlock(markup: "<tt>  [0,0,1]   1.00   1.00   0.91</tt>\n<tt>  −0.91 total</tt>")
        block.sources = [TextSource("1.00", nil), TextSource("1.00", s, value: 1), TextSource("0.91", nil), TextSource("0.91", s, value: -0.91)]
        let html = FigureHTML.draw(.text(block)).rendered
        #expect(html.components(separatedBy: "class=\"src\"").count == 2, "\(html)")
        // The second 1.00 is the button; "0.91" inside "−0.91" is not.
        #expect(html.contains("1.00   <span class=\"src\""), "\(html)")
        #expect(html.contains("−0.91 total") && !html.contains("−<span"), "\(html)")
    }

    /// The numbers a figure works out, with the text it writes each as.
    static func derived(_ figure: Figure) -> [DerivedNumber] {
        switch figure {
        case .convolutionStep(let f): return f.productDerivations.compactMap { $0 } + [f.sumDerivation, f.resultDerivation].compactMap { $0 }
        case .text(let t): return t.sources.compactMap(\.derived)
        case .table(let t): return t.sources.keys.sorted { ($0.row, $0.col) < ($1.row, $1.col) }.flatMap { t.sources[$0] ?? [] }.compactMap(\.derived)
        case .voteBars(let f): return f.derived.compactMap { $0 }
        case .row(let parts, _), .column(let parts, _): return parts.flatMap(derived)
        default: return []
        }
    }

    /// The one operation of a derived number, done again on its operands.
    static func recompute(_ d: DerivedNumber) -> Double {
        let v = d.operands.map(\.value)
        switch d.operation {
        case .product: return v.reduce(1, *)
        case .sum: return v.reduce(0, +)
        case .difference: return v[0] - v[1]
        case .quotient: return v[0] / v[1] + (v.count > 2 ? v[2] : 0)
        case .sizeSum: return v.reduce(0) { $0 + abs($1) }
        case .mean: return v.reduce(0, +) / Double(v.count)
        case .lowest: return v.min() ?? .nan
        case .highest: return v.max() ?? .nan
        case .softmaxShare(let i):
            let m = v.max() ?? 0, e = v.map { exp($0 - m) }
            return e[i] / e.reduce(0, +)
        case .given: return d.value
        }
    }

    /// Every number a lesson figure works out (the convolution step's products, sum and quotient;
    /// the error table's errors and total; y − t; softmax shares; the weight-gradient terms and
    /// sums; lr·g) is its operation on its operands, each operand with a source is that trace
    /// element as written (to its digits), and a result with a source is that element.
    /// The audio lesson's softmax shares of its traced scores, and the experiments' means, lowest
    /// and highest accuracies over their runs and their counted numbers, are checked the same way
    /// (their quick experiments, as the other lesson tests run them).
    @Test(arguments: ["xo", "backprop", "audio", "shuffle"]) func derivedNumbersAreTheirOperationOnTraceElements(name: String) throws {
        let lesson = try Lesson.load(Fixtures.packageRoot.appendingPathComponent("lessons/\(name).yaml").path)
        let run = try LessonRunner.run(lesson, scale: lesson.experiment == nil ? .lesson : .quick)
        let traces = run.traces.merging(run.steppedTraces) { a, _ in a }
        func element(_ s: TraceSource) throws -> Double {
            let parts = s.key.split(separator: ".", maxSplits: 1).map(String.init)
            let role = try #require(TraceRole(rawValue: parts[1]), "\(s.key) names no role")
            let record = try #require(traces[s.trace]?.record(parts[0], role), "no \(s.trace) \(s.key)")
            return try #require(s.index < record.data.count ? record.data[s.index] : nil, "\(s.key)[\(s.index)] is outside the record")
        }
        var operations: Set<String> = []
        for section in run.sections {
            for f in section.figures {
                for d in Self.derived(f.figure) {
                    operations.insert("\(d.operation)".prefix { $0 != "(" }.description)
                    #expect(isClose(Self.recompute(d), d.value, rtol: 1e-9, atol: 1e-12), "\(f.name): \(d.name) = \(d.value)")
                    for o in d.operands {
                        guard let s = o.source else { continue }
                        let decimals = o.text.split(separator: ".").dropFirst().first?.count ?? 0
                        #expect(abs(try element(s) - o.value) < pow(10, -Double(decimals)) + 1e-12, "\(f.name): \(d.name)'s \(o.name)")
                    }
                    if let s = d.source { #expect(isClose(try element(s), d.value, rtol: 1e-9, atol: 1e-9), "\(f.name): \(d.name)") }
                }
            }
        }
        let expected: Set<String> = switch name {
        case "xo": ["product", "sum", "quotient", "difference", "sizeSum", "given"]
        case "audio": ["softmaxShare", "mean", "lowest", "highest", "given"]
        case "shuffle": ["mean", "lowest", "highest", "given"]
        default: ["product", "sum"]
        }
        #expect(expected.isSubset(of: operations), "\(operations.sorted())")
    }

    /// A worked-out number in a table is a button of its own kind whose data names the operation,
    /// its operands and the trace element of an operand.
    @Test func derivedTableNumbersBecomeButtons() {
        let s = TraceSource(trace: "X", key: "out.output", index: 1)
        let d = DerivedNumber("error", .difference, [DerivedOperand("right", 0, text: "0.00"), DerivedOperand("actual", 0.55, text: "0.55", source: s)],
                              value: -0.55)
        var block = TextBlock(markup: "<tt>  0.55   −0.55</tt>")
        block.sources = [TextSource("0.55", s, value: 0.55), TextSource("−0.55", derived: d)]
        let html = FigureHTML.draw(.text(block)).rendered
        #expect(html.contains("<span class=\"drv\""), "\(html)")
        #expect(html.contains("&quot;op&quot;:&quot;difference&quot;") && html.contains("&quot;key&quot;:&quot;out.output&quot;"), "\(html)")
        #expect(html.contains(">−0.55</span>"), "\(html)")
    }
}
