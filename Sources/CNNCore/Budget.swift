/// The memory and work a command needs, estimated from the model and the options before any of
/// it is allocated, and the limits they are checked against.
///
/// The estimates count what dominates: weights (8 bytes each, with their gradients and momentum
/// when training), the workspace of a batch (what `Workspace` allocates: activations and their
/// gradients times the batch, the conv layers' kept columns and per-part blocks of columns, see
/// `ModelCost.workspaceBytes`), trace records and their JSON text, images held in memory, and
/// figure pixels. Work
/// is counted in multiply-adds of the forward pass (`F` per image), three per image for a
/// forward and backward pass, `2·P + 3` forward passes for a gradient check over `P` weights.
public struct Estimate: Sendable, Equatable {
    /// Peak memory, in bytes.
    public var bytes: Double
    /// Work, in multiply-adds.
    public var operations: Double
    /// What the estimate counts, for the message (`"1000 layers, 16777216 activations per image"`).
    public var detail: String

    public init(bytes: Double, operations: Double, detail: String) {
        self.bytes = bytes
        self.operations = operations
        self.detail = detail
    }
}

/// How much memory and work one command may use.
public struct BudgetLimits: Sendable, Equatable {
    /// Bytes; 2 GiB by default.
    public var bytes: Double
    /// Multiply-adds; 10^12 by default (minutes of work in a release build).
    public var operations: Double

    public init(bytes: Double = 2 * 1_073_741_824, operations: Double = 1e12) {
        self.bytes = bytes
        self.operations = operations
    }

    /// The defaults: 2 GiB and 10^12 multiply-adds.
    public static let standard = BudgetLimits()

    /// Refuses an estimate over either limit, with one line naming the estimate and the limit.
    public func check(_ e: Estimate) throws(BudgetError) {
        if e.bytes > bytes {
            throw BudgetError("needs about \(gib(e.bytes)) of memory (\(e.detail)), over the limit of \(gib(bytes)); raise it with --memory-limit GIB or CNN_EXPLAIN_MEMORY_LIMIT")
        }
        if e.operations > operations {
            throw BudgetError("needs about \(sci(e.operations)) multiply-adds (\(e.detail)), over the limit of \(sci(operations)); raise it with --work-limit N or CNN_EXPLAIN_WORK_LIMIT")
        }
    }

    /// "2.0 GiB", "90 GiB", "12 MiB", "300 bytes".
    private func gib(_ b: Double) -> String {
        let g = b / 1_073_741_824, m = b / 1_048_576
        if g >= 10 { return "\(Int(min(g, 1e15).rounded())) GiB" }
        if g >= 0.1 { return "\(Double(Int((g * 10).rounded())) / 10) GiB" }
        return m >= 1 ? "\(Int(m.rounded())) MiB" : "\(Int(b.rounded())) bytes"
    }

    private func sci(_ x: Double) -> String {
        guard x >= 1e6, x.isFinite else { return x.isFinite ? "\(Int(x))" : "too many" }
        var e = 0, m = x
        while m >= 10 { m /= 10; e += 1 }
        return "\(Double(Int((m * 10).rounded())) / 10)e\(e)"
    }
}

/// An estimate over its limit, in one line.
public struct BudgetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Sizes of a checked model that the estimates are made of.
public struct ModelCost: Sendable, Equatable {
    /// Parameters (weights and biases), `P`.
    public var parameters: Double
    /// Values per image over every activation, the input included, `S`.
    public var activations: Double
    /// Numbers one image unfolds into over every conv layer (in·kh·kw × H'·W').
    public var columns: Double
    /// Multiply-adds of one image's forward pass, `F`.
    public var forward: Double
    /// The largest activation or parameter of one image.
    public var largestRecord: Double
    public var layers: Int
    /// Values in one input image.
    public var shapesInput: Int
    /// The model, for the workspace's sizes.
    private let model: ModelSpec
    private let shapes: [[Int]]

    /// The sizes of `model` (which `ModelSpec.shapes()` has accepted).
    public init(_ model: ModelSpec) throws {
        let shapes = try model.shapes()
        self.model = model
        self.shapes = shapes
        parameters = 0; activations = 0; columns = 0; forward = 0; largestRecord = 0
        layers = model.layers.count
        shapesInput = shapes[0].reduce(1, *)
        for s in shapes {
            let n = Double(s.reduce(1, *))
            activations += n
            largestRecord = max(largestRecord, n)
        }
        for (_, shape) in try model.parameterShapes() {
            let n = Double(shape.reduce(1, *))
            parameters += n
            largestRecord = max(largestRecord, n)
        }
        for (i, layer) in model.layers.enumerated() {
            let out = Double(shapes[i + 1].reduce(1, *)), inputs = Double(shapes[i].reduce(1, *))
            switch layer.kind {
            case .conv(let c):
                let k = Double(shapes[i][0] * c.kernelH * c.kernelW)
                columns += k * Double(shapes[i + 1][1] * shapes[i + 1][2])
                forward += k * out
            case .dense: forward += inputs * out
            case .maxpool(let p): forward += Double(p.size * p.size) * out
            case .avgpool(let p): forward += Double(p.size * p.size) * out
            case .globalAvgpool, .flatten, .dropout: forward += inputs
            case .relu, .sigmoid, .tanh, .leakyRelu, .softmax, .logSoftmax, .batchnorm: forward += out
            }
        }
    }

