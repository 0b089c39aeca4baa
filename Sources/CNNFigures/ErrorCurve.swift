/// The error against one weight, as the article's slides draw it: a U, with the weight's value
/// now marked, the tangent there, and the slope found by nudging beside the slope backprop found.
/// Every number is the engine's (`NudgedLosses` in CNNCore and the trace); the figure only shows them.
///
///     errors[k]  = L(w = weights[k])                 a forward pass each
///     tangent    : e = error + gradient · (x − weight) through the point now
///     nudgeSlope = (errorUp − errorDown) / (weightUp − weightDown)
///
/// - `weights`, `errors`: the curve's points, same length, `weights` ascending.
/// - `weight`, `error`: the point now; `gradient`: the traced `∂L/∂w`, the tangent's slope.
/// - `weightUp`, `weightDown`: the nudged values `weight ± δ`; `errorUp`, `errorDown`: the errors there.
public struct ErrorCurveFigure: Sendable {
    /// The weight's name, e.g. "out.weight[1,1]".
    public var weightName: String
    public var weights: [Double]
    public var errors: [Double]
    public var weight: Double
    public var error: Double
    public var gradient: Double
    public var weightUp: Double
    public var weightDown: Double
    public var errorUp: Double
    public var errorDown: Double
    public var nudgeSlope: Double
    public var title: String?
    public var numberStyle: NumberStyle
    /// The plot's size in points, without the lines of text under it.
    public var width: Double
    public var height: Double

    public init(weightName: String, weights: [Double], errors: [Double], weight: Double, error: Double, gradient: Double,
                weightUp: Double, weightDown: Double, errorUp: Double, errorDown: Double, nudgeSlope: Double, title: String? = nil,
                numberStyle: NumberStyle = .rounded(4), width: Double = 380, height: Double = 220) {
        self.weightName = weightName; self.weights = weights; self.errors = errors; self.weight = weight; self.error = error
        self.gradient = gradient; self.weightUp = weightUp; self.weightDown = weightDown; self.errorUp = errorUp; self.errorDown = errorDown
        self.nudgeSlope = nudgeSlope; self.title = title; self.numberStyle = numberStyle; self.width = width; self.height = height
    }

    /// The nudged errors are written with two more decimals than the rest, so the slope worked
    /// from them as shown has the digits the figure prints.
    public var nudgeStyle: NumberStyle {
        switch numberStyle {
        case .rounded(let d): return .rounded(d + 2)
        case .truncated(let d): return .rounded(d + 2)
        case .full: return .full
        }
    }

    /// The index of the lowest point of the curve (the bottom of the U), if there are points.
    public var lowest: Int? { errors.indices.min { errors[$0] < errors[$1] } }

    /// A weight as people write it: at most 6 decimals, no trailing zeros (0.25 + 0.1 is "0.35").
    public static func short(_ x: Double) -> String {
        var s = formatNumber(x, .rounded(6))
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// The lines every drawer writes under the plot, as plain text.
    public var notes: [String] {
        let st = numberStyle, ns = nudgeStyle
        let w = Self.short(weight), up = Self.short(weightUp), down = Self.short(weightDown)
        return [
            "now: \(weightName) = \(w), error \(formatNumber(error, st))",
            "nudged up to \(up): error \(formatNumber(errorUp, ns)); nudged down to \(down): error \(formatNumber(errorDown, ns))",
            "slope from the two nudges: change in error ÷ change in weight = (\(formatNumber(errorUp, ns)) − \(formatNumber(errorDown, ns))) ÷ (\(up) − \(down)) = \(formatNumber(nudgeSlope, st))",
            "slope from backprop, ∂L/∂\(weightName) in the trace: \(formatNumber(gradient, st))",
        ]
    }
}
