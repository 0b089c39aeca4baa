import CNNAnalysis
import CNNCore
import CNNFigures
import CNNRender
import CNNTerminal
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// A lesson over a model whose convolution does not divide and has a bias, and whose 2×2 stride-2
/// max pooling has no ceil mode on a 7×7 map (`Tests/Fixtures/lessons/plain.yaml`). Its figures
/// show exactly the traced numbers, and it renders.
@Suite struct PlainLessonTests {
    static func run() throws -> LessonRun {
        try LessonRunner.run(try Lesson.load(Fixtures.url("lessons/plain.yaml").path))
    }

    static func figures(_ run: LessonRun) -> [Figure] { run.sections.flatMap(\.figures).map(\.figure) }

    @Test func convolutionFiguresShowTheTracedNumbers() throws {
        let run = try Self.run()
        let t = try #require(run.traces["X"])
        let x = try #require(t.record("conv1", .input)), w = try #require(t.record("conv1", .weight))
        let b = try #require(t.record("conv1", .bias)), y = try #require(t.record("conv1", .output))
        let steps = Self.figures(run).compactMap { f -> ConvolutionStepFigure? in if case .convolutionStep(let s) = f { return s } else { return nil } }
        #expect(steps.count == 2)
        for (filter, s) in zip([0, 1], steps) {
            let (i, j) = (s.row, s.col)
            #expect(s.value == y.tensor[filter, i, j], "the value shown is the traced output")
            #expect(s.divisor == nil, "normalize: false divides by nothing")
            #expect(s.bias == b.data[filter])
            #expect(s.patch.values == (0..<3).flatMap { a in (0..<3).map { c in x.tensor[0, i + a, j + c] } })
            #expect(s.feature.values == Array(w.data[(filter * 9)..<(filter * 9 + 9)]))
            #expect(s.products.values == zip(s.patch.values, s.feature.values).map(*))
            #expect(isClose(s.sum + b.data[filter], s.value, rtol: 1e-12, atol: 1e-12), "sum + bias is the traced value")
            let text = TerminalPresenter(color: false).lines(for: .convolutionStep(s)).joined(separator: "\n")
            #expect(text.contains(s.resultText) && !text.contains("/ 9"), "\(text)")
        }
    }

    @Test func poolingFiguresShowTheTracedNumbers() throws {
        let run = try Self.run()
        let t = try #require(run.traces["X"])
        let figures = Self.figures(run)
        let pool = try #require(figures.compactMap { f -> PoolingFigure? in if case .pooling(let p) = f { return p } else { return nil } }.first)
        let x = try TraceFigures.channel(try #require(t.record("pool1", .input)), 0)
        let y = try TraceFigures.channel(try #require(t.record("pool1", .output)), 0)
        #expect(x.rows == 7 && y.rows == 3 && y.cols == 3)
        #expect(pool.input == x && pool.output == y)
        #expect(pool.windows.count == 9)
        for w in pool.windows { #expect(x[w.winner.row, w.winner.col] == y[w.output.row, w.output.col]) }
        #expect(pool.windows.allSatisfy { $0.rows.upperBound <= 6 && $0.cols.upperBound <= 6 }, "row and column 6 fall in no window")

        let route = try #require(figures.compactMap { f -> PoolingGradientFigure? in if case .poolingGradient(let g) = f { return g } else { return nil } }.first)
        #expect(route.input == (try TraceFigures.channel(try #require(t.record("pool1", .input)), 1)))
        #expect(route.outputGradient == (try TraceFigures.channel(try #require(t.record("pool1", .gradOutput)), 1)))
        #expect(route.inputGradient == (try TraceFigures.channel(try #require(t.record("pool1", .gradInput)), 1)))
        let text = TerminalPresenter(color: false).lines(for: .pooling(pool)).joined(separator: "\n")
        #expect(text.contains("fall in no window"), "\(text)")
    }

    @Test func theLessonRenders() throws {
        let run = try Self.run()
        let dir = try Fixtures.temporaryFolder("plain-lesson")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try LessonReport.write(run, to: dir, formats: [.pdf, .png])
        let pdf = try #require(written.first { $0.hasSuffix("plain.pdf") })
        #expect(try Data(contentsOf: URL(fileURLWithPath: pdf)).starts(with: Data("%PDF".utf8)))
        #expect(written.filter { $0.hasSuffix(".png") }.count == 4)
    }
}
