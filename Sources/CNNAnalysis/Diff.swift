import CNNCore
import CNNFigures
import CNNFiles
import Foundation

/// The tolerances of `diff`: two numbers agree when `isClose(a, b, rtol:, atol:)`.
public struct Tolerance: Sendable, Equatable {
    /// The relative tolerance, a fraction of `|b|`.
    public var rtol: Double
    /// The absolute tolerance, for numbers near zero.
    public var atol: Double

    /// Numbers agree when `|a − b| ≤ atol + rtol·|b|`.
    public init(rtol: Double, atol: Double) {
        self.rtol = rtol
        self.atol = atol
    }

    /// Two float64 computations of the same network: rtol 1e-9, atol 1e-12.
    ///
    /// The engine is deterministic, so the same model, weights and input give the same bits, and
    /// a golden trace should only move when a number really changes. `rtol = 1e-9` still lets
    /// through a different summation order or `exp`/`log` from another C library (errors around
    /// 1e-16 relative per operation, times a few hundred terms, through a few layers); `atol =
    /// 1e-12` lets a value that cancels to zero come out as ±1e-17 instead.
    public static let float64 = Tolerance(rtol: 1e-9, atol: 1e-12)

    /// One side computed in float32 (NumPy's `float32`, PyTorch's default): rtol 1e-5, atol 1e-5.
    ///
    /// float32 keeps 24 significant bits, so each rounding errs by up to u = 2^−24 ≈ 6e-8
    /// relative. A sum of n products errs by about √n·u typically (n·u at worst), relative to
    /// the sum of the magnitudes of its terms; for the few hundred to few thousand terms of a
    /// small CNN's conv or dense unit that is 1e-6 to 3e-6, and errors grow a little through each
    /// layer and again in the backward pass. rtol = 1e-5 (about 170 roundings, numpy's own
    /// default rtol) covers that with room, and still catches a real mistake, which is almost
    /// never that small. Where terms of size about 1 cancel to nearly zero the error is absolute,
    /// not relative: atol = 1e-5, the float32 atol of PyTorch's `torch.testing.assert_close`.
    public static let float32 = Tolerance(rtol: 1e-5, atol: 1e-5)

    /// How far `a` lies from `b` in units of the allowed difference: `|a − b| / (atol + rtol·|b|)`.
    /// Above 1 the numbers disagree; 0 when they agree exactly; infinite for NaN against a number.
    public func excess(_ a: Double, _ b: Double) -> Double {
        if isClose(a, b, rtol: 0, atol: 0) { return 0 }
        if a.isNaN || b.isNaN || a.isInfinite || b.isInfinite { return .infinity }
        let allowed = atol + rtol * abs(b)
        return allowed > 0 ? abs(a - b) / allowed : .infinity
    }
}

/// An array that differs between two traces, with its worst element: the one furthest outside
/// the tolerance (largest `Tolerance.excess`).
public struct ArrayDifference: Sendable, Equatable {
    /// The array's pass, layer and role, as in the trace (`backward`, `conv1`, `grad_weight`).
    public var pass: Pass
    public var layer: String
    public var role: TraceRole
    /// The array's shape in the reference (the second file, or whichever is a full trace).
    public var shape: [Int]
    /// How many elements disagree, of the array's `count`.
    public var differing: Int
    public var count: Int
    /// The worst element's multi-index in `shape` (`[]` for a scalar).
    public var index: [Int]
    /// The worst element in the first file (`a`) and in the second (`b`).
    public var a: Double
    public var b: Double
    /// Whether every element of the array would agree at `Tolerance.float32`.
    public var withinFloat32: Bool

