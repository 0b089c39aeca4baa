/// The article's nudging of one weight: the loss of one sample as that weight takes other values,
/// with everything else held where it is.

/// One weight of a network, and the losses of one sample as it takes other values.
///
///     losses[k] = L(w = values[k])           one forward pass each
///     slope     = (L(w + δ) − L(w − δ)) / 2δ  the slope from two nudges (a central difference)
///
/// For a loss that is a parabola in the weight (a voting weight under the mean squared error), the
/// central difference equals the gradient `∂L/∂w` up to rounding, for every `δ`.
public struct NudgedLosses: Sendable, Equatable {
    /// The parameter (`out.weight`) and the element's multi-index in its shape (`[1, 1]`).
    public var parameter: String
    public var index: [Int]
    /// The weight's value in the network.
    public var weight: Double
    /// The values tried and the loss at each (same length).
    public var values: [Double]
    public var losses: [Double]
    /// The nudged values `w + δ` and `w − δ`, and the losses there.
    public var up: Double
    public var down: Double
    public var lossUp: Double
    public var lossDown: Double
    /// `(lossUp − lossDown) / (up − down)`.
    public var slope: Double
}

/// Sets element `index` of `parameter` to each of `values`, and to `w ± delta`, running `input`
/// forward each time and taking the loss against `target` (the network passed in is not changed).
/// - Parameters:
///   - input: one sample, shape `network.shapes[0]` = `[C, H, W]`.
///   - index: the element's multi-index in the parameter's shape.
/// - Returns: `nil` when the network has no such parameter or the index is outside its shape.
public func nudgedLosses(_ network: Network, input: Tensor, target: Int, parameter: String, index: [Int],
                         values: [Double], delta: Double) -> NudgedLosses? {
    guard input.shape == network.shapes[0], let p = network.parameters.firstIndex(where: { $0.name == parameter }) else { return nil }
    let shape = network.parameters[p].tensor.shape
    guard index.count == shape.count, zip(index, shape).allSatisfy({ $0 >= 0 && $0 < $1 }) else { return nil }
    let j = zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    var net = network
    let ws = Workspace(network: net, batch: 1)
    ws.setInput(input.data)
    let w = net.parameters[p].tensor.data[j]
    let losses = values.map { net.loss(setting: p, j, to: $0, ws, targets: [target]) }
    let (up, down) = (w + delta, w - delta)
    let lossUp = net.loss(setting: p, j, to: up, ws, targets: [target])
    let lossDown = net.loss(setting: p, j, to: down, ws, targets: [target])
    return NudgedLosses(parameter: parameter, index: index, weight: w, values: values, losses: losses, up: up, down: down,
                        lossUp: lossUp, lossDown: lossDown, slope: (lossUp - lossDown) / (up - down))
}
