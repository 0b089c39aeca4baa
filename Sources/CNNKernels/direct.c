// Direct convolution (stride 1, dilation 1, no padding): the forward product and the weight
// gradient's dot products read the input's rows in place instead of im2col's columns.
//
// Bits. The forward pass computes each output as one chain over p = 0 … K − 1 from 0, exactly as
// the NN product does on the same path (fused multiply-adds on AVX2 and AVX-512, rounded products
// on the portable path), so it gives the bits of im2col + cnn_gemm_nn. The weight gradient keeps
// the NT product's four partial sums by q mod 4, its ((s0 + s1) + (s2 + s3)) + tail, and its
// split of the elements between fused and plain arithmetic: on AVX2 and AVX-512 the elements of
// the first m & ~3 rows and n & ~1 columns are fused, the others are computed by the portable
// code; on the portable path every element is. The arithmetic of each kind is written as in
// kernels.c and paths.c, so the compiler treats it the same way.

#include "cnn_direct.h"
#include "cnn_kernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "kernels_sums.h"
#define CNN_X86 1
#else
#define CNN_X86 0
#endif

/// Filters per packed group on `path`.
static long group_of(int path) { return path == CNN_PATH_AVX512 ? 8 : path == CNN_PATH_AVX2 ? 4 : 1; }

long cnn_direct_packed_size(long filters, long k) { return (filters + 7) / 8 * 8 * k; }

/// Whether cnn_direct_forward runs the filter-vector tiles (forward512w) on `path`.
static int wide_forward(int path, long filters) { return path == CNN_PATH_AVX512 && filters >= CNN_DIRECT_WIDE; }

/// Packs for forward512w: groups of up to 32 filters, p-major, each p's row of the group padded
/// with zeros to a multiple of 8 (every group but the last is 32 wide).
static void pack_wide(long filters, long k, const double *w, double *packed) {
    for (long g0 = 0; g0 < filters; g0 += 32) {
        long fg = filters - g0 < 32 ? filters - g0 : 32, wg = (fg + 7) / 8 * 8;
        for (long p = 0; p < k; p++)
            for (long r = 0; r < wg; r++) packed[p * wg + r] = r < fg ? w[(g0 + r) * k + p] : 0;
        packed += wg * k;
    }
}

void cnn_direct_pack(int path, long filters, long k, const double *w, double *packed) {
    long mr = group_of(path);
    if (wide_forward(path, filters)) { pack_wide(filters, k, w, packed); return; }
    if (mr == 1) { memcpy(packed, w, sizeof(double) * (size_t)(filters * k)); return; }
    for (long g0 = 0; g0 < filters; g0 += mr, packed += mr * k)
        for (long p = 0; p < k; p++)
            for (long r = 0; r < mr; r++) packed[p * mr + r] = g0 + r < filters ? w[(g0 + r) * k + p] : 0;
}

/// koff[p] = c·height·width + a·width + b: where weight p's input starts, relative to the pixel
/// of the output position.
static void offsets(long channels, long height, long width, long kh, long kw, long *koff) {
    long p = 0;
    for (long c = 0; c < channels; c++)
        for (long a = 0; a < kh; a++)
            for (long b = 0; b < kw; b++) koff[p++] = (c * height + a) * width + b;
}

/// The stored value of an output in `mode` (see cnn_direct_forward).
static inline double finish(double s, int mode, double divisor, double b) {
    return mode == 2 ? s / divisor + b : mode == 1 ? s + b : s;
}

