/// A picture made of pen strokes, as plain values: what a data generator decides (where each
/// stroke goes, how thick the pen is) and a drawer turns into pixels (the Cairo drawer
/// antialiases it, see `CNNRender.rasterize`).
///
/// Coordinates are in pixels on a `size`×`size` canvas: `(0, 0)` is the top-left corner of the
/// top-left pixel, x runs along a row to the right and y down the rows, so pixel `(row r, col c)`
/// covers `[c, c + 1) × [r, r + 1)`. Strokes have round caps and joins.
public struct StrokeDrawing: Sendable, Equatable {
    /// A point on the canvas, in pixels.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// The canvas side, in pixels.
    public var size: Int
    /// The pen's path: each polyline is one stroke, drawn without lifting the pen.
    public var strokes: [[Point]]
    /// The pen's width, in pixels.
    public var lineWidth: Double

    public init(size: Int, strokes: [[Point]], lineWidth: Double) {
        self.size = size
        self.strokes = strokes
        self.lineWidth = lineWidth
    }
}
