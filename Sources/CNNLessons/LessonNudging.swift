import CNNCore
import CNNFigures
import Foundation

// The slides' way to learning, for lessons: nudge one weight and watch the error. Every loss is a
// forward pass of the engine (`nudgedLosses` in CNNCore); the gradient is the trace's.

extension StepBuilder {
    /// The error against one weight of `layer`: `values.count` points evenly from `values.from` to
    /// `values.to`, the point now with the traced gradient as its tangent's slope, and the slope from
    /// two nudges `w ± nudge`.
    func errorCurveFigure(_ input: String, _ layer: String, _ index: [Int], values: (from: Double, to: Double, count: Int),
                          nudge: Double, _ st: NumberStyle, _ step: LessonStep) throws -> LessonFigure {
        let t = try trace(input, step)
        guard let target = t.target, let loss = t.loss else { throw fail(step, "error_curve needs a 'target' for input '\(input)'") }
        guard let net = networks[input] else { throw fail(step, "no input named '\(input)'") }
        let gw = try record(input, layer, .gradWeight, step)
        guard index.count == gw.shape.count, zip(index, gw.shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw fail(step, "error_curve: index \(index) is outside \(layer)'s weight shape \(gw.shape)")
        }
        let gradient = gw.data[zip(index, gw.shape).reduce(0) { $0 * $1.1 + $1.0 }]
        let points = (0..<values.count).map { values.from + (values.to - values.from) * Double($0) / Double(values.count - 1) }
        let x = try firstInput(input, step)
        guard let nudged = nudgedLosses(net, input: Tensor(shape: net.shapes[0], data: x.data), target: target,
                                        parameter: "\(layer).weight", index: index, values: points, delta: nudge) else {
            throw fail(step, "error_curve: the network of '\(input)' has no \(layer).weight\(ShapeText.index(index))")
        }
        let name = "\(layer).weight\(ShapeText.index(index))"
        var figure = ErrorCurveFigure(weightName: name, weights: nudged.values, errors: nudged.losses, weight: nudged.weight,
                                      error: loss, gradient: gradient, weightUp: nudged.up, weightDown: nudged.down,
                                      errorUp: nudged.lossUp, errorDown: nudged.lossDown, nudgeSlope: nudged.slope,
                                      title: "the error for \(imageWords(input)) as one weight changes",
                                      numberStyle: st)
        let w = try record(input, layer, .weight, step), flat = zip(index, gw.shape).reduce(0) { $0 * $1.1 + $1.0 }
        figure.weightSource = TraceSource(trace: input, key: w.key, index: flat)
        figure.gradientSource = TraceSource(trace: input, key: gw.key, index: flat)
        figure.errorSource = (try? record(input, "loss", .output, step)).map { TraceSource(trace: input, key: $0.key, index: 0) }
        return LessonFigure(name: "error-curve-\(slug(input))-\(layer)-\(index.map(String.init).joined(separator: "-"))",
                            caption: "The error for \(imageWords(input)) with one weight (\(name)) set to \(values.count) values from \(ErrorCurveFigure.short(values.from)) to \(ErrorCurveFigure.short(values.to)), one forward pass each; the dashed tangent has the gradient from backprop as its slope.",
                            figure: .errorCurve(figure), captionSources: rangeSources(values.from, values.to, step))
    }

    /// The caption's range of weights, each a parameter of the step's `error_curve` item.
    func rangeSources(_ from: Double, _ to: Double, _ step: LessonStep) -> [TextSource] {
        let file = (lesson.file as NSString).lastPathComponent
        return [("from", from), ("to", to)].map { field, v in
            TextSource(ErrorCurveFigure.short(v), derived: DerivedNumber("lesson parameter", .given(
                "a parameter of the lesson, not computed: the field error_curve.\(field) of the step \"\(step.id)\" in \(file) (\(ErrorCurveFigure.short(v)))"),
                [], value: v))
        }
    }
}