// --- Forward, portable: the portable NN product's order (row by row, p outer, rounded products).
#pragma clang fp contract(off)
static void forward_portable(const double *x, long width, long k, const long *koff, long i0, long rows, long outW,
                             const double *w, long filters, double *y, long ldy, int mode, double divisor,
                             const double *bias) {
    for (long o = 0; o < filters; o++) {
        const double *wo = w + o * k;
        double b = bias ? bias[o] : 0;
        for (long r = 0; r < rows; r++) {
            double *yr = y + o * ldy + r * outW;
            const double *xr = x + (i0 + r) * width;
            for (long j = 0; j < outW; j++) yr[j] = 0;
            for (long p = 0; p < k; p++) {
                double wp = wo[p];
                const double *src = xr + koff[p];
                for (long j = 0; j < outW; j++) yr[j] = yr[j] + wp * src[j];
            }
            for (long j = 0; j < outW; j++) yr[j] = finish(yr[j], mode, divisor, b);
        }
    }
}
#pragma clang fp contract(on)

/// Up to three runs of output positions (one vector each: `lanes` consecutive positions of one
/// output row), enumerated row by row over the block.
typedef struct {
    long n;
    long in[8], out[8], count[8];
} tile;

/// The next tile of at most `most` (≤ 8) runs after position (r, j), or n = 0 at the end.
static tile next_tile(long *r, long *j, long rows, long outW, long width, long lanes, long most) {
    tile t;
    memset(&t, 0, sizeof t);
    while (t.n < most && *r < rows) {
        long left = outW - *j;
        t.in[t.n] = *r * width + *j;
        t.out[t.n] = *r * outW + *j;
        t.count[t.n] = left < lanes ? left : lanes;
        t.n++;
        *j += lanes;
        if (*j >= outW) { *j = 0; (*r)++; }
    }
    return t;
}

#if CNN_X86
// --- Forward, AVX-512: 8 filters × Q vectors of 8 positions, one fused chain per output.
__attribute__((target("avx512f,avx2,fma"), always_inline))
static inline void tile512(long k, const long *koff, const double *wp, const double *x, const tile *t, double *y,
                           long ldy, long mr, int mode, double divisor, const double *bias, const int Q) {
    __m512d s[8][3];
    __mmask8 m[3];
    const double *src[3];
    for (int q = 0; q < Q; q++) {
        m[q] = (__mmask8)(t->count[q] >= 8 ? 0xFF : (1u << t->count[q]) - 1);
        src[q] = x + t->in[q];
        for (int r = 0; r < 8; r++) s[r][q] = _mm512_setzero_pd();
    }
    for (long p = 0; p < k; p++, wp += 8) {
        __m512d v[3];
        for (int q = 0; q < Q; q++) v[q] = _mm512_maskz_loadu_pd(m[q], src[q] + koff[p]);
        for (int r = 0; r < 8; r++) {
            __m512d w = _mm512_set1_pd(wp[r]);
            for (int q = 0; q < Q; q++) s[r][q] = _mm512_fmadd_pd(w, v[q], s[r][q]);
        }
    }
    __m512d n = _mm512_set1_pd(divisor);
    for (int r = 0; r < 8 && r < mr; r++) {
        __m512d b = _mm512_set1_pd(bias ? bias[r] : 0);
        for (int q = 0; q < Q; q++) {
            __m512d v = s[r][q];
            if (mode == 2) v = _mm512_add_pd(_mm512_div_pd(v, n), b);
            else if (mode == 1) v = _mm512_add_pd(v, b);
            _mm512_mask_storeu_pd(y + r * ldy + t->out[q], m[q], v);
        }
    }
}

__attribute__((target("avx512f,avx2,fma")))
static void forward512(const double *x, long width, long k, const long *koff, long rows, long outW,
                       const double *packed, long filters, double *y, long ldy, int mode, double divisor,
                       const double *bias) {
    long r = 0, j = 0;
    for (tile t = next_tile(&r, &j, rows, outW, width, 8, 3); t.n > 0; t = next_tile(&r, &j, rows, outW, width, 8, 3)) {
        for (long g0 = 0; g0 < filters; g0 += 8) {
            long mr = filters - g0 < 8 ? filters - g0 : 8;
            const double *wp = packed + g0 * k, *b = bias ? bias + g0 : 0;
            double *yg = y + g0 * ldy;
            if (t.n == 3) tile512(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 3);
            else if (t.n == 2) tile512(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 2);
            else tile512(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 1);
        }
    }
}