    /// `PASS LAYER.ROLE`, e.g. `backward conv1.grad_weight`.
    public var array: String { "\(pass.rawValue) \(layer).\(role)" }
    /// The worst element as an `explain` query: `conv1.grad_weight[0,0,1,1]`, or `loss`.
    public var query: String {
        layer == "loss" && role == .output && index.isEmpty ? "loss" : "\(layer).\(role)[" + index.map(String.init).joined(separator: ",") + "]"
    }
    /// `|a − b|`.
    public var absolute: Double { abs(a - b) }
    /// `|a − b| / |b|`: infinite when `b` is 0 and `a` is not.
    public var relative: Double { absolute == 0 ? 0 : absolute / abs(b) }
}

/// The outcome of comparing two traces array by array.
public struct DiffResult: Sendable, Equatable {
    /// The tolerances used.
    public var tolerance = Tolerance.float64
    /// Arrays present in both with compatible shapes, compared element by element.
    public var arraysCompared = 0
    /// Elements compared over all those arrays.
    public var elementsCompared = 0
    /// Every array that differs, in pass order (the order of the reference's records).
    public var differences: [ArrayDifference] = []
    /// Structural problems: arrays missing from a full trace, shapes that differ, models that differ.
    public var problems: [String] = []
    /// Arrays of the reference that a partial file (an `.npz`) does not hold; not an error.
    public var notCompared: [String] = []
    /// For each file whose arrays were all float32 (an `.npz` of `float32`, or numbers that are all
    /// exactly float32 values), its path.
    public var float32Files: [String] = []

    /// True when every array is present where required, with equal shapes and agreeing elements.
    public var agrees: Bool { differences.isEmpty && problems.isEmpty }
    /// How many compared arrays have at least one element that disagrees.
    public var arraysDiffering: Int { differences.count }
    /// The first array that differs, in pass order.
    public var first: ArrayDifference? { differences.first }

    /// True when every difference would vanish at `Tolerance.float32` and that preset is looser
    /// than the one used: what a float32 computation compared with a float64 one looks like.
    public var looksLikeFloat32Rounding: Bool {
        !differences.isEmpty && problems.isEmpty && differences.allSatisfy(\.withinFloat32)
            && (tolerance.rtol < Tolerance.float32.rtol || tolerance.atol < Tolerance.float32.atol)
    }
}

/// Compares every array of `a` with the array of the same pass, layer and role in `b`.
///
/// Elements agree when `isClose(x, y, rtol:, atol:)` with `y` from `b`. See `Tolerance.float64`
/// for the defaults and `Tolerance.float32` for float32 code.
public func diffTraces(_ a: Trace, _ b: Trace, rtol: Double = Tolerance.float64.rtol, atol: Double = Tolerance.float64.atol) -> DiffResult {
    diffArrays(TraceArrays(file: "the first trace", trace: a, records: a.records),
               TraceArrays(file: "the second trace", trace: b, records: b.records),
               tolerance: Tolerance(rtol: rtol, atol: atol))
}

