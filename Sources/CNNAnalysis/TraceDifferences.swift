import CNNCore

/// One array whose elements differ between two traces, with every element that differs.
public struct ArrayDifferences: Sendable, Equatable {
    /// One element that differs: its multi-index in `shape`, the value in each trace.
    public struct Element: Sendable, Equatable {
        public var index: [Int]
        public var a: Double
        public var b: Double
        /// `b − a`: how the second trace moved from the first.
        public var change: Double { b - a }
    }

    public var pass: Pass
    public var layer: String
    public var role: TraceRole
    public var shape: [Int]
    public var elements: [Element]

    /// `PASS LAYER.ROLE`, as `DiffResult` names arrays, e.g. `forward conv1.output`.
    public var name: String { "\(pass.rawValue) \(layer).\(role)" }
}

/// Every element where `a` and `b` disagree, array by array in the order of `b`'s records (`b` is
/// the reference, as in `diffTraces`), by `diff`'s own rule (`Tolerance.excess(x, y) > 1`, with
/// `y` from `b`): the arrays listed are exactly `diffTraces(a, b).differences`, each with its
/// `differing` elements. Arrays missing from either trace or with different shapes are left out
/// (`diffTraces` reports them as problems).
public func traceDifferences(_ a: Trace, _ b: Trace, tolerance: Tolerance = .float64) -> [ArrayDifferences] {
    struct Key: Hashable { var pass: Pass; var layer: String; var role: TraceRole }
    var inA: [Key: TraceRecord] = [:]
    for r in a.records where inA[Key(pass: r.pass, layer: r.layer, role: r.role)] == nil {
        inA[Key(pass: r.pass, layer: r.layer, role: r.role)] = r
    }
    var seen = Set<Key>()
    var result: [ArrayDifferences] = []
    for rb in b.records {
        let k = Key(pass: rb.pass, layer: rb.layer, role: rb.role)
        guard seen.insert(k).inserted, let ra = inA[k], ra.shape == rb.shape, ra.data.count == rb.data.count else { continue }
        let elements = rb.data.indices.filter { tolerance.excess(ra.data[$0], rb.data[$0]) > 1 }.map {
            ArrayDifferences.Element(index: multiIndex($0, shape: ra.shape), a: ra.data[$0], b: rb.data[$0])
        }
        if !elements.isEmpty {
            result.append(ArrayDifferences(pass: rb.pass, layer: rb.layer, role: rb.role, shape: rb.shape, elements: elements))
        }
    }
    return result
}
