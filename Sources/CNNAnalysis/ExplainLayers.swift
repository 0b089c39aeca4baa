import CNNCore
import CNNFiles
import Foundation

/// `explain` for flatten, avgpool, global_avgpool, sigmoid, tanh, leaky_relu, softmax,
/// log_softmax, batchnorm and dropout: each output and `grad_input` (and batchnorm's
/// `grad_weight`, `grad_bias` and statistics) with the real operands from the trace and the
/// formula, checked against the recorded value.
extension Explainer {
    /// Explains `role` of a layer of these kinds; false when there is nothing to say.
    mutating func explainLayer(_ kind: LayerKind) throws(FileError) -> Bool {
        switch (kind, role) {
        case (.flatten, .output), (.flatten, .gradInput): try flatten()
        case (.avgpool(let p), .output): try avgpoolOutput(p)
        case (.avgpool(let p), .gradInput): try avgpoolGradInput(p)
        case (.globalAvgpool, .output): try globalOutput()
        case (.globalAvgpool, .gradInput): try globalGradInput()
        case (.sigmoid, _), (.tanh, _), (.leakyRelu, _): return try elementwise(kind)
        case (.softmax, .output), (.logSoftmax, .output): try softmaxOutput(log: kind == .logSoftmax)
        case (.softmax, .gradInput), (.logSoftmax, .gradInput): try softmaxGradInput(log: kind == .logSoftmax)
        case (.batchnorm(let b), _): return try batchnorm(b)
        case (.dropout(let d), _): return try dropout(d)
        default: return false
        }
        return true
    }

    /// The value at `index` of `layer.role`.
    func value(_ role: TraceRole, at index: [Int]) throws(FileError) -> Double {
        let r = try rec(layer, role)
        return r.data[r.tensor.offset(index)]
    }

    mutating func flatten() throws(FileError) {
        let x = try rec(layer, .input)
        if role == .output {
            let at = multiIndex(index[0], shape: x.shape)
            lines.append("  flatten lays the \(ShapeText.list(x.shape)) input out in one row, [C, H, W] order: output[k] = input[c, i, j] with k = (c·H + i)·W + j")
            lines.append("  output\(ShapeText.index(index)) = input\(ShapeText.index(at)) = \(r(x.data[index[0]]))")
            lines.append(check(x.data[index[0]]))
        } else {
            let k = x.tensor.offset(index)
            let g = try rec(layer, .gradOutput).data[k]
            lines.append("  flatten only moves numbers, so each gradient goes back to where its number came from")
            lines.append("  grad_input\(ShapeText.index(index)) = grad_output[\(k)] = \(r(g))")
            lines.append(check(g))
        }
    }

    mutating func avgpoolOutput(_ p: AvgPoolSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor
        let w = PoolWindows(size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil, height: x.shape[1], width: x.shape[2])
        let (ch, i, j) = (index[0], index[1], index[2])
        let rows = w.rows(i), cols = w.cols(j)
        let divisor = w.divisor(i, j, countIncludePad: p.countIncludePad)
        let start = (i * p.stride - p.padding, j * p.stride - p.padding)
        lines.append("  the \(p.size)×\(p.size) window at rows \(start.0)…\(start.0 + p.size - 1), columns \(start.1)…\(start.1 + p.size - 1)"
                     + " of \(layer).input channel \(ch) (stride \(p.stride), padding \(p.padding))")
        var sum = 0.0
        var grid: [[String]] = []
        for y in rows {
            grid.append(cols.map { n(x[ch, y, $0]) })
            for xx in cols { sum += x[ch, y, xx] }
        }
        lines += grids([("window", grid)])
        let inside = rows.count * cols.count
        lines.append("  sum of the \(inside) values in the input = \(r(sum))")
        let why = p.countIncludePad
            ? "the window's \(divisor) cells inside the padded input (count_include_pad: padding zeros count, cells past the padding do not)"
            : "the window's \(divisor) cells inside the input (count_include_pad false)"
        lines.append("  divided by \(why): \(r(sum)) / \(divisor) = \(r(sum / Double(divisor)))")
        lines.append(check(sum / Double(divisor)))
    }

    mutating func avgpoolGradInput(_ p: AvgPoolSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor, g = try rec(layer, .gradOutput).tensor
        let w = PoolWindows(size: p.size, stride: p.stride, padding: p.padding, ceil: p.ceil, height: x.shape[1], width: x.shape[2])
        let (ch, y, xx) = (index[0], index[1], index[2])
        lines.append("  average pooling shares each window's gradient equally: every cell of window (i, j) gets grad_output[c,i,j] / divisor(i, j)")
        var sum = 0.0
        for cell in w.outputs(covering: y, xx) {
            let d = w.divisor(cell.i, cell.j, countIncludePad: p.countIncludePad)
            let share = g[ch, cell.i, cell.j] / Double(d)
            sum += share
            lines.append("    window output\(ShapeText.index([ch, cell.i, cell.j])): \(n(g[ch, cell.i, cell.j])) / \(d) = \(r(share))")
        }
        lines.append("  sum = \(r(sum))")
        lines.append(check(sum))
    }

