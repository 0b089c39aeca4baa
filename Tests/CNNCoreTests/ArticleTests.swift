import Foundation
import Testing
@testable import CNNCore
import TestSupport

/// The engine reproduces the article's slide numbers, read from the fixture.
@Suite struct ArticleTests {
    let article: ArticleFixture
    let trace: Trace

    init() throws {
        article = try ArticleFixture()
        let net = try Network(model: articleModel(), parameters: ["conv1.weight": try article.featureWeights()], seed: 1)
        trace = net.trace(input: try article.imageTensor("X"), target: 0)
    }

    @Test func convolutionMapsAreExactlySumOverNine() throws {
        let out = try #require(trace.record("conv1", .output))
        #expect(out.shape == [3, 7, 7])
        var checked = 0
        for (f, name) in article.featureOrder.enumerated() {
            let sums = try article.rows("X_conv_sums_over_9", name)
            for i in 0..<7 {
                for j in 0..<7 {
                    // Exact: each sum of ±1 products is an integer, and the engine divides it by 9 once.
                    #expect(out.tensor[f, i, j] == sums[i][j] / 9, "feature \(name) at (\(i), \(j))")
                    checked += 1
                }
            }
        }
        #expect(checked == 147)
    }

    @Test func reluThenPoolingGivesThe4x4And2x2Maps() throws {
        let pool1 = try #require(trace.record("pool1", .output))
        let pool2 = try #require(trace.record("pool2", .output))
        #expect(pool1.shape == [3, 4, 4])
        #expect(pool2.shape == [3, 2, 2])
        var checked = 0
        for (f, name) in article.featureOrder.enumerated() {
            let p4 = try article.rows("X_pooled_4x4", name)
            let p2 = try article.rows("X_pooled_2x2", name)
            for i in 0..<4 { for j in 0..<4 {
                #expect(isClose(pool1.tensor[f, i, j], p4[i][j], rtol: 1e-15), "\(name) 4×4 (\(i), \(j))")
                checked += 1
            } }
            for i in 0..<2 { for j in 0..<2 {
                #expect(isClose(pool2.tensor[f, i, j], p2[i][j], rtol: 1e-15), "\(name) 2×2 (\(i), \(j))")
            } }
        }
        #expect(checked == 48)
    }

    @Test func flattenedVectorsForXAndO() throws {
        let net = try Network(model: articleModel(), parameters: ["conv1.weight": try article.featureWeights()], seed: 1)
        for (image, key) in [("X", "X_vector_12"), ("O", "O_vector_12")] {
            let t = net.trace(input: try article.imageTensor(image), target: nil)
            let flat = try #require(t.record("out", .input))
            let expected = try article.numbers(key)
            #expect(flat.data.count == 12)
            for (a, b) in zip(flat.data, expected) { #expect(isClose(a, b, rtol: 1e-15), "\(image) vector") }
        }
    }

    @Test func reluZeroesExactlyTheNegatives() throws {
        let before = try #require(trace.record("relu1", .input)).data
        let after = try #require(trace.record("relu1", .output)).data
        #expect(before.contains { $0 < 0 })
        for (x, y) in zip(before, after) { #expect(y == max(0, x)) }
    }
}
