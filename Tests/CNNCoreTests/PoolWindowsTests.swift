import Testing
@testable import CNNCore

/// `PoolWindows`: output sizes, clipped windows and winners, and agreement with the engine.
@Suite struct PoolWindowsTests {
    /// The output length counted window by window, in padded coordinates: every window that fits
    /// in the padded input; in ceil mode also a last one that runs past the end, when the window
    /// before it did not reach the end (for the first window: when it is less than a stride too
    /// large) and it starts inside the input or its left padding.
    static func countedLength(_ n: Int, size: Int, stride: Int, padding: Int, ceil: Bool) -> Int {
        let padded = n + 2 * padding
        var count = 0
        while true {
            let start = count * stride
            let fits = start + size <= padded
            let lastPartial = ceil && !fits && start < n + padding && start - stride + size < padded
            guard fits || lastPartial else { return count }
            count += 1
        }
    }

    @Test func outputLengthsMatchPyTorchsFormula() {
        // Floor and ceil; partial last windows; stride larger than size; padding.
        #expect(PoolWindows.outputLength(7, size: 2, stride: 2, ceil: false) == 3)
        #expect(PoolWindows.outputLength(7, size: 2, stride: 2, ceil: true) == 4)
        #expect(PoolWindows.outputLength(4, size: 2, stride: 2, ceil: true) == 2)
        #expect(PoolWindows.outputLength(3, size: 2, stride: 2, ceil: true) == 2)
        #expect(PoolWindows.outputLength(2, size: 2, stride: 3, ceil: true) == 1)
        #expect(PoolWindows.outputLength(9, size: 3, stride: 2, ceil: true) == 4)
        #expect(PoolWindows.outputLength(8, size: 3, stride: 2, ceil: true) == 4)
        #expect(PoolWindows.outputLength(8, size: 3, stride: 2, ceil: false) == 3)
        #expect(PoolWindows.outputLength(5, size: 3, stride: 2, padding: 1, ceil: false) == 3)
        // ceil would add a window starting in the right padding: it is dropped.
        #expect(PoolWindows.outputLength(5, size: 2, stride: 2, padding: 1, ceil: true) == 3)
        #expect(PoolWindows.outputLength(6, size: 2, stride: 2, padding: 1, ceil: true) == 4)
        // In ceil mode a window larger than the input still gives one output when it starts inside (PyTorch).
        #expect(PoolWindows.outputLength(1, size: 2, stride: 2, ceil: true) == 1)
        #expect(PoolWindows.outputLength(1, size: 2, stride: 1, ceil: true) == 0)
        #expect(PoolWindows.outputLength(1, size: 3, stride: 2, ceil: false) == 0)
        #expect(PoolWindows.outputLength(2, size: 4, stride: 2, ceil: true) == 0)
        for n in 1...12 { for size in 1...4 { for stride in 1...4 { for padding in 0...(size / 2) {
            for ceil in [false, true] {
                let got = PoolWindows.outputLength(n, size: size, stride: stride, padding: padding, ceil: ceil)
                #expect(got == Self.countedLength(n, size: size, stride: stride, padding: padding, ceil: ceil),
                        "n \(n) size \(size) stride \(stride) padding \(padding) ceil \(ceil)")
                // Every window has at least one input cell.
                let w = PoolWindows(size: size, stride: stride, padding: padding, ceil: ceil, height: n, width: n)
                for i in 0..<max(0, w.outH) { #expect(!w.rows(i).isEmpty) }
            }
        } } } }
    }

