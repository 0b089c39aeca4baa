import CNNKernels

/// Matrix products for the convolution kernels, row-major:
///
///     C[m×n] = A[m×k] · B[k×n]          (accumulate: C += A · B)
///
/// with leading dimensions `lda`, `ldb`, `ldc` (elements between rows). The work is done by the
/// C kernels of `CNNKernels`: register-blocked AVX-512 or AVX2/FMA code where the processor has
/// it, portable C elsewhere (see `Kernels.path`). Each element of C sums over k in order.
@inline(__always)
func gemm(m: Int, n: Int, k: Int,
          a: UnsafePointer<Double>, lda: Int,
          b: UnsafePointer<Double>, ldb: Int,
          c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool) {
    cnn_gemm_nn(m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0)
}

/// Products with the second matrix transposed, row-major:
///
///     C[m×n] += A[m×k] · B[n×k]ᵀ,   that is   C[i, j] += Σ_p A[i, p] · B[j, p]
///
/// Each element is a dot product of two contiguous rows, kept as four partial sums (p mod 4).
@inline(__always)
func gemmNT(m: Int, n: Int, k: Int,
            a: UnsafePointer<Double>, lda: Int,
            b: UnsafePointer<Double>, ldb: Int,
            c: UnsafeMutablePointer<Double>, ldc: Int) {
    cnn_gemm_nt(m, n, k, a, lda, b, ldb, c, ldc)
}

/// Whether the vectorized (AVX2 and FMA) kernels are in use on this processor.
public var vectorizedKernels: Bool { cnn_kernels_vectorized() != 0 }

/// `dst[n×m] = srcᵀ` for a row-major `src[m×n]` with leading dimension `lds`.
@inline(__always)
func transpose(_ src: UnsafePointer<Double>, rows m: Int, cols n: Int, lds: Int, into dst: UnsafeMutablePointer<Double>) {
    for i in 0..<m {
        let s = src + i * lds
        for j in 0..<n { dst[j * m + i] = s[j] }
    }
}

/// Runs `body(0)`, …, `body(count − 1)` on the engine's thread pool (`cnn_parallel`: the calling
/// thread and up to `Kernels.maxThreads − 1` persistent workers), or one after another when
/// `count` is 1 or one thread is allowed. Each part must write its own memory; which thread runs
/// a part never changes what it computes, so the bits do not depend on the thread count.
@inline(__always)
func parallel(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 || cnn_max_threads() < 2 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        var task = UncheckedBox(body)
        withUnsafeMutablePointer(to: &task) { p in
            cnn_parallel(count, { ctx, item in
                ctx?.assumingMemoryBound(to: UncheckedBox<(Int) -> Void>.self).pointee.value(item)
            }, UnsafeMutableRawPointer(p))
        }
    }
}

/// The `part`-th of `parts` contiguous ranges that split `0..<count` (the first ones one longer
/// when it does not divide evenly). The split depends only on `count` and `parts`.
@inline(__always)
func chunk(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    let size = (count + parts - 1) / parts
    return min(count, part * size)..<min(count, (part + 1) * size)
}

/// Lets a non-Sendable closure run on the pool's threads; the callers give each part disjoint
/// memory to write.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
