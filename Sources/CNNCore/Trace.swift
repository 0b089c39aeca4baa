/// Which pass a trace record belongs to.
public enum Pass: String, Sendable, Equatable, Codable {
    case forward
    case backward
}

/// What an array of a trace is to its layer. The raw value is the name in trace files, `.npz`
/// member names and record keys (`conv1.grad_weight`), and the text a role prints as.
public enum TraceRole: String, Sendable, Equatable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The layer's input `x`, logged in the forward pass.
    case input
    /// The layer's weight `W` (as in PyTorch's `state_dict`).
    case weight
    /// The layer's bias `b`.
    case bias
    /// The layer's output `y` (and the loss, layer `loss`, shape `[]`).
    case output
    /// Batchnorm's running mean as given, shape `[C]`.
    case runningMean = "running_mean"
    /// Batchnorm's running variance as given, shape `[C]`.
    case runningVar = "running_var"
    /// Batchnorm's batch mean in train mode, shape `[C]`.
    case batchMean = "batch_mean"
    /// Batchnorm's biased batch variance in train mode, shape `[C]`.
    case batchVar = "batch_var"
    /// Batchnorm's running mean after the momentum update (train mode), shape `[C]`.
    case updatedRunningMean = "updated_running_mean"
    /// Batchnorm's running variance after the momentum update (train mode), shape `[C]`.
    case updatedRunningVar = "updated_running_var"
    /// Dropout's mask in train mode: 0 or 1/(1 − p) per element, the layer's input shape.
    case mask
    /// ∂L/∂y, logged in the backward pass.
    case gradOutput = "grad_output"
    /// ∂L/∂x.
    case gradInput = "grad_input"
    /// ∂L/∂W.
    case gradWeight = "grad_weight"
    /// ∂L/∂b.
    case gradBias = "grad_bias"

    /// The raw value, so `"\(layer).\(role)"` reads `conv1.grad_weight`.
    public var description: String { rawValue }

    /// The gradient of this role (`weight` → `grad_weight`, `output` → `grad_output`), for
    /// `input`, `weight`, `bias` and `output`; nil for the others.
    public var gradient: TraceRole? {
        switch self {
        case .input: return .gradInput
        case .weight: return .gradWeight
        case .bias: return .gradBias
        case .output: return .gradOutput
        default: return nil
        }
    }

    /// The pass that logs this role: `grad_*` roles the backward pass, the others the forward.
    public var pass: Pass {
        switch self {
        case .gradOutput, .gradInput, .gradWeight, .gradBias: return .backward
        default: return .forward
        }
    }

    /// Every role's name, for messages: `input, weight, …, grad_bias`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One array logged by the tracer.
///
/// Roles (see `TraceRole`): `input`, `weight`, `bias`, `output` in the forward pass; `grad_output`,
/// `grad_input`, `grad_weight`, `grad_bias` in the backward pass; batchnorm's statistics and
/// dropout's mask in the forward pass. The loss is layer `loss`, role `output`, shape `[]`. For one sample the batch dimension is dropped: activations are `[C, H, W]`,
/// dense outputs `[units]`; for a batch of N > 1 they are `[N, …]`.
public struct TraceRecord: Sendable, Equatable {
    public var pass: Pass
    public var layer: String
    public var role: TraceRole
    public var shape: [Int]
    /// Row-major elements; `data.count == shape.reduce(1, *)`.
    public var data: [Double]

    public init(pass: Pass, layer: String, role: TraceRole, shape: [Int], data: [Double]) {
        self.pass = pass
        self.layer = layer
        self.role = role
        self.shape = shape
        self.data = data
    }

    /// The record as a tensor.
    public var tensor: Tensor { Tensor(shape: shape, data: data) }

    /// A readable key such as `conv1.output` or `conv1.grad_weight` (the pass is implied by the role).
    public var key: String { "\(layer).\(role)" }
}

/// Everything a traced pass logged, in order, with the model that produced it.
public struct Trace: Sendable, Equatable {
    public var model: ModelSpec
    /// The class index the loss was computed against, when the pass went backward.
    public var target: Int?
    public var records: [TraceRecord]

    public init(model: ModelSpec, target: Int? = nil, records: [TraceRecord]) {
        self.model = model
        self.target = target
        self.records = records
    }

    /// The record for `layer.role` (e.g. `conv1`, `output`), if present. For `input`, `weight`,
    /// `bias`, `output` the forward record is returned; `grad_*` roles are backward records.
    public func record(_ layer: String, _ role: TraceRole) -> TraceRecord? {
        records.first { $0.layer == layer && $0.role == role }
    }

    /// The loss, when the trace has one.
    public var loss: Double? { record("loss", .output)?.data.first }
}