// --- Forward, AVX-512, many filters: P output positions × V vectors of 8 filters. Each step of p
// loads V vectors of packed weights and broadcasts P input values, so no load of the input
// straddles cache lines and no lane is wasted at a row's end; the tile is transposed in registers
// to store each filter's P consecutive positions. The same fused chain over p per output.

/// Where a wide tile writes: y at the tile's first position, filters ldy apart; npos positions
/// and nf filters of the group are real.
typedef struct {
    double *y;
    long ldy, npos, nf;
    int mode;
    double divisor;
    const double *bias;
} wide_out;

/// Finishes the tile (mode 2: s / n + b, mode 1: s + b, as `finish`) and stores it transposed.
__attribute__((target("avx512f,avx2,fma"), always_inline))
static inline void wide_store(__m512d s[8][4], const wide_out *o, const int P, const int V) {
    __m512d n = _mm512_set1_pd(o->divisor);
    __mmask8 pm = (__mmask8)((1u << o->npos) - 1);
    for (int v = 0; v < V; v++) {
        long left = o->nf - 8 * v;
        __mmask8 fm = (__mmask8)(left >= 8 ? 0xFF : (1u << left) - 1);
        __m512d b = o->bias ? _mm512_maskz_loadu_pd(fm, o->bias + 8 * v) : _mm512_setzero_pd();
        __m512d r[8];
        for (int i = 0; i < 8; i++) {
            __m512d t = i < P ? s[i][v] : _mm512_setzero_pd();
            if (o->mode == 2) t = _mm512_add_pd(_mm512_div_pd(t, n), b);
            else if (o->mode == 1) t = _mm512_add_pd(t, b);
            r[i] = t;
        }
        cnn_transpose8(r);
        for (int f = 0; f < 8 && f < left; f++) _mm512_mask_storeu_pd(o->y + (8 * v + f) * o->ldy, pm, r[f]);
    }
}

/// One tile: src[i] is position i's input pixel for p = 0; wt the group's packed weights (8·V a row).
__attribute__((target("avx512f,avx2,fma"), always_inline))
static inline void wide_tile(long k, const long *koff, const double *wt, const double *const *src, const wide_out *o,
                             const int P, const int V) {
    __m512d s[8][4];
    for (int i = 0; i < P; i++)
        for (int v = 0; v < V; v++) s[i][v] = _mm512_setzero_pd();
    for (long p = 0; p < k; p++, wt += 8 * V) {
        long at = koff[p];
        __m512d w[4];
        for (int v = 0; v < V; v++) w[v] = _mm512_loadu_pd(wt + 8 * v);
        for (int i = 0; i < P; i++) {
            __m512d x = _mm512_set1_pd(src[i][at]);
            for (int v = 0; v < V; v++) s[i][v] = _mm512_fmadd_pd(w[v], x, s[i][v]);
        }
    }
    wide_store(s, o, P, V);
}

/// Positions per wide tile of V vectors of filters (at most 24 accumulators, at most 8 positions).
static long wide_positions(long v) { return v == 4 ? 6 : 8; }

__attribute__((target("avx512f,avx2,fma")))
static void forward512w(const double *x, long width, long k, const long *koff, long rows, long outW,
                        const double *packed, long filters, double *y, long ldy, int mode, double divisor,
                        const double *bias) {
    long np = rows * outW;
    for (long g0 = 0; g0 < filters; g0 += 32) {
        long fg = filters - g0 < 32 ? filters - g0 : 32, v = (fg + 7) / 8, tp = wide_positions(v);
        const double *wt = packed + g0 * k;
        for (long q0 = 0; q0 < np; q0 += tp) {
            long n = np - q0 < tp ? np - q0 : tp;
            const double *src[8];
            for (long i = 0; i < tp; i++) {
                long q = q0 + (i < n ? i : n - 1);
                src[i] = x + q / outW * width + q % outW;
            }
            wide_out o = {y + g0 * ldy + q0, ldy, n, fg, mode, divisor, bias ? bias + g0 : 0};
            if (v == 4) wide_tile(k, koff, wt, src, &o, 6, 4);
            else if (v == 3) wide_tile(k, koff, wt, src, &o, 8, 3);
            else if (v == 2) wide_tile(k, koff, wt, src, &o, 8, 2);
            else wide_tile(k, koff, wt, src, &o, 8, 1);
        }
    }
}

