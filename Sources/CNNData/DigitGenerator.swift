import CNNCore
import CNNFigures
import Foundation

/// Generates hand-drawn-looking digits 0–9 as pen strokes on an `S`×`S` canvas (28×28 by
/// default, the size of the MNIST digits), for a drawer to antialias into pixels.
///
/// Each digit starts as a few polylines in a unit box (`glyph`), then is, in order:
///
///  1. scaled to a height `h` and a width `0.6·h`,
///  2. turned by `θ` about its centre,
///  3. moved so its centre is `(S/2 + dx, S/2 + dy)`, with `dx`, `dy` drawn from `±shift` and
///     then pulled in so every stroke, with the pen's width, stays on the canvas;
///
/// and is drawn with a pen of width `t`. `h`, `θ`, `t`, `dx` and `dy` are drawn uniformly from
/// the `Variation`'s ranges by one `SeededGenerator`, so the same seed gives the same drawings.
public struct DigitGenerator: Sendable {
    /// The ranges the random choices are drawn from (uniformly).
    public struct Variation: Sendable, Equatable {
        /// The digit's height in pixels.
        public var height: ClosedRange<Double>
        /// Rotation in degrees, either way.
        public var rotation: ClosedRange<Double>
        /// The pen's width in pixels.
        public var thickness: ClosedRange<Double>
        /// How far the digit's centre may move from the canvas centre, in pixels, along each axis.
        public var shift: Double

        public init(height: ClosedRange<Double>, rotation: ClosedRange<Double>, thickness: ClosedRange<Double>, shift: Double) {
            self.height = height
            self.rotation = rotation
            self.thickness = thickness
            self.shift = shift
        }

        /// Heights 13–19 px, turns up to 15°, pens 1.5–2.8 px, centres up to 4 px off in each direction.
        public static let standard = Variation(height: 13...19, rotation: -15...15, thickness: 1.5...2.8, shift: 4)
    }

    /// The class names, in label order: `"0"` … `"9"`.
    public static let classes = (0...9).map(String.init)

    /// The canvas side, S.
    public let size: Int
    public var variation: Variation
    private var rng: SeededGenerator

    /// A generator of `size`×`size` drawings (size ≥ 12), seeded by `seed`.
    public init(size: Int = 28, seed: UInt64, variation: Variation = .standard) {
        precondition(size >= 12, "digits need a canvas of at least 12×12")
        self.size = size
        self.variation = variation
        rng = SeededGenerator(seed: seed, stream: "digits")
    }

    /// `count` drawings with their labels, the digits in turn (0, 1, …, 9, 0, …) so the classes
    /// are balanced.
    public mutating func makeSet(count: Int) -> [(drawing: StrokeDrawing, label: Int)] {
        (0..<count).map { i in (drawing(of: i % 10), i % 10) }
    }

    /// One random drawing of `digit` (0–9).
    public mutating func drawing(of digit: Int) -> StrokeDrawing {
        let v = variation
        func pick(_ r: ClosedRange<Double>) -> Double { r.lowerBound < r.upperBound ? rng.uniform(r.lowerBound, r.upperBound) : r.lowerBound }
        let h = pick(v.height), w = 0.6 * h
        let theta = pick(v.rotation) * Double.pi / 180
        let t = pick(v.thickness)
        let dx = v.shift > 0 ? rng.uniform(-v.shift, v.shift) : 0
        let dy = v.shift > 0 ? rng.uniform(-v.shift, v.shift) : 0
        let (cs, sn) = (cos(theta), sin(theta))
        // Around the digit's own centre, before the move.
        let local = Self.glyph(digit).map { line in
            line.map { p -> (x: Double, y: Double) in
                let x = (p.x - 0.5) * w, y = (p.y - 0.5) * h
                return (cs * x - sn * y, sn * x + cs * y)
            }
        }
        let points = local.flatMap { $0 }
        let c = Double(size) / 2, margin = t / 2 + 0.5
        func inside(_ d: Double, _ values: [Double]) -> Double {
            let lo = margin - c - (values.min() ?? 0), hi = Double(size) - margin - c - (values.max() ?? 0)
            return lo <= hi ? min(max(d, lo), hi) : (lo + hi) / 2
        }
        let mx = inside(dx, points.map(\.x)), my = inside(dy, points.map(\.y))
        let strokes = local.map { $0.map { StrokeDrawing.Point(x: c + mx + $0.x, y: c + my + $0.y) } }
        return StrokeDrawing(size: size, strokes: strokes, lineWidth: t)
    }

    /// The strokes of `digit` in a unit box: x from 0 (left) to 1 (right), y from 0 (top) to 1 (bottom).
    public static func glyph(_ digit: Int) -> [[StrokeDrawing.Point]] {
        func p(_ x: Double, _ y: Double) -> StrokeDrawing.Point { StrokeDrawing.Point(x: x, y: y) }
        // An arc of the ellipse centred (cx, cy) with radii (rx, ry), from angle a0 to a1 in degrees
        // (0° points right, 90° down), in steps of at most 15°.
        func arc(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, _ a0: Double, _ a1: Double) -> [StrokeDrawing.Point] {
            let n = max(2, Int((abs(a1 - a0) / 15).rounded(.up)))
            return (0...n).map { k in
                let a = (a0 + (a1 - a0) * Double(k) / Double(n)) * Double.pi / 180
                return p(cx + rx * cos(a), cy + ry * sin(a))
            }
        }
        switch digit {
        case 0: return [arc(0.5, 0.5, 0.5, 0.5, -90, 270)]
        case 1: return [[p(0.2, 0.25), p(0.6, 0), p(0.6, 1)]]
        case 2: return [arc(0.5, 0.3, 0.45, 0.3, -190, 20) + [p(0, 1), p(1, 1)]]
        case 3: return [arc(0.5, 0.26, 0.42, 0.26, -160, 90), arc(0.5, 0.74, 0.48, 0.26, -90, 160)]
        case 4: return [[p(0.75, 1), p(0.75, 0), p(0, 0.68), p(1, 0.68)]]
        case 5: return [[p(0.95, 0), p(0.12, 0), p(0.06, 0.45)] + arc(0.5, 0.69, 0.46, 0.31, -140, 150)]
        case 6: return [[p(0.8, 0), p(0.35, 0.28)] + arc(0.5, 0.72, 0.42, 0.28, -150, 210)]
        case 7: return [[p(0, 0), p(1, 0), p(0.35, 1)]]
        case 8: return [arc(0.5, 0.24, 0.36, 0.24, -90, 270), arc(0.5, 0.74, 0.46, 0.26, -90, 270)]
        default: return [arc(0.5, 0.28, 0.42, 0.28, 30, 390) + [p(0.85, 1)]]
        }
    }
}
