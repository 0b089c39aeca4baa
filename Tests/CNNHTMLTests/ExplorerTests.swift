import CNNInputs
import CNNAnalysis
import CNNCore
import CNNFigures
import CNNFiles
import CNNHTML
import Foundation
import TestSupport
import Testing

private let root = Fixtures.packageRoot.path

private func golden(_ name: String) throws -> Trace {
    try TraceFile.load(root + "/Tests/Fixtures/golden/\(name).trace.json")
}

@Suite struct ExplorerTests {
    /// Every number shown has explain's derivation, and each derivation recomputes the recorded value
    /// (to explain's own tolerance, `isClose` with rtol 1e-9, atol 1e-12).
    @Test(arguments: ["xo_x", "mixed"]) func everyNumberHasItsDerivation(name: String) throws {
        let trace = try golden(name)
        let e = try Explorer.build(from: trace, name: name, style: .standard)
        for r in e.records {
            #expect(r.derivations.count == r.data.count && r.recomputed.count == r.data.count && r.shown.count == r.data.count)
            let given = ["input", "weight", "bias"].contains(r.role)
            for (k, value) in r.data.enumerated() {
                if given {
                    #expect(r.recomputed[k] == nil, "\(r.key)")
                } else {
                    let v = try #require(r.recomputed[k], "\(r.key)[\(k)] has no recomputed value")
                    #expect(isClose(v, value, rtol: 1e-9, atol: 1e-12), "\(r.key)[\(k)]: \(v) vs \(value)")
                }
            }
            let query = r.layer == "loss" ? "loss" : "\(r.key)[\(multiIndex(0, shape: r.shape).map(String.init).joined(separator: ","))]"
            #expect(r.derivations[0] == (try explain(trace: trace, query: query, style: .standard)))
        }
        // Nothing repeated: later layers' inputs and earlier layers' grad_output are left out.
        #expect(!e.records.contains { $0.role == "input" && $0.layer != trace.model.layers[0].name })
        #expect(e.records.filter { $0.role == "grad_output" }.count == 1)
    }

    /// The flipped forward pass is the engine's, on the input with its centre value negated.
    @Test func flipIsTheEnginesForwardPass() throws {
        let net = try loadNetwork(model: root + "/lessons/models/xo.json", weights: root + "/lessons/models/xo.weights.json")
        var x = try InputFile.load(root + "/lessons/inputs/x.txt", expecting: net.shapes[0])
        let e = try Explorer.build(from: net.trace(input: x, target: 0), name: "x", style: .article)
        let flip = try #require(e.flip)
        #expect(flip.index == [0, 4, 4])
        x.data[40] = -x.data[40]
        let t = net.trace(input: x, target: nil)
        for layer in net.model.layers {
            #expect(flip.outputs[layer.name] == t.record(layer.name, .output)?.data, "\(layer.name)")
        }
        // The pooling windows are the engine's: 7 → 4 in ceil mode, the last one hanging over the edge.
        let pool = try #require(e.layers.first { $0.name == "pool1" })
        #expect(pool.rows == [[0, 2], [2, 4], [4, 6], [6, 7]])
        #expect(e.layers.first { $0.name == "conv1" }?.divisor == 9)
    }

    @Test func pageIsDeterministicAndEscapesText() throws {
        let e = try Explorer.build(from: try golden("xo_x"), name: "a<b>&\"c\"", style: .standard)
        let page = HTMLPage(title: "T <script>", explorer: e)
        let a = try page.html(), b = try page.html()
        #expect(a == b)
        #expect(a.contains("T &lt;script&gt;"))
        #expect(!a.contains("a<b>"))
        #expect(a.contains("selftest"))
        #expect(HTML.el("p", ["title": "\"x\""], .text("1 < 2 & 3")).rendered == "<p title=\"&quot;x&quot;\">1 &lt; 2 &amp; 3</p>")
    }
}
