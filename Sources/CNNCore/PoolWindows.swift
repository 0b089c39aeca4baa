/// The windows of a pooling layer over one `height`×`width` plane: the one definition of which
/// input cells each output cell covers and, for max pooling, which cell wins. The engine's
/// forward and backward passes, `explain`, the figures and the terminal all read it.
///
/// Output size along one axis of length `n` (PyTorch's `pooling_output_shape`, dilation 1):
///
///     n' = floor((n + 2·padding − size) / stride) + 1                 (ceil off)
///     n' = ceil((n + 2·padding − size) / stride) + 1                  (ceil on)
///
/// and in ceil mode a last window that would start in the right or bottom padding or past the
/// input is dropped: `n' − 1` when `(n' − 1)·stride ≥ n + padding`. In ceil mode a window larger
/// than the input can still give one output (as in PyTorch); `n' = 0` means no window fits.
///
/// Output cell `(i, j)` covers, before clipping, rows `i·stride − padding ..< i·stride − padding + size`
/// and the same for columns. `rows(i)`/`cols(j)` clip that to the input; `paddedRows(i)`/`paddedCols(j)`
/// clip it only to the padded input (`−padding ..< n + padding`), which is what average pooling with
/// `count_include_pad` divides by.
///
/// Example: `size 2, stride 2, ceil` on a 7×7 plane gives a 4×4 output; output row 3 covers only
/// input row 6 (`rows(3) == 6..<7`), a window hanging over the edge.
public struct PoolWindows: Sendable, Equatable {
    public let size: Int
    public let stride: Int
    public let padding: Int
    /// The input plane's size.
    public let height: Int
    public let width: Int
    /// The output plane's size, `H'` and `W'`.
    public let outH: Int
    public let outW: Int

    /// Windows of `size`×`size` moved by `stride`, with `padding` on every side.
    /// - Precondition: `size ≥ 1`, `stride ≥ 1`, `padding ≥ 0`. `ModelSpec.shapes()` also checks
    ///   for model layers that the output has at least one row and column.
    @inlinable
    public init(size: Int, stride: Int, padding: Int = 0, ceil: Bool, height: Int, width: Int) {
        precondition(size >= 1 && stride >= 1 && padding >= 0, "bad pooling window")
        self.size = size
        self.stride = stride
        self.padding = padding
        self.height = height
        self.width = width
        outH = Self.outputLength(height, size: size, stride: stride, padding: padding, ceil: ceil)
        outW = Self.outputLength(width, size: size, stride: stride, padding: padding, ceil: ceil)
    }

    /// The windows of a max-pooling layer over a `height`×`width` plane.
    @inlinable
    public init(_ spec: PoolSpec, height: Int, width: Int) {
        self.init(size: spec.size, stride: spec.stride, ceil: spec.ceil, height: height, width: width)
    }

    /// The output length along one axis of length `n` (see the type's formula).
    @inlinable
    public static func outputLength(_ n: Int, size: Int, stride: Int, padding: Int = 0, ceil: Bool) -> Int {
        let span = n + 2 * padding - size
        guard ceil else { return max(0, floorDiv(span, stride) + 1) }
        var out = floorDiv(span + stride - 1, stride) + 1
        if out > 0 && (out - 1) * stride >= n + padding { out -= 1 }
        return max(0, out)
    }

    /// `floor(a / b)` for `b > 0`, also for negative `a` (a window larger than the input).
    @inlinable
    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The input rows output row `i` covers, clipped to the input.
    @inlinable
    public func rows(_ i: Int) -> Range<Int> { Self.clip(i * stride - padding, size, 0, height) }

    /// The input columns output column `j` covers, clipped to the input.
    @inlinable
    public func cols(_ j: Int) -> Range<Int> { Self.clip(j * stride - padding, size, 0, width) }

    /// The rows output row `i` covers, clipped to the padded input; may start below 0.
    @inlinable
    public func paddedRows(_ i: Int) -> Range<Int> { Self.clip(i * stride - padding, size, -padding, height + padding) }