    @Test func windowsAreClippedAtTheEdgesAndThePadding() {
        let w = PoolWindows(PoolSpec(size: 2, stride: 2, ceil: true), height: 7, width: 5)
        #expect((w.outH, w.outW) == (4, 3))
        #expect(w.rows(0) == 0..<2 && w.rows(3) == 6..<7)
        #expect(w.cols(2) == 4..<5)
        #expect(!w.isPartial(0, 0) && w.isPartial(3, 0) && w.isPartial(0, 2))
        let p = PoolWindows(size: 3, stride: 2, padding: 1, ceil: true, height: 6, width: 6)
        #expect(p.outH == 4)
        #expect(p.rows(0) == 0..<2 && p.paddedRows(0) == -1..<2)
        #expect(p.rows(3) == 5..<6 && p.paddedRows(3) == 5..<7)
        #expect(p.outputs(covering: 2, 2).map { [$0.i, $0.j] } == [[1, 1]])
        #expect(p.outputs(covering: 3, 3).map { [$0.i, $0.j] } == [[1, 1], [1, 2], [2, 1], [2, 2]])
    }

    @Test func winnerIsTheFirstMaximumInReadingOrder() {
        let w = PoolWindows(PoolSpec(size: 2, stride: 2), height: 2, width: 4)
        let plane: [Double] = [0.5, 0.5, -1, -1,
                               0.5, 0.2, -1, -1]
        #expect(w.winner(0, 0, channel: 0, in: plane) == (row: 0, col: 0))
        // All equal: the top-left cell.
        #expect(w.winner(0, 1, channel: 0, in: plane) == (row: 0, col: 2))
        let later: [Double] = [0.1, 0.3, 0, 0,
                               0.3, 0.2, 0, 7]
        #expect(w.winner(0, 0, channel: 0, in: later) == (row: 0, col: 1))
        #expect(w.winner(0, 1, channel: 0, in: later) == (row: 1, col: 3))
        #expect(w.winner(0, 1) { later[$0 * 4 + $1] } == (row: 1, col: 3))
        // Channel 1 of a [2, 2, 4] array.
        #expect(w.winner(0, 0, channel: 1, in: plane + later) == (row: 0, col: 1))
        // A NaN wins over numbers, and the first NaN is kept.
        let nan: [Double] = [1, .nan, 0, 0,
                             .nan, 9, 0, 0]
        #expect(w.winner(0, 0, channel: 0, in: nan) == (row: 0, col: 1))
        // +∞ and −∞ in one window, no NaN: the largest, +∞, wins.
        let infinities: [Double] = [1, -.infinity, 0, 0,
                                    .infinity, 2, 0, 0]
        #expect(w.winner(0, 0, channel: 0, in: infinities) == (row: 1, col: 0))
    }

    /// The engine's max pooling takes exactly the values at `PoolWindows`' winners, forward, and
    /// routes each gradient to them, backward, on random planes with many ties.
    @Test(arguments: 0..<20)
    func engineAgreesWithWindows(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed), stream: "pool-windows")
        let spec = PoolSpec(size: 1 + rng.below(4), stride: 1 + rng.below(4), ceil: rng.below(2) == 0)
        let c = 1 + rng.below(3), h = spec.size + rng.below(8), w = spec.size + rng.below(8)
        let model = ModelSpec(input: [c, h, w], layers: [LayerSpec(name: "pool", kind: .maxpool(spec))], loss: .mse, classes: [])
        let net = try Network(model: model)
        // Values from a small set, so ties are common.
        let x = (0..<(c * h * w)).map { _ in Double(rng.below(4)) - 1.5 }
        let trace = net.trace(input: Tensor(shape: [c, h, w], data: x), target: 0)
        let windows = PoolWindows(spec, height: h, width: w)
        let out = try #require(trace.record("pool", .output)).tensor
        let gy = try #require(trace.record("pool", .gradOutput)).tensor
        let gx = try #require(trace.record("pool", .gradInput)).data
        #expect(out.shape == [c, windows.outH, windows.outW])
        var routed = Array(repeating: 0.0, count: x.count)
        for ch in 0..<c {
            for i in 0..<windows.outH {
                for j in 0..<windows.outW {
                    let win = windows.winner(i, j, channel: ch, in: x)
                    #expect(out[ch, i, j] == x[(ch * h + win.row) * w + win.col])
                    routed[(ch * h + win.row) * w + win.col] += gy[ch, i, j]
                }
            }
        }
        #expect(gx == routed)
    }
}
