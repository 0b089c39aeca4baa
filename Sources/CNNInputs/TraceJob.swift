import CNNCore
import CNNFiles

/// What `cnn-explain trace` needs: a model file, an input file, and optionally weights and a target.
public struct TraceRequest: Sendable {
    public var model: String
    public var input: String
    public var weights: String?
    /// A class index or class name; without one only the forward pass is traced.
    public var target: String?
    /// Seeds the initialization of every parameter the weights file does not give.
    public var seed: UInt64
    /// The memory and work the trace may take (checked before anything is allocated).
    public var limits: BudgetLimits = .standard
    /// Whether parameters missing from the weights file are an error (`.file`) or drawn from `seed`.
    public var initialization: WeightsInit
    /// How PNG and `uint8` `.npy` pixels become numbers.
    public var pixels: PixelMapping

    public init(model: String, input: String, weights: String? = nil, target: String? = nil, seed: UInt64 = 0,
                initialization: WeightsInit = .file, pixels: PixelMapping = .article) {
        self.model = model
        self.input = input
        self.weights = weights
        self.target = target
        self.seed = seed
        self.initialization = initialization
        self.pixels = pixels
    }

    /// Loads and checks every file, then runs the traced forward pass (and, with a target, the loss
    /// and the backward pass).
    /// - Throws: `FileError` naming the file and field at fault; nothing is computed before all
    ///   files have been checked.
    public func run() throws(FileError) -> Trace {
        let network = try loadNetwork(model: model, weights: weights, seed: seed, initialization: initialization, limits: limits)
        let x = try InputFile.load(input, expecting: network.shapes[0], pixels: pixels)
        let t = try target.map { s throws(FileError) in try parseTarget(s, classes: network.model.classNames) }
        return network.trace(input: x, target: t)
    }
}