    /// A network and one workspace for `batch` images: weights (and `copies` more arrays of
    /// their size; the workspace holds one, the gradients) and `workspaceBytes(batch:)`.
    public func networkBytes(batch: Int, parameterCopies copies: Double = 1) -> Double {
        8 * parameters * max(copies, 1) + workspaceBytes(batch: batch)
    }

    /// The bytes `Workspace(network:batch:)` allocates for this model: activations and their
    /// gradients for the batch, parameter gradients, each conv layer's columns for the batch when
    /// it keeps them (`N·k·H'·W'`), else only the blocks of columns its parts work on.
    public func workspaceBytes(batch: Int) -> Double {
        let n = max(batch, 1)
        let slots = [(weight: Int?, bias: Int?)](repeating: (nil, nil), count: model.layers.count)
        let statSlots = [(mean: Int, variance: Int)?](repeating: nil, count: model.layers.count)
        let kernels = LayerKernel.make(model: model, shapes: shapes, slots: slots, statSlots: statSlots)
        let plan = WorkspaceSizes(kernels: kernels, sizes: shapes.map { $0.reduce(1, *) }, batch: n)
        return Double(plan.bytes(batch: n, parameters: Int(parameters)))
    }

    /// The numbers a one-image trace records: every input, output and parameter, forward and back.
    public var traceNumbers: Double { 2 * (2 * activations + parameters) + 1 }

    public var detail: String {
        "\(layers) layers, \(Int(parameters)) weights, \(Int(activations)) activation values per image"
    }

    /// One image forward and back with every array traced: the network and its workspace, the
    /// records (kept twice while they are gathered) and their JSON text (about 24 bytes a number).
    public func trace() -> Estimate {
        Estimate(bytes: networkBytes(batch: 1) + traceNumbers * (16 + 24), operations: 3 * forward, detail: detail)
    }

    /// A gradient check: a traced pass, then two forward passes per weight (`2·P·F` work).
    public func gradientCheck() -> Estimate {
        var e = trace()
        e.operations = (2 * parameters + 3) * forward
        e.detail += ", two forward passes per weight"
        return e
    }

    /// Training on `images` held images (generated or read, held-out and test sets included) for
    /// `epochs` passes over `trainImages`, in minibatches of `batch`: weights with gradients and
    /// momentum, a workspace per batch size, the images. Nudging runs two forward passes of a
    /// minibatch per weight per step.
    public func train(images: Int, trainImages: Int, batch: Int, epochs: Int, nudge: Bool) -> Estimate {
        let inputSize = Double(shapesInput)
        let bytes = networkBytes(batch: batch, parameterCopies: 3) + networkBytes(batch: 64) + 8 * inputSize * Double(images) * 1.25
        let steps = Double(epochs) * Double((trainImages + batch - 1) / max(batch, 1))
        let perStep = nudge ? (2 * parameters + 1) * Double(batch) * forward : 3 * Double(batch) * forward
        // The nudge comparison in the report: two forward passes per weight on 32 images.
        let comparison = (2 * parameters + 1) * 32 * forward
        return Estimate(bytes: bytes, operations: steps * perStep + comparison,
                        detail: "\(detail), \(images) images, \(epochs) epochs")
    }

    /// Drawing a trace's figures: the largest array as one grid of cells up to 38 points wide, as
    /// an image of 4 bytes a pixel at `scale` pixels per point, and the figure values for every record.
    public func render(scale: Double) -> Estimate {
        let side = 38 * scale
        let bytes = largestRecord * side * side * 4 + traceNumbers * 64
        return Estimate(bytes: bytes, operations: traceNumbers * side * side,
                        detail: "a figure of \(Int(largestRecord)) cells of \(Int(side))×\(Int(side)) pixels")
    }
}

/// `data xo`: `count` images of `size`×`size` held in memory, with their text, and a contact sheet.
public func dataSetEstimate(count: Int, size: Int) -> Estimate {
    let pixels = Double(count) * Double(size) * Double(size)
    return Estimate(bytes: pixels * (8 + 2) + 64 * Double(count), operations: pixels * 50,
                    detail: "\(count) images of \(size)×\(size)")
}

extension ModelSpec {
    /// Every parameter's `state_dict` name and shape, in layer order, weight before bias:
    /// conv `[filters, C, kh, kw]` and `[filters]`, dense `[units, inputs]` and `[units]`.
    public func parameterShapes() throws -> [(name: String, shape: [Int])] {
        try parameterSpecs().map { ($0.name, $0.shape) }
    }
}
