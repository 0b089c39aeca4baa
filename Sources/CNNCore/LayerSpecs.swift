/// Whether a layer that behaves differently while training (batchnorm, dropout) is in training
/// or evaluation mode, as PyTorch's `module.train()` and `module.eval()`.
public enum LayerMode: String, Sendable, Equatable, CaseIterable {
    case train
    case eval
}

/// Average pooling over `size`×`size` windows moved by `stride`, as PyTorch's `avg_pool2d`.
///
///     out[c, i, j] = (Σ over (a, b) in window(i, j) of in[c, a, b]) / divisor(i, j)
///
/// The windows are `PoolWindows(size:stride:padding:ceil:)`: zeros pad every side by `padding`
/// (at most `size / 2`). `divisor(i, j)` counts the window's cells inside the padded input when
/// `countIncludePad` is on (PyTorch's default), and only those inside the input when it is off.
/// Output size as max pooling's, with the padding: `H' = floor((H + 2p − size) / stride) + 1`.
public struct AvgPoolSpec: Sendable, Equatable {
    public var size: Int
    /// Step between windows; PyTorch's default is the size.
    public var stride: Int
    public var padding: Int
    public var ceil: Bool
    public var countIncludePad: Bool

    public init(size: Int, stride: Int? = nil, padding: Int = 0, ceil: Bool = false, countIncludePad: Bool = true) {
        self.size = size
        self.stride = stride ?? size
        self.padding = padding
        self.ceil = ceil
        self.countIncludePad = countIncludePad
    }
}

/// Batch normalization of a `[C, H, W]` activation, as PyTorch's `BatchNorm2d`. Per channel `c`:
///
///     out[n, c, i, j] = weight[c] · (x[n, c, i, j] − mean[c]) / √(var[c] + eps) + bias[c]
///
/// In `train` mode `mean` and `var` are the batch's: over the `M = N·H·W` values of the channel,
/// with the biased variance `var = (1/M) Σ (x − mean)²`; the running statistics become
/// `running = (1 − momentum)·running + momentum·batch`, with the unbiased variance `var·M/(M − 1)`
/// for `running_var`. In `eval` mode `mean` and `var` are `running_mean` and `running_var`.
/// Parameters: `NAME.weight`, `NAME.bias` (trained) and `NAME.running_mean`, `NAME.running_var`
/// (statistics, not trained), each `[C]`.
public struct BatchNormSpec: Sendable, Equatable {
    public var eps: Double
    public var momentum: Double
    public var mode: LayerMode

    public init(eps: Double = 1e-5, momentum: Double = 0.1, mode: LayerMode = .train) {
        self.eps = eps
        self.momentum = momentum
        self.mode = mode
    }
}

/// Dropout, as PyTorch's `Dropout`: in `train` mode each value is kept with probability `1 − p`
/// and scaled by `1 / (1 − p)`, else set to 0:
///
///     out = in · mask,   mask = 1/(1 − p) with probability 1 − p, else 0
///
/// The mask is drawn from the network's seed (a stream per layer) and traced under role `mask`.
/// In `eval` mode the layer is the identity.
public struct DropoutSpec: Sendable, Equatable {
    public var p: Double
    public var mode: LayerMode

    public init(p: Double = 0.5, mode: LayerMode = .train) {
        self.p = p
        self.mode = mode
    }
}
