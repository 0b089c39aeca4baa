// A trace ready to explore in a page: every recorded number with its derivation, the geometry the
// page needs to outline patches and windows, and the engine's forward pass on one flipped pixel.
// Built by CNNAnalysis (`Explorer.build`) from a trace; drawn by CNNHTML. Plain values, Codable so
// the page can embed them as JSON.

/// Everything the HTML page's explorer shows and checks, for one traced input.
public struct Explorer: Sendable, Codable, Equatable {
    /// A name for the traced input (e.g. the lesson input's name, or the trace file's name).
    public var name: String
    /// Class names of the last layer's outputs (e.g. `["X", "O"]`), or `nil` when the model has none.
    public var classes: [String]?
    /// The class index the loss was computed against, when the trace went backward.
    public var target: Int?
    /// The loss function's name (`mse`, `cross_entropy`).
    public var loss: String
    /// How numbers are written: `rounded`, `truncated` or `full`, and the decimals.
    public var numberKind: String
    public var decimals: Int
    /// The shape of the network's input, `[C, H, W]`.
    public var inputShape: [Int]
    public var layers: [ExplorerLayer]
    /// Every record shown, forward then backward, in trace order.
    public var records: [ExplorerRecord]
    /// The engine's forward pass with one input value negated, to check the page's what-if against.
    public var flip: ExplorerFlip?
    /// Records of other traces that numbers in the page's figures come from (each with its
    /// `trace`), so those numbers open their derivations too.
    public var figureRecords: [ExplorerRecord] = []

    public init(name: String, classes: [String]?, target: Int?, loss: String, style: NumberStyle, inputShape: [Int],
                layers: [ExplorerLayer], records: [ExplorerRecord], flip: ExplorerFlip?) {
        self.name = name; self.classes = classes; self.target = target; self.loss = loss
        switch style {
        case .rounded(let d): numberKind = "rounded"; decimals = d
        case .truncated(let d): numberKind = "truncated"; decimals = d
        case .full: numberKind = "full"; decimals = 17
        }
        self.inputShape = inputShape; self.layers = layers; self.records = records; self.flip = flip
    }
}

/// One layer as the page computes it. Fields that do not apply to the layer's type are `nil`.
///
/// - conv: `out[o,i,j] = (Σ_{c,a,b} w[o,c,a,b] · x[c, i·stride + a·dilation − pad[0], j·stride + b·dilation − pad[1]]) / divisor + bias[o]`
/// - maxpool: `out[c,i,j] = max of x[c] over rows[i] × cols[j]` (the engine's `PoolWindows`, as half-open ranges)
/// - avgpool: `out[c,i,j] = (Σ of x[c] over rows[i] × cols[j]) / divisors[i·W' + j]`
/// - batchnorm: `out = (x − mean[c]) · (1 / √(var[c] + eps)) · weight[c] + bias[c]`, the batch's
///   mean and biased variance over the channel in `train` mode, `running_mean` and `running_var` in `eval`
/// - dropout: `out = x · mask` (the traced `mask`) in `train` mode, `out = x` in `eval`
/// - dense: `out[u] = Σ_k w[u,k] · x[k] + bias[u]` over the input flattened in `[C, H, W]` order
/// - relu: `out = max(0, x)`; leaky_relu, sigmoid, tanh, softmax, log_softmax, flatten and
///   global_avgpool as the engine defines them. Other types are shown but not recomputed by the page.
public struct ExplorerLayer: Sendable, Codable, Equatable {
    public var name: String
    /// The layer's type as the model file names it (`conv`, `relu`, `maxpool`, `dense`, …).
    public var type: String
    /// The shape this layer reads and the shape it writes.
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var kernel: [Int]?
    public var stride: Int?
    /// Zeros around the input: `[top, left, bottom, right]` (conv; "same" may pad one more after),
    /// `[p, p, p, p]` (pooling).
    public var pad: [Int]?
    public var dilation: Int?
    /// The slope of leaky_relu for negative inputs.
    public var slope: Double?
    /// What a conv divides its sum by: `C·kh·kw` when it normalizes, else 1.
    public var divisor: Double?
    /// Pooling windows per output row and column, `[start, end)` in the input.
    public var rows: [[Int]]?
    public var cols: [[Int]]?
    /// What each average-pooling window's sum is divided by (the engine's `PoolWindows.divisor`), row-major.
    public var divisors: [Double]?
    /// Batchnorm's `eps`.
    public var eps: Double?
    /// `train` or `eval`, for batchnorm and dropout.
    public var mode: String?

    public init(name: String, type: String, inputShape: [Int], outputShape: [Int], kernel: [Int]? = nil,
                stride: Int? = nil, pad: [Int]? = nil, divisor: Double? = nil, rows: [[Int]]? = nil, cols: [[Int]]? = nil) {
        self.name = name; self.type = type; self.inputShape = inputShape; self.outputShape = outputShape
        self.kernel = kernel; self.stride = stride; self.pad = pad; self.divisor = divisor
        self.rows = rows; self.cols = cols
    }
}

/// One recorded array and the derivation of each of its elements.
public struct ExplorerRecord: Sendable, Codable, Equatable {
    /// `forward` or `backward`.
    public var pass: String
    public var layer: String
    public var role: String
    public var shape: [Int]
    /// Row-major values, as recorded.
    public var data: [Double]
    /// Per element: the value as the page shows it (`formatNumber` in the page's style).
    public var shown: [String]
    /// Per element: the lines `explain` prints for it.
    public var derivations: [String]
    /// Per element: the value the derivation recomputes from its operands (`nil` for given numbers:
    /// the input, weights and biases).
    public var recomputed: [Double?]
    /// The trace this record belongs to, for figure records (`nil` for the explored trace's own).
    public var trace: String?

    public init(pass: String, layer: String, role: String, shape: [Int], data: [Double], shown: [String],
                derivations: [String], recomputed: [Double?]) {
        self.pass = pass; self.layer = layer; self.role = role; self.shape = shape; self.data = data; self.shown = shown
        self.derivations = derivations; self.recomputed = recomputed
    }

    /// `layer.role`, as `explain` names it.
    public var key: String { "\(layer).\(role)" }
}

/// The engine's forward pass on the input with element `index` negated (a ±1 pixel flipped).
public struct ExplorerFlip: Sendable, Codable, Equatable {
    /// `[c, y, x]` of the flipped input element.
    public var index: [Int]
    /// Each layer's output, by layer name.
    public var outputs: [String: [Double]]

    public init(index: [Int], outputs: [String: [Double]]) { self.index = index; self.outputs = outputs }
}
