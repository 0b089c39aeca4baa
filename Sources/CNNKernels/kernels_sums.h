#ifndef CNN_KERNELS_SUMS_H
#define CNN_KERNELS_SUMS_H
// The horizontal sums that finish the NT products' partial sums, shared by every kernel that must
// give their bits (kernels.c, paths.c, direct.c), and the 8 × 8 register transpose of gemm.c and
// direct.c; not part of the module's interface. Include it
// after <immintrin.h>, on x86 only.

/// ((s0 + s1) + (s2 + s3)) of the four partial sums in v: the portable version's order.
__attribute__((target("avx2,fma"), unused))
static inline double cnn_hsum4(__m256d v) {
    __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
    __m128d pair = _mm_add_pd(_mm_unpacklo_pd(lo, hi), _mm_unpackhi_pd(lo, hi)); // (s0+s1, s2+s3)
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

/// The four results ((s0 + s1) + (s2 + s3)) of rows r and r + 1 for columns q … q + 3, from the
/// sums x, y, z, w of columns q … q + 3, each zmm holding row r's four partial sums in its low
/// half and row r + 1's in its high half: row r's results in *lo, row r + 1's in *hi.
__attribute__((target("avx512f,avx2,fma"), always_inline, unused))
static inline void cnn_nt512_finish(__m512d x, __m512d y, __m512d z, __m512d w, __m256d *lo, __m256d *hi) {
    // Each pair of columns gives (r q 01, r q+1 01, r q 23, r q+1 23, the same for r + 1), "01" = s0 + s1.
    __m512d px = _mm512_add_pd(_mm512_unpacklo_pd(x, y), _mm512_unpackhi_pd(x, y));
    __m512d pz = _mm512_add_pd(_mm512_unpacklo_pd(z, w), _mm512_unpackhi_pd(z, w));
    __m512d u = _mm512_shuffle_f64x2(px, pz, _MM_SHUFFLE(2, 0, 2, 0));
    __m512d v = _mm512_shuffle_f64x2(px, pz, _MM_SHUFFLE(3, 1, 3, 1));
    // (r q, r q+1, r+1 q, r+1 q+1, r q+2, r q+3, r+1 q+2, r+1 q+3), then row by row.
    __m512d sum = _mm512_add_pd(u, v);
    sum = _mm512_permutexvar_pd(_mm512_setr_epi64(0, 1, 4, 5, 2, 3, 6, 7), sum);
    *lo = _mm512_castpd512_pd256(sum);
    *hi = _mm512_extractf64x4_pd(sum, 1);
}

/// r[i] = column i of the 8×8 block whose rows are r[0], …, r[7].
__attribute__((target("avx512f,avx2,fma"), always_inline, unused))
static inline void cnn_transpose8(__m512d r[8]) {
    __m512d t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);      // (r0[0], r1[0], r0[2], r1[2], …, r1[6])
        t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);  // the odd columns
    }
    for (int h = 0; h < 2; h++) {
        // Rows 4h … 4h + 3: u[4h + 0, 1, 2, 3] hold columns (0, 4), (2, 6), (1, 5), (3, 7), two rows per 128 bits.
        __m512d *tt = t + 4 * h, *uu = u + 4 * h;
        uu[0] = _mm512_shuffle_f64x2(tt[0], tt[2], _MM_SHUFFLE(2, 0, 2, 0));
        uu[1] = _mm512_shuffle_f64x2(tt[0], tt[2], _MM_SHUFFLE(3, 1, 3, 1));
        uu[2] = _mm512_shuffle_f64x2(tt[1], tt[3], _MM_SHUFFLE(2, 0, 2, 0));
        uu[3] = _mm512_shuffle_f64x2(tt[1], tt[3], _MM_SHUFFLE(3, 1, 3, 1));
    }
    static const int first[4] = {0, 2, 1, 3};
    for (int q = 0; q < 4; q++) {
        r[first[q]] = _mm512_shuffle_f64x2(u[q], u[4 + q], _MM_SHUFFLE(2, 0, 2, 0));
        r[first[q] + 4] = _mm512_shuffle_f64x2(u[q], u[4 + q], _MM_SHUFFLE(3, 1, 3, 1));
    }
}

#endif