/// Collects trace records during a pass. Pass `nil` instead of a tracer to trace nothing:
/// the engine then only tests one optional per layer.
///
/// Values are appended to one flat buffer that `reset()` keeps, so tracing a pass again
/// allocates nothing once the buffers have grown to size. Each record's entry holds no reference:
/// its layer is an index into a table of names the tracer keeps across `reset()` (a pass logs the
/// same names again, so the name is found where it was last time), and its shape is stored inline
/// (`TraceShape`); `records` builds the strings and arrays only when asked.
public final class Tracer {
    private struct Entry {
        var pass: Pass
        var role: TraceRole
        var layer: Int32
        var shape: TraceShape
        var start: Int
        var count: Int
    }

    /// Entries and values together, so logging a record is one access to the tracer's storage.
    private struct Storage {
        var entries: [Entry] = []
        /// The values of every record, one after another: `valueCount` of `valueCapacity` in use.
        var values = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        var valueCount = 0
        var valueCapacity = 1
        /// Layer names, kept across `reset()`; entries refer to them by index.
        var names: [String] = []
        /// The name of the last entry, where the next one is looked for first.
        var lastName = 0
        /// The names `bind` was last given, and where they start in `names`.
        var boundNames: [String] = []
        var boundBase = 0

        /// Makes `layerNames` the names `BoundLayer` indices refer to.
        mutating func bind(_ layerNames: [String]) {
            // The same array again (one network's passes): found by identity, nothing to do.
            guard layerNames != boundNames else { return }
            if entries.isEmpty { names.removeAll(keepingCapacity: true) }
            boundBase = names.count
            names += layerNames
            boundNames = layerNames
        }

        /// Shapes of more than `TraceShape.inlineRank` dimensions, which entries refer to by index.
        var longShapes: [[Int]] = []

        /// The index of `name` in `names`, adding it when new. A pass logs a layer's arrays one
        /// after another and the layers in order (forward) or reverse order (backward), so the
        /// name is nearly always the last one or one of its neighbours.
        mutating func nameIndex(_ name: String) -> Int32 {
            if let found = nameNear(lastName, name) ?? nameNear(lastName + 1, name) ?? nameNear(lastName - 1, name) {
                lastName = found
            } else {
                lastName = names.firstIndex(of: name) ?? names.count
                if lastName == names.count { names.append(name) }
            }
            return Int32(truncatingIfNeeded: lastName)
        }

        func bound(_ layer: BoundLayer) -> Int32 { Int32(truncatingIfNeeded: boundBase + layer.index) }

        private func nameNear(_ guess: Int, _ name: String) -> Int? {
            guess >= 0 && guess < names.count && names[guess] == name ? guess : nil
        }

        /// `[batch] + shape` (or `shape` when `batch` is 1) inline, or in `longShapes`.
        @inline(__always)
        mutating func traceShape(_ batch: Int, _ shape: [Int]) -> TraceShape {
            let lead = batch == 1 ? 0 : 1
            guard shape.count + lead <= TraceShape.inlineRank else {
                longShapes.append(lead == 1 ? [batch] + shape : shape)
                return TraceShape(longShape: longShapes.count - 1)
            }
            return TraceShape(batch: batch, shape)
        }

        func dimensions(_ shape: TraceShape) -> [Int] {
            shape.longShape.map { longShapes[$0] } ?? shape.dimensions
        }

        mutating func append(_ pass: Pass, _ layer: Int32, _ role: TraceRole, _ batch: Int, _ shape: [Int],
                             _ data: UnsafeBufferPointer<Double>) {
            let entry = Entry(pass: pass, role: role, layer: layer, shape: traceShape(batch, shape),
                              start: valueCount, count: data.count)
            entries.append(entry)
            if valueCount + data.count > valueCapacity { grow(valueCount + data.count) }
            if let base = data.baseAddress { (values + valueCount).initialize(from: base, count: data.count) }
            valueCount += data.count
        }

        /// Room for at least `count` values (twice as much), keeping those in use.
        mutating func grow(_ count: Int) {
            let bigger = UnsafeMutablePointer<Double>.allocate(capacity: max(2 * valueCapacity, count))
            bigger.initialize(from: values, count: valueCount)
            values.deallocate()
            values = bigger
            valueCapacity = max(2 * valueCapacity, count)
        }

        /// A new entry over the values of entry `index`: nothing is copied.
        mutating func share(_ pass: Pass, _ layer: Int32, _ role: TraceRole, _ batch: Int, _ shape: [Int], _ index: Int) {
            let e = entries[index]
            entries.append(Entry(pass: pass, role: role, layer: layer, shape: traceShape(batch, shape),
                                 start: e.start, count: e.count))
        }
    }

    // One access per record; the tracer is used by one thread at a time, so the run-time
    // exclusivity check (two calls into the runtime per record) is left out.
    @exclusivity(unchecked) private var storage = Storage()

    public init() {}

    deinit { storage.values.deallocate() }

    /// The records so far, in the order they were logged.
    public var records: [TraceRecord] {
        storage.entries.map { e in
            TraceRecord(pass: e.pass, layer: storage.names[Int(e.layer)], role: e.role, shape: storage.dimensions(e.shape),
                        data: Array(UnsafeBufferPointer(start: storage.values + e.start, count: e.count)))
        }
    }

    /// The number of records so far.
    public var count: Int { storage.entries.count }

