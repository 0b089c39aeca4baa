/// A description of a network: its input shape, layers, loss and class names.
///
/// This is plain data; `CNNFiles` reads it from JSON or YAML and `validate()` checks it
/// before any array is allocated.
public struct ModelSpec: Sendable, Equatable {
    /// The shape of one input sample, `[C, H, W]`.
    public var input: [Int]
    /// The layers, applied in order.
    public var layers: [LayerSpec]
    /// The loss applied to the last layer's output.
    public var loss: LossKind
    /// One name per output unit, e.g. `["X", "O"]`.
    public var classes: [String]

    public init(input: [Int], layers: [LayerSpec], loss: LossKind, classes: [String]) {
        self.input = input
        self.layers = layers
        self.loss = loss
        self.classes = classes
    }
}

/// One named layer of a model.
public struct LayerSpec: Sendable, Equatable {
    /// The layer's name, used in traces and parameter names (`conv1.weight`).
    public var name: String
    /// What the layer does.
    public var kind: LayerKind

    public init(name: String, kind: LayerKind) {
        self.name = name
        self.kind = kind
    }
}

/// The kinds of layer the engine knows. Each one's formula is on its spec type or in docs/formats.md.
public enum LayerKind: Sendable, Equatable {
    case conv(ConvSpec)
    case relu
    case maxpool(PoolSpec)
    case dense(DenseSpec)
    /// `[C, H, W]` → `[C·H·W]`, in row-major order.
    case flatten
    case avgpool(AvgPoolSpec)
    /// `out[c, 0, 0] = (1 / (H·W)) Σ_{i,j} in[c, i, j]`: `[C, H, W]` → `[C, 1, 1]`.
    case globalAvgpool
    /// `y = 1 / (1 + e^(−x))`, elementwise.
    case sigmoid
    /// `y = tanh(x)`, elementwise.
    case tanh
    /// `y = x` for `x > 0`, else `slope · x`, elementwise (PyTorch's default slope is 0.01).
    case leakyRelu(slope: Double)
    /// `y[k] = e^(x[k]) / Σ_j e^(x[j])` over a vector `[K]`.
    case softmax
    /// `y[k] = x[k] − log Σ_j e^(x[j])` over a vector `[K]`.
    case logSoftmax
    case batchnorm(BatchNormSpec)
    case dropout(DropoutSpec)

    /// The name used in model files: `conv`, `relu`, `maxpool`, `dense`, `flatten`, `avgpool`,
    /// `global_avgpool`, `sigmoid`, `tanh`, `leaky_relu`, `softmax`, `log_softmax`, `batchnorm`, `dropout`.
    public var typeName: String {
        switch self {
        case .conv: return "conv"
        case .relu: return "relu"
        case .maxpool: return "maxpool"
        case .dense: return "dense"
        case .flatten: return "flatten"
        case .avgpool: return "avgpool"
        case .globalAvgpool: return "global_avgpool"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .leakyRelu: return "leaky_relu"
        case .softmax: return "softmax"
        case .logSoftmax: return "log_softmax"
        case .batchnorm: return "batchnorm"
        case .dropout: return "dropout"
        }
    }
}

/// How a conv pads its input with zeros.
public enum ConvPadding: Sendable, Equatable {
    /// `h` rows on top and bottom, `w` columns left and right.
    case explicit(h: Int, w: Int)
    /// PyTorch's `padding="same"` (stride 1 only): the output has the input's size. Along an axis
    /// the total padding is `d·(k − 1)`; `floor` of half goes before, the rest after.
    case same

    /// No padding (PyTorch's `padding="valid"`).
    public static let valid = ConvPadding.explicit(h: 0, w: 0)
}

