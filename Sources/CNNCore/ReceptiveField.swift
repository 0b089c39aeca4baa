/// The pixels of the input that one cell of a layer's output can see.
///
/// Walking back from the cell, layer by layer: a conv cell `(i, j)` sees the input rows
/// `i·s − top … i·s − top + (kh − 1)·d` (and the same for columns), a max-pooling cell its window
/// (`PoolWindows`, partial at the edge), and an element-wise layer (ReLU, batchnorm, …) the same
/// cell. Each range is clipped to the input, so a cell whose window hangs over the border (into
/// padding or past the last pooling window) sees fewer pixels.
public struct ReceptiveField: Sendable, Equatable {
    /// Rows and columns of the network's input, from 0.
    public var rows: ClosedRange<Int>
    public var cols: ClosedRange<Int>

    /// The field of output cell (`row`, `col`) of layer `layer` (an index into `model.layers`).
    /// - Parameter shapes: `model.shapes()`, the input's shape first.
    /// - Returns: `nil` when the layer or one before it is not spatial (dense, flatten, global
    ///   pooling, average pooling) or the cell is outside the layer's output.
    public init?(_ model: ModelSpec, shapes: [[Int]], layer: Int, row: Int, col: Int) {
        guard layer >= 0, layer < model.layers.count, shapes.count > layer + 1, shapes[layer + 1].count == 3,
              row >= 0, row < shapes[layer + 1][1], col >= 0, col < shapes[layer + 1][2] else { return nil }
        var rows = row...row, cols = col...col
        for i in stride(from: layer, through: 0, by: -1) {
            let (h, w) = (shapes[i][1], shapes[i][2])
            switch model.layers[i].kind {
            case .conv(let c):
                let p = c.pads
                rows = Self.clip(rows.lowerBound * c.stride - p.top, rows.upperBound * c.stride - p.top + (c.kernelH - 1) * c.dilation, h)
                cols = Self.clip(cols.lowerBound * c.stride - p.left, cols.upperBound * c.stride - p.left + (c.kernelW - 1) * c.dilation, w)
            case .maxpool(let spec):
                let windows = PoolWindows(spec, height: h, width: w)
                rows = Self.clip(windows.rows(rows.lowerBound).lowerBound, windows.rows(rows.upperBound).upperBound - 1, h)
                cols = Self.clip(windows.cols(cols.lowerBound).lowerBound, windows.cols(cols.upperBound).upperBound - 1, w)
            case .relu, .leakyRelu, .sigmoid, .tanh, .batchnorm, .dropout:
                continue
            default:
                return nil
            }
        }
        self.rows = rows
        self.cols = cols
    }

    static func clip(_ lo: Int, _ hi: Int, _ n: Int) -> ClosedRange<Int> {
        max(0, min(lo, n - 1))...max(0, min(hi, n - 1))
    }
}
