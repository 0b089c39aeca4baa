import CNNCore
import CNNFiles
import Foundation

/// `explain` for batchnorm (output, statistics and gradients) and dropout (output, mask, gradient).
extension Explainer {
    /// A number in the chosen style, in parentheses when negative, for use after an operator.
    func paren(_ x: Double) -> String { x < 0 ? "(\(r(x)))" : r(x) }

    /// Channel `c`'s values of `layer.role`, over every sample and position (`M = N·H·W` of them).
    func channelValues(_ role: TraceRole, _ c: Int) throws(FileError) -> [Double] {
        let t = try rec(layer, role)
        let channels = t.shape.count == 4 ? t.shape[1] : t.shape[0]
        let area = t.shape.suffix(2).reduce(1, *)
        let samples = t.data.count / (channels * area)
        var values: [Double] = []
        for s in 0..<samples {
            let start: Int = (s * channels + c) * area
            values += t.data[start..<(start + area)]
        }
        return values
    }

    /// The mean and variance a batchnorm layer normalized channel `c` with: the batch's in train
    /// mode, the running ones in eval mode, as traced.
    func normStats(_ b: BatchNormSpec, _ c: Int) throws(FileError) -> (mean: Double, variance: Double, source: String) {
        b.mode == .train
            ? (try value(.batchMean, at: [c]), try value(.batchVar, at: [c]), "the batch's (train mode)")
            : (try value(.runningMean, at: [c]), try value(.runningVar, at: [c]), "the running ones (eval mode)")
    }

    mutating func batchnorm(_ b: BatchNormSpec) throws(FileError) -> Bool {
        let c = [.output, .gradInput].contains(role) ? index[0] : index.first ?? 0
        let m = b.momentum
        switch role {
        case .output: try batchnormOutput(b, c)
        case .gradInput: try batchnormGradInput(b, c)
        case .batchMean:
            let xs = try channelValues(.input, c)
            lines.append("  the mean of channel \(c)'s \(xs.count) input values: \(r(xs.reduce(0, +))) / \(xs.count) = \(r(xs.reduce(0, +) / Double(xs.count)))")
            lines.append(check(xs.reduce(0, +) / Double(xs.count)))
        case .batchVar:
            let xs = try channelValues(.input, c), mean = try value(.batchMean, at: [c])
            let sq = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            lines.append("  the biased variance of channel \(c): Σ (x − mean)² / M with mean \(r(mean)) and M = \(xs.count): \(r(sq)) / \(xs.count) = \(r(sq / Double(xs.count)))")
            lines.append(check(sq / Double(xs.count)))
        case .updatedRunningMean:
            let old = try value(.runningMean, at: [c]), batch = try value(.batchMean, at: [c])
            lines.append("  (1 − momentum) · running_mean + momentum · batch_mean = \(n(1 - m)) × \(paren(old)) + \(n(m)) × \(paren(batch)) = \(r((1 - m) * old + m * batch))")
            lines.append(check((1 - m) * old + m * batch))
        case .updatedRunningVar:
            let old = try value(.runningVar, at: [c]), batch = try value(.batchVar, at: [c])
            let count = Double(try channelValues(.input, c).count)
            let unbiased = batch * count / (count - 1)
            lines.append("  the running variance takes the unbiased batch variance: batch_var · M/(M − 1) = \(r(batch)) × \(Int(count))/\(Int(count) - 1) = \(r(unbiased))")
            lines.append("  (1 − momentum) · running_var + momentum · that = \(n(1 - m)) × \(n(old)) + \(n(m)) × \(r(unbiased)) = \(r((1 - m) * old + m * unbiased))")
            lines.append(check((1 - m) * old + m * unbiased))
        case .runningMean, .runningVar:
            lines.append("  a statistic of \(layer) (PyTorch's running estimate), given in the weights file or starting at \(role == .runningMean ? 0 : 1)")
        case .gradBias:
            let g = try channelValues(.gradOutput, c).reduce(0, +)
            lines.append("  grad_bias[c] = Σ grad_output over channel \(c) (the bias is added to every value) = \(r(g))")
            lines.append(check(g))
        case .gradWeight:
            let (mean, variance, source) = try normStats(b, c)
            let inv = 1 / (variance + b.eps).squareRoot()
            let xs = try channelValues(.input, c), gs = try channelValues(.gradOutput, c)
            let sum = zip(xs, gs).map { ($0 - mean) * inv * $1 }.reduce(0, +)
            lines.append("  grad_weight[c] = Σ grad_output · x̂ over channel \(c), with x̂ = (x − mean)/√(var + eps) and \(source) mean \(r(mean)), var \(r(variance))")
            lines.append("  = \(r(sum))")
            lines.append(check(sum))
        default:
            return false
        }
        return true
    }