    /// Logs a copy of `data` with the given shape.
    public func record(_ pass: Pass, _ layer: String, _ role: TraceRole, shape: [Int], data: UnsafeBufferPointer<Double>) {
        storage.append(pass, storage.nameIndex(layer), role, 1, shape, data)
    }

    /// Logs a copy of `data` with shape `[batch] + shape`, or `shape` alone when `batch` is 1
    /// (a single sample's arrays drop the batch dimension), without building the shape array.
    func record(_ pass: Pass, _ layer: String, _ role: TraceRole, batch: Int, shape: [Int], data: UnsafeBufferPointer<Double>) {
        storage.append(pass, storage.nameIndex(layer), role, batch, shape, data)
    }

    /// Logs the values of record `index` (counted from 0 in logging order) again, under a new
    /// name and shape of the same size, without copying them: for an array logged twice, such as
    /// one layer's output that is the next layer's input.
    /// - Precondition: `index < count` and `shape` has that record's size.
    public func record(_ pass: Pass, _ layer: String, _ role: TraceRole, shape: [Int], sameAs index: Int) {
        storage.share(pass, storage.nameIndex(layer), role, 1, shape, index)
    }

    /// As `record(_:_:_:shape:sameAs:)`, with shape `[batch] + shape` (or `shape` when `batch` is 1).
    func record(_ pass: Pass, _ layer: String, _ role: TraceRole, batch: Int, shape: [Int], sameAs index: Int) {
        storage.share(pass, storage.nameIndex(layer), role, batch, shape, index)
    }

    /// Logs a copy of an array.
    public func record(_ pass: Pass, _ layer: String, _ role: TraceRole, shape: [Int], data: [Double]) {
        data.withUnsafeBufferPointer { storage.append(pass, storage.nameIndex(layer), role, 1, shape, $0) }
    }

    /// Logs one number (shape `[]`).
    public func record(_ pass: Pass, _ layer: String, _ role: TraceRole, scalar: Double) {
        withUnsafePointer(to: scalar) { storage.append(pass, storage.nameIndex(layer), role, 1, [], UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Makes `layerNames` (a network's layers, in order) the names that `BoundLayer(index: i)`
    /// stands for in the records that follow, so logging a record looks no name up.
    func bind(_ layerNames: [String]) { storage.bind(layerNames) }

    /// Logs a copy of `data` for bound layer `layer`, with shape `[batch] + shape` (`shape` when `batch` is 1).
    func record(_ pass: Pass, _ layer: BoundLayer, _ role: TraceRole, batch: Int = 1, shape: [Int], data: UnsafeBufferPointer<Double>) {
        storage.append(pass, storage.bound(layer), role, batch, shape, data)
    }

    /// Logs a copy of an array for bound layer `layer`.
    func record(_ pass: Pass, _ layer: BoundLayer, _ role: TraceRole, shape: [Int], data: [Double]) {
        data.withUnsafeBufferPointer { storage.append(pass, storage.bound(layer), role, 1, shape, $0) }
    }

    /// Logs the values of record `index` again for bound layer `layer` (see `record(_:_:_:shape:sameAs:)`).
    func record(_ pass: Pass, _ layer: BoundLayer, _ role: TraceRole, batch: Int, shape: [Int], sameAs index: Int) {
        storage.share(pass, storage.bound(layer), role, batch, shape, index)
    }

    /// Forgets all records, keeping their storage (and the table of names) for reuse.
    public func reset() {
        storage.entries.removeAll(keepingCapacity: true)
        storage.valueCount = 0
        storage.longShapes.removeAll(keepingCapacity: true)
    }
}

/// A record's shape without a heap array: up to `inlineRank` dimensions inline; a longer shape is
/// kept by the tracer, and this holds its index (`longShape`).
struct TraceShape {
    static let inlineRank = 5
    /// The number of dimensions, or −1 − index for a long shape.
    private var rank: Int
    private var inline: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)

    /// `[batch] + shape`, or `shape` when `batch` is 1.
    /// - Precondition: at most `inlineRank` dimensions.
    @inline(__always)
    init(batch: Int, _ shape: [Int]) {
        let lead = batch == 1 ? 0 : 1
        rank = shape.count + lead
        inline = shape.withUnsafeBufferPointer { s in
            let c = s.count
            func at(_ k: Int) -> Int { k < c ? s[k] : 0 }
            return lead == 1 ? (batch, at(0), at(1), at(2), at(3)) : (at(0), at(1), at(2), at(3), at(4))
        }
    }

    init(longShape index: Int) { rank = -1 - index }

    /// The index of a long shape in the tracer's table.
    var longShape: Int? { rank < 0 ? -1 - rank : nil }

    /// The dimensions of a shape stored inline.
    var dimensions: [Int] {
        withUnsafeBytes(of: inline) { Array($0.bindMemory(to: Int.self).prefix(max(rank, 0))) }
    }
}

/// A layer of the network whose names were last given to `Tracer.bind(_:)`, by its index there.
struct BoundLayer {
    let index: Int
}
