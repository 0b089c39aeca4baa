import CNNCore
import CNNFigures
import CNNFiles
import Foundation

/// Explains how one number of a trace came to be, with the real operands from the trace.
///
/// The query names a record and an element: `LAYER.ROLE[i,j,…]`, e.g. `conv1.output[0,1,1]`,
/// `pool1.output[0,0,0]`, `out.output[0]`, `conv1.grad_weight[0,0,1,1]`, `pool1.grad_input[0,2,3]`,
/// or `loss`. What is printed:
/// - conv `output[o,i,j]`: for each input channel the patch (zeros in the padding), the
///   feature and the products; their sum; the division by `n = C·kh·kw` when normalizing
///   ("9 / 9 = 1.00"); the bias.
/// - maxpool `output[c,i,j]`: the window (noting a partial window at an edge) and which value won.
/// - relu `output[…]`: its input and `max(0, x)`.
/// - dense `output[u]`: every product `w[u,i] × x[i]`, their sum, the bias.
/// - `loss`: the mse or cross-entropy formula with its terms (softmax values for cross-entropy).
/// - gradients, by the chain rule, listing the terms that were summed:
///   - conv `grad_weight[o,c,a,b] = Σ_{i,j} grad_output[o,i,j] · input[c, i·s+a−p, j·s+b−p] / n`
///     (the non-zero terms), `grad_bias[o] = Σ_{i,j} grad_output[o,i,j]`,
///     `grad_input[c,y,x] = Σ_{o,a,b} weight[o,c,a,b] · grad_output[o,i,j] / n` over the
///     positions `(i, j)` whose window puts weight `(a, b)` on `(y, x)`;
///   - dense `grad_weight[u,i] = grad_output[u] · input[i]`, `grad_bias[u] = grad_output[u]`,
///     `grad_input[i] = Σ_u weight[u,i] · grad_output[u]`;
///   - relu `grad_input = grad_output` where the output is > 0, else 0;
///   - maxpool `grad_input`: the sum of the output gradients of the windows this cell won;
///   - the last layer's `grad_output`: the loss derivative; any other layer's `grad_output` is
///     the next layer's `grad_input`.
/// - flatten, avgpool, global_avgpool, sigmoid, tanh, leaky_relu, softmax, log_softmax,
///   batchnorm (also its batch and running statistics, `grad_weight` and `grad_bias`) and dropout
///   (also its `mask`): each `output` and `grad_input` with the operands and the formula
///   (`ExplainLayers.swift`, `ExplainNorm.swift`).
/// Every recomputed value is compared with the recorded one.
///
/// Explanations work on one-sample traces (activations `[C, H, W]`), as `cnn-explain trace` writes.
/// - Throws: `FileError` (file `query`) for a malformed query, an unknown layer or role (listing
///   those that exist) or an index out of range (giving the shape).
public func explain(trace: Trace, query: String, style: NumberStyle) throws(FileError) -> String {
    try explanation(trace: trace, query: query, style: style).text
}

/// What `explain` prints for one number, and the value its derivation recomputed from the operands.
public struct Explanation: Sendable, Equatable {
    /// The lines `explain` prints, joined by newlines.
    public var text: String
    /// The recomputed value that was checked against the recorded one; `nil` for numbers that are
    /// given rather than computed (the input, weights, biases).
    public var recomputed: Double?
}

/// `explain`'s lines for one number together with the value they recompute (see `explain`).
public func explanation(trace: Trace, query: String, style: NumberStyle) throws(FileError) -> Explanation {
    var e = try Explainer(trace: trace, query: query, style: style)
    try e.run()
    return Explanation(text: e.lines.joined(separator: "\n"), recomputed: e.checked.value)
}

/// The last value `check` compared, kept aside so the explainer's methods stay non-mutating there.
final class CheckedValue {
    var value: Double?
}

struct Explainer {
    let trace: Trace
    let style: NumberStyle
    let query: String
    let layer: String
    let role: TraceRole
    let index: [Int]
    let record: TraceRecord
    var lines: [String] = []
    let checked = CheckedValue()

