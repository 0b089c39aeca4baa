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
    /// Where the weight now, the error now and the gradient are in the trace (for the HTML page).
    public var weightSource: TraceSource?
    public var errorSource: TraceSource?
    public var gradientSource: TraceSource?

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
        noteParts.map { line in
            line.map { piece -> String in
                switch piece {
                case .text(let t): return t
                case .number(let t, _): return t
                }
            }.joined()
        }
    }

    /// A piece of a line under the plot: words, or a number with how it is worked out (the HTML
    /// page makes it a button; other drawers write its text).
    public enum NotePiece: Sendable {
        case text(String)
        case number(String, DerivedNumber)
    }

    /// `notes`, with every number described:
    ///
    ///     weightUp = weight + δ,  weightDown = weight − δ
    ///     nudgeSlope = (errorUp − errorDown) / (weightUp − weightDown)
    public var noteParts: [[NotePiece]] {
        let st = numberStyle, ns = nudgeStyle
        let w = Self.short(weight), up = Self.short(weightUp), down = Self.short(weightDown)
        let now = DerivedOperand("weight now", weight, text: w, source: weightSource)
        let wNow = DerivedNumber("weight now", .given("the weight's value in the model"), [], value: weight, source: weightSource)
        let eNow = DerivedNumber("error now", .given("the error of the forward pass"), [], value: error, source: errorSource)
        let wUp = DerivedNumber("nudged up", .sum, [now, DerivedOperand("nudge", weightUp - weight, text: Self.short(weightUp - weight))],
                                value: weightUp)
        let wDown = DerivedNumber("nudged down", .difference, [now, DerivedOperand("nudge", weight - weightDown, text: Self.short(weight - weightDown))],
                                  value: weightDown)
        let eUp = DerivedNumber("error", .given("one forward pass with \(weightName) = \(up)"), [], value: errorUp)
        let eDown = DerivedNumber("error", .given("one forward pass with \(weightName) = \(down)"), [], value: errorDown)
        let rise = DerivedOperand("change in error", errorUp - errorDown, text: formatNumber(errorUp - errorDown, ns))
        let run = DerivedOperand("change in weight", weightUp - weightDown, text: Self.short(weightUp - weightDown))
        let slope = DerivedNumber("slope from the two nudges", .quotient, [rise, run], value: nudgeSlope)
        let grad = DerivedNumber("slope from backprop", .given("∂L/∂\(weightName), computed by backpropagation"), [],
                                 value: gradient, source: gradientSource)
        let (eUpText, eDownText) = (formatNumber(errorUp, ns), formatNumber(errorDown, ns))
        return [
            [.text("now: \(weightName) = "), .number(w, wNow), .text(", error "), .number(formatNumber(error, st), eNow)],
            [.text("nudged up to "), .number(up, wUp), .text(": error "), .number(eUpText, eUp), .text("; nudged down to "),
             .number(down, wDown), .text(": error "), .number(eDownText, eDown)],
            [.text("slope from the two nudges: change in error ÷ change in weight = ("), .number(eUpText, eUp), .text(" − "),
             .number(eDownText, eDown), .text(") ÷ ("), .number(up, wUp), .text(" − "), .number(down, wDown), .text(") = "),
             .number(formatNumber(nudgeSlope, st), slope)],
            [.text("slope from backprop, ∂L/∂\(weightName) in the trace: "), .number(formatNumber(gradient, st), grad)],
        ]
    }
}
