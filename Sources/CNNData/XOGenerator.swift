import CNNCore
import Foundation

/// Generates the article's kind of picture: an X or an O drawn in white (+1) on a black (−1)
/// `S`×`S` grid, varied at random so a network has to learn the shapes rather than the pixels.
///
/// Each shape starts as a polyline in unit coordinates (the X's two diagonals, the O's ellipse),
/// then goes through, in order:
///
///  1. deformation: stroke endpoints jittered, the O's radius wobbled, `r(φ) = 1 + a·sin(kφ + p)`;
///  2. scale (shrinking) `s`, with an O's aspect ratio `1 ± e`;
///  3. rotation by `θ`;
///  4. an elastic wobble `(x, y) += a·(sin(ωy + p₁), sin(ωx + p₂))`;
///  5. a shift, chosen so the shape, with its stroke, stays inside the frame.
///
/// A pixel whose centre `(col, row)` lies within `thickness / 2` of the polyline is stroke (+1);
/// every other pixel is background (−1). No anti-aliasing: every pixel is ±1.
///
/// All randomness comes from one `SeededGenerator`, so the same seed gives the same images.
public struct XOGenerator: Sendable {
    /// The two classes, in the order of the article's network (`classes: ["X", "O"]`).
    public enum Shape: Int, Sendable, CaseIterable {
        case x = 0
        case o = 1

        /// `"X"` or `"O"`.
        public var name: String { self == .x ? "X" : "O" }
    }

    /// The ranges the random choices are drawn from (uniformly).
    public struct Variation: Sendable, Equatable {
        /// The shape's half-size as a fraction of the largest that fits, `(S − 1)/2 − 1`
        /// (3 pixels at 9×9, the size of the article's X and O).
        public var scale: ClosedRange<Double>
        /// Rotation in degrees, either way.
        public var rotation: ClosedRange<Double>
        /// Stroke width in pixels (1 draws a one-pixel line, as in the article).
        public var thickness: ClosedRange<Double>
        /// How far the shape's centre may move from the frame's centre, as a fraction of the
        /// room left once the shape fits (0 = centred, 1 = anywhere inside the frame).
        public var shift: Double
        /// Random movement of each stroke endpoint, and the O's radius wobble, as a fraction of
        /// the shape's half-size.
        public var jitter: Double
        /// An O's largest departure from a circle: its radii are `1 ± e` times the half-size.
        public var aspect: Double
        /// The elastic wobble's amplitude in pixels.
        public var wobble: Double

        public init(scale: ClosedRange<Double>, rotation: ClosedRange<Double>, thickness: ClosedRange<Double>,
                    shift: Double, jitter: Double, aspect: Double, wobble: Double) {
            self.scale = scale
            self.rotation = rotation
            self.thickness = thickness
            self.shift = shift
            self.jitter = jitter
            self.aspect = aspect
            self.wobble = wobble
        }

        /// The article's own pictures: full size, upright, one-pixel strokes, centred, undeformed.
        public static let none = Variation(scale: 1...1, rotation: 0...0, thickness: 1...1, shift: 0, jitter: 0, aspect: 0, wobble: 0)

        /// The training mixture: every kind of variation at once, in moderate amounts.
        public static let training = Variation(scale: 0.45...1, rotation: -30...30, thickness: 0.9...2.1,
                                               shift: 1, jitter: 0.12, aspect: 0.15, wobble: 0.25)
    }

    /// Named variations for checking that a network learned the shapes, one kind of change each,
    /// pushed further than `.training` usually goes.
    public enum Variant: String, Sendable, CaseIterable {
        /// Full size, pushed towards an edge or a corner of the frame.
        case shifted
        /// Half to two-thirds the usual size, anywhere in the frame.
        case shrunk
        /// Turned by 20° to 35°, either way.
        case rotated
        /// Drawn with a stroke two to three pixels wide.
        case thick
        /// Wobbly strokes with jittered endpoints.
        case deformed

        /// The ranges this variant draws from.
        public var variation: Variation {
            switch self {
            case .shifted: return Variation(scale: 0.75...0.9, rotation: 0...0, thickness: 1...1.2, shift: 1, jitter: 0, aspect: 0, wobble: 0)
            case .shrunk: return Variation(scale: 0.5...0.67, rotation: 0...0, thickness: 1...1.2, shift: 0.5, jitter: 0, aspect: 0, wobble: 0)
            case .rotated: return Variation(scale: 0.9...1, rotation: 20...35, thickness: 1...1.2, shift: 0.3, jitter: 0, aspect: 0.1, wobble: 0)
            case .thick: return Variation(scale: 0.9...1, rotation: 0...0, thickness: 2...2.6, shift: 0.3, jitter: 0, aspect: 0, wobble: 0)
            case .deformed: return Variation(scale: 0.85...1, rotation: -10...10, thickness: 1...1.4, shift: 0.3, jitter: 0.2, aspect: 0.2, wobble: 0.4)
            }
        }