/// Compares the arrays of two files, `b` being the reference.
///
/// Arrays are matched by pass, layer and role and listed in the order of the reference's
/// records: `b`, unless `b` is an `.npz` and `a` a full trace. Shapes must be equal once leading
/// sizes of 1 are dropped (a PyTorch hook's `[1, 3, 7, 7]` matches the trace's `[3, 7, 7]`). An
/// array that a full trace lacks is a problem; one that only an `.npz` lacks is not compared.
/// The models are compared when both files are full traces.
public func diffArrays(_ a: TraceArrays, _ b: TraceArrays, tolerance: Tolerance = .float64) -> DiffResult {
    var result = DiffResult(tolerance: tolerance)
    if let ma = a.trace?.model, let mb = b.trace?.model, ma != mb { result.problems.append("the models differ") }
    let bIsReference = !(b.isPartial && !a.isPartial)
    let (ref, other) = bIsReference ? (b, a) : (a, b)
    var inOther: [String: TraceRecord] = [:]
    for r in other.records where inOther[arrayName(r)] == nil { inOther[arrayName(r)] = r }
    var seen = Set<String>()
    for rr in ref.records where seen.insert(arrayName(rr)).inserted {
        let label = "\(rr.pass.rawValue) \(rr.layer).\(rr.role)"
        guard let ro = inOther[arrayName(rr)] else {
            if other.isPartial { result.notCompared.append(label) } else { result.problems.append("\(label) is only in \(ref.file)") }
            continue
        }
        guard dropLeadingOnes(rr.shape) == dropLeadingOnes(ro.shape), rr.data.count == ro.data.count else {
            let (sa, sb) = bIsReference ? (ro.shape, rr.shape) : (rr.shape, ro.shape)
            result.problems.append("\(label) has shape \(ShapeText.list(sa)) in \(a.file), \(ShapeText.list(sb)) in \(b.file)")
            continue
        }
        result.arraysCompared += 1
        result.elementsCompared += rr.data.count
        let (xa, xb) = bIsReference ? (ro.data, rr.data) : (rr.data, ro.data)
        if let d = compare(xa, xb, record: rr, tolerance: tolerance) { result.differences.append(d) }
    }
    for r in other.records where !seen.contains(arrayName(r)) {
        seen.insert(arrayName(r))
        result.problems.append("\(r.pass.rawValue) \(r.layer).\(r.role) is only in \(other.file)")
    }
    result.float32Files = [a, b].filter(holdsFloat32).map(\.file)
    return result
}

/// The worst element of one array pair, or nil when every element agrees.
func compare(_ a: [Double], _ b: [Double], record: TraceRecord, tolerance: Tolerance) -> ArrayDifference? {
    var worst = -1, worstExcess = 1.0, differing = 0, float32 = true
    for k in a.indices {
        let e = tolerance.excess(a[k], b[k])
        guard e > 1 else { continue }
        differing += 1
        if float32, !isClose(a[k], b[k], rtol: Tolerance.float32.rtol, atol: Tolerance.float32.atol) { float32 = false }
        if worst < 0 || e > worstExcess { worst = k; worstExcess = e }
    }
    guard worst >= 0 else { return nil }
    return ArrayDifference(pass: record.pass, layer: record.layer, role: record.role, shape: record.shape,
                           differing: differing, count: a.count, index: multiIndex(worst, shape: record.shape),
                           a: a[worst], b: b[worst], withinFloat32: float32)
}

/// Whether a file's arrays are all float32: an `.npz` whose members are all `float32`, or a
/// trace whose numbers are all exactly float32 values (a float32 computation saved as float64).
func holdsFloat32(_ t: TraceArrays) -> Bool {
    if t.isPartial { return !t.dtypes.isEmpty && t.dtypes.values.allSatisfy { $0 == "float32" } }
    let numbers = t.records.lazy.flatMap(\.data).filter(\.isFinite)
    return !numbers.isEmpty && numbers.allSatisfy { Double(Float($0)) == $0 } && numbers.contains { $0 != $0.rounded() }
}

func dropLeadingOnes(_ shape: [Int]) -> [Int] { Array(shape.drop { $0 == 1 }) }

extension DiffResult {
    /// Lines for people: the verdict with the tolerances, every differing array with its worst
    /// element (index, both values, absolute and relative difference), the problems, what was
    /// not compared, and a hint when the differences look like float32 rounding.
    public func summary(style: NumberStyle = .full) -> String {
        func f(_ x: Double) -> String { formatNumber(x, style) }
        let tol = "rtol \(f(tolerance.rtol)), atol \(f(tolerance.atol))"
        var lines: [String] = []
        if agrees {
            lines.append("agree: \(arraysCompared) arrays (\(elementsCompared) numbers) within \(tol)")
        } else {
            let structural = problems.isEmpty ? "" : "; \(problems.count) structural problem(s)"
            lines.append("differ: \(arraysDiffering) of \(arraysCompared) arrays compared (\(tol))\(structural)")
        }
        for d in differences {
            let idx = "[" + d.index.map(String.init).joined(separator: ",") + "]"
            lines.append("  \(d.array): \(d.differing) of \(d.count) numbers differ; worst \(idx): a = \(f(d.a)), b = \(f(d.b)), "
                         + "|a − b| = \(shortNumber(d.absolute)), relative \(shortNumber(d.relative))")
        }
        lines += problems.map { "  problem: \($0)" }
        if !notCompared.isEmpty {
            let names = notCompared.prefix(6).joined(separator: ", ") + (notCompared.count > 6 ? ", …" : "")
            lines.append("not compared (\(notCompared.count) arrays the .npz does not hold): \(names)")
        }
        if let hint = float32Hint { lines.append(hint) }
        return lines.joined(separator: "\n")
    }