// --- Forward, AVX2: 4 filters × Q vectors of 4 positions.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile256(long k, const long *koff, const double *wp, const double *x, const tile *t, double *y,
                           long ldy, long mr, int mode, double divisor, const double *bias, const int Q) {
    __m256d s[4][3];
    __m256i m[3];
    const double *src[3];
    for (int q = 0; q < Q; q++) {
        long c = t->count[q];
        m[q] = _mm256_setr_epi64x(c > 0 ? -1 : 0, c > 1 ? -1 : 0, c > 2 ? -1 : 0, c > 3 ? -1 : 0);
        src[q] = x + t->in[q];
        for (int r = 0; r < 4; r++) s[r][q] = _mm256_setzero_pd();
    }
    for (long p = 0; p < k; p++, wp += 4) {
        __m256d v[3];
        for (int q = 0; q < Q; q++) v[q] = _mm256_maskload_pd(src[q] + koff[p], m[q]);
        for (int r = 0; r < 4; r++) {
            __m256d w = _mm256_broadcast_sd(wp + r);
            for (int q = 0; q < Q; q++) s[r][q] = _mm256_fmadd_pd(w, v[q], s[r][q]);
        }
    }
    __m256d n = _mm256_set1_pd(divisor);
    for (int r = 0; r < 4 && r < mr; r++) {
        __m256d b = _mm256_set1_pd(bias ? bias[r] : 0);
        for (int q = 0; q < Q; q++) {
            __m256d v = s[r][q];
            if (mode == 2) v = _mm256_add_pd(_mm256_div_pd(v, n), b);
            else if (mode == 1) v = _mm256_add_pd(v, b);
            _mm256_maskstore_pd(y + r * ldy + t->out[q], m[q], v);
        }
    }
}

__attribute__((target("avx2,fma")))
static void forward256(const double *x, long width, long k, const long *koff, long rows, long outW,
                       const double *packed, long filters, double *y, long ldy, int mode, double divisor,
                       const double *bias) {
    long r = 0, j = 0;
    for (tile t = next_tile(&r, &j, rows, outW, width, 4, 3); t.n > 0; t = next_tile(&r, &j, rows, outW, width, 4, 3)) {
        for (long g0 = 0; g0 < filters; g0 += 4) {
            long mr = filters - g0 < 4 ? filters - g0 : 4;
            const double *wp = packed + g0 * k, *b = bias ? bias + g0 : 0;
            double *yg = y + g0 * ldy;
            if (t.n == 3) tile256(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 3);
            else if (t.n == 2) tile256(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 2);
            else tile256(k, koff, wp, x, &t, yg, ldy, mr, mode, divisor, b, 1);
        }
    }
}
#endif

void cnn_direct_forward(int path, const double *x, long channels, long height, long width, long kh, long kw,
                        long i0, long rows, long outW, const double *packed, long filters,
                        double *y, long ldy, int mode, double divisor, const double *bias) {
    long koff[CNN_DIRECT_MAX_K];
    long k = channels * kh * kw;
    if (k > CNN_DIRECT_MAX_K) return;
    offsets(channels, height, width, kh, kw, koff);
#if CNN_X86
    const double *xb = x + i0 * width;
    if (wide_forward(path, filters)) { forward512w(xb, width, k, koff, rows, outW, packed, filters, y, ldy, mode, divisor, bias); return; }
    if (path == CNN_PATH_AVX512) { forward512(xb, width, k, koff, rows, outW, packed, filters, y, ldy, mode, divisor, bias); return; }
    if (path == CNN_PATH_AVX2) { forward256(xb, width, k, koff, rows, outW, packed, filters, y, ldy, mode, divisor, bias); return; }
#endif
    forward_portable(x, width, k, koff, i0, rows, outW, packed, filters, y, ldy, mode, divisor, bias);
}

