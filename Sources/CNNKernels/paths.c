// Kernel paths and the AVX-512 matrix products.
//
// Three paths: portable C, AVX2/FMA, AVX-512F. The best one the processor has is chosen once, at
// the first call; CNN_EXPLAIN_KERNEL=portable|avx2|avx512 forces one (a path the processor lacks
// falls back to the best one below it), so tests and CI can run every path.
//
// The AVX-512 products give exactly the bits of the AVX2 ones: every element of C is the same
// chain of fused multiply-adds over k in the same order (and the same final additions); only the
// number of elements computed at once, and the order elements are visited in, differ. (The NN
// products of both paths are in gemm.c.) Elements the AVX2 NT kernel leaves to portable C (the
// rows and columns outside 4×2 blocks) are left to the same code here.

#include "cnn_kernels.h"
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "kernels_sums.h"
#define CNN_X86 1
#else
#define CNN_X86 0
#endif

static int cpu_path(void) {
#if CNN_X86
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return CNN_PATH_PORTABLE;
    if (!__builtin_cpu_supports("avx512f")) return CNN_PATH_AVX2;
    return CNN_PATH_AVX512;
#else
    return CNN_PATH_PORTABLE;
#endif
}

static int chosen_path = -1;

int cnn_kernel_path(void) {
    int path = __atomic_load_n(&chosen_path, __ATOMIC_RELAXED);
    if (path >= 0) return path;
    int best = cpu_path();
    path = best;
    const char *forced = getenv("CNN_EXPLAIN_KERNEL");
    if (forced) {
        if (strcmp(forced, "portable") == 0) path = CNN_PATH_PORTABLE;
        else if (strcmp(forced, "avx2") == 0) path = CNN_PATH_AVX2;
        else if (strcmp(forced, "avx512") == 0) path = CNN_PATH_AVX512;
        if (path > best) path = best;
    }
    __atomic_store_n(&chosen_path, path, __ATOMIC_RELAXED);
    return path;
}

int cnn_kernel_path_supported(int path) { return path >= 0 && path <= cpu_path(); }

static int max_threads = 2;

void cnn_set_max_threads(int threads) { __atomic_store_n(&max_threads, threads < 1 ? 1 : threads, __ATOMIC_RELAXED); }

int cnn_max_threads(void) { return __atomic_load_n(&max_threads, __ATOMIC_RELAXED); }

#if CNN_X86
// One 4×4 block of an NT product, C[i][j] += Σ_p A[i][p]·B[j][p]: each zmm holds the four
// partial sums (p mod 4) of two elements, columns j and j + 1 (or j + 2 and j + 3).
__attribute__((target("avx512f,avx2,fma")))
static void nt512_block(long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc) {
    long k4 = k & ~3L;
    __m512d s[4][2];
    for (int r = 0; r < 4; r++) { s[r][0] = _mm512_setzero_pd(); s[r][1] = _mm512_setzero_pd(); }
    const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
    for (long p = 0; p < k4; p += 4) {
        __m512d y01 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(b0 + p)), _mm256_loadu_pd(b1 + p), 1);
        __m512d y23 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(b2 + p)), _mm256_loadu_pd(b3 + p), 1);
        for (int r = 0; r < 4; r++) {
            __m512d x = _mm512_broadcast_f64x4(_mm256_loadu_pd(a + r * lda + p));
            s[r][0] = _mm512_fmadd_pd(x, y01, s[r][0]);
            s[r][1] = _mm512_fmadd_pd(x, y23, s[r][1]);
        }
    }
    const double *cols[4] = {b0, b1, b2, b3};
    for (int r = 0; r < 4; r++) {
        // The four elements' ((s0 + s1) + (s2 + s3)) side by side: pairs (s0 + s1, s2 + s3) of
        // every element, then the pairs added, then the elements put back in column order.
        __m512d lo = _mm512_unpacklo_pd(s[r][0], s[r][1]), hi = _mm512_unpackhi_pd(s[r][0], s[r][1]);
        __m512d pairs = _mm512_add_pd(lo, hi);  // (a01, c01, a23, c23, b01, d01, b23, d23)
        __m512d split = _mm512_shuffle_f64x2(pairs, pairs, _MM_SHUFFLE(3, 1, 2, 0));
        __m256d sums = _mm256_add_pd(_mm512_castpd512_pd256(split), _mm512_extractf64x4_pd(split, 1));  // (a, c, b, d)
        sums = _mm256_permute4x64_pd(sums, _MM_SHUFFLE(3, 1, 2, 0));
        double t[4] = {0, 0, 0, 0};
        const double *x = a + r * lda;
        for (int q = 0; q < 4; q++) {
            double tq = 0;
            // The AVX2 kernel's tail, written the same way so the compiler treats it the same way.
            for (long p = k4; p < k; p++) tq += x[p] * cols[q][p];
            t[q] = tq;
        }
        __m256d add = _mm256_add_pd(sums, _mm256_loadu_pd(t));
        _mm256_storeu_pd(c + r * ldc, _mm256_add_pd(_mm256_loadu_pd(c + r * ldc), add));
    }
}