    /// The suggestion to compare at single precision, when it fits: when every difference is
    /// within float32 rounding, or a file holds float32 numbers (then naming the arrays that
    /// would still differ at `Tolerance.float32`).
    var float32Hint: String? {
        let preset = "rtol \(formatNumber(Tolerance.float32.rtol, .full)), atol \(formatNumber(Tolerance.float32.atol, .full))"
        let holds = float32Files.isEmpty ? "" : "\(float32Files.joined(separator: " and ")) \(float32Files.count == 1 ? "holds" : "hold") float32 numbers"
        if looksLikeFloat32Rounding {
            return "hint: every difference is within float32 rounding (\(preset))\(holds.isEmpty ? "" : "; \(holds)"); if one side computed in float32, compare with --float32"
        }
        guard !agrees, !holds.isEmpty, tolerance.rtol < Tolerance.float32.rtol || tolerance.atol < Tolerance.float32.atol else { return nil }
        let beyond = differences.filter { !$0.withinFloat32 }.map(\.array)
        let still = beyond.isEmpty ? "" : "; even then \(beyond.count) array\(beyond.count == 1 ? "" : "s") would differ: \(beyond.prefix(6).joined(separator: ", "))\(beyond.count > 6 ? ", …" : "")"
        return "hint: \(holds); --float32 sets tolerances for single precision (\(preset))\(still)"
    }
}

/// A difference with three significant digits: `2.65e-08`, `0.9`.
func shortNumber(_ x: Double) -> String {
    guard x.isFinite else { return formatNumber(x, .full) }
    return String(format: "%.3g", x)
}

/// What `cnn-explain diff A B` prints, and its verdict.
public struct DiffReport: Sendable {
    public var result: DiffResult
    /// The summary, then (when the files differ) the first disagreement in pass order with the
    /// `explain` of the reference's number.
    public var text: String
}

/// Reads two trace files (JSON traces or `.npz`, see `TraceArrays`), compares them with
/// `diffArrays`, and at the first disagreement in pass order explains how the reference (the
/// full JSON trace; the second file when both are) computes its number, so the person whose
/// code produced the other file sees where their arithmetic left it.
/// - Parameter style: how the explanation prints numbers; the summary prints every digit.
/// - Throws: `FileError` for a file that cannot be read as a trace.
public func diffFiles(_ a: String, _ b: String, tolerance: Tolerance = .float64, style: NumberStyle = .rounded(4)) throws(FileError) -> DiffReport {
    let ta = try TraceArrays.load(a), tb = try TraceArrays.load(b)
    let result = diffArrays(ta, tb, tolerance: tolerance)
    var text = result.summary()
    if let first = result.first {
        let reference = tb.isPartial && !ta.isPartial ? ta : tb
        text += "\n\nfirst disagreement in pass order: \(first.pass.rawValue) \(first.query)"
        if let trace = reference.trace {
            text += "\nhow \(reference.file) computes it:\n"
            do {
                text += try explain(trace: trace, query: first.query, style: style)
            } catch {
                text += "(no explanation: \(error.message))"
            }
        } else {
            text += "\n(neither file is a JSON trace with its model, so there is no explanation; compare with the trace that `cnn-explain trace` writes)"
        }
    }
    return DiffReport(result: result, text: text)
}
