/// A dense array of `Double`s with a shape, stored row-major (the last index varies fastest).
///
/// Shapes used across the engine:
/// - an image or activation for one sample: `[C, H, W]`;
/// - a batch: `[N, C, H, W]`;
/// - conv weights: `[out, in, kh, kw]`; dense weights: `[units, inputs]`;
/// - a bias: `[out]`; a scalar (the loss): `[]`.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension.
    public var shape: [Int]
    /// The elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Double]

    /// Creates a tensor from a shape and row-major data.
    /// - Precondition: `data.count` equals the product of `shape`.
    public init(shape: [Int], data: [Double]) {
        precondition(data.count == shape.reduce(1, *), "Tensor data count \(data.count) does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros with the given shape.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: Array(repeating: 0, count: shape.reduce(1, *)))
    }

    /// A 2-D tensor `[rows, cols]` from nested arrays (rows must all have the same length).
    public init(rows: [[Double]]) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(shape: [rows.count, cols], data: rows.flatMap { $0 })
    }

    /// The number of elements, the product of `shape`.
    public var count: Int { data.count }

    /// The row-major offset of a multi-index.
    public func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var o = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shape)")
            o = o * n + i
        }
        return o
    }

    /// The element at a multi-index, e.g. `t[0, 2, 3]` for a `[C, H, W]` tensor.
    public subscript(_ index: Int...) -> Double {
        get { data[offset(index)] }
        set { data[offset(index)] = newValue }
    }

    /// The element at a multi-index given as an array.
    public subscript(index index: [Int]) -> Double {
        get { data[offset(index)] }
        set { data[offset(index)] = newValue }
    }

    /// The same data seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// The rows of a 2-D tensor `[H, W]` (or the single channel `c` of `[C, H, W]`) as nested arrays.
    public func rows(channel c: Int = 0) -> [[Double]] {
        let h = shape[shape.count - 2], w = shape[shape.count - 1]
        let base = shape.count == 3 ? c * h * w : 0
        return (0..<h).map { i in Array(data[(base + i * w)..<(base + i * w + w)]) }
    }
}

/// The multi-index of row-major offset `offset` in `shape` (the inverse of `Tensor.offset`).
public func multiIndex(_ offset: Int, shape: [Int]) -> [Int] {
    var rest = offset
    var index = Array(repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}
