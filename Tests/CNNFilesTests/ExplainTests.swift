import CNNAnalysis
import CNNCore
import CNNFigures
import Foundation
import Testing
@testable import CNNFiles
import TestSupport

/// The numbers after `=` on a line, parsed back (true minus signs allowed).
func numbers(after marker: String, in text: String) -> [Double] {
    text.split(separator: "\n").compactMap { line -> Double? in
        guard let r = line.range(of: marker, options: .backwards) else { return nil }
        let tail = line[r.upperBound...].split(separator: " ").first.map(String.init) ?? ""
        return Double(tail.replacingOccurrences(of: "\u{2212}", with: "-"))
    }
}

@Suite struct ExplainTests {
    @Test func convOutputShowsProductsSumAndDivision() throws {
        let a = try ArticleFixture()
        let trace = try articleTrace()
        let sums = try a.rows("X_conv_sums_over_9", a.featureOrder[0])
        let text = try explain(trace: trace, query: "conv1.output[0,0,0]", style: .truncated(2))
        // The article's sum for the diagonal feature on the top-left patch, read from the fixture.
        let s = Int(sums[0][0])
        let shown = formatNumber(Double(s) / 9, .truncated(2))
        #expect(text.contains("sum of the 9 products = \(s)"), "\(text)")
        #expect(text.contains("\(s) / 9 = \(shown)"), "\(text)")
        #expect(text.contains("✓"))
        #expect(text.contains("products"))
        // A position where the feature matches perfectly: 9 / 9 = 1.00.
        let (i, j) = try #require((0..<7).lazy.flatMap { i in (0..<7).map { (i, $0) } }.first { sums[$0.0][$0.1] == 9 })
        let perfect = try explain(trace: trace, query: "conv1.output[0,\(i),\(j)]", style: .truncated(2))
        #expect(perfect.contains("9 / 9 = 1.00"), "\(perfect)")
        #expect(perfect.hasPrefix("conv1.output[0,\(i),\(j)] = 1.00"))
    }

    @Test func denseOutputSumsToTheRecordedValue() throws {
        let trace = try articleTrace()
        let text = try explain(trace: trace, query: "out.output[1]", style: .full)
        let products = numbers(after: " = ", in: text.split(separator: "\n").filter { $0.contains("weight[1,") }.joined(separator: "\n"))
        #expect(products.count == 12)
        let bias = try #require(trace.record("out", .bias)).data[1]
        let recorded = try #require(trace.record("out", .output)).data[1]
        #expect(isClose(products.reduce(0, +) + bias, recorded, rtol: 1e-12, atol: 1e-12))
        #expect(text.contains("✓"))
    }

    @Test func convGradWeightTermsSumToTheRecordedGradient() throws {
        let trace = try articleTrace()
        let text = try explain(trace: trace, query: "conv1.grad_weight[0,0,1,1]", style: .full)
        let terms = numbers(after: " = ", in: text.split(separator: "\n").filter { $0.contains("(i,j) =") }.joined(separator: "\n"))
        let recorded = try #require(trace.record("conv1", .gradWeight)).tensor[0, 0, 1, 1]
        #expect(!terms.isEmpty)
        #expect(isClose(terms.reduce(0, +), recorded, rtol: 1e-9, atol: 1e-15), "\(text)")
        #expect(text.contains("✓"))
    }

    /// Every element of every record explains without error and matches its recomputation.
    @Test(arguments: [LossKind.mse, .crossEntropy])
    func everyNumberRecomputes(loss: LossKind) throws {
        let trace = try articleTrace(loss: loss, target: 1)
        for r in trace.records where ![TraceRole.weight, .bias, .input].contains(r.role) {
            for e in stride(from: 0, to: r.data.count, by: max(1, r.data.count / 7)) {
                let idx = multiIndex(e, shape: r.shape)
                let q = r.layer == "loss" ? "loss" : "\(r.layer).\(r.role)[\(idx.map(String.init).joined(separator: ","))]"
                let text = try explain(trace: trace, query: q, style: .full)
                #expect(text.contains("✓"), "\(q):\n\(text)")
            }
        }
    }

    @Test func poolAndReluExplanations() throws {
        let trace = try articleTrace()
        let pool = try explain(trace: trace, query: "pool1.output[0,3,3]", style: .truncated(2))
        #expect(pool.contains("hangs over the edge"), "\(pool)")
        #expect(pool.contains("wins"))
        let relu = try explain(trace: trace, query: "relu1.output[0,0,1]", style: .truncated(2))
        #expect(relu.contains("max(0, "), "\(relu)")
    }

    @Test func badQueries() throws {
        let trace = try articleTrace()
        let layer = fileError { try explain(trace: trace, query: "conv9.output[0]", style: .full) }
        #expect(layer?.message.contains("it has: conv1, relu1, pool1, pool2, out, loss") == true, "\(String(describing: layer))")
        let role = fileError { try explain(trace: trace, query: "relu1.grad_weight[0,0,0]", style: .full) }
        #expect(role?.message.contains("has no 'grad_weight'") == true)
        let range = fileError { try explain(trace: trace, query: "conv1.output[0,7,0]", style: .full) }
        #expect(range?.message.contains("shape [3, 7, 7]") == true)
        let syntax = fileError { try explain(trace: trace, query: "conv1", style: .full) }
        #expect(syntax != nil)
    }
}

@Suite struct NumberFormatTests {
    @Test func articleDisplay() {
        #expect(formatNumber(7.0 / 9, .truncated(2)) == "0.77")
        #expect(formatNumber(7.0 / 9, .rounded(2)) == "0.78")
        #expect(formatNumber(-1.0 / 3, .rounded(2)) == "\u{2212}0.33")
        #expect(formatNumber(-1.0 / 3, .truncated(2)) == "\u{2212}0.33")
        #expect(formatNumber(-0.001, .rounded(2)) == "0.00")
        #expect(formatNumber(-0.001, .truncated(2)) == "0.00")
        #expect(formatNumber(7.0 / 9, .full) == "0.7777777777777778")
        #expect(formatNumber(-0.5, .full) == "\u{2212}0.5")
        #expect(formatNumber(0.29, .truncated(2)) == "0.29")
    }
}
