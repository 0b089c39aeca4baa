import CNNCore
import Foundation
@testable import CNNFiles

/// A fresh temporary folder for one test.
func tempFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnnfiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` in `folder` and returns the path.
func write(_ text: String, _ name: String, in folder: URL) throws -> String {
    let path = folder.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Runs `body` and returns the `FileError` it throws, or nil.
func fileError<T>(_ body: () throws -> T) -> FileError? {
    do {
        _ = try body()
        return nil
    } catch let e as FileError {
        return e
    } catch {
        return FileError(file: "?", "unexpected error \(error)")
    }
}

/// The article's reference numbers (`Tests/Fixtures/xo_article.json`), read, never retyped.
struct Article {
    let json: [String: Any]

    init() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/xo_article.json")
        json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    func grid(_ value: Any?) -> [[Double]] {
        (value as? [[NSNumber]])?.map { $0.map(\.doubleValue) } ?? []
    }

    func image(_ name: String) -> [[Double]] { grid((json["images"] as? [String: Any])?[name]) }
    var featureOrder: [String] { json["feature_order"] as? [String] ?? [] }
    func feature(_ name: String) -> [[Double]] { grid((json["features"] as? [String: Any])?[name]) }
    /// The 7×7 sums (before dividing by 9) of a feature over X.
    func xSums(_ name: String) -> [[Double]] { grid((json["X_conv_sums_over_9"] as? [String: Any])?[name]) }

    /// The article's network on X: conv (3 features, no bias, normalize), relu, pool 2/2 ceil,
    /// pool 2/2 ceil, dense 2, mse; dense weights seeded.
    func network(loss: LossKind = .mse) throws -> Network {
        let model = ModelSpec(input: [1, 9, 9], layers: [
            LayerSpec(name: "conv1", kind: .conv(ConvSpec(filters: 3, kernelH: 3, kernelW: 3, bias: false, normalize: true))),
            LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
            LayerSpec(name: "pool2", kind: .maxpool(PoolSpec(size: 2, stride: 2, ceil: true))),
            LayerSpec(name: "out", kind: .dense(DenseSpec(units: 2))),
        ], loss: loss, classes: ["X", "O"])
        let features = featureOrder.map(feature)
        let weight = Tensor(shape: [3, 1, 3, 3], data: features.flatMap { $0.flatMap { $0 } })
        return try Network(model: model, parameters: ["conv1.weight": weight], seed: 7)
    }

    var xImage: Tensor { Tensor(shape: [1, 9, 9], data: image("X").flatMap { $0 }) }
}
