import CNNKernels

/// The engine's C kernels: which path runs them, and how many threads a pass may use.
public enum Kernels {
    /// A kernel path. AVX2 and AVX-512 give the same bits; portable C has no fused multiply-add,
    /// so its last bits may differ (the tests hold every path to 1e-12 relative of portable).
    public enum Path: String, Sendable, CaseIterable {
        case portable, avx2, avx512

        var code: Int32 {
            switch self {
            case .portable: return Int32(CNN_PATH_PORTABLE)
            case .avx2: return Int32(CNN_PATH_AVX2)
            case .avx512: return Int32(CNN_PATH_AVX512)
            }
        }

        /// Whether this processor can run the path.
        public var isSupported: Bool { cnn_kernel_path_supported(code) != 0 }
    }

    /// The path in use: the best the processor has, or the one `CNN_EXPLAIN_KERNEL` names
    /// (`portable`, `avx2`, `avx512`; never better than the processor has). Fixed for the process.
    public static var path: Path {
        switch Int(cnn_kernel_path()) {
        case Int(CNN_PATH_AVX512): return .avx512
        case Int(CNN_PATH_AVX2): return .avx2
        default: return .portable
        }
    }

    /// The most threads a pass may use (default 2). Passes split their work the same way whatever
    /// this is, and run the parts one after another with 1, so it changes no bit of any result.
    public static var maxThreads: Int {
        get { Int(cnn_max_threads()) }
        set { cnn_set_max_threads(Int32(clamping: newValue)) }
    }
}

extension Kernels {
    /// `C = A·B` (`transposedB` false; `B` is `k × n`) or `C = A·Bᵀ` (`B` is `n × k`), row-major,
    /// with `A` `m × k`, computed by `path`'s kernel: the engine's matrix products, for tests
    /// that compare the paths.
    /// - Precondition: `path.isSupported`, and the arrays have the sizes above.
    public static func matrixProduct(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
                                     transposedB: Bool = false, path: Path) -> [Double] {
        precondition(path.isSupported && a.count == m * k && b.count == k * n, "bad matrix product")
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let c = pc.baseAddress else { return }
                    if transposedB {
                        cnn_gemm_nt_path(path.code, m, n, k, a, k, b, k, c, n)
                    } else {
                        cnn_gemm_nn_path(path.code, m, n, k, a, k, b, n, c, n, 0)
                    }
                }
            }
        }
        return c
    }
}
