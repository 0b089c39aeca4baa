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
                    let record = try #require(traces[s.trace]?.record(parts[0], parts[1]), "\(f.name): no \(s.trace) \(s.key)")
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
}
