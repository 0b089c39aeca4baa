import CNNAnalysis
import CNNCore
import CNNFigures

/// The two traces of a what-if and every number that differs between them.
public struct WhatIfResult: Sendable {
    public var changes: [WhatIfChange]
    /// The other input traced instead of the first, if any.
    public var otherInput: String?
    public var learningRate: Double?
    /// The input through the network as given.
    public var before: Trace
    /// The changed input through the changed (or stepped) network.
    public var after: Trace
    /// Every element that differs, array by array (`traceDifferences(before, after)`).
    public var differences: [ArrayDifferences]

    /// The last layer's outputs (the votes) before and after.
    public var votes: (before: [Double], after: [Double]) {
        let last = before.model.layers.last?.name ?? ""
        return (before.record(last, .output)?.data ?? [], after.record(last, .output)?.data ?? [])
    }

    /// How many numbers changed, over all arrays.
    public var changedCount: Int { differences.map(\.elements.count).reduce(0, +) }

    /// The report: the changes, then layer by layer every number that changed (old → new, and the
    /// change), then the votes before and after. A later layer's `input` is its previous layer's
    /// `output`; it is named, not listed twice.
    public func report(style: NumberStyle) -> String {
        var lines = ["what if we " + describeChanges() + "?"]
        lines.append("\(changedCount) numbers changed in \(differences.count) arrays (the same comparison as cnn-explain diff):")
        let layers = before.model.layers.map(\.name)
        var previousOutput: [String: ArrayDifferences] = [:]
        for (li, layer) in layers.enumerated() {
            for d in differences where d.layer == layer {
                if d.pass == .forward, d.role == .input, li > 0, let prev = previousOutput[layers[li - 1]],
                   prev.elements == d.elements {
                    lines.append("\(d.name): the same \(d.elements.count) changes as \(layers[li - 1]).output above")
                    continue
                }
                lines.append("\(d.name) (\(d.elements.count) of \(d.shape.reduce(1, *)) changed):")
                lines += d.elements.map { "  " + elementLine($0, shape: d.shape, style: style) }
                if d.pass == .forward, d.role == .output { previousOutput[layer] = d }
            }
        }
        for d in differences where !layers.contains(d.layer) {
            lines.append("\(d.layer == "loss" ? "the loss (the error)" : d.name):")
            lines += d.elements.map { "  " + elementLine($0, shape: d.shape, style: style) }
        }
        lines += voteLines(style: style)
        return lines.joined(separator: "\n")
    }

    func describeChanges() -> String {
        var parts = otherInput.map { ["use \($0) instead"] } ?? []
        parts += changes.map(\.description)
        if let lr = learningRate { parts.append("take one learning step with learning rate \(formatNumber(lr, .full))") }
        return parts.joined(separator: ", ")
    }

    func elementLine(_ e: ArrayDifferences.Element, shape: [Int], style: NumberStyle) -> String {
        let index = "[" + e.index.map(String.init).joined(separator: ",") + "]"
        var place = ""
        if shape.count == 3 {
            place = " (map \(e.index[0] + 1), row \(e.index[1] + 1), column \(e.index[2] + 1))"
        }
        let whole = e.a == e.a.rounded() && e.b == e.b.rounded()
        func show(_ x: Double) -> String { whole ? formatCount(x, style) : formatNumber(x, style) }
        return "\(index)\(place): \(show(e.a)) → \(show(e.b)) (\(whole ? signed(e.change, style) : signedNumber(e.change, style)))"
    }

    func voteLines(style: NumberStyle) -> [String] {
        let (a, b) = votes
        let names = before.model.classNames
        guard !a.isEmpty, a.count == b.count else { return [] }
        func name(_ k: Int) -> String { k < names.count ? names[k] : "\(k)" }
        var lines = ["votes before → after:"]
        for k in a.indices {
            lines.append("  \(name(k)): \(formatNumber(a[k], style)) → \(formatNumber(b[k], style)) (\(signedNumber(b[k] - a[k], style)))")
        }
        let winA = a.indices.max { a[$0] < a[$1] } ?? 0, winB = b.indices.max { b[$0] < b[$1] } ?? 0
        lines.append(winA == winB ? "  \(name(winA)) still wins" : "  the winner changes from \(name(winA)) to \(name(winB))")
        return lines
    }
}

/// `+2`, `−0.25`: a change with its sign; whole numbers without decimals.
func signed(_ x: Double, _ style: NumberStyle) -> String {
    let text = formatCount(x, style)
    return x > 0 && !text.allSatisfy({ $0 == "0" || $0 == "." }) ? "+" + text : text
}

/// `+0.25`, `−0.25`, or `0.00`: a change with its sign, always in `style`.
func signedNumber(_ x: Double, _ style: NumberStyle) -> String {
    let text = formatNumber(x, style)
    return x > 0 && !text.allSatisfy({ $0 == "0" || $0 == "." }) ? "+" + text : text
}
