/// Which pass a trace record belongs to.
public enum Pass: String, Sendable, Equatable, Codable {
    case forward
    case backward
}

/// One array logged by the tracer.
///
/// Roles: `input`, `weight`, `bias`, `output` in the forward pass; `grad_output`, `grad_input`,
/// `grad_weight`, `grad_bias` in the backward pass. The loss is layer `loss`, role `output`,
/// shape `[]`. For one sample the batch dimension is dropped: activations are `[C, H, W]`,
/// dense outputs `[units]`; for a batch of N > 1 they are `[N, …]`.
public struct TraceRecord: Sendable, Equatable {
    public var pass: Pass
    public var layer: String
    public var role: String
    public var shape: [Int]
    /// Row-major elements; `data.count == shape.reduce(1, *)`.
    public var data: [Double]

    public init(pass: Pass, layer: String, role: String, shape: [Int], data: [Double]) {
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
    public func record(_ layer: String, _ role: String) -> TraceRecord? {
        records.first { $0.layer == layer && $0.role == role }
    }

    /// The loss, when the trace has one.
    public var loss: Double? { record("loss", "output")?.data.first }
}

/// Collects trace records during a pass. Pass `nil` instead of a tracer to trace nothing:
/// the engine then only tests one optional per layer.
///
/// Values are appended to one flat buffer that `reset()` keeps, so tracing a pass again
/// allocates nothing once the buffers have grown to size.
public final class Tracer {
    private struct Entry {
        var pass: Pass
        var layer: String
        var role: String
        var shape: [Int]
        var start: Int
        var count: Int
    }

    /// Entries and values together, so logging a record is one access to the tracer's storage.
    private struct Storage {
        var entries: [Entry] = []
        var values: [Double] = []

        mutating func append(_ pass: Pass, _ layer: String, _ role: String, _ shape: [Int], _ data: UnsafeBufferPointer<Double>) {
            entries.append(Entry(pass: pass, layer: layer, role: role, shape: shape, start: values.count, count: data.count))
            values.append(contentsOf: data)
        }

        /// A new entry over the values of entry `index`: nothing is copied.
        mutating func share(_ pass: Pass, _ layer: String, _ role: String, _ shape: [Int], _ index: Int) {
            let e = entries[index]
            entries.append(Entry(pass: pass, layer: layer, role: role, shape: shape, start: e.start, count: e.count))
        }
    }

    private var storage = Storage()

    public init() {}

    /// The records so far, in the order they were logged.
    public var records: [TraceRecord] {
        storage.entries.map { e in
            TraceRecord(pass: e.pass, layer: e.layer, role: e.role, shape: e.shape,
                        data: Array(storage.values[e.start..<(e.start + e.count)]))
        }
    }

    /// The number of records so far.
    public var count: Int { storage.entries.count }

    /// Logs a copy of `data` with the given shape.
    public func record(_ pass: Pass, _ layer: String, _ role: String, shape: [Int], data: UnsafeBufferPointer<Double>) {
        storage.append(pass, layer, role, shape, data)
    }

    /// Logs the values of record `index` (counted from 0 in logging order) again, under a new
    /// name and shape of the same size, without copying them: for an array logged twice, such as
    /// one layer's output that is the next layer's input.
    /// - Precondition: `index < count` and `shape` has that record's size.
    public func record(_ pass: Pass, _ layer: String, _ role: String, shape: [Int], sameAs index: Int) {
        storage.share(pass, layer, role, shape, index)
    }

    /// Logs a copy of an array.
    public func record(_ pass: Pass, _ layer: String, _ role: String, shape: [Int], data: [Double]) {
        data.withUnsafeBufferPointer { storage.append(pass, layer, role, shape, $0) }
    }

    /// Logs one number (shape `[]`).
    public func record(_ pass: Pass, _ layer: String, _ role: String, scalar: Double) {
        withUnsafePointer(to: scalar) { storage.append(pass, layer, role, [], UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Forgets all records, keeping their storage for reuse.
    public func reset() {
        storage.entries.removeAll(keepingCapacity: true)
        storage.values.removeAll(keepingCapacity: true)
    }
}
