@testable import CNNCore
import CNNKernels
import Testing

/// The direct convolution kernels (`cnn_direct.h`) against im2col followed by the matrix products,
/// on every kernel path the processor has: the same bits, for blocks of output rows at any
/// offset, partial register tiles (filters and positions), and the forward pass's three ways of
/// finishing (`/ n + bias`, `+ bias`, nothing).
struct DirectConvTests {
    /// (channels, height, width, kh, kw, filters)
    static let shapes: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 28, 28, 5, 5, 8), (8, 12, 12, 5, 5, 16), (1, 9, 9, 3, 3, 1), (3, 7, 11, 2, 3, 5), (2, 10, 13, 3, 3, 9),
        (8, 26, 54, 5, 5, 16), (1, 6, 6, 1, 1, 3), (4, 9, 10, 3, 4, 17), (5, 8, 8, 5, 5, 4), (16, 12, 12, 5, 5, 12),
        (1, 33, 40, 5, 5, 7), (2, 5, 29, 5, 2, 2), (8, 11, 9, 4, 4, 6), (3, 14, 14, 3, 3, 13),
    ] + wideShapes

    /// Shapes with many filters (the AVX-512 forward pass's filter-vector tiles, 1 to 4 vectors of
    /// 8 filters, partial and several groups of 32; the NN weight gradient).
    static let wideShapes: [(Int, Int, Int, Int, Int, Int)] = [
        (16, 12, 14, 5, 5, 32), (1, 30, 31, 5, 5, 16), (3, 9, 12, 3, 3, 40), (2, 8, 9, 3, 3, 24), (4, 7, 30, 2, 2, 67),
        (1, 10, 11, 5, 5, 18), (5, 6, 25, 1, 3, 33),
    ]

    static var paths: [Kernels.Path] { Kernels.Path.allCases.filter(\.isSupported) }

    /// Inputs in [−1, 1) with some exact zeros of both signs.
    func values(_ count: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in
            let u = rng.uniform(0, 1)
            return u < 0.05 ? 0.0 : u < 0.1 ? -0.0 : rng.uniform(-1, 1)
        }
    }

    /// Rows `i0 ..< i0 + rows` of one image's im2col columns (k × rows·outW).
    func columns(_ x: [Double], _ s: (c: Int, h: Int, w: Int, kh: Int, kw: Int), i0: Int, rows: Int) -> [Double] {
        let outW = s.w - s.kw + 1
        var col = [Double](repeating: .nan, count: s.c * s.kh * s.kw * rows * outW)
        cnn_im2col(x, s.c, s.h, s.w, s.kh, s.kw, 1, -i0, 0, 1, rows, outW, &col)
        return col
    }

    /// Blocks of output rows: the whole output, single rows, and runs of 2 and 3 from odd offsets.
    func blocks(outH: Int) -> [(Int, Int)] {
        [(0, outH), (0, 1), (outH - 1, 1), (1, min(2, outH - 1)), (outH / 2, min(3, outH - outH / 2))].filter { $0.1 > 0 }
    }

    @Test(arguments: DirectConvTests.paths)
    func forwardGivesTheBitsOfIm2colAndProduct(path: Kernels.Path) {
        var rng = SeededGenerator(seed: 31)
        for (c, h, w, kh, kw, f) in Self.shapes {
            let k = c * kh * kw, outH = h - kh + 1, outW = w - kw + 1
            let x = values(c * h * w, &rng), weight = values(f * k, &rng), bias = values(f, &rng)
            var packed = [Double](repeating: .nan, count: cnn_direct_packed_size(f, k))
            cnn_direct_pack(path.code, f, k, weight, &packed)
            for (i0, rows) in blocks(outH: outH) {
                let np = rows * outW, col = columns(x, (c, h, w, kh, kw), i0: i0, rows: rows)
                var product = [Double](repeating: .nan, count: f * np)
                cnn_gemm_nn_path(path.code, f, np, k, weight, k, col, np, &product, np, 0)
                for mode in 0..<3 {
                    let n = Double(k)
                    let expected = product.indices.map { q in
                        let b = bias[q / np]
                        return mode == 2 ? product[q] / n + b : mode == 1 ? product[q] + b : product[q]
                    }
                    // The block written into a larger output, filters `np + 3` apart.
                    let ldy = np + 3
                    var y = [Double](repeating: .nan, count: f * ldy)
                    cnn_direct_forward(path.code, x, c, h, w, kh, kw, i0, rows, outW, packed, f, &y, ldy, Int32(mode), n, bias)
                    let got = (0..<(f * np)).map { y[$0 / np * ldy + $0 % np] }
                    #expect(got.map(\.bitPattern) == expected.map(\.bitPattern),
                            "\(path) \(c)×\(h)×\(w) \(kh)×\(kw) f\(f) rows \(i0)+\(rows) mode \(mode)")
                    #expect((0..<f).allSatisfy { o in (np..<ldy).allSatisfy { y[o * ldy + $0].isNaN } }, "wrote past the block")
                }
            }
        }
    }

    @Test(arguments: DirectConvTests.paths)
    func weightGradientGivesTheBitsOfIm2colAndProduct(path: Kernels.Path) {
        var rng = SeededGenerator(seed: 37)
        for (c, h, w, kh, kw, f) in Self.shapes {
            let k = c * kh * kw, outH = h - kh + 1, outW = w - kw + 1
            let x = values(c * h * w, &rng), start = values(f * k, &rng)
            let ldg = outH * outW + 5
            let g = values(f * ldg, &rng)
            for (i0, rows) in blocks(outH: outH) where rows == 1 || outW % 4 == 0 {
                let np = rows * outW, col = columns(x, (c, h, w, kh, kw), i0: i0, rows: rows)
                var expected = start, got = start
                cnn_gemm_nt_path(path.code, f, k, np, Array(g[(i0 * outW)...]), ldg, col, np, &expected, k)
                g.withUnsafeBufferPointer { pg in
                    cnn_direct_weight_gradient(path.code, x, c, h, w, kh, kw, i0, rows, outW, pg.baseAddress! + i0 * outW, ldg, f, &got)
                }
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern),
                        "\(path) \(c)×\(h)×\(w) \(kh)×\(kw) f\(f) rows \(i0)+\(rows)")
            }
        }
    }

    /// `cnn_direct_gradient_nn` continues each element's chain as `cnn_gemm_nn` does over im2row's
    /// columns: two blocks in a row from a nonzero start, against the product accumulating.
    @Test func nnWeightGradientGivesTheBitsOfIm2rowAndProduct() {
        let path = Kernels.Path.avx512
        guard path.isSupported else { return }
        var rng = SeededGenerator(seed: 41)
        for (c, h, w, kh, kw, f) in Self.wideShapes + [(8, 12, 12, 5, 5, 16), (4, 9, 10, 3, 4, 17), (1, 11, 13, 5, 5, 9), (1, 9, 10, 5, 5, 64)] {
            let k = c * kh * kw, outH = h - kh + 1, outW = w - kw + 1, ldg = outH * outW + 3
            let x = values(c * h * w, &rng), g = values(f * ldg, &rng), start = values(f * k, &rng)
            let width = cnn_direct_gradient_nn_width(f)
            for runs in [[(0, outH)], [(1, min(2, outH - 1)), (outH / 2, min(3, outH - outH / 2))], [(outH - 1, 1), (0, 1)]] {
                var expected = start
                var gwt = (0..<(k * width)).map { $0 % width < f ? start[($0 % width) * k + $0 / width] : .nan }
                var gt = [Double](repeating: .nan, count: outH * outW * width)
                for (i0, rows) in runs where rows > 0 {
                    let np = rows * outW
                    var col = [Double](repeating: .nan, count: np * k)
                    cnn_im2row(x, c, h, w, kh, kw, 1, -i0, 0, 1, rows, outW, &col)
                    cnn_gemm_nn_path(path.code, f, k, np, Array(g[(i0 * outW)...]), ldg, col, k, &expected, k, 1)
                    let done = g.withUnsafeBufferPointer { pg in
                        cnn_direct_gradient_nn(path.code, x, c, h, w, kh, kw, i0, rows, outW, pg.baseAddress! + i0 * outW, ldg, f,
                                               &gt, &gwt)
                    }
                    #expect(done == 1)
                }
                let got = (0..<(f * k)).map { gwt[($0 % k) * width + $0 / k] }
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(c)×\(h)×\(w) \(kh)×\(kw) f\(f) \(runs)")
            }
        }
        // Other paths decline.
        let input = [Double](repeating: 1, count: 8)
        var gt = [Double](repeating: 0, count: 8), gwt = gt
        #expect(cnn_direct_gradient_nn(Kernels.Path.avx2.code, input, 1, 2, 2, 1, 1, 0, 1, 2, input, 2, 1, &gt, &gwt) == 0)
        #expect(gwt == [Double](repeating: 0, count: 8))
    }

    /// The digits network's layers and the lessons' unpadded stride-1 layers take the direct
    /// kernels; padded, strided or dilated layers keep im2col.
    @Test func layersThatTakeTheDirectKernels() {
        func geometry(_ c: Int, _ h: Int, _ w: Int, filters: Int, size: Int, stride: Int = 1, padding: Int = 0) -> ConvGeometry {
            let spec = ConvSpec(filters: filters, kernelH: size, kernelW: size, stride: stride, padding: padding)
            let out = (h + 2 * padding - size) / stride + 1
            return ConvGeometry(spec: spec, input: [c, h, w], output: [filters, out, (w + 2 * padding - size) / stride + 1])
        }
        #expect(geometry(1, 28, 28, filters: 8, size: 5).isDirectWeightGradient)
        // 9 to 16 filters: the NN kernel on AVX-512, the dot products elsewhere.
        let conv2 = geometry(8, 110, 110, filters: 16, size: 5), avx512 = Kernels.path == .avx512
        #expect(conv2.takesDirectGradientNN(path: Kernels.path.code) == avx512)
        #expect(conv2.isDirectWeightGradient == !avx512)
        #expect(geometry(1, 28, 28, filters: 8, size: 5).usesDotProducts)
        // The wide cells' conv1: blocks of 9 rows rather than 12, so a block's gᵀ (9 · 52 × 32) fits.
        let wide = geometry(1, 56, 56, filters: 32, size: 5)
        #expect(wide.takesDirectGradientNN(path: Kernels.path.code) == avx512)
        #expect(wide.rowsPerBlock == 12 && wide.directGradientNNRows == 9)
        #expect(!geometry(1, 28, 28, filters: 8, size: 5, stride: 2).isDirect)
        #expect(!geometry(1, 28, 28, filters: 8, size: 5, padding: 2).isDirect)
        #expect(!geometry(64, 12, 12, filters: 128, size: 5).isDirect)
        #expect(!geometry(1, 28, 28, filters: 8, size: 5).keepsColumns(batch: 1))
    }
}