        /// `rotated` turns either way; the range in `variation` is the size of the turn.
        var bothWays: Bool { self == .rotated }
    }

    /// The image side, S.
    public let size: Int
    /// The ranges random choices come from.
    public var variation: Variation
    private var rng: SeededGenerator
    private var bothWays = false

    /// A generator of `size`×`size` images (size ≥ 5), seeded by `seed`.
    public init(size: Int = 9, seed: UInt64, variation: Variation = .training) {
        precondition(size >= 5, "images must be at least 5×5")
        self.size = size
        self.variation = variation
        rng = SeededGenerator(seed: seed, stream: "xo")
    }

    /// A generator for one of the named check variants.
    public init(size: Int = 9, seed: UInt64, variant: Variant) {
        self.init(size: size, seed: seed, variation: variant.variation)
        rng = SeededGenerator(seed: seed, stream: "xo." + variant.rawValue)
        bothWays = variant.bothWays
    }

    /// `count` labelled images, X and O alternating (so the classes are balanced: `count / 2`
    /// of each, the extra one an X when `count` is odd). Labels: 0 = X, 1 = O.
    public mutating func makeSet(count: Int) -> [LabeledImage] {
        (0..<count).map { i in
            let shape: Shape = i % 2 == 0 ? .x : .o
            return LabeledImage(image: image(of: shape), label: shape.rawValue)
        }
    }

    /// One random picture of `shape`, shape `[1, S, S]`, pixels ±1.
    public mutating func image(of shape: Shape) -> Tensor {
        // A drawing that does not read as its shape (an O filled in by a thick stroke) is drawn
        // again; after 20 failures, which the shipped variations never reach, the undeformed shape is used.
        for _ in 0..<20 {
            let (grid, centre) = draw(shape)
            if Self.isRecognisable(grid, shape: shape, centre: centre) {
                return Tensor(shape: [1, size, size], data: grid)
            }
        }
        let unit = Double(size - 1) / 2 - 1
        let plain = Self.outline(shape, unit: unit, variation: .none, rng: &rng, bothWays: false).lines
        return Tensor(shape: [1, size, size], data: Self.rasterize(plain, thickness: 1, size: size, shift: (0, 0)))
    }

    /// A point in pixel units, `x` along a row (column), `y` down the rows.
    typealias Point = (x: Double, y: Double)

    /// One attempt at drawing `shape`: the grid, and the pixel nearest the shape's centre.
    private mutating func draw(_ shape: Shape) -> (grid: [Double], centre: Int) {
        let v = variation
        let unit = Double(size - 1) / 2 - 1
        var (lines, halfSize) = Self.outline(shape, unit: unit, variation: v, rng: &rng, bothWays: bothWays)
        // A small shape drawn with a thick pen is a blob: strokes get at most 0.4 + 0.55·(half-size)
        // wide (1.1 pixels for a half-size of 1.35, 2 for the full 3), but never less than the range allows.
        let drawn = rng.uniform(v.thickness.lowerBound, v.thickness.upperBound.nextUp)
        let thickness = min(drawn, max(v.thickness.lowerBound, 0.4 + 0.55 * halfSize))
        let half = thickness / 2
        // The stroke, centre line ± half the thickness, must stay inside the frame, whose pixel
        // edges are at −0.5 and S − 0.5 around the centre (S − 1)/2; shrink the shape if it does not.
        let c = Double(size - 1) / 2
        let room = c + 0.5 - 0.2
        let pts = lines.flatMap { $0 }
        let extent = pts.reduce(0.0) { max($0, abs($1.x), abs($1.y)) }
        if extent + half > room && extent > 0 {
            let f = max(0.1, (room - half) / extent)
            lines = lines.map { $0.map { (x: $0.x * f, y: $0.y * f) } }
        }
        let all = lines.flatMap { $0 }
        func range(_ values: [Double]) -> (Double, Double) {
            let lo = (values.min() ?? 0) - half, hi = (values.max() ?? 0) + half
            // May move by d with lo + d ≥ −room and hi + d ≤ room.
            let down = min(0, -room - lo), up = max(0, room - hi)
            return (-room - lo <= room - hi) ? ((-room - lo) * v.shift, (room - hi) * v.shift) : (down, up)
        }
        let (lx, hx) = range(all.map(\.x)), (ly, hy) = range(all.map(\.y))
        let dx = lx < hx ? rng.uniform(lx, hx) : lx
        let dy = ly < hy ? rng.uniform(ly, hy) : ly
        let grid = Self.rasterize(lines, thickness: thickness, size: size, shift: (dx, dy))
        let ci = min(size - 1, max(0, Int((c + dy).rounded())))
        let cj = min(size - 1, max(0, Int((c + dx).rounded())))
        return (grid, ci * size + cj)
    }

