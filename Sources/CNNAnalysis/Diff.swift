import CNNCore
import CNNFigures
import CNNFiles

/// Whether two numbers agree, as `numpy.isclose(a, b, rtol, atol)`:
///
///     |a − b| <= atol + rtol · |b|
///
/// (not symmetric: `b` is the reference). Two NaNs agree (a trace that diverged the same way
/// twice is reproduced); infinities agree only with themselves.
public func isClose(_ a: Double, _ b: Double, rtol: Double, atol: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= atol + rtol * abs(b)
}

/// The first element where two traces disagree.
public struct Difference: Sendable, Equatable {
    /// `PASS LAYER.ROLE`, e.g. `forward conv1.output`.
    public var array: String
    /// The multi-index of the element in the record's shape (`[]` for a scalar).
    public var index: [Int]
    public var a: Double
    public var b: Double
    /// `a − b`.
    public var difference: Double { a - b }
}

/// The outcome of comparing two traces array by array.
public struct DiffResult: Sendable, Equatable {
    /// Arrays present in both traces with the same shape, compared element by element.
    public var arraysCompared = 0
    /// Elements compared over all those arrays.
    public var elementsCompared = 0
    /// How many of the compared arrays have at least one element that disagrees.
    public var arraysDiffering = 0
    /// The first disagreeing element, in the order of the first trace's records.
    public var first: Difference?
    /// Structural problems: records missing from either trace, shapes that differ, models that differ.
    public var problems: [String] = []

    /// True when every array is present in both, with equal shapes and agreeing elements.
    public var agrees: Bool { first == nil && problems.isEmpty }

    /// A few lines for people: the verdict, the first difference with both values, the problems.
    public func summary(style: NumberStyle = .full) -> String {
        var lines: [String] = []
        if agrees {
            lines.append("\(arraysCompared) arrays (\(elementsCompared) numbers) agree")
        } else {
            lines.append("\(arraysDiffering) of \(arraysCompared) arrays compared differ; \(problems.count) structural problem(s)")
        }
        if let d = first {
            let idx = "[" + d.index.map(String.init).joined(separator: ",") + "]"
            lines.append("first difference: \(d.array)\(idx): a = \(formatNumber(d.a, style)), b = \(formatNumber(d.b, style)), a − b = \(formatNumber(d.difference, style))")
        }
        lines += problems
        return lines.joined(separator: "\n")
    }
}

/// Compares every array of `a` with the array of the same pass, layer and role in `b`.
///
/// Elements agree when `isClose(x, y, rtol:, atol:)` with `y` from `b`. The defaults are tight:
/// the engine is deterministic, so the same model, weights and input give the same bits, and a
/// golden trace should only move when a number really changes. `rtol = 1e-9` still lets through
/// a different summation order or `exp`/`log` from another C library (errors around 1e-15
/// relative, times a few hundred terms); `atol = 1e-12` lets a value that cancels to zero come
/// out as ±1e-17 instead. To check against PyTorch in float32, use about `rtol = 1e-5`.
public func diffTraces(_ a: Trace, _ b: Trace, rtol: Double = 1e-9, atol: Double = 1e-12) -> DiffResult {
    var result = DiffResult()
    if a.model != b.model { result.problems.append("the models differ") }
    struct Key: Hashable { var pass: Pass; var layer: String; var role: String }
    func key(_ r: TraceRecord) -> Key { Key(pass: r.pass, layer: r.layer, role: r.role) }
    func name(_ r: TraceRecord) -> String { "\(r.pass.rawValue) \(r.layer).\(r.role)" }
    var inB: [Key: TraceRecord] = [:]
    for r in b.records where inB[key(r)] == nil { inB[key(r)] = r }
    var seen = Set<Key>()
    for ra in a.records {
        let k = key(ra)
        guard seen.insert(k).inserted else { continue }
        guard let rb = inB[k] else {
            result.problems.append("\(name(ra)) is only in the first trace")
            continue
        }
        guard ra.shape == rb.shape, ra.data.count == rb.data.count else {
            result.problems.append("\(name(ra)) has shape \(fmtShape(ra.shape)) in the first trace, \(fmtShape(rb.shape)) in the second")
            continue
        }
        result.arraysCompared += 1
        result.elementsCompared += ra.data.count
        if let e = ra.data.indices.first(where: { !isClose(ra.data[$0], rb.data[$0], rtol: rtol, atol: atol) }) {
            result.arraysDiffering += 1
            if result.first == nil {
                result.first = Difference(array: name(ra), index: multiIndex(e, shape: ra.shape), a: ra.data[e], b: rb.data[e])
            }
        }
    }
    for rb in b.records where !seen.contains(key(rb)) {
        seen.insert(key(rb))
        result.problems.append("\(name(rb)) is only in the second trace")
    }
    return result
}

