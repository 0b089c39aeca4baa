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
    public var role: String
    public var shape: [Int]
    public var elements: [Element]

    /// `PASS LAYER.ROLE`, as `DiffResult` names arrays, e.g. `forward conv1.output`.
    public var name: String { "\(pass.rawValue) \(layer).\(role)" }
}

/// Every element where `a` and `b` disagree, array by array in the order of `a`'s records, by the
/// same rule as `diffTraces` (`isClose(x, y, rtol:, atol:)` with `y` from `b`), so the arrays listed
/// are exactly those `diffTraces` counts in `arraysDiffering`, and the first element listed is its
/// `first`. Arrays missing from either trace or with different shapes are left out (`diffTraces`
/// reports them as problems).
public func traceDifferences(_ a: Trace, _ b: Trace, rtol: Double = 1e-9, atol: Double = 1e-12) -> [ArrayDifferences] {
    struct Key: Hashable { var pass: Pass; var layer: String; var role: String }
    var inB: [Key: TraceRecord] = [:]
    for r in b.records where inB[Key(pass: r.pass, layer: r.layer, role: r.role)] == nil {
        inB[Key(pass: r.pass, layer: r.layer, role: r.role)] = r
    }
    var seen = Set<Key>()
    var result: [ArrayDifferences] = []
    for ra in a.records {
        let k = Key(pass: ra.pass, layer: ra.layer, role: ra.role)
        guard seen.insert(k).inserted, let rb = inB[k], ra.shape == rb.shape, ra.data.count == rb.data.count else { continue }
        let elements = ra.data.indices.filter { !isClose(ra.data[$0], rb.data[$0], rtol: rtol, atol: atol) }.map {
            ArrayDifferences.Element(index: multiIndex($0, shape: ra.shape), a: ra.data[$0], b: rb.data[$0])
        }
        if !elements.isEmpty {
            result.append(ArrayDifferences(pass: ra.pass, layer: ra.layer, role: ra.role, shape: ra.shape, elements: elements))
        }
    }
    return result
}