// --- Weight gradient. Position q of the block is at input offset (q / outW)·width + q mod outW
// from the block's first pixel; a run of four (q a multiple of 4) never crosses a row, since the
// block is one row or outW is a multiple of 4. `walk` steps through the runs. The tail (the last
// np mod 4 positions) exists only when the block is one row, where position q is at offset q.
typedef struct {
    long outW, gap;
} walk;

#define STEP4(off, col, w) do { (off) += 4; (col) += 4; if ((col) == (w)->outW) { (col) = 0; (off) += (w)->gap; } } while (0)

/// One element the portable way: the portable NT product's sums, in its order.
#pragma clang fp contract(off)
static double dot_portable(const double *g, const double *y, long np, const walk *w) {
    long k4 = np & ~3L, off = 0, col = 0;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
    for (long p = 0; p < k4; p += 4) {
        s0 += g[p] * y[off]; s1 += g[p + 1] * y[off + 1];
        s2 += g[p + 2] * y[off + 2]; s3 += g[p + 3] * y[off + 3];
        STEP4(off, col, w);
    }
    for (long p = k4; p < np; p++) t += g[p] * y[p];
    return ((s0 + s1) + (s2 + s3)) + t;
}
#pragma clang fp contract(on)

static void grad_portable_range(long m0, long m, long n0, long n, const double *g, long ldg, const double *x,
                                const long *koff, long np, const walk *w, double *gw, long ldgw) {
    for (long i = m0; i < m; i++)
        for (long j = n0; j < n; j++) gw[i * ldgw + j] += dot_portable(g + i * ldg, x + koff[j], np, w);
}

#if CNN_X86
/// Four rows × two columns, fused: cnn_gemm_nt_avx2's 4×2 block with B's rows read in place.
__attribute__((target("avx2,fma")))
static void grad_block42(const double *g, long ldg, const double *y0, const double *y1, long np, const walk *w,
                         double *c, long ldc) {
    long k4 = np & ~3L, off = 0, col = 0;
    const double *a0 = g, *a1 = a0 + ldg, *a2 = a1 + ldg, *a3 = a2 + ldg;
    __m256d s00 = _mm256_setzero_pd(), s01 = _mm256_setzero_pd(), s10 = _mm256_setzero_pd(), s11 = _mm256_setzero_pd();
    __m256d s20 = _mm256_setzero_pd(), s21 = _mm256_setzero_pd(), s30 = _mm256_setzero_pd(), s31 = _mm256_setzero_pd();
    for (long p = 0; p < k4; p += 4) {
        __m256d v0 = _mm256_loadu_pd(y0 + off), v1 = _mm256_loadu_pd(y1 + off), x;
        x = _mm256_loadu_pd(a0 + p); s00 = _mm256_fmadd_pd(x, v0, s00); s01 = _mm256_fmadd_pd(x, v1, s01);
        x = _mm256_loadu_pd(a1 + p); s10 = _mm256_fmadd_pd(x, v0, s10); s11 = _mm256_fmadd_pd(x, v1, s11);
        x = _mm256_loadu_pd(a2 + p); s20 = _mm256_fmadd_pd(x, v0, s20); s21 = _mm256_fmadd_pd(x, v1, s21);
        x = _mm256_loadu_pd(a3 + p); s30 = _mm256_fmadd_pd(x, v0, s30); s31 = _mm256_fmadd_pd(x, v1, s31);
        STEP4(off, col, w);
    }
    const double *rows[4] = {a0, a1, a2, a3};
    __m256d sums[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};
    for (int r = 0; r < 4; r++) {
        for (int q = 0; q < 2; q++) {
            const double *y = q == 0 ? y0 : y1;
            double t = 0;
            for (long p = k4; p < np; p++) t += rows[r][p] * y[p];
            c[r * ldc + q] += cnn_hsum4(sums[r][q]) + t;
        }
    }
}