    /// The columns output column `j` covers, clipped to the padded input; may start below 0.
    @inlinable
    public func paddedCols(_ j: Int) -> Range<Int> { Self.clip(j * stride - padding, size, -padding, width + padding) }

    /// What average pooling divides window `(i, j)`'s sum by (PyTorch's rule): its cells in the
    /// padded input with `countIncludePad`, else only its cells in the input.
    @inlinable
    public func divisor(_ i: Int, _ j: Int, countIncludePad: Bool) -> Int {
        countIncludePad ? paddedRows(i).count * paddedCols(j).count : rows(i).count * cols(j).count
    }

    /// Whether the window of output cell `(i, j)` covers fewer than `size`×`size` input cells.
    @inlinable
    public func isPartial(_ i: Int, _ j: Int) -> Bool { rows(i).count < size || cols(j).count < size }

    @inlinable
    static func clip(_ start: Int, _ size: Int, _ low: Int, _ high: Int) -> Range<Int> {
        let a = max(start, low), b = min(start + size, high)
        return a < b ? a..<b : a..<a
    }

    /// The winner of output cell `(i, j)`'s window for max pooling, as an offset `row·width + col`
    /// into the plane: the first maximum in row-major window order. Strictly greater replaces, so
    /// a tie goes to the first cell; a window holding a NaN is won by its first NaN (the output is
    /// NaN, as in PyTorch). `value(offset)` reads the plane.
    ///
    /// The loop compares only; a running sum notices a NaN, and only then is the window searched
    /// again for it, so the common case costs one compare and one add per cell.
    @inlinable @inline(__always)
    public func winnerOffset(_ i: Int, _ j: Int, _ value: (Int) -> Double) -> Int {
        let r = rows(i), c = cols(j), w = width
        var at = r.lowerBound * w + c.lowerBound
        var best = value(at)
        var probe = 0.0
        for y in r {
            let row = y * w
            for x in c {
                let v = value(row + x)
                probe += v
                if v > best {
                    best = v
                    at = row + x
                }
            }
        }
        if probe.isNaN, let nan = firstNaN(r, c, value) { return nan }
        return at
    }

    /// The offset of the first NaN in the window, if any (a NaN sum may also come from +∞ and −∞).
    @inlinable @inline(never)
    func firstNaN(_ r: Range<Int>, _ c: Range<Int>, _ value: (Int) -> Double) -> Int? {
        for y in r {
            for x in c where value(y * width + x).isNaN { return y * width + x }
        }
        return nil
    }

    /// The winner of output cell `(i, j)` as an offset into a plane stored row-major at `plane`.
    @inlinable @inline(__always)
    public func winnerOffset(_ i: Int, _ j: Int, in plane: UnsafePointer<Double>) -> Int {
        winnerOffset(i, j) { plane[$0] }
    }

    /// The winner of output cell `(i, j)` as an input `(row, col)`; `value(row, col)` reads the plane.
    public func winner(_ i: Int, _ j: Int, _ value: (Int, Int) -> Double) -> (row: Int, col: Int) {
        let w = width
        let at = winnerOffset(i, j) { value($0 / w, $0 % w) }
        return (at / w, at % w)
    }

    /// The winner of output cell `(i, j)` as an input `(row, col)` in channel `channel` of a
    /// `[C, H, W]` array stored row-major.
    public func winner(_ i: Int, _ j: Int, channel: Int, in values: [Double]) -> (row: Int, col: Int) {
        let base = channel * height * width
        let at = winnerOffset(i, j) { values[base + $0] }
        return (at / width, at % width)
    }

    /// The output cells whose windows cover input cell `(row, col)`, row-major.
    public func outputs(covering row: Int, _ col: Int) -> [(i: Int, j: Int)] {
        var cells: [(i: Int, j: Int)] = []
        for i in 0..<outH where rows(i).contains(row) {
            for j in 0..<outW where cols(j).contains(col) { cells.append((i, j)) }
        }
        return cells
    }
}