/// A convolution (cross-correlation, as in PyTorch's `Conv2d`).
///
///     out[o, i, j] = (Σ_{c, a, b} w[o, c, a, b] · x[c, i·s + a·d − top, j·s + b·d − left]) / n + bias[o]
///
/// where `n = in · kh · kw` when `normalize` is on (the article's "divide by the number of
/// pixels in the feature") and `n = 1` otherwise, `d` is the dilation, and `x` is zero outside
/// the input. Output size: `H' = (H + top + bottom − d·(kh − 1) − 1) / s + 1` (integer division).
public struct ConvSpec: Sendable, Equatable {
    /// The number of features (output channels).
    public var filters: Int
    /// Kernel height and width.
    public var kernelH: Int
    public var kernelW: Int
    /// Step between positions (default 1).
    public var stride: Int
    /// Zeros added around the input (default none).
    public var padding: ConvPadding
    /// Spacing between the kernel's taps (default 1).
    public var dilation: Int
    /// Whether a bias is added after dividing (default true).
    public var bias: Bool
    /// Whether the weighted sum is divided by `in · kh · kw` (default false).
    public var normalize: Bool

    /// A conv with `padding` zeros on every side.
    public init(filters: Int, kernelH: Int, kernelW: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                bias: Bool = true, normalize: Bool = false) {
        self.init(filters: filters, kernelH: kernelH, kernelW: kernelW, stride: stride,
                  padding: .explicit(h: padding, w: padding), dilation: dilation, bias: bias, normalize: normalize)
    }

    public init(filters: Int, kernelH: Int, kernelW: Int, stride: Int = 1, padding: ConvPadding, dilation: Int = 1,
                bias: Bool = true, normalize: Bool = false) {
        self.filters = filters
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.bias = bias
        self.normalize = normalize
    }

    /// The zeros added on each side: explicit padding as given; `same` as PyTorch splits `d·(k − 1)`.
    public var pads: (top: Int, left: Int, bottom: Int, right: Int) {
        switch padding {
        case .explicit(let h, let w):
            return (h, w, h, w)
        case .same:
            let th = dilation * (kernelH - 1), tw = dilation * (kernelW - 1)
            return (th / 2, tw / 2, th - th / 2, tw - tw / 2)
        }
    }

    /// The kernel's reach along each axis, `d·(k − 1) + 1`.
    public var span: (h: Int, w: Int) { (dilation * (kernelH - 1) + 1, dilation * (kernelW - 1) + 1) }
}

/// Max pooling over `size`×`size` windows moved by `stride`.
///
///     out[c, i, j] = max over (a, b) in window(i, j) of in[c, i·s + a, j·s + b]
///
/// Output size: `H' = floor((H − size) / stride) + 1`, or with `ceil` on,
/// `H' = ceil((H − size) / stride) + 1`, dropping a last window that would start outside the
/// input (PyTorch's `ceil_mode`). A window hanging over the edge takes the max of the values
/// that exist. Ties go to the first maximum in row-major window order. `PoolWindows` holds the
/// windows and winners.
public struct PoolSpec: Sendable, Equatable {
    public var size: Int
    public var stride: Int
    public var ceil: Bool

    public init(size: Int, stride: Int, ceil: Bool = false) {
        self.size = size
        self.stride = stride
        self.ceil = ceil
    }
}

/// A fully connected layer. Its input is flattened in `[C, H, W]` row-major order.
///
///     out[u] = Σ_i w[u, i] · x[i] + bias[u]
public struct DenseSpec: Sendable, Equatable {
    public var units: Int
    public var bias: Bool

    public init(units: Int, bias: Bool = true) {
        self.units = units
        self.bias = bias
    }
}

/// The losses the engine knows.
public enum LossKind: String, Sendable, Equatable, CaseIterable {
    /// `L = mean over outputs of (y − t)²`, with `t` one-hot from the class index
    /// (PyTorch's `MSELoss` on a one-hot target; over a batch, the mean over all N·units values).
    case mse
    /// Softmax, then the negative log-likelihood of the class index, averaged over the batch
    /// (PyTorch's `CrossEntropyLoss`).
    case crossEntropy = "cross_entropy"
    /// The negative log-likelihood of the class index, the outputs being log-probabilities
    /// (PyTorch's `nll_loss`, e.g. after `log_softmax`): `L = −(1/N) Σ_n y[n, target_n]`.
    case nll
}