    init(trace: Trace, query: String, style: NumberStyle) throws(FileError) {
        self.trace = trace
        self.style = style
        self.query = query
        func fail(_ m: String) -> FileError { FileError(file: "query", field: query, m) }
        let q = query.filter { !$0.isWhitespace }
        var head = Substring(q)
        var idx: [Int] = []
        if let open = q.firstIndex(of: "[") {
            guard q.hasSuffix("]") else { throw fail("expected LAYER.ROLE[i,j,…], e.g. conv1.output[0,1,1]") }
            head = q[..<open]
            let inner = q[q.index(after: open)..<q.index(before: q.endIndex)]
            for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
                guard let v = Int(part), v >= 0 else { throw fail("'\(part)' is not an index (a whole number ≥ 0)") }
                idx.append(v)
            }
        }
        var layer: String, roleName: String
        if head == "loss" {
            layer = "loss"; roleName = TraceRole.output.rawValue
        } else if let dot = head.lastIndex(of: ".") {
            layer = String(head[..<dot]); roleName = String(head[head.index(after: dot)...])
        } else {
            throw fail("expected LAYER.ROLE[i,j,…], e.g. conv1.output[0,1,1], or loss")
        }
        let layers = trace.records.reduce(into: [String]()) { if !$0.contains($1.layer) { $0.append($1.layer) } }
        guard layers.contains(layer) else {
            throw fail("no layer '\(layer)' in the trace (it has: \(layers.joined(separator: ", ")))")
        }
        guard let role = TraceRole(rawValue: roleName), let rec = trace.record(layer, role) else {
            let roles = trace.records.filter { $0.layer == layer }.map(\.role.rawValue)
            throw fail("layer '\(layer)' has no '\(roleName)' (it has: \(roles.joined(separator: ", ")))")
        }
        if rec.shape.isEmpty && idx == [0] { idx = [] }
        guard idx.count == rec.shape.count, zip(idx, rec.shape).allSatisfy({ $0 < $1 }) else {
            let example = "[" + rec.shape.map { _ in "0" }.joined(separator: ",") + "]"
            throw fail("\(layer).\(role) has shape \(ShapeText.list(rec.shape)); give one index per dimension, each below its size, e.g. \(layer).\(role)\(example)")
        }
        self.layer = layer
        self.role = role
        self.index = idx
        self.record = rec
    }

    // MARK: formatting

    /// A number in the chosen style; whole numbers (the article's ±1 pixels, sums of them) plainly.
    func n(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), abs(x) < 1e15 {
            let s = String(Int64(x))
            return s.hasPrefix("-") ? "\u{2212}" + s.dropFirst() : s
        }
        return formatNumber(x, style)
    }
    /// A result, always in the chosen style.
    func r(_ x: Double) -> String { formatNumber(x, style) }

    /// Grids side by side, right-aligned columns, with titles.
    func grids(_ titled: [(String, [[String]])]) -> [String] {
        let widths = titled.map { t in max(t.0.count, t.1.map { row in row.map(\.count).reduce(0, +) + max(0, row.count - 1) }.max() ?? 0) }
        let cellWidth = titled.map { t in t.1.flatMap { $0 }.map(\.count).max() ?? 1 }
        let height = titled.map(\.1.count).max() ?? 0
        var out: [String] = ["    " + zip(titled, widths).map { padRight($0.0.0, $0.1) }.joined(separator: "    ")]
        for row in 0..<height {
            var parts: [String] = []
            for (k, t) in titled.enumerated() {
                let cells = row < t.1.count ? t.1[row].map { padLeft($0, cellWidth[k]) }.joined(separator: " ") : ""
                parts.append(padRight(cells, widths[k]))
            }
            out.append("    " + parts.joined(separator: "    "))
        }
        return out.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
    }


    /// A conv's padding as written in the model file: `1`, `[1, 2]`, or the sides of `same`.
    func padText(_ c: ConvSpec) -> String {
        let p = c.pads
        if p.top == p.bottom && p.left == p.right { return p.top == p.left ? "\(p.top)" : "[\(p.top), \(p.left)]" }
        return "same: top \(p.top), left \(p.left), bottom \(p.bottom), right \(p.right)"
    }

    func check(_ recomputed: Double) -> String {
        checked.value = recomputed
        let recorded = record.data[record.tensor.offset(index)]
        if isClose(recomputed, recorded, rtol: 1e-9, atol: 1e-12) {
            return "  ✓ recomputed \(r(recomputed)), the recorded value"
        }
        return "  ✗ recomputed \(r(recomputed)), but the trace records \(r(recorded)) (was the trace edited?)"
    }

    func rec(_ layer: String, _ role: TraceRole) throws(FileError) -> TraceRecord {
        guard let x = trace.record(layer, role) else {
            throw FileError(file: "query", field: query, "the trace has no \(layer).\(role), which this explanation needs")
        }
        return x
    }

    var spec: LayerSpec? { trace.model.layers.first { $0.name == layer } }
    var layerIndex: Int? { trace.model.layers.firstIndex { $0.name == layer } }

    // MARK: dispatch

    mutating func run() throws(FileError) {
        let value = record.data[record.tensor.offset(index)]
        lines.append("\(layer == "loss" ? "loss" : "\(layer).\(role)\(ShapeText.index(index))") = \(r(value))")
        if layer == "loss" { return try loss() }
        guard let spec else { throw FileError(file: "query", field: query, "layer '\(layer)' is not in the trace's model") }
        if [.output, .gradOutput, .gradInput].contains(role), let shapes = try? trace.model.shapes(),
           let li = layerIndex, record.shape != shapes[li + 1], record.shape != shapes[li] {
            throw FileError(file: "query", field: query, "explanations work on one-sample traces; this record has shape \(ShapeText.list(record.shape))")
        }
        switch (spec.kind, role) {
        case (_, .input):
            if let li = layerIndex, li > 0 {
                lines.append("  the input of \(layer) is the output of \(trace.model.layers[li - 1].name): \(trace.model.layers[li - 1].name).output\(ShapeText.index(index))")
            } else {
                lines.append("  the network's input image, as read from the input file")
            }
        case (_, .weight), (_, .bias):
            lines.append("  a parameter of \(layer): given in the weights file, or drawn from the seeded initialization")
        case (.conv(let c), .output): try convOutput(c)
        case (.maxpool(let p), .output): try poolOutput(p)
        case (.relu, .output):
            let x = try rec(layer, .input).data[record.tensor.offset(index)]
            lines.append("  relu keeps positive values and replaces negative ones by 0:")
            lines.append("  max(0, \(n(x))) = \(r(max(0, x)))   (\(layer).input\(ShapeText.index(index)) = \(n(x)))")
            lines.append(check(x > 0 ? x : 0))
        case (.dense(let d), .output): try denseOutput(d)
        case (_, .gradOutput): try gradOutput()
        case (.conv(let c), .gradWeight): try convGradWeight(c)
        case (.conv, .gradBias):
            let g = try rec(layer, .gradOutput).tensor
            let o = index[0]
            let terms = (0..<(g.shape[1] * g.shape[2])).map { g.data[o * g.shape[1] * g.shape[2] + $0] }
            lines.append("  grad_bias[o] = Σ_{i,j} grad_output[o,i,j]: the bias is added at every position of feature map \(o)")
            lines.append("  = " + terms.filter { $0 != 0 }.map(n).joined(separator: " + ").ifEmpty("0") + "  (zero terms left out)")
            lines.append(check(terms.reduce(0, +)))
        case (.conv(let c), .gradInput): try convGradInput(c)
        case (.dense, .gradWeight):
            let g = try rec(layer, .gradOutput).data, x = try rec(layer, .input).data
            let (u, i) = (index[0], index[1])
            lines.append("  grad_weight[u,i] = grad_output[u] · input[i]  (input flattened in [C, H, W] order)")
            lines.append("  = \(n(g[u])) × \(n(x[i])) = \(r(g[u] * x[i]))")
            lines.append(check(g[u] * x[i]))
        case (.dense, .gradBias):
            let g = try rec(layer, .gradOutput).data
            lines.append("  grad_bias[u] = grad_output[u] = \(r(g[index[0]]))")
            lines.append(check(g[index[0]]))
        case (.dense, .gradInput):
            let g = try rec(layer, .gradOutput).data, w = try rec(layer, .weight).tensor
            let i = record.tensor.offset(index)
            lines.append("  grad_input[i] = Σ_u weight[u,i] · grad_output[u]  (i = \(i) in the flattened input)")
            var sum = 0.0
            for u in 0..<w.shape[0] {
                let p = w[u, i] * g[u]
                sum += p
                lines.append("    u = \(u): \(n(w[u, i])) × \(n(g[u])) = \(n(p))")
            }
            lines.append("  sum = \(r(sum))")
            lines.append(check(sum))
        case (.relu, .gradInput):
            let y = try rec(layer, .output).data[record.tensor.offset(index)]
            let g = try rec(layer, .gradOutput).data[record.tensor.offset(index)]
            lines.append("  relu passes the gradient where its output is > 0, and blocks it elsewhere:")
            lines.append(y > 0
                ? "  output\(ShapeText.index(index)) = \(n(y)) > 0, so grad_input = grad_output\(ShapeText.index(index)) = \(r(g))"
                : "  output\(ShapeText.index(index)) = \(n(y)) is not > 0, so grad_input = 0 (grad_output was \(n(g)))")
            lines.append(check(y > 0 ? g : 0))
        case (.maxpool(let p), .gradInput): try poolGradInput(p)
        default:
            if try explainLayer(spec.kind) { return }
            let roles = trace.records.filter { $0.layer == layer }.map(\.role.rawValue)
            throw FileError(file: "query", field: query, "no explanation for \(spec.kind.typeName) \(role) (this layer has: \(roles.joined(separator: ", ")))")
        }
    }

    // MARK: forward

    mutating func convOutput(_ c: ConvSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor, w = try rec(layer, .weight).tensor
        let bias = c.bias ? trace.record(layer, .bias)?.tensor : nil
        let d = c.derivation(input: x, weight: w, bias: bias, filter: index[0], row: index[1], col: index[2])
        let (s, dil, pads) = (c.stride, c.dilation, c.pads)
        let padded = pads.top > 0 || pads.left > 0 || pads.bottom > 0 || pads.right > 0
        lines.append("  feature \(d.filter) of \(layer) laid over the \(c.kernelH)×\(c.kernelW) patch at rows \(d.top)…\(d.top + c.span.h - 1), columns \(d.left)…\(d.left + c.span.w - 1) of the input"
                     + " (stride \(s), padding \(padText(c))\(dil > 1 ? ", dilation \(dil): the taps are \(dil) rows and columns apart" : "")"
                     + "\(padded ? "; rows/columns outside the image are 0" : "")):")
        let perChannel = c.kernelH * c.kernelW
        for ch in 0..<x.shape[0] {
            func rows(_ text: (Int) -> String) -> [[String]] {
                (0..<c.kernelH).map { a in (0..<c.kernelW).map { b in text(ch * perChannel + a * c.kernelW + b) } }
            }
            if x.shape[0] > 1 { lines.append("  input channel \(ch):") }
            lines += grids([("patch", rows { d.inside[$0] ? n(d.patch[$0]) : "(0)" }), ("feature", rows { n(d.weights[$0]) }),
                            ("products", rows { n(d.products[$0]) })])
        }
        lines.append("  sum of the \(d.products.count) products = \(n(d.sum))")
        var value = d.sum
        if let divisor = d.divisor {
            value = d.sum / Double(divisor)
            lines.append("  divide by the \(divisor) pixels in the feature: \(n(d.sum)) / \(divisor) = \(r(value))")
        }
        if let b = d.bias {
            lines.append("  plus bias[\(d.filter)] = \(n(b)): \(r(value)) + \(n(b)) = \(r(d.value))")
        }
        lines.append(check(d.value))
    }

    mutating func poolOutput(_ p: PoolSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor
        let (ch, i, j) = (index[0], index[1], index[2])
        let windows = PoolWindows(p, height: x.shape[1], width: x.shape[2])
        let (rows, cols) = (windows.rows(i), windows.cols(j))
        let at = windows.winner(i, j, channel: ch, in: x.data)
        let (ya, xa) = (i * p.stride, j * p.stride)
        lines.append("  the \(p.size)×\(p.size) window at rows \(ya)…\(ya + p.size - 1), columns \(xa)…\(xa + p.size - 1) of \(layer).input channel \(ch) (stride \(p.stride))")
        if windows.isPartial(i, j) {
            lines.append("  the window hangs over the edge: only the \(rows.count)×\(cols.count) values that exist take part")
        }
        let grid = rows.map { yy in cols.map { xx in (yy, xx) == at ? "[\(n(x[ch, yy, xx]))]" : n(x[ch, yy, xx]) } }
        lines += grids([("window", grid)])
        let best = x[ch, at.row, at.col]
        lines.append("  the largest value, \(r(best)), at input\(ShapeText.index([ch, at.row, at.col])), wins (ties go to the first in reading order)")
        lines.append(check(best))
    }

    mutating func denseOutput(_ d: DenseSpec) throws(FileError) {
        let xr = try rec(layer, .input), w = try rec(layer, .weight).tensor
        let u = index[0]
        lines.append("  unit \(u) of \(layer): every input value times its weight, then the sum (input flattened in [C, H, W] order)")
        var sum = 0.0
        for i in 0..<w.shape[1] {
            let p = w[u, i] * xr.data[i]
            sum += p
            let where_ = xr.shape.count > 1 ? " (input\(ShapeText.index(multiIndex(i, shape: xr.shape))))" : ""
            lines.append("    weight[\(u),\(i)] × input[\(i)]\(where_) = \(n(w[u, i])) × \(n(xr.data[i])) = \(n(p))")
        }
        lines.append("  sum of the \(w.shape[1]) products = \(r(sum))")
        var value = sum
        if d.bias, let b = trace.record(layer, .bias)?.data[u] {
            lines.append("  plus bias[\(u)] = \(n(b)): \(r(sum)) + \(n(b)) = \(r(sum + b))")
            value += b
        }
        lines.append(check(value))
    }

    // MARK: loss

    /// The target class: the trace's own, or for a trace without one, read back from the loss
    /// gradient: for mse `t = y − grad · K / 2`, for cross-entropy the one class whose gradient
    /// `softmax − 1` is negative.
    func target(y: [Double], g: [Double]) -> Int? {
        if let t = trace.target { return t }
        switch trace.model.loss {
        case .mse:
            let k = Double(y.count)
            return y.indices.first { abs(y[$0] - g[$0] * k / 2 - 1) < 1e-6 }
        case .crossEntropy, .nll:
            return g.indices.first { g[$0] < 0 }
        }
    }

    func lastOutput() throws(FileError) -> (name: String, y: [Double], g: [Double]) {
        guard let last = trace.model.layers.last?.name else { throw FileError(file: "query", field: query, "the model has no layers") }
        return (last, try rec(last, .output).data, try rec(last, .gradOutput).data)
    }

    mutating func loss() throws(FileError) {
        let (last, y, g) = try lastOutput()
        let t = target(y: y, g: g)
        let names = trace.model.classNames
        let tName = t.map { $0 < names.count ? "\($0) (\(names[$0]))" : "\($0)" } ?? "?"
        switch trace.model.loss {
        case .mse:
            let k = y.count
            lines.append("  mse: the mean over the \(k) outputs of (y − t)², y = \(last).output, t = one-hot of target class \(tName)")
            var sum = 0.0
            for c in 0..<k {
                let tv: Double = c == t ? 1 : 0
                sum += (y[c] - tv) * (y[c] - tv)
                lines.append("    (\(n(y[c])) − \(n(tv)))² = \(n((y[c] - tv) * (y[c] - tv)))")
            }
            lines.append("  sum = \(r(sum)); \(r(sum)) / \(k) = \(r(sum / Double(k)))")
            lines.append(check(sum / Double(k)))
        case .crossEntropy:
            let p = softmax(y)
            lines.append("  cross-entropy: softmax turns \(last).output into probabilities p[k] = exp(y[k]) / Σ_j exp(y[j]):")
            for c in y.indices { lines.append("    y[\(c)] = \(n(y[c]))  →  p[\(c)] = \(r(p[c]))") }
            guard let t else { lines.append("  (the target class cannot be read back from the trace)"); return }
            let m = y.max() ?? 0
            let value = m + log(y.reduce(0) { $0 + exp($1 - m) }) - y[t]
            lines.append("  loss = −log p[target] with target class \(tName): −log \(r(p[t])) = \(r(value))")
            lines.append(check(value))
        case .nll:
            lines.append("  nll: \(last).output holds log-probabilities; the loss is minus the one of the target class")
            guard let t else { lines.append("  (the target class cannot be read back from the trace)"); return }
            lines.append("  loss = −y[target] with target class \(tName): −(\(n(y[t]))) = \(r(-y[t]))")
            lines.append(check(-y[t]))
        }
    }

    mutating func gradOutput() throws(FileError) {
        guard let li = layerIndex else { return }
        let g = record.data[record.tensor.offset(index)]
        if li + 1 < trace.model.layers.count {
            let next = trace.model.layers[li + 1].name
            let v = try rec(next, .gradInput).data[record.tensor.offset(index)]
            lines.append("  the gradient flowing back into \(layer)'s output is what the next layer passes back:")
            lines.append("  = \(next).grad_input\(ShapeText.index(index)) = \(r(v))")
            lines.append(check(v))
            return
        }
        let y = try rec(layer, .output).data
        let k = index[0]
        let t = target(y: y, g: record.data)
        let tv: Double = k == t ? 1 : 0
        switch trace.model.loss {
        case .mse:
            let v = 2 * (y[k] - tv) / Double(y.count)
            lines.append("  the loss derivative for mse: ∂L/∂y[k] = 2 (y[k] − t[k]) / K with K = \(y.count) outputs")
            lines.append("  = 2 × (\(n(y[k])) − \(n(tv))) / \(y.count) = \(r(v))")
            lines.append(check(v))
        case .crossEntropy:
            let p = softmax(y)
            lines.append("  the loss derivative for cross-entropy: ∂L/∂y[k] = softmax(y)[k] − t[k] (t one-hot of the target)")
            lines.append("  = \(r(p[k])) − \(n(tv)) = \(r(p[k] - tv))")
            lines.append(check(p[k] - tv))
        case .nll:
            lines.append("  the loss derivative for nll: ∂L/∂y[k] = −t[k] (t one-hot of the target): −1 at the target, 0 elsewhere")
            lines.append("  = −\(n(tv)) = \(r(-tv))")
            lines.append(check(-tv))
        }
        _ = g
    }

    // MARK: conv gradients

    mutating func convGradWeight(_ c: ConvSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor, g = try rec(layer, .gradOutput).tensor
        let (o, ch, a, b) = (index[0], index[1], index[2], index[3])
        let nDiv = c.normalize ? x.shape[0] * c.kernelH * c.kernelW : 1
        let (top, left, d) = (c.pads.top, c.pads.left, c.dilation)
        let tap = d == 1 ? "a" : "a·\(d)", tapB = d == 1 ? "b" : "b·\(d)"
        lines.append("  grad_weight[o,c,a,b] = Σ_{i,j} grad_output[o,i,j] · input[c, i·\(c.stride)+\(tap)−\(top), j·\(c.stride)+\(tapB)−\(left)]"
                     + (c.normalize ? " / \(nDiv)" : ""))
        lines.append("  every position (i, j) where weight [\(a),\(b)] of feature \(o) met an input pixel; non-zero terms:")
        var sum = 0.0, zeros = 0
        for i in 0..<g.shape[1] {
            for j in 0..<g.shape[2] {
                let yy = i * c.stride + a * d - top, xx = j * c.stride + b * d - left
                let inside = yy >= 0 && yy < x.shape[1] && xx >= 0 && xx < x.shape[2]
                let xv = inside ? x[ch, yy, xx] : 0
                let gv = g[o, i, j]
                let term = gv * xv / Double(nDiv)
                sum += term
                if term == 0 { zeros += 1; continue }
                lines.append("    (i,j) = (\(i),\(j)): \(n(gv)) × \(n(xv))\(c.normalize ? " / \(nDiv)" : "") = \(r(term))   (input\(ShapeText.index([ch, yy, xx])))")
            }
        }
        lines.append("  \(zeros) term(s) are zero (a zero gradient, a zero pixel or padding)")
        lines.append("  sum = \(r(sum))")
        lines.append(check(sum))
    }

    mutating func convGradInput(_ c: ConvSpec) throws(FileError) {
        let w = try rec(layer, .weight).tensor, g = try rec(layer, .gradOutput).tensor
        let (ch, y, x) = (index[0], index[1], index[2])
        let nDiv = c.normalize ? w.shape[1] * c.kernelH * c.kernelW : 1
        lines.append("  grad_input[c,y,x] = Σ weight[o,c,a,b] · grad_output[o,i,j]\(c.normalize ? " / \(nDiv)" : "") over every feature o and"
                     + " every position (i, j) whose window puts weight (a, b) on pixel (\(y), \(x)); non-zero terms:")
        var sum = 0.0, zeros = 0
        for o in 0..<w.shape[0] {
            for a in 0..<c.kernelH {
                for b in 0..<c.kernelW {
                    let ni = y + c.pads.top - a * c.dilation, nj = x + c.pads.left - b * c.dilation
                    guard ni >= 0, nj >= 0, ni % c.stride == 0, nj % c.stride == 0 else { continue }
                    let (i, j) = (ni / c.stride, nj / c.stride)
                    guard i < g.shape[1], j < g.shape[2] else { continue }
                    let term = w[o, ch, a, b] * g[o, i, j] / Double(nDiv)
                    sum += term
                    if term == 0 { zeros += 1; continue }
                    lines.append("    o=\(o) (i,j)=(\(i),\(j)) (a,b)=(\(a),\(b)): \(n(w[o, ch, a, b])) × \(n(g[o, i, j]))\(c.normalize ? " / \(nDiv)" : "") = \(r(term))")
                }
            }
        }
        lines.append("  \(zeros) more term(s) are zero")
        lines.append("  sum = \(r(sum))")
        lines.append(check(sum))
    }

    mutating func poolGradInput(_ p: PoolSpec) throws(FileError) {
        let x = try rec(layer, .input).tensor, g = try rec(layer, .gradOutput).tensor
        let (ch, y, xx0) = (index[0], index[1], index[2])
        let windows = PoolWindows(p, height: x.shape[1], width: x.shape[2])
        lines.append("  max pooling sends each window's gradient to the one cell that won it; every other cell gets 0")
        var sum = 0.0, won: [String] = []
        for (i, j) in windows.outputs(covering: y, xx0) {
            let at = windows.winner(i, j, channel: ch, in: x.data)
            if at == (y, xx0) {
                sum += g[ch, i, j]
                won.append("output\(ShapeText.index([ch, i, j])) (grad_output \(n(g[ch, i, j])))")
            } else {
                lines.append("    in window output\(ShapeText.index([ch, i, j])) the cell lost to input\(ShapeText.index([ch, at.row, at.col])) = \(n(x[ch, at.row, at.col])): gets 0 from it")
            }
        }
        if won.isEmpty {
            lines.append("  input\(ShapeText.index(index)) = \(n(x[ch, y, xx0])) won no window, so its gradient is 0")
        } else {
            lines.append("  input\(ShapeText.index(index)) = \(n(x[ch, y, xx0])) won " + won.joined(separator: ", ") + "; sum = \(r(sum))")
        }
        lines.append(check(sum))
    }
}

private extension String {
    func ifEmpty(_ s: String) -> String { isEmpty ? s : self }
}
