import CNNCore
import Foundation
import TestSupport
@testable import CNNFiles

/// A fresh temporary folder for one test.
func tempFolder() throws -> URL { try Fixtures.temporaryFolder("cnnfiles") }

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

extension ArticleFixture {
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
        return try Network(model: model, parameters: ["conv1.weight": try featureWeights()], seed: 7)
    }
}