/// One step of grad_block48: positions p … p + 3 of g's rows, at offset off in B's rows.
__attribute__((target("avx512f,avx2,fma"), always_inline))
static inline void step48(const double *g, long ldg, const double *const *ys, long p, long off, __m512d s[2][8]) {
    __m512d x01 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(g + p)), _mm256_loadu_pd(g + ldg + p), 1);
    __m512d x23 = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(g + 2 * ldg + p)),
                                     _mm256_loadu_pd(g + 3 * ldg + p), 1);
    for (int q = 0; q < 8; q++) {
        __m512d y = _mm512_broadcast_f64x4(_mm256_loadu_pd(ys[q] + off));
        s[0][q] = _mm512_fmadd_pd(x01, y, s[0][q]);
        s[1][q] = _mm512_fmadd_pd(x23, y, s[1][q]);
    }
}

/// Four rows × eight columns, fused (paths.c's nt512_block8 with B's rows read in place): each
/// zmm holds the four partial sums of rows r and r + 1 of one column.
__attribute__((target("avx512f,avx2,fma")))
static void grad_block48(const double *g, long ldg, const double *const *ys, long np, const walk *wk,
                         double *c, long ldc) {
    long k4 = np & ~3L, off = 0, col = 0;
    __m512d s[2][8];
    for (int h = 0; h < 2; h++)
        for (int q = 0; q < 8; q++) s[h][q] = _mm512_setzero_pd();
    if (np <= wk->outW) {
        // One row: position p is at offset p.
        for (long p = 0; p < k4; p += 4) step48(g, ldg, ys, p, p, s);
    } else {
        for (long p = 0; p < k4; p += 4) {
            step48(g, ldg, ys, p, off, s);
            STEP4(off, col, wk);
        }
    }
    for (int h = 0; h < 2; h++) {
        for (int q0 = 0; q0 < 8; q0 += 4) {
            __m256d rows[2];
            cnn_nt512_finish(s[h][q0], s[h][q0 + 1], s[h][q0 + 2], s[h][q0 + 3], &rows[0], &rows[1]);
            for (int e = 0; e < 2; e++) {
                long r = 2 * h + e;
                const double *x = g + r * ldg;
                double t[4];
                for (int q = 0; q < 4; q++) {
                    const double *y = ys[q0 + q];
                    double tq = 0;
                    // The AVX2 kernel's tail, written the same way so the compiler treats it the same way.
                    for (long p = k4; p < np; p++) tq += x[p] * y[p];
                    t[q] = tq;
                }
                double *cr = c + r * ldc + q0;
                _mm256_storeu_pd(cr, _mm256_add_pd(_mm256_loadu_pd(cr), _mm256_add_pd(rows[e], _mm256_loadu_pd(t))));
            }
        }
    }
}
#endif