// One 4×8 block of an NT product, the same sums as nt512_block: each zmm holds the four partial
// sums of two elements, rows r and r + 1 of one column (B's rows are read once a step and
// broadcast; A's rows are paired).
__attribute__((target("avx512f,avx2,fma")))
static void nt512_block8(long k, const double *a, long lda, const double *b, long ldb, double *c, long ldc) {
    long k4 = k & ~3L;
    __m512d s[2][8];
    for (int h = 0; h < 2; h++)
        for (int q = 0; q < 8; q++) s[h][q] = _mm512_setzero_pd();
    for (long p = 0; p < k4; p += 4) {
        __m512d x01 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(a + p)), _mm256_loadu_pd(a + lda + p), 1);
        __m512d x23 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(a + 2 * lda + p)),
                                         _mm256_loadu_pd(a + 3 * lda + p), 1);
        for (int q = 0; q < 8; q++) {
            __m512d y = _mm512_broadcast_f64x4(_mm256_loadu_pd(b + q * ldb + p));
            s[0][q] = _mm512_fmadd_pd(x01, y, s[0][q]);
            s[1][q] = _mm512_fmadd_pd(x23, y, s[1][q]);
        }
    }
    // The tails (p ≥ k4), one fused chain per element from 0 as the AVX2 kernel's scalar loop,
    // eight columns at a time: t[r] lane q = Σ a[r][p]·b[q][p].
    __m512d t[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    for (long p = k4; p < k; p++) {
        __m512d y = _mm512_setr_pd(b[p], b[ldb + p], b[2 * ldb + p], b[3 * ldb + p], b[4 * ldb + p], b[5 * ldb + p],
                                   b[6 * ldb + p], b[7 * ldb + p]);
        for (int r = 0; r < 4; r++) t[r] = _mm512_fmadd_pd(_mm512_set1_pd(a[r * lda + p]), y, t[r]);
    }
    for (int h = 0; h < 2; h++) {
        for (int q0 = 0; q0 < 8; q0 += 4) {
            __m256d rows[2];
            cnn_nt512_finish(s[h][q0], s[h][q0 + 1], s[h][q0 + 2], s[h][q0 + 3], &rows[0], &rows[1]);
            for (int e = 0; e < 2; e++) {
                long r = 2 * h + e;
                __m256d tq = q0 == 0 ? _mm512_castpd512_pd256(t[r]) : _mm512_extractf64x4_pd(t[r], 1);
                double *cr = c + r * ldc + q0;
                _mm256_storeu_pd(cr, _mm256_add_pd(_mm256_loadu_pd(cr), _mm256_add_pd(rows[e], tq)));
            }
        }
    }
}