    /// The shape's strokes as polylines in pixel units around the frame's centre, after
    /// deformation, scaling, rotation and wobble (steps 1–4 above). `unit` is the undeformed
    /// half-size, `(S − 1)/2 − 1`. Also returns the scaled half-size.
    static func outline(_ shape: Shape, unit: Double, variation v: Variation, rng: inout SeededGenerator, bothWays: Bool) -> (lines: [[Point]], halfSize: Double) {
        func pick(_ r: ClosedRange<Double>) -> Double { r.lowerBound < r.upperBound ? rng.uniform(r.lowerBound, r.upperBound) : r.lowerBound }
        func signed(_ a: Double) -> Double { a == 0 ? 0 : rng.uniform(-a, a) }
        var lines: [[Point]] = []
        switch shape {
        case .x:
            // The two diagonals, endpoints jittered, each cut into 8 pieces so the wobble can bend them.
            for (a, b) in [((-1.0, -1.0), (1.0, 1.0)), ((1.0, -1.0), (-1.0, 1.0))] {
                let p = (x: a.0 + signed(v.jitter), y: a.1 + signed(v.jitter))
                let q = (x: b.0 + signed(v.jitter), y: b.1 + signed(v.jitter))
                lines.append((0...8).map { k in
                    let t = Double(k) / 8
                    return (x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y))
                })
            }
        case .o:
            // An ellipse with radii 1 ± e, its radius wobbled by 1 + a·sin(kφ + p), as 32 pieces.
            let e = signed(v.aspect)
            let k = Double(2 + rng.below(2)), phase = rng.uniform(0, 2 * Double.pi)
            let a = signed(v.jitter)
            lines.append((0...32).map { i in
                let phi = 2 * Double.pi * Double(i) / 32
                let r = 1 + a * sin(k * phi + phase)
                return (x: r * (1 + e) * cos(phi), y: r * (1 - e) * sin(phi))
            })
        }
        let s = pick(v.scale) * unit
        var degrees = pick(v.rotation)
        if bothWays && rng.below(2) == 1 { degrees = -degrees }
        let theta = degrees * Double.pi / 180
        let (cs, sn) = (cos(theta), sin(theta))
        let w = v.wobble > 0 ? rng.uniform(0, v.wobble) : 0
        let omega = Double.pi / max(unit, 1)
        let p1 = rng.uniform(0, 2 * Double.pi), p2 = rng.uniform(0, 2 * Double.pi)
        let transformed = lines.map { line in
            line.map { pt in
                let x = s * pt.x, y = s * pt.y
                let rx = cs * x - sn * y, ry = sn * x + cs * y
                return (x: rx + w * sin(omega * ry + p1), y: ry + w * sin(omega * rx + p2))
            }
        }
        return (transformed, s)
    }

    /// Whether a drawing reads as its shape: enough stroke pixels, not a blob, an X's crossing
    /// inked and an O's middle left empty.
    static func isRecognisable(_ grid: [Double], shape: Shape, centre: Int) -> Bool {
        let ink = grid.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard ink >= 5 && ink * 10 < grid.count * 7 else { return false }
        return shape == .x ? grid[centre] > 0 : grid[centre] < 0
    }

    /// Sets every pixel whose centre lies within `thickness / 2` of a polyline to +1, the rest to −1.
    static func rasterize(_ polylines: [[Point]], thickness: Double, size: Int, shift: (Double, Double)) -> [Double] {
        let c = Double(size - 1) / 2
        let r2 = (thickness / 2) * (thickness / 2)
        var grid = [Double](repeating: -1, count: size * size)
        for row in 0..<size {
            for col in 0..<size {
                let px = Double(col) - c - shift.0, py = Double(row) - c - shift.1
                search: for line in polylines {
                    for k in 1..<max(line.count, 1) {
                        if segmentDistanceSquared(px, py, line[k - 1], line[k]) <= r2 {
                            grid[row * size + col] = 1
                            break search
                        }
                    }
                }
            }
        }
        return grid
    }

    /// The squared distance from `(px, py)` to the segment `a`–`b`.
    static func segmentDistanceSquared(_ px: Double, _ py: Double, _ a: Point, _ b: Point) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        var t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0
        t = min(1, max(0, t))
        let ex = a.x + t * dx - px, ey = a.y + t * dy - py
        return ex * ex + ey * ey
    }
}
