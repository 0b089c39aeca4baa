/// Matrix products for the convolution kernels, row-major:
///
///     C[m×n] = A[m×k] · B[k×n]          (accumulate: C += A · B)
///
/// with leading dimensions `lda`, `ldb`, `ldc` (elements between rows). The kernel keeps a
/// 4×8 block of C in registers while it walks k, so each element of B loaded from memory feeds
/// four multiplies and adds (unfused, so every target gives the same bits). Sums run over k in order, one accumulator per element of C.
@inline(__always)
func gemm(m: Int, n: Int, k: Int,
          a: UnsafePointer<Double>, lda: Int,
          b: UnsafePointer<Double>, ldb: Int,
          c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool) {
    typealias V = SIMD4<Double>
    var i = 0
    while i + 4 <= m {
        var j = 0
        let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        while j + 8 <= n {
            var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
            var bp = b + j
            for p in 0..<k {
                let b0 = UnsafeRawPointer(bp).loadUnaligned(as: V.self)
                let b1 = UnsafeRawPointer(bp + 4).loadUnaligned(as: V.self)
                let x0 = V(repeating: a0[p]), x1 = V(repeating: a1[p]), x2 = V(repeating: a2[p]), x3 = V(repeating: a3[p])
                c00 += x0 * b0; c01 += x0 * b1
                c10 += x1 * b0; c11 += x1 * b1
                c20 += x2 * b0; c21 += x2 * b1
                c30 += x3 * b0; c31 += x3 * b1
                bp += ldb
            }
            store(c00, c01, c + i * ldc + j, accumulate)
            store(c10, c11, c + (i + 1) * ldc + j, accumulate)
            store(c20, c21, c + (i + 2) * ldc + j, accumulate)
            store(c30, c31, c + (i + 3) * ldc + j, accumulate)
            j += 8
        }
        if j < n { gemmScalar(rows: i..<(i + 4), cols: j..<n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate) }
        i += 4
    }
    if i < m { gemmScalar(rows: i..<m, cols: 0..<n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate) }
}

@inline(__always)
private func store(_ lo: SIMD4<Double>, _ hi: SIMD4<Double>, _ dst: UnsafeMutablePointer<Double>, _ accumulate: Bool) {
    let raw = UnsafeMutableRawPointer(dst)
    if accumulate {
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD4<Double>.self) + lo, as: SIMD4<Double>.self)
        (raw + 32).storeBytes(of: (raw + 32).loadUnaligned(as: SIMD4<Double>.self) + hi, as: SIMD4<Double>.self)
    } else {
        raw.storeBytes(of: lo, as: SIMD4<Double>.self)
        (raw + 32).storeBytes(of: hi, as: SIMD4<Double>.self)
    }
}

/// The edges the 4×8 blocks do not cover, one element at a time (the same order of summation).
private func gemmScalar(rows: Range<Int>, cols: Range<Int>, k: Int,
                        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool) {
    for i in rows {
        for j in cols {
            var acc = 0.0
            for p in 0..<k { acc += a[i * lda + p] * b[p * ldb + j] }
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc : acc
        }
    }
}

/// `dst[n×m] = srcᵀ` for a row-major `src[m×n]` with leading dimension `lds`.
@inline(__always)
func transpose(_ src: UnsafePointer<Double>, rows m: Int, cols n: Int, lds: Int, into dst: UnsafeMutablePointer<Double>) {
    for i in 0..<m {
        let s = src + i * lds
        for j in 0..<n { dst[j * m + i] = s[j] }
    }
}