    mutating func batchnormOutput(_ b: BatchNormSpec, _ c: Int) throws(FileError) {
        let (mean, variance, source) = try normStats(b, c)
        let x = try value(.input, at: index), w = try value(.weight, at: [c]), bias = try value(.bias, at: [c])
        let root = (variance + b.eps).squareRoot()
        let xhat = (x - mean) / root
        lines.append("  batchnorm normalizes channel \(c) with \(source) mean \(r(mean)) and variance \(r(variance)), then scales and shifts:")
        lines.append("  x̂ = (x − mean) / √(var + eps) = (\(n(x)) − \(paren(mean))) / √(\(r(variance)) + \(n(b.eps))) = \(r(xhat))")
        lines.append("  output = weight · x̂ + bias = \(n(w)) × \(r(xhat)) + \(n(bias)) = \(r(w * xhat + bias))")
        lines.append(check(w * xhat + bias))
    }

    mutating func batchnormGradInput(_ b: BatchNormSpec, _ c: Int) throws(FileError) {
        let (mean, variance, _) = try normStats(b, c)
        let inv = 1 / (variance + b.eps).squareRoot()
        let w = try value(.weight, at: [c]), g = try value(.gradOutput, at: index), x = try value(.input, at: index)
        guard b.mode == .train else {
            lines.append("  in eval mode the statistics are constants: grad_input = weight / √(var + eps) · grad_output")
            lines.append("  = \(n(w)) × \(r(inv)) × \(n(g)) = \(r(w * inv * g))")
            lines.append(check(w * inv * g))
            return
        }
        let xs = try channelValues(.input, c), gs = try channelValues(.gradOutput, c)
        let count = Double(xs.count)
        let sumG = gs.reduce(0, +), sumGX = zip(xs, gs).map { ($0 - mean) * inv * $1 }.reduce(0, +)
        let xhat = (x - mean) * inv
        let v = w * inv * (g - sumG / count - xhat * sumGX / count)
        lines.append("  in train mode the mean and variance depend on every input of the channel too:")
        lines.append("  grad_input = weight/√(var + eps) · (grad_output − Σ grad_output / M − x̂ · Σ (grad_output · x̂) / M), M = \(xs.count)")
        lines.append("  Σ grad_output = \(r(sumG)), Σ grad_output · x̂ = \(r(sumGX)), x̂ = \(r(xhat))")
        lines.append("  = \(n(w)) × \(r(inv)) × (\(n(g)) − \(paren(sumG / count)) − \(paren(xhat)) × \(paren(sumGX / count))) = \(r(v))")
        lines.append(check(v))
    }

    mutating func dropout(_ d: DropoutSpec) throws(FileError) -> Bool {
        let train = d.mode == .train
        let mask = train ? try value(.mask, at: index) : 1
        switch role {
        case .output:
            let x = try value(.input, at: index)
            lines.append(train ? "  dropout multiplies the input by its mask: \(n(x)) × \(r(mask)) = \(r(x * mask))"
                               : "  dropout in eval mode passes the input unchanged: \(r(x))")
            lines.append(check(x * mask))
        case .mask:
            lines.append("  drawn from --seed: each value is kept with probability 1 − p = \(n(1 - d.p)) and then scaled by 1/(1 − p) = \(r(1 / (1 - d.p))), or dropped (0)")
            lines.append(mask == 0 ? "  this one was dropped" : "  this one was kept")
        case .gradInput:
            let g = try value(.gradOutput, at: index)
            lines.append(train ? "  the gradient goes back through the same mask: \(n(g)) × \(r(mask)) = \(r(g * mask))"
                               : "  dropout in eval mode passes the gradient unchanged: \(r(g))")
            lines.append(check(g * mask))
        default:
            return false
        }
        return true
    }
}
