/// How one number of a convolution's output comes to be, term by term: the one derivation that
/// `explain`, the convolution figures and the terminal show.
///
///     products[k] = weight[o, c, a, b] · input[c, i·s − top + a·d, j·s − left + b·d]    (0 outside the input)
///     sum         = Σ_k products[k]        k = (c·kh + a)·kw + b, added in that order
///     value       = sum / divisor + bias   divisor = C·kh·kw when the layer normalizes, else 1
///
/// `value` is recomputed here in the order above; the engine adds the same products in another
/// order, so compare it with the traced output through `isClose`, and show the traced one.
public struct ConvDerivation: Sendable, Equatable {
    /// The output cell `[o, i, j]`.
    public let filter: Int, row: Int, col: Int
    /// The input cell under the kernel's top-left weight: `(i·s − pads.top, j·s − pads.left)`; negative in the padding.
    public let top: Int, left: Int
    /// The input values under the kernel, `C·kh·kw` in `k` order; 0 in the padding.
    public let patch: [Double]
    /// Whether each patch value lies inside the input (false in the padding).
    public let inside: [Bool]
    /// The filter's weights `weight[o]`, `C·kh·kw` in `k` order.
    public let weights: [Double]
    /// `weights[k] · patch[k]`.
    public let products: [Double]
    public let sum: Double
    /// `C·kh·kw` when the layer normalizes, `nil` when it does not divide.
    public let divisor: Int?
    /// `bias[o]`, or `nil` when the layer has no bias.
    public let bias: Double?
    /// `sum / divisor + bias`.
    public let value: Double
}

extension ConvSpec {
    /// The derivation of output `[filter, row, col]` of this layer.
    /// - Parameters:
    ///   - input: `[C, H, W]`, one sample. `weight`: `[filters, C, kh, kw]`. `bias`: `[filters]`, or `nil`.
    /// - Precondition: the shapes fit the layer and the output cell exists.
    public func derivation(input: Tensor, weight: Tensor, bias: Tensor?, filter o: Int, row i: Int, col j: Int) -> ConvDerivation {
        let (channels, height, width) = (input.shape[0], input.shape[1], input.shape[2])
        let top = i * stride - pads.top, left = j * stride - pads.left
        var patch: [Double] = [], inside: [Bool] = [], weights: [Double] = []
        for c in 0..<channels {
            for a in 0..<kernelH {
                for b in 0..<kernelW {
                    let y = top + a * dilation, x = left + b * dilation
                    let isInside = y >= 0 && y < height && x >= 0 && x < width
                    inside.append(isInside)
                    patch.append(isInside ? input.data[(c * height + y) * width + x] : 0)
                    weights.append(weight.data[((o * channels + c) * kernelH + a) * kernelW + b])
                }
            }
        }
        let products = zip(weights, patch).map(*)
        let sum = products.reduce(0, +)
        let divisor = normalize ? channels * kernelH * kernelW : nil
        let b = self.bias ? bias.map { $0.data[o] } : nil
        let value = (divisor.map { sum / Double($0) } ?? sum) + (b ?? 0)
        return ConvDerivation(filter: o, row: i, col: j, top: top, left: left, patch: patch, inside: inside, weights: weights,
                              products: products, sum: sum, divisor: divisor, bias: b, value: value)
    }
}
