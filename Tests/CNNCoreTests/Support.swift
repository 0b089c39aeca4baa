@testable import CNNCore
import TestSupport

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
