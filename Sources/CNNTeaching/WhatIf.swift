// What-if: change pixels or weights (or take one learning step), trace before and after with the
// engine, and list every number that moved. The comparison is `traceDifferences` from CNNAnalysis,
// the same rule `cnn-explain diff` uses; nothing here recomputes the network's math.

import CNNInputs
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles

/// One change to make before tracing again.
public enum WhatIfChange: Sendable, Equatable {
    /// Flip the pixel at `row`, `col` (counted from 1, as the lessons show them): `x → −x`, in
    /// every channel.
    case flip(row: Int, col: Int)
    /// Set one element of a parameter, e.g. `conv1.weight` at `[0,0,1,1]`, to `value`.
    case set(parameter: String, index: [Int], value: Double)

    /// Parses `ROW,COL` (from 1), e.g. `3,4`.
    public static func parseFlip(_ text: String) throws(FileError) -> WhatIfChange {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let r = parts[0], let c = parts[1], r >= 1, c >= 1 else {
            throw FileError(file: "--flip", field: text, "expected ROW,COL counted from 1, e.g. --flip 3,4")
        }
        return .flip(row: r, col: c)
    }

    /// Parses `LAYER.weight[i,j,k,l]=V` or `LAYER.bias[i]=V`.
    public static func parseSet(_ text: String) throws(FileError) -> WhatIfChange {
        let fail = FileError(file: "--set", field: text, "expected LAYER.weight[i,j,k,l]=VALUE, e.g. conv1.weight[0,0,1,1]=-1")
        let t = text.filter { !$0.isWhitespace }
        guard let eq = t.lastIndex(of: "="), let open = t.firstIndex(of: "["), let close = t.firstIndex(of: "]"),
              open < close, close < eq, let value = Double(t[t.index(after: eq)...]), value.isFinite else { throw fail }
        let name = String(t[..<open])
        guard name.hasSuffix(".weight") || name.hasSuffix(".bias") else { throw fail }
        var index: [Int] = []
        for part in t[t.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false) {
            guard let i = Int(part), i >= 0 else { throw fail }
            index.append(i)
        }
        return .set(parameter: name, index: index, value: value)
    }

    /// The change in words, e.g. "flip the pixel at row 3, column 4".
    public var description: String {
        switch self {
        case let .flip(r, c): return "flip the pixel at row \(r), column \(c)"
        case let .set(p, i, v): return "set \(p)[\(i.map(String.init).joined(separator: ","))] to \(formatCount(v, .full))"
        }
    }
}

/// What `cnn-explain whatif` needs: the network and input files, the changes, and optionally one
/// learning step.
public struct WhatIfRequest: Sendable {
    public var model: String
    public var weights: String?
    public var input: String
    /// A class index or name; with it, both traces include the loss and every gradient.
    public var target: String?
    public var seed: UInt64
    public var changes: [WhatIfChange]
    /// Another input file to trace instead of `input` (before any flips), e.g. a deformed X against the X.
    public var otherInput: String?
    /// When set, after the changes, one SGD step `w ← w − lr·g` on the changed input and the target.
    public var learningRate: Double?

    public init(model: String, weights: String?, input: String, target: String? = nil, seed: UInt64 = 0,
                changes: [WhatIfChange], otherInput: String? = nil, learningRate: Double? = nil) {
        self.model = model; self.weights = weights; self.input = input; self.target = target; self.seed = seed
        self.otherInput = otherInput
        self.changes = changes; self.learningRate = learningRate
    }

    /// Traces the input through the network as given, then the changed input through the changed
    /// network (after one engine SGD step with `learningRate`), and compares the two traces.
    /// - Throws: `FileError` naming the file or option at fault.
    public func run() throws(FileError) -> WhatIfResult {
        var network = try loadNetwork(model: model, weights: weights, seed: seed)
        let x = try InputFile.load(input, expecting: network.shapes[0])
        let t = try target.map { s throws(FileError) in try parseTarget(s, classes: network.model.classNames) }
        if learningRate != nil && t == nil {
            throw FileError(file: "--lr", "a learning step needs a right answer: give --target")
        }
        guard !changes.isEmpty || learningRate != nil || otherInput != nil else {
            throw FileError(file: "whatif", "nothing to change: give --flip, --set, --to or --lr")
        }
        let before = network.trace(input: x, target: t)
        var changed = try otherInput.map { p throws(FileError) in try InputFile.load(p, expecting: network.shapes[0]) } ?? x
        for change in changes {
            switch change {
            case let .flip(r, c): try flip(&changed, row: r, col: c)
            case let .set(p, i, v): try set(&network, parameter: p, index: i, value: v)
            }
        }
        if let lr = learningRate, let t {
            network.takeStep(input: changed, target: t, learningRate: lr)
        }
        let after = network.trace(input: changed, target: t)
        return WhatIfResult(changes: changes, otherInput: otherInput, learningRate: learningRate, before: before, after: after,
                            differences: traceDifferences(before, after))
    }

    private func flip(_ x: inout Tensor, row: Int, col: Int) throws(FileError) {
        let (h, w) = (x.shape[1], x.shape[2])
        guard row <= h, col <= w else {
            throw FileError(file: "--flip", field: "\(row),\(col)", "the input is \(h)×\(w); rows 1…\(h), columns 1…\(w)")
        }
        for c in 0..<x.shape[0] {
            let k = (c * h + row - 1) * w + col - 1
            x.data[k] = -x.data[k]
        }
    }

    private func set(_ network: inout Network, parameter: String, index: [Int], value: Double) throws(FileError) {
        guard let p = network.parameters.firstIndex(where: { $0.name == parameter }) else {
            let names = network.parameters.map(\.name).joined(separator: ", ")
            throw FileError(file: "--set", field: parameter, "the model has no such parameter (it has: \(names))")
        }
        let tensor = network.parameters[p].tensor
        guard index.count == tensor.shape.count, zip(index, tensor.shape).allSatisfy({ $0 < $1 }) else {
            throw FileError(file: "--set", field: parameter, "has shape \(ShapeText.list(tensor.shape)); give one index per dimension, each below its size")
        }
        var data = tensor.data
        data[tensor.offset(index)] = value
        network.setParameter(p, data: data)
    }
}

extension Network {
    /// One engine SGD step on one sample: forward, loss, backward, `SGD.step` (no momentum).
    mutating func takeStep(input: Tensor, target: Int, learningRate: Double) {
        let ws = Workspace(network: self, batch: 1)
        ws.setInput(input.data)
        forward(ws)
        _ = loss(ws, targets: [target])
        backward(ws)
        var sgd = SGD(learningRate: learningRate)
        sgd.step(&self, ws)
    }
}