    mutating func globalOutput() throws(FileError) {
        let x = try rec(layer, .input).tensor
        let ch = index[0], area = x.shape[1] * x.shape[2]
        let values = Array(x.data[(ch * area)..<((ch + 1) * area)])
        let sum = values.reduce(0, +)
        lines.append("  the mean of all \(area) values of \(layer).input channel \(ch):")
        lines.append("  (" + values.prefix(16).map(n).joined(separator: " + ") + (area > 16 ? " + …" : "") + ") / \(area) = \(r(sum)) / \(area) = \(r(sum / Double(area)))")
        lines.append(check(sum / Double(area)))
    }

    mutating func globalGradInput() throws(FileError) {
        let x = try rec(layer, .input).tensor
        let area = x.shape[1] * x.shape[2]
        let g = try value(.gradOutput, at: [index[0], 0, 0])
        lines.append("  every one of the \(area) values took part in the mean with weight 1/\(area):")
        lines.append("  grad_input\(ShapeText.index(index)) = grad_output[\(index[0]),0,0] / \(area) = \(n(g)) / \(area) = \(r(g / Double(area)))")
        lines.append(check(g / Double(area)))
    }

    mutating func elementwise(_ kind: LayerKind) throws(FileError) -> Bool {
        let k = record.tensor.offset(index)
        let x = try rec(layer, .input).data[k], y = try rec(layer, .output).data[k]
        switch (kind, role) {
        case (.sigmoid, .output):
            lines.append("  sigmoid(x) = 1 / (1 + e^(−x)) with x = input\(ShapeText.index(index)) = \(n(x)): 1 / (1 + \(r(exp(-x)))) = \(r(1 / (1 + exp(-x))))")
            lines.append(check(1 / (1 + exp(-x))))
        case (.tanh, .output):
            lines.append("  tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)) with x = input\(ShapeText.index(index)) = \(n(x)): \(r(tanh(x)))")
            lines.append(check(tanh(x)))
        case (.leakyRelu(let slope), .output):
            lines.append(x > 0 ? "  input\(ShapeText.index(index)) = \(n(x)) > 0, so leaky ReLU keeps it: \(r(x))"
                               : "  input\(ShapeText.index(index)) = \(n(x)) is not > 0, so leaky ReLU multiplies it by the slope \(n(slope)): \(r(slope * x))")
            lines.append(check(x > 0 ? x : slope * x))
        case (_, .gradInput):
            let g = try rec(layer, .gradOutput).data[k]
            let (local, formula): (Double, String)
            switch kind {
            case .sigmoid: (local, formula) = (y * (1 - y), "y·(1 − y) = \(n(y)) × (1 − \(n(y)))")
            case .tanh: (local, formula) = (1 - y * y, "1 − y² = 1 − \(n(y))²")
            case .leakyRelu(let slope): (local, formula) = (x > 0 ? 1 : slope, x > 0 ? "1 (input \(n(x)) > 0)" : "the slope \(n(slope)) (input \(n(x)) ≤ 0)")
            default: return false
            }
            lines.append("  grad_input = grad_output × the local slope \(formula) = \(r(local))")
            lines.append("  = \(n(g)) × \(paren(local)) = \(r(g * local))")
            lines.append(check(g * local))
        default:
            return false
        }
        return true
    }

    mutating func softmaxOutput(log: Bool) throws(FileError) {
        let x = try rec(layer, .input).data
        let k = index[0]
        let m = x.max() ?? 0
        let terms = x.map { exp($0 - m) }
        let sum = terms.reduce(0, +)
        lines.append("  with m = max input = \(n(m)) (subtracting it changes nothing and keeps exponents ≤ 0):")
        for (j, t) in terms.enumerated() { lines.append("    e^(input[\(j)] − m) = e^(\(n(x[j])) − \(n(m))) = \(r(t))") }
        lines.append("  sum = \(r(sum))")
        if log {
            let v = x[k] - m - Foundation.log(sum)
            lines.append("  log_softmax[k] = input[k] − m − log(sum) = \(n(x[k])) − \(n(m)) − \(r(Foundation.log(sum))) = \(r(v))")
            lines.append(check(v))
        } else {
            lines.append("  softmax[k] = e^(input[k] − m) / sum = \(r(terms[k])) / \(r(sum)) = \(r(terms[k] / sum))")
            lines.append(check(terms[k] / sum))
        }
    }

    mutating func softmaxGradInput(log: Bool) throws(FileError) {
        let y = try rec(layer, .output).data, g = try rec(layer, .gradOutput).data
        let k = index[0]
        if log {
            let total = g.reduce(0, +)
            lines.append("  grad_input[k] = grad_output[k] − e^(output[k]) · Σ_j grad_output[j]   (e^(output) is the softmax)")
            lines.append("  Σ_j grad_output[j] = \(r(total))")
            lines.append("  = \(n(g[k])) − \(r(exp(y[k]))) × \(paren(total)) = \(r(g[k] - exp(y[k]) * total))")
            lines.append(check(g[k] - exp(y[k]) * total))
        } else {
            let dot = zip(g, y).map { $0 * $1 }.reduce(0, +)
            lines.append("  grad_input[k] = output[k] · (grad_output[k] − Σ_j grad_output[j] · output[j])")
            lines.append("  Σ_j grad_output[j] · output[j] = \(r(dot))")
            lines.append("  = \(n(y[k])) × (\(n(g[k])) − \(paren(dot))) = \(r(y[k] * (g[k] - dot)))")
            lines.append(check(y[k] * (g[k] - dot)))
        }
    }
}
