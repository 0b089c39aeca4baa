import Foundation
import Testing
@testable import CNNCore

/// Whether `a` and `b` agree: `|a − b| <= atol + rtol·max(|a|, |b|)`.
///
/// The one comparison helper of the engine tests. Tolerances are chosen per test and say why.
func isClose(_ a: Double, _ b: Double, rtol: Double, atol: Double = 0) -> Bool {
    abs(a - b) <= atol + rtol * max(abs(a), abs(b))
}

/// The article's reference numbers, read from the fixture copied verbatim from the shared reference.
struct Article {
    let json: [String: Any]

    static func load() throws -> Article {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/xo_article.json")
        let data = try Data(contentsOf: url)
        return Article(json: try #require(JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    func grid(_ path: String...) throws -> [[Double]] {
        var node: Any = json
        for key in path { node = try #require((node as? [String: Any])?[key], "missing \(key)") }
        let rows = try #require(node as? [[NSNumber]], "\(path) is not a grid")
        return rows.map { $0.map(\.doubleValue) }
    }

    func vector(_ key: String) throws -> [Double] {
        try #require(json[key] as? [NSNumber]).map(\.doubleValue)
    }

    var featureOrder: [String] { (json["feature_order"] as? [String]) ?? [] }

    /// The article's features as a conv weight `[3, 1, 3, 3]`.
    func featureWeights() throws -> Tensor {
        let feats = try featureOrder.map { try grid("features", $0) }
        return Tensor(shape: [feats.count, 1, 3, 3], data: feats.flatMap { $0.flatMap { $0 } })
    }

    func image(_ name: String) throws -> Tensor {
        let g = try grid("images", name)
        return Tensor(shape: [1, g.count, g[0].count], data: g.flatMap { $0 })
    }
}

/// The article's network: conv (3 features, normalize, no bias) → relu → pool → pool → dense 2.
func articleModel(loss: LossKind = .mse) -> ModelSpec {
    ModelSpec(input: [1, 9, 9], layers: [
        LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
        LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
        LayerSpec(name: "pool2", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
        LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2, bias: false))),
    ], loss: loss, classes: ["X", "O"])
}