#pragma clang fp contract(off)
// C[i][0] += A[i]·B[0] for rows i of [0, m), exactly as cnn_gemm_nt_portable_range (which the AVX2
// kernel leaves these elements to: a last odd column, the last m mod 4 rows): four partial sums
// (p mod 4) each rounded after every product and every add, added ((s0 + s1) + (s2 + s3)), then the
// tail's sum from 0. Two rows per zmm (row i's partial sums low, row i + 1's high), four rows at once.
__attribute__((target("avx512f,avx2,fma")))
static void nt512_column_unfused(long m, long k, const double *a, long lda, const double *b, double *c, long ldc) {
    long k4 = k & ~3L;
    long i = 0;
    for (; i + 4 <= m; i += 4) {
        const double *x = a + i * lda;
        __m512d s01 = _mm512_setzero_pd(), s23 = _mm512_setzero_pd();
        for (long p = 0; p < k4; p += 4) {
            __m512d y = _mm512_broadcast_f64x4(_mm256_loadu_pd(b + p));
            __m512d x01 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(x + p)), _mm256_loadu_pd(x + lda + p), 1);
            __m512d x23 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(x + 2 * lda + p)),
                                             _mm256_loadu_pd(x + 3 * lda + p), 1);
            s01 = _mm512_add_pd(s01, _mm512_mul_pd(x01, y));
            s23 = _mm512_add_pd(s23, _mm512_mul_pd(x23, y));
        }
        double part[8], part2[8];
        _mm512_storeu_pd(part, s01);
        _mm512_storeu_pd(part2, s23);
        for (int r = 0; r < 4; r++) {
            const double *v = r < 2 ? part + 4 * r : part2 + 4 * (r - 2);
            const double *xr = x + r * lda;
            double t = 0;
            for (long p = k4; p < k; p++) t += xr[p] * b[p];
            c[(i + r) * ldc] += ((v[0] + v[1]) + (v[2] + v[3])) + t;
        }
    }
    if (i < m) cnn_gemm_nt_portable_range(i, m, 0, 1, k, a, lda, b, 0, c, ldc);
}
#pragma clang fp contract(on)

// C[m×n] += A[m×k]·B[n×k]ᵀ: 4×8 and 4×4 blocks here; a last pair of columns by the AVX2 kernel,
// and what that kernel leaves to portable C (a last odd column, the last m mod 4 rows) by the same
// sums vectorized (nt512_column_unfused): every element exactly as in the AVX2 product.
__attribute__((target("avx512f,avx2,fma")))
void cnn_gemm_nt_avx512(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                        double *c, long ldc) {
    long m4 = m & ~3L, n4 = n & ~3L, n2 = n & ~1L;
    for (long i = 0; i < m4; i += 4) {
        long j = 0;
        for (; j + 8 <= n; j += 8) nt512_block8(k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc);
        for (; j < n4; j += 4) nt512_block(k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc);
        if (n4 < n2) cnn_gemm_nt_avx2(4, 2, k, a + i * lda, lda, b + n4 * ldb, ldb, c + i * ldc + n4, ldc);
    }
    if (n2 < n) nt512_column_unfused(m4, k, a, lda, b + n2 * ldb, c + n2, ldc);
    for (long j = 0; m4 < m && j < n; j++) nt512_column_unfused(m - m4, k, a + m4 * lda, lda, b + j * ldb, c + m4 * ldc + j, ldc);
}
#endif

void cnn_maxpool2x2(const double *x, long planes, long height, long width, long outH, long outW,
                    double *y, int *arg) {
    for (long plane = 0; plane < planes; plane++) {
        const double *src = x + plane * height * width;
        double *dst = y + plane * outH * outW;
        int *win = arg + plane * outH * outW;
        for (long i = 0; i < outH; i++) {
            const double *r0 = src + 2 * i * width, *r1 = r0 + width;
            long base = 2 * i * width;
            for (long j = 0; j < outW; j++) {
                double v0 = r0[2 * j], v1 = r0[2 * j + 1], v2 = r1[2 * j], v3 = r1[2 * j + 1];
                long o0 = base + 2 * j, o1 = o0 + 1, o2 = o0 + width, o3 = o2 + 1;
                double best = v0;
                long at = o0;
                // Strictly greater replaces: a tie goes to the first cell in row-major order.
                if (v1 > best) { best = v1; at = o1; }
                if (v2 > best) { best = v2; at = o2; }
                if (v3 > best) { best = v3; at = o3; }
                double probe = 0.0;
                probe += v0; probe += v1; probe += v2; probe += v3;
                if (probe != probe) {
                    // A NaN in the window wins (the first one); a NaN sum from +∞ and −∞ changes nothing.
                    if (v0 != v0) at = o0;
                    else if (v1 != v1) at = o1;
                    else if (v2 != v2) at = o2;
                    else if (v3 != v3) at = o3;
                }
                dst[i * outW + j] = src[at];
                win[i * outW + j] = (int)at;
            }
        }
    }
}
