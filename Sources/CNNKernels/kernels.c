// The NT matrix product (dot products of rows), the elementwise kernels, im2col and col2im.
// The NN product of every path is in gemm.c. The NT product keeps four partial sums per element,
// by p mod 4, added at the end; the AVX2 version fuses each multiply-add, so its last bits can
// differ from the portable version's; on one machine every run gives the same bits.

#include "cnn_kernels.h"
#include "kernels_internal.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "kernels_sums.h"
#define CNN_X86 1
#else
#define CNN_X86 0
#endif

// im2row and col2im copy or add element by element (no sum is reassociated), so wider
// vectors change no bit: they are compiled for AVX-512, AVX2 and plain x86-64, and the loader
// picks the best the processor has, whatever path the products use.
#if CNN_X86 && defined(__linux__) && defined(__clang__)
#define CNN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CNN_VECTOR_CLONES
#endif

void cnn_gemm_nt_portable_range(long m0, long m, long n0, long n, long k, const double *a, long lda,
                             const double *b, long ldb, double *c, long ldc) {
    long k4 = k & ~3L;
    for (long i = m0; i < m; i++) {
        const double *x = a + i * lda;
        for (long j = n0; j < n; j++) {
            const double *y = b + j * ldb;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
            for (long p = 0; p < k4; p += 4) {
                s0 += x[p] * y[p]; s1 += x[p + 1] * y[p + 1];
                s2 += x[p + 2] * y[p + 2]; s3 += x[p + 3] * y[p + 3];
            }
            for (long p = k4; p < k; p++) t += x[p] * y[p];
            c[i * ldc + j] += ((s0 + s1) + (s2 + s3)) + t;
        }
    }
}

