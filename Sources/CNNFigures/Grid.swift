/// A rectangle of numbers stored row by row.
///
/// - Shape: `rows`×`cols`; `values.count == rows * cols`; `values[r * cols + c]` is row `r`, column `c`.
public struct Grid: Sendable, Equatable, Hashable {
    public let rows: Int
    public let cols: Int
    /// Row-major values.
    public let values: [Double]

    /// A grid from row-major values. Returns `nil` if `values.count != rows * cols` or a size is negative.
    public init?(rows: Int, cols: Int, values: [Double]) {
        guard rows >= 0, cols >= 0, values.count == rows * cols else { return nil }
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A grid from a list of rows, e.g. the article's X image `[[-1, -1, …], …]`.
    /// Short rows are padded with 0 so the grid is always rectangular (`cols` = longest row).
    public init(_ rowsOfValues: [[Double]]) {
        let cols = rowsOfValues.map(\.count).max() ?? 0
        self.rows = rowsOfValues.count
        self.cols = cols
        self.values = rowsOfValues.flatMap { $0 + Array(repeating: 0, count: cols - $0.count) }
    }

    /// A `rows`×`cols` grid with every value `value`.
    public init(rows: Int, cols: Int, repeating value: Double) {
        self.rows = max(0, rows)
        self.cols = max(0, cols)
        self.values = Array(repeating: value, count: self.rows * self.cols)
    }

    /// The value at row `row`, column `col` (both from 0).
    public subscript(row: Int, col: Int) -> Double { values[row * cols + col] }

    /// The grid as a list of rows.
    public var rowArrays: [[Double]] {
        (0..<rows).map { r in Array(values[(r * cols)..<((r + 1) * cols)]) }
    }

    /// The largest absolute value (0 for an empty grid), ignoring NaN.
    public var maxAbs: Double { values.filter { !$0.isNaN }.map(abs).max() ?? 0 }

    /// "7×7" with the true multiplication sign.
    public var shapeText: String { "\(rows)×\(cols)" }
}

/// One cell of a grid, counted from 0.
public struct Cell: Sendable, Hashable {
    public var row: Int
    public var col: Int
    public init(row: Int, col: Int) { self.row = row; self.col = col }
}