/// The fused elements (rows < m & ~3, columns < n & ~1) in 4×8 blocks on AVX-512, 4×2 blocks
/// otherwise; every other element the portable way (on the portable path, all of them).
static void grad_blocks(int path, const double *g, long ldg, long m, const double *x, const long *koff, long n,
                        long np, const walk *w, double *gw, long ldgw) {
    long m4 = 0, n2 = 0;
#if CNN_X86
    if (path == CNN_PATH_AVX512 || path == CNN_PATH_AVX2) { m4 = m & ~3L; n2 = n & ~1L; }
    for (long i = 0; i < m4; i += 4) {
        const double *gi = g + i * ldg;
        double *ci = gw + i * ldgw;
        long j = 0;
        if (path == CNN_PATH_AVX512) {
            for (; j + 8 <= n2; j += 8) {
                const double *ys[8];
                for (int q = 0; q < 8; q++) ys[q] = x + koff[j + q];
                grad_block48(gi, ldg, ys, np, w, ci + j, ldgw);
            }
        }
        for (; j < n2; j += 2) grad_block42(gi, ldg, x + koff[j], x + koff[j + 1], np, w, ci + j, ldgw);
    }
#else
    (void)path;
#endif
    if (n2 < n) grad_portable_range(0, m4, n2, n, g, ldg, x, koff, np, w, gw, ldgw);
    grad_portable_range(m4, m, 0, n, g, ldg, x, koff, np, w, gw, ldgw);
}

void cnn_direct_weight_gradient(int path, const double *x, long channels, long height, long width, long kh, long kw,
                                long i0, long rows, long outW, const double *g, long ldg, long filters,
                                double *gw) {
    long koff[CNN_DIRECT_MAX_K];
    long k = channels * kh * kw;
    if (k > CNN_DIRECT_MAX_K || outW < 1 || rows < 1) return;
    offsets(channels, height, width, kh, kw, koff);
    walk w = {outW, width - outW};
    grad_blocks(path, g, ldg, filters, x + i0 * width, koff, k, rows * outW, &w, gw, k);
}


// --- Weight gradient of wide layers (the NN product's bits): gwᵀ[p][o] in tiles of P weights ×
// V vectors of 8 filters; each step of q broadcasts P input values and loads V vectors of gᵀ.
long cnn_direct_gradient_nn_width(long filters) { return (filters + 7) / 8 * 8; }

#if CNN_X86
/// One tile: src[i] is weight p_i's input pixel for the block's first position; gt the group's
/// columns of gᵀ (ldt apart), c the tile's first element of gwᵀ (ldc apart); npv real weights.
__attribute__((target("avx512f,avx2,fma"), always_inline))
static inline void grad_tile(const double *const *src, long rows, long outW, long width, const double *gt, long ldt,
                             double *c, long ldc, long npv, const int P, const int V) {
    __m512d s[8][4];
    for (int i = 0; i < P; i++)
        for (int v = 0; v < V; v++) s[i][v] = i < npv ? _mm512_loadu_pd(c + i * ldc + 8 * v) : _mm512_setzero_pd();
    // Positions in order: j along the row, then the next row (gap = width − outW further on).
    long np = rows * outW, off = 0, j = 0, gap = width - outW;
    for (long q = 0; q < np; q++, gt += ldt) {
        __m512d g[4];
        for (int v = 0; v < V; v++) g[v] = _mm512_loadu_pd(gt + 8 * v);
        for (int i = 0; i < P; i++) {
            __m512d xv = _mm512_set1_pd(src[i][off]);
            for (int v = 0; v < V; v++) s[i][v] = _mm512_fmadd_pd(xv, g[v], s[i][v]);
        }
        off++;
        if (++j == outW) { j = 0; off += gap; }
    }
    for (int i = 0; i < P && i < npv; i++)
        for (int v = 0; v < V; v++) _mm512_storeu_pd(c + i * ldc + 8 * v, s[i][v]);
}

/// gt[q][o] = g[o][q] for q < np, o < f (zero for o ≥ filters): 8 × 8 blocks transposed in registers.
__attribute__((target("avx512f,avx2,fma")))
static void transpose_g(const double *g, long ldg, long filters, long np, long f, double *gt) {
    long q8 = np & ~7L;
    for (long o0 = 0; o0 < f; o0 += 8) {
        for (long q0 = 0; q0 < q8; q0 += 8) {
            __m512d r[8];
            for (long i = 0; i < 8; i++) r[i] = o0 + i < filters ? _mm512_loadu_pd(g + (o0 + i) * ldg + q0) : _mm512_setzero_pd();
            cnn_transpose8(r);
            for (long i = 0; i < 8; i++) _mm512_storeu_pd(gt + (q0 + i) * f + o0, r[i]);
        }
        for (long q = q8; q < np; q++)
            for (long o = o0; o < o0 + 8; o++) gt[q * f + o] = o < filters ? g[o * ldg + q] : 0;
    }
}