/// A problem with a model description, naming the field at fault.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field, e.g. `layers[0] (conv1).size`.
    public var field: String
    /// What is wrong, in one line.
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Upper bounds that keep accepted models far from memory exhaustion and integer overflow.
public enum Limits {
    /// The largest value of any single dimension (height, width, channels, filters, units).
    public static let maxDimension = 65_536
    /// The most elements one sample's activation or one parameter tensor may hold (2^24).
    public static let maxElements = 16_777_216
    /// The most numbers one conv layer may unfold one image into (in·kh·kw × H'·W', 2^26).
    public static let maxWorkingElements = 67_108_864
    /// The most layers in a model.
    public static let maxLayers = 1_000
}

/// Multiplies non-negative sizes, returning nil on overflow or when the result exceeds `limit`.
@inlinable
public func checkedProduct(_ values: [Int], limit: Int = Limits.maxElements) -> Int? {
    var p = 1
    for v in values {
        guard v >= 0 else { return nil }
        let (r, o) = p.multipliedReportingOverflow(by: v)
        if o || r > limit { return nil }
        p = r
    }
    return p
}

extension ModelSpec {
    /// The number of outputs of the last layer, after validation.
    public var outputCount: Int { (try? shapes().last?.reduce(1, *)) ?? 0 }

    /// Checks every field and returns the per-sample shapes: `shapes[0]` is the input `[C, H, W]`,
    /// `shapes[i + 1]` the output of layer `i` (`[C, H, W]`, or `[units]` after a dense layer).
    ///
    /// Every size is checked against `Limits` before it is multiplied, so no accepted model can
    /// overflow shape arithmetic.
    /// - Throws: `ModelError` naming the field at fault.
    public func shapes() throws -> [[Int]] {
        guard input.count == 3 else {
            throw ModelError(field: "input", "expected [C, H, W] (3 numbers), got \(input.count)")
        }
        for (i, d) in input.enumerated() where d < 1 || d > Limits.maxDimension {
            throw ModelError(field: "input[\(i)]", "must be between 1 and \(Limits.maxDimension), got \(d)")
        }
        guard checkedProduct(input) != nil else {
            throw ModelError(field: "input", "\(input.map(String.init).joined(separator: "×")) has more than \(Limits.maxElements) elements")
        }
        guard !layers.isEmpty else { throw ModelError(field: "layers", "a model needs at least one layer") }
        guard layers.count <= Limits.maxLayers else {
            throw ModelError(field: "layers", "at most \(Limits.maxLayers) layers, got \(layers.count)")
        }
        var names = Set<String>()
        var shape = input
        var result = [input]
        for (li, layer) in layers.enumerated() {
            let at = "layers[\(li)] (\(layer.name))"
            guard !layer.name.isEmpty else { throw ModelError(field: "layers[\(li)].name", "must not be empty") }
            guard names.insert(layer.name).inserted else {
                throw ModelError(field: "\(at).name", "the name '\(layer.name)' is used twice")
            }
            shape = try LayerShape(at: at, input: shape).output(of: layer.kind)
            guard checkedProduct(shape) != nil else {
                throw ModelError(field: at, "its output \(fmt(shape)) has more than \(Limits.maxElements) elements")
            }
            result.append(shape)
        }
        let outputs = shape.reduce(1, *)
        if !classes.isEmpty && classes.count != outputs {
            throw ModelError(field: "classes", "\(classes.count) class names for \(outputs) outputs")
        }
        if Set(classes).count != classes.count {
            throw ModelError(field: "classes", "class names must be different from each other")
        }
        return result
    }

    /// The class names, or `"0"`, `"1"`, … when the model gives none.
    public var classNames: [String] {
        classes.isEmpty ? (0..<outputCount).map(String.init) : classes
    }
}

/// The output length of max pooling along one axis (see `PoolSpec` and `PoolWindows`).
@inlinable
public func poolOutput(_ n: Int, _ p: PoolSpec) -> Int {
    PoolWindows.outputLength(n, size: p.size, stride: p.stride, ceil: p.ceil)
}

func fmt(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