#if CNN_X86
__attribute__((target("avx2,fma")))
void cnn_gemm_nt_avx2(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                         double *c, long ldc) {
    long k4 = k & ~3L;
    long i = 0;
    for (; i + 4 <= m; i += 4) {
        const double *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        long j = 0;
        for (; j + 2 <= n; j += 2) {
            const double *b0 = b + j * ldb, *b1 = b0 + ldb;
            __m256d s00 = _mm256_setzero_pd(), s01 = _mm256_setzero_pd(), s10 = _mm256_setzero_pd(), s11 = _mm256_setzero_pd();
            __m256d s20 = _mm256_setzero_pd(), s21 = _mm256_setzero_pd(), s30 = _mm256_setzero_pd(), s31 = _mm256_setzero_pd();
            for (long p = 0; p < k4; p += 4) {
                __m256d y0 = _mm256_loadu_pd(b0 + p), y1 = _mm256_loadu_pd(b1 + p), x;
                x = _mm256_loadu_pd(a0 + p); s00 = _mm256_fmadd_pd(x, y0, s00); s01 = _mm256_fmadd_pd(x, y1, s01);
                x = _mm256_loadu_pd(a1 + p); s10 = _mm256_fmadd_pd(x, y0, s10); s11 = _mm256_fmadd_pd(x, y1, s11);
                x = _mm256_loadu_pd(a2 + p); s20 = _mm256_fmadd_pd(x, y0, s20); s21 = _mm256_fmadd_pd(x, y1, s21);
                x = _mm256_loadu_pd(a3 + p); s30 = _mm256_fmadd_pd(x, y0, s30); s31 = _mm256_fmadd_pd(x, y1, s31);
            }
            const double *rows[4] = {a0, a1, a2, a3};
            __m256d sums[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
            for (int r = 0; r < 4; r++) {
                for (int q = 0; q < 2; q++) {
                    const double *y = q == 0 ? b0 : b1;
                    double t = 0;
                    for (long p = k4; p < k; p++) t += rows[r][p] * y[p];
                    c[(i + r) * ldc + j + q] += cnn_hsum4(sums[r][q]) + t;
                }
            }
        }
        if (j < n) cnn_gemm_nt_portable_range(i, i + 4, j, n, k, a, lda, b, ldb, c, ldc);
    }
    if (i < m) cnn_gemm_nt_portable_range(i, m, 0, n, k, a, lda, b, ldb, c, ldc);
}

#endif

int cnn_kernels_vectorized(void) { return cnn_kernel_path() != CNN_PATH_PORTABLE; }

void cnn_gemm_nn_path(int path, long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc, int accumulate) {
#if CNN_X86
    if (path == CNN_PATH_AVX512) { cnn_gemm_nn_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return; }
    if (path == CNN_PATH_AVX2) { cnn_gemm_nn_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return; }
#endif
    cnn_gemm_nn_portable_range(0, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void cnn_gemm_nt_path(int path, long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc) {
#if CNN_X86
    if (path == CNN_PATH_AVX512) { cnn_gemm_nt_avx512(m, n, k, a, lda, b, ldb, c, ldc); return; }
    if (path == CNN_PATH_AVX2) { cnn_gemm_nt_avx2(m, n, k, a, lda, b, ldb, c, ldc); return; }
#endif
    cnn_gemm_nt_portable_range(0, m, 0, n, k, a, lda, b, ldb, c, ldc);
}

void cnn_gemm_nn(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                 double *c, long ldc, int accumulate) {
    cnn_gemm_nn_path(cnn_kernel_path(), m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void cnn_gemm_nt(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                 double *c, long ldc) {
    cnn_gemm_nt_path(cnn_kernel_path(), m, n, k, a, lda, b, ldb, c, ldc);
}

void cnn_relu_forward(long n, const double *x, double *y) {
    // Branch-free, as the backward pass: the bits of `x > 0 ? x : 0.0` (NaN and −0.0 give +0.0).
    for (long i = 0; i < n; i++) {
        unsigned long long v, mask = -(unsigned long long)(x[i] > 0);
        memcpy(&v, &x[i], sizeof v);
        v &= mask;
        memcpy(&y[i], &v, sizeof v);
    }
}

void cnn_relu_backward(long n, const double *y, const double *gy, double *gx) {
    // Branch-free: the bits of gy under an all-ones mask where y > 0, else +0.0 (the same bits as
    // `y > 0 ? gy : 0.0`, NaN and −0.0 included), so the loop vectorizes.
    for (long i = 0; i < n; i++) {
        unsigned long long g, mask = -(unsigned long long)(y[i] > 0);
        memcpy(&g, &gy[i], sizeof g);
        g &= mask;
        memcpy(&gx[i], &g, sizeof g);
    }
}

/// The output columns j whose input column j·stride + off lies inside [0, width), where
/// off = b·dilation − pad.
static void valid_columns(long off, long stride, long width, long outW, long *lo, long *hi) {
    long l = -off > 0 ? (-off + stride - 1) / stride : 0;
    long top = width - 1 - off;  // j·stride ≤ top
    long h = top < 0 ? 0 : top / stride + 1;
    if (l > outW) l = outW;
    if (h > outW) h = outW;
    if (h < l) h = l;
    *lo = l; *hi = h;
}

#if CNN_X86
// n numbers from src to dst (n ≥ 0), 8 at a time, the last ones through a mask.
__attribute__((target("avx512f"), always_inline)) static inline void copy512(double *dst, const double *src, long n) {
    long j = 0;
    for (; j + 8 <= n; j += 8) _mm512_storeu_pd(dst + j, _mm512_loadu_pd(src + j));
    if (j < n) {
        __mmask8 m = (__mmask8)((1u << (n - j)) - 1);
        _mm512_mask_storeu_pd(dst + j, m, _mm512_maskz_loadu_pd(m, src + j));
    }
}

__attribute__((target("avx512f"), always_inline)) static inline void zero512(double *dst, long n) {
    long j = 0;
    for (; j + 8 <= n; j += 8) _mm512_storeu_pd(dst + j, _mm512_setzero_pd());
    if (j < n) _mm512_mask_storeu_pd(dst + j, (__mmask8)((1u << (n - j)) - 1), _mm512_setzero_pd());
}

// cnn_im2col for stride 1 and dilation 1 with AVX-512 row copies (the same numbers: a copy).
__attribute__((target("avx512f")))
static void im2col_unit512(const double *x, long channels, long height, long width, long kh, long kw,
                           long padTop, long padLeft, long outH, long outW, double *col) {
    long positions = outH * outW;
    double *dst = col;
    for (long c = 0; c < channels; c++) {
        const double *plane = x + c * height * width;
        for (long a = 0; a < kh; a++) {
            for (long b = 0; b < kw; b++, dst += positions) {
                long lo, hi, colOff = b - padLeft;
                valid_columns(colOff, 1, width, outW, &lo, &hi);
                for (long i = 0; i < outH; i++) {
                    double *d = dst + i * outW;
                    long y = i + a - padTop;
                    if (y < 0 || y >= height) { zero512(d, outW); continue; }
                    if (lo > 0) zero512(d, lo);
                    copy512(d + lo, plane + y * width + colOff + lo, hi - lo);
                    if (hi < outW) zero512(d + hi, outW - hi);
                }
            }
        }
    }
}

static int has_avx512(void) {
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}
#endif

// Rows are short (a few dozen numbers): a plain loop beats a call to memcpy.
__attribute__((no_builtin("memcpy")))
static void im2col_general(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *col) {
    long positions = outH * outW;
    double *dst = col;
    for (long c = 0; c < channels; c++) {
        const double *plane = x + c * height * width;
        for (long a = 0; a < kh; a++) {
            for (long b = 0; b < kw; b++, dst += positions) {
                long lo, hi;
                long colOff = b * dilation - padLeft;
                valid_columns(colOff, stride, width, outW, &lo, &hi);
                for (long i = 0; i < outH; i++) {
                    double *d = dst + i * outW;
                    long y = i * stride + a * dilation - padTop;
                    if (y < 0 || y >= height) {
                        for (long j = 0; j < outW; j++) d[j] = 0;
                        continue;
                    }
                    long off = y * width + colOff;  // + j·stride is inside the row for lo ≤ j < hi
                    for (long j = 0; j < lo; j++) d[j] = 0;
                    if (stride == 1) {
                        double *restrict to = d + lo;
                        const double *restrict from = plane + off + lo;
                        // Rows are 8 to a few dozen numbers: one vector a step, no unrolling.
#pragma clang loop vectorize_width(4) interleave_count(1)
                        for (long j = 0; j < hi - lo; j++) to[j] = from[j];
                    } else {
                        for (long j = lo; j < hi; j++) d[j] = plane[off + j * stride];
                    }
                    for (long j = hi; j < outW; j++) d[j] = 0;
                }
            }
        }
    }
}

void cnn_im2col(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *col) {
#if CNN_X86
    if (stride == 1 && dilation == 1 && has_avx512()) {
        im2col_unit512(x, channels, height, width, kh, kw, padTop, padLeft, outH, outW, col);
        return;
    }
#endif
    im2col_general(x, channels, height, width, kh, kw, stride, padTop, padLeft, dilation, outH, outW, col);
}

/// The widest kernel col2im_rows512 takes.
#define CNN_COL2IM_MAX_KW 16
/// Masks col2im_rows512 keeps in its table (vectors of a row × kw).
#define CNN_COL2IM_MASKS 1024

CNN_VECTOR_CLONES
void cnn_col2im_add_loop(const double *col, long channels, long height, long width, long kh, long kw,
                                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *gx) {
    long positions = outH * outW;
    const double *src = col;
    for (long c = 0; c < channels; c++) {
        double *plane = gx + c * height * width;
        for (long a = 0; a < kh; a++) {
            for (long b = 0; b < kw; b++, src += positions) {
                long lo, hi;
                long colOff = b * dilation - padLeft;
                valid_columns(colOff, stride, width, outW, &lo, &hi);
                for (long i = 0; i < outH; i++) {
                    long y = i * stride + a * dilation - padTop;
                    if (y < 0 || y >= height) continue;
                    const double *s = src + i * outW;
                    long off = y * width + colOff;
                    if (stride == 1) {
                        // Columns and the image never overlap: restrict lets the adds vectorize.
                        double *restrict dst = plane + off;
                        const double *restrict add = s;
#pragma clang loop vectorize_width(4) interleave_count(1)
                        for (long j = lo; j < hi; j++) dst[j] += add[j];
                    } else {
                        for (long j = lo; j < hi; j++) plane[off + j * stride] += s[j];
                    }
                }
            }
        }
    }
}

#if CNN_X86
/// Lanes x0 … x0 + 7 of a row of gx that kernel column b's columns reach (their j = x − colOff
/// in [lo, hi)), as a mask.
static inline __mmask8 col2im_lanes(long x0, long colOff, long lo, long hi) {
    long first = lo + colOff - x0, last = hi + colOff - x0;
    if (first < 0) first = 0;
    if (last > 8) last = 8;
    if (last <= first) return 0;
    return (__mmask8)(((1u << last) - 1) & ~((1u << first) - 1));
}

/// cnn_col2im_add for stride 1 and dilation 1 on AVX-512, by rows of gx: for each (c, a) and
/// output row i, each vector of eight pixels of gx row y = i + a − padTop is loaded once, gets
/// the kw kernel columns' values added in b order (masked where a column does not reach), and
/// is stored once. Each pixel gets the same adds in the same order as the loop below (p = (c, a,
/// b) increasing; a pixel meets one i per a), so the same bits; but a pixel is no longer loaded
/// right after an overlapping store of the previous b, which stalled store forwarding.
__attribute__((target("avx512f")))
static void col2im_rows512(const double *col, long channels, long height, long width, long kh, long kw,
                           long padTop, long padLeft, long outH, long outW, double *gx) {
    long positions = outH * outW, lo[CNN_COL2IM_MAX_KW], hi[CNN_COL2IM_MAX_KW];
    long xmin = width, xmax = 0;
    for (long b = 0; b < kw; b++) {
        valid_columns(b - padLeft, 1, width, outW, &lo[b], &hi[b]);
        if (lo[b] < hi[b] && lo[b] + b - padLeft < xmin) xmin = lo[b] + b - padLeft;
        if (lo[b] < hi[b] && hi[b] + b - padLeft > xmax) xmax = hi[b] + b - padLeft;
    }
    // The lanes' masks depend only on the vector and b: worked out once when they fit the table.
    __mmask8 table[CNN_COL2IM_MASKS];
    long vectors = (xmax - xmin + 7) / 8, tabled = vectors * kw <= CNN_COL2IM_MASKS;
    for (long v = 0; tabled && v < vectors; v++)
        for (long b = 0; b < kw; b++) table[v * kw + b] = col2im_lanes(xmin + 8 * v, b - padLeft, lo[b], hi[b]);
    for (long c = 0; c < channels; c++) {
        double *plane = gx + c * height * width;
        for (long a = 0; a < kh; a++) {
            const double *src = col + (c * kh + a) * kw * positions;
            for (long i = 0; i < outH; i++) {
                long y = i + a - padTop;
                if (y < 0 || y >= height) continue;
                double *row = plane + y * width;
                for (long x0 = xmin, v = 0; x0 < xmax; x0 += 8, v++) {
                    __mmask8 all = (__mmask8)(xmax - x0 >= 8 ? 0xFF : (1u << (xmax - x0)) - 1);
                    __m512d sum = _mm512_maskz_loadu_pd(all, row + x0);
                    for (long b = 0; b < kw; b++) {
                        long colOff = b - padLeft;
                        __mmask8 m = tabled ? table[v * kw + b] : col2im_lanes(x0, colOff, lo[b], hi[b]);
                        // Lanes outside the mask are not read (masked loads do not fault).
                        __m512d v = _mm512_maskz_loadu_pd(m, src + b * positions + i * outW + x0 - colOff);
                        sum = _mm512_mask_add_pd(sum, m, sum, v);
                    }
                    _mm512_mask_storeu_pd(row + x0, all, sum);
                }
            }
        }
    }
}
#endif

void cnn_col2im_add(const double *col, long channels, long height, long width, long kh, long kw,
                    long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *gx) {
#if CNN_X86
    if (stride == 1 && dilation == 1 && kw <= CNN_COL2IM_MAX_KW && has_avx512()) {
        col2im_rows512(col, channels, height, width, kh, kw, padTop, padLeft, outH, outW, gx);
        return;
    }
#endif
    cnn_col2im_add_loop(col, channels, height, width, kh, kw, stride, padTop, padLeft, dilation, outH, outW, gx);
}


/// One (c, a) row of cnn_im2row for output row i: kw values per position, k apart.
static inline void im2row_strip(const double *src, long width, long kw, long stride, long padLeft, long dilation,
                                long outW, long k, double *d) {
    for (long j = 0; j < outW; j++, d += k) {
        long x0 = j * stride - padLeft;
        if (dilation == 1 && x0 >= 0 && x0 + kw <= width) {
            const double *s = src + x0;
            if (kw == 5) { d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; }
            else if (kw == 3) { d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; }
            else for (long b = 0; b < kw; b++) d[b] = s[b];
        } else {
            for (long b = 0; b < kw; b++) {
                long xx = x0 + b * dilation;
                d[b] = xx >= 0 && xx < width ? src[xx] : 0;
            }
        }
    }
}

CNN_VECTOR_CLONES
void cnn_im2row(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *row) {
    long k = channels * kh * kw;
    for (long i = 0; i < outH; i++) {
        double *base = row + i * outW * k;
        for (long c = 0; c < channels; c++) {
            for (long a = 0; a < kh; a++) {
                double *d = base + (c * kh + a) * kw;
                long y = i * stride + a * dilation - padTop;
                if (y < 0 || y >= height) {
                    for (long j = 0; j < outW; j++)
                        for (long b = 0; b < kw; b++) d[j * k + b] = 0;
                    continue;
                }
                im2row_strip(x + (c * height + y) * width, width, kw, stride, padLeft, dilation, outW, k, d);
            }
        }
    }
}