/// grad_tile with P = tp weights: 1 … 8 for V = 1 and 2, … 6 for V = 3, … 5 for V = 4.
__attribute__((target("avx512f,avx2,fma")))
static void grad_tile_p(const double *const *src, long rows, long outW, long width, const double *gt, long f, double *c,
                        long n, long tp, int v) {
#define GT(P, V) grad_tile(src, rows, outW, width, gt, f, c, f, n, P, V)
#define GT5(V) case 1: GT(1, V); break; case 2: GT(2, V); break; case 3: GT(3, V); break; \
               case 4: GT(4, V); break; case 5: GT(5, V); break
    if (v == 4) { switch (tp) { GT5(4); default: break; } return; }
    if (v == 3) { switch (tp) { GT5(3); case 6: GT(6, 3); break; default: break; } return; }
    if (v == 2) { switch (tp) { GT5(2); case 6: GT(6, 2); break; case 7: GT(7, 2); break; case 8: GT(8, 2); break; default: break; } return; }
    switch (tp) { GT5(1); case 6: GT(6, 1); break; case 7: GT(7, 1); break; case 8: GT(8, 1); break; default: break; }
#undef GT5
#undef GT
}

__attribute__((target("avx512f,avx2,fma")))
static void gradient512(const double *x, long width, long k, const long *koff, long rows, long outW, const double *gt,
                        long f, long filters, double *gwt) {
    for (long g0 = 0; g0 < filters; g0 += 32) {
        // P·V sums, V vectors of gᵀ and P broadcasts fit in the 32 registers even when the
        // compiler loads all P broadcasts first (it does here; 6 × 4 spilled the sums). The k
        // weights are cut into tiles of as even a size as the fewest tiles allow (k = 25 with
        // 16 filters: 7, 7, 7, 4 rather than 8, 8, 8, 1, whose last tile cost nearly a whole one).
        long v = ((filters - g0 < 32 ? filters - g0 : 32) + 7) / 8, most = v == 4 ? 5 : v == 3 ? 6 : 8;
        long tiles = (k + most - 1) / most, tp = (k + tiles - 1) / tiles;
        for (long p0 = 0; p0 < k; p0 += tp) {
            long n = k - p0 < tp ? k - p0 : tp;
            const double *src[8];
            for (long i = 0; i < n; i++) src[i] = x + koff[p0 + i];
            // The last tile, when shorter, runs as a tile of its own size.
            grad_tile_p(src, rows, outW, width, gt + g0, f, gwt + p0 * f + g0, n, n, (int)v);
        }
    }
}
#endif

int cnn_direct_gradient_nn(int path, const double *x, long channels, long height, long width, long kh, long kw,
                           long i0, long rows, long outW, const double *g, long ldg, long filters,
                           double *gt, double *gwt) {
#if CNN_X86
    long koff[CNN_DIRECT_MAX_K];
    long k = channels * kh * kw, f = cnn_direct_gradient_nn_width(filters), np = rows * outW;
    if (path != CNN_PATH_AVX512 || !cnn_kernel_path_supported(path) || k > CNN_DIRECT_MAX_K) return 0;
    offsets(channels, height, width, kh, kw, koff);
    transpose_g(g, ldg, filters, np, f, gt);
    gradient512(x + i0 * width, width, k, koff, rows, outW, gt, f, filters, gwt);
    return 1;
#else
    (void)path; (void)x; (void)channels; (void)height; (void)width; (void)kh; (void)kw; (void)i0; (void)rows;
    (void)outW; (void)g; (void)ldg; (void)filters; (void)gt; (void)gwt;
    return 0;
#endif
}
