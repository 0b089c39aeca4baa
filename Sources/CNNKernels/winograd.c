// Winograd convolution's transforms (see cnn_winograd.h): kernels, input tiles, output tiles and
// their gradients. The products between the transforms are cnn_gemm_nn's.
//
// Each transform works on eight tiles (or kernels) at once, lane by lane, so the loops over the
// lanes vectorize; the tables' zeros are skipped, and every value is a chain of plain adds of
// rounded products in the table's order, with contraction into fused multiply-adds switched off,
// so the bits are the same whatever the processor and whichever clone the loader picks.

#include "cnn_winograd.h"
#include <stddef.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#if (defined(__x86_64__) || defined(__i386__)) && defined(__linux__) && defined(__clang__)
#define CNN_WINO_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CNN_WINO_CLONES
#endif

enum { LANES = 8, MAXA = 8 };

// Cook–Toom tables, row-major: AT (m×α), G (α×r), BT (α×α); written by bench/winograd_tables.py
// from the points 0, 1, −1, 2, −2, 1/2, −1/2 and ∞, and checked there in exact fractions.
static const double AT_2_3[] = {1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 1.0};
static const double G_2_3[] = {-1.0, 0.0, 0.0, 1.0 / 2, 1.0 / 2, 1.0 / 2, 1.0 / 2, -1.0 / 2, 1.0 / 2, 0.0, 0.0, 1.0};
static const double BT_2_3[] = {-1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, -1.0, 1.0, 0.0, 0.0, -1.0, 0.0, 1.0};
static const double AT_3_3[] = {1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 2.0, 0.0, 0.0, 1.0, 1.0, 4.0, 1.0};
static const double G_3_3[] = {1.0 / 2, 0.0, 0.0, -1.0 / 2, -1.0 / 2, -1.0 / 2, -1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, 1.0 / 3, 2.0 / 3, 0.0, 0.0, 1.0};
static const double BT_3_3[] = {2.0, -1.0, -2.0, 1.0, 0.0, 0.0, -2.0, -1.0, 1.0, 0.0, 0.0, 2.0, -3.0, 1.0, 0.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 2.0, -1.0, -2.0, 1.0};
static const double AT_4_3[] = {1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 2.0, -2.0, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 0.0, 0.0, 1.0, -1.0, 8.0, -8.0, 1.0};
static const double G_4_3[] = {1.0 / 4, 0.0, 0.0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0.0, 0.0, 1.0};
static const double BT_4_3[] = {4.0, 0.0, -5.0, 0.0, 1.0, 0.0, 0.0, -4.0, -4.0, 1.0, 1.0, 0.0, 0.0, 4.0, -4.0, -1.0, 1.0, 0.0, 0.0, -2.0, -1.0, 2.0, 1.0, 0.0, 0.0, 2.0, -1.0, -2.0, 1.0, 0.0, 0.0, 4.0, 0.0, -5.0, 0.0, 1.0};
static const double AT_2_5[] = {1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 2.0, -2.0, 1.0};
static const double G_2_5[] = {1.0 / 4, 0.0, 0.0, 0.0, 0.0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3, 1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3, 0.0, 0.0, 0.0, 0.0, 1.0};
static const double BT_2_5[] = {4.0, 0.0, -5.0, 0.0, 1.0, 0.0, 0.0, -4.0, -4.0, 1.0, 1.0, 0.0, 0.0, 4.0, -4.0, -1.0, 1.0, 0.0, 0.0, -2.0, -1.0, 2.0, 1.0, 0.0, 0.0, 2.0, -1.0, -2.0, 1.0, 0.0, 0.0, 4.0, 0.0, -5.0, 0.0, 1.0};
static const double AT_3_5[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 2.0, -2.0, 1.0 / 2, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 1.0 / 4, 1.0};
static const double G_3_5[] = {-1.0 / 2, 0.0, 0.0, 0.0, 0.0, -1.0 / 3, -1.0 / 3, -1.0 / 3, -1.0 / 3, -1.0 / 3, 1.0 / 9, -1.0 / 9, 1.0 / 9, -1.0 / 9, 1.0 / 9, 1.0 / 36, 1.0 / 18, 1.0 / 9, 2.0 / 9, 4.0 / 9, -1.0 / 60, 1.0 / 30, -1.0 / 15, 2.0 / 15, -4.0 / 15, 32.0 / 45, 16.0 / 45, 8.0 / 45, 4.0 / 45, 2.0 / 45, 0.0, 0.0, 0.0, 0.0, 1.0};
static const double BT_3_5[] = {-2.0, 4.0, 5.0 / 2, -5.0, -1.0 / 2, 1.0, 0.0, 0.0, 2.0, -2.0, -9.0 / 2, 1.0 / 2, 1.0, 0.0, 0.0, -2.0, 6.0, -7.0 / 2, -3.0 / 2, 1.0, 0.0, 0.0, 1.0, -3.0 / 2, -2.0, 3.0 / 2, 1.0, 0.0, 0.0, -1.0, 5.0 / 2, 0.0, -5.0 / 2, 1.0, 0.0, 0.0, 4.0, 0.0, -5.0, 0.0, 1.0, 0.0, 0.0, -2.0, 4.0, 5.0 / 2, -5.0, -1.0 / 2, 1.0};
static const double AT_4_5[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, 2.0, -2.0, 1.0 / 2, -1.0 / 2, 0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 1.0 / 4, 1.0 / 4, 0.0, 0.0, 1.0, -1.0, 8.0, -8.0, 1.0 / 8, -1.0 / 8, 1.0};
static const double G_4_5[] = {-1.0, 0.0, 0.0, 0.0, 0.0, -2.0 / 9, -2.0 / 9, -2.0 / 9, -2.0 / 9, -2.0 / 9, -2.0 / 9, 2.0 / 9, -2.0 / 9, 2.0 / 9, -2.0 / 9, 1.0 / 90, 1.0 / 45, 2.0 / 45, 4.0 / 45, 8.0 / 45, 1.0 / 90, -1.0 / 45, 2.0 / 45, -4.0 / 45, 8.0 / 45, 32.0 / 45, 16.0 / 45, 8.0 / 45, 4.0 / 45, 2.0 / 45, 32.0 / 45, -16.0 / 45, 8.0 / 45, -4.0 / 45, 2.0 / 45, 0.0, 0.0, 0.0, 0.0, 1.0};
static const double BT_4_5[] = {-1.0, 0.0, 21.0 / 4, 0.0, -21.0 / 4, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, -17.0 / 4, -17.0 / 4, 1.0, 1.0, 0.0, 0.0, -1.0, 1.0, 17.0 / 4, -17.0 / 4, -1.0, 1.0, 0.0, 0.0, 1.0 / 2, 1.0 / 4, -5.0 / 2, -5.0 / 4, 2.0, 1.0, 0.0, 0.0, -1.0 / 2, 1.0 / 4, 5.0 / 2, -5.0 / 4, -2.0, 1.0, 0.0, 0.0, 2.0, 4.0, -5.0 / 2, -5.0, 1.0 / 2, 1.0, 0.0, 0.0, -2.0, 4.0, 5.0 / 2, -5.0, -1.0 / 2, 1.0, 0.0, 0.0, -1.0, 0.0, 21.0 / 4, 0.0, -21.0 / 4, 0.0, 1.0};

typedef struct {
    long m, r, a;
    const double *at, *g, *bt;
} tables;

static int find(long m, long r, tables *t) {
    t->m = m; t->r = r; t->a = m + r - 1;
#define CASE(M, R) if (m == M && r == R) { t->at = AT_##M##_##R; t->g = G_##M##_##R; t->bt = BT_##M##_##R; return 1; }
    CASE(2, 3) CASE(3, 3) CASE(4, 3) CASE(2, 5) CASE(3, 5) CASE(4, 5)
#undef CASE
    return 0;
}

long cnn_winograd_alpha(long m, long r) {
    tables t;
    return find(m, r, &t) ? t.a : 0;
}

// out[i][k][·] = Σ_j p[i·ps + j·pj] · in[j][k][·] (lanes in the last index): a table times a
// stack of lane vectors, rows × inner by inner × cols, skipping the table's zeros.
static inline void left(const double *p, long ps, long pj, long rows, long inner, long cols,
                        double in[MAXA][MAXA][LANES], double out[MAXA][MAXA][LANES]) {
    for (long i = 0; i < rows; i++)
        for (long k = 0; k < cols; k++) {
            double acc[LANES] = {0};
            for (long j = 0; j < inner; j++) {
                double c = p[i * ps + j * pj];
                if (c == 0) continue;
                for (long l = 0; l < LANES; l++) acc[l] += c * in[j][k][l];
            }
            for (long l = 0; l < LANES; l++) out[i][k][l] = acc[l];
        }
}

// out[i][k][·] = Σ_j in[i][j][·] · p[k·ps + j·pj]: a stack of lane vectors times a table's transpose.
static inline void right(const double *p, long ps, long pj, long rows, long inner, long cols,
                         double in[MAXA][MAXA][LANES], double out[MAXA][MAXA][LANES]) {
    for (long i = 0; i < rows; i++)
        for (long k = 0; k < cols; k++) {
            double acc[LANES] = {0};
            for (long j = 0; j < inner; j++) {
                double c = p[k * ps + j * pj];
                if (c == 0) continue;
                for (long l = 0; l < LANES; l++) acc[l] += in[i][j][l] * c;
            }
            for (long l = 0; l < LANES; l++) out[i][k][l] = acc[l];
        }
}

// Where tile t starts: sample, first output row and column.
static inline void locate(long t, long tilesH, long tilesW, long m, long *s, long *row, long *col) {
    long per = tilesH * tilesW, rest = t % per;
    *s = t / per;
    *row = (rest / tilesW) * m;
    *col = (rest % tilesW) * m;
}

CNN_WINO_CLONES
void cnn_winograd_kernels(long m, long r, long filters, long channels, const double *w, int flip, double *u) {
    tables t;
    if (!find(m, r, &t)) return;
    long a = t.a, pairs = filters * channels, inner = flip ? filters : channels;
    double g[MAXA][MAXA][LANES], tmp[MAXA][MAXA][LANES], out[MAXA][MAXA][LANES];
    for (long p0 = 0; p0 < pairs; p0 += LANES) {
        // Lane l holds pair p0 + l of the output's order (outer, inner).
        for (long l = 0; l < LANES; l++) {
            long p = p0 + l < pairs ? p0 + l : p0;
            long i = p / inner, j = p % inner;
            long o = flip ? j : i, c = flip ? i : j;
            const double *k = w + (o * channels + c) * r * r;
            for (long y = 0; y < r; y++)
                for (long x = 0; x < r; x++) g[y][x][l] = flip ? k[(r - 1 - y) * r + (r - 1 - x)] : k[y * r + x];
        }
        left(t.g, r, 1, a, r, r, g, tmp);      // G g   (α×r)
        right(t.g, r, 1, a, r, a, tmp, out);   // (G g) Gᵀ   (α×α)
        long n = pairs - p0 < LANES ? pairs - p0 : LANES;
        for (long xi = 0; xi < a * a; xi++)
            for (long l = 0; l < n; l++) u[xi * pairs + p0 + l] = out[xi / a][xi % a][l];
    }
}

// The α×α windows of channel c for the lanes' tiles (zero outside the image, and for lanes past
// the last tile): base[l] is the lane's sample's first number, or NULL for a missing tile.
static inline void gather(const double *const base[LANES], const long row[LANES], const long col[LANES], long a,
                          long c, long height, long width, double d[MAXA][MAXA][LANES]) {
    for (long l = 0; l < LANES; l++) {
        const double *plane = base[l] ? base[l] + c * height * width : NULL;
        long r0 = row[l], c0 = col[l];
        int inside = plane && r0 >= 0 && c0 >= 0 && r0 + a <= height && c0 + a <= width;
        for (long i = 0; i < a; i++) {
            long y = r0 + i;
            const double *src = plane ? plane + y * width : NULL;
            int rowInside = plane && y >= 0 && y < height;
            for (long j = 0; j < a; j++) {
                long x = c0 + j;
                d[i][j][l] = inside ? src[x] : (rowInside && x >= 0 && x < width ? src[x] : 0.0);
            }
        }
    }
}

CNN_WINO_CLONES
void cnn_winograd_input(long m, long r, const double *x, long sampleSize, long channels, long height, long width,
                        long padTop, long padLeft, long tilesH, long tilesW, long first, long count,
                        double *v, long ldv, int transposed) {
    tables t;
    if (!find(m, r, &t)) return;
    long a = t.a, xiStride = channels * ldv;
    double d[MAXA][MAXA][LANES], tmp[MAXA][MAXA][LANES], out[MAXA][MAXA][LANES];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        const double *base[LANES];
        long row[LANES], col[LANES];
        long n = count - q0 < LANES ? count - q0 : LANES;
        for (long l = 0; l < LANES; l++) {
            long s = 0, y = 0, z = 0;
            if (l < n) locate(first + q0 + l, tilesH, tilesW, m, &s, &y, &z);
            base[l] = l < n ? x + s * sampleSize : NULL;
            row[l] = y - padTop;
            col[l] = z - padLeft;
        }
        for (long c = 0; c < channels; c++) {
            gather(base, row, col, a, c, height, width, d);
            left(t.bt, a, 1, a, a, a, d, tmp);      // Bᵀ d
            right(t.bt, a, 1, a, a, a, tmp, out);   // (Bᵀ d) B
            for (long xi = 0; xi < a * a; xi++) {
                const double *o = out[xi / a][xi % a];
                if (transposed) {
                    double *dst = v + xi * xiStride + q0 * channels + c;
                    for (long l = 0; l < n; l++) dst[l * channels] = o[l];
                } else {
                    double *dst = v + xi * xiStride + c * ldv + q0;
                    for (long l = 0; l < LANES; l++) dst[l] = o[l];
                }
            }
        }
    }
}

CNN_WINO_CLONES
void cnn_winograd_output(long m, long r, const double *mm, long ldm, long filters, long first, long count,
                         long tilesH, long tilesW, long outH, long outW, double *y, long sampleSize,
                         double divisor, int normalize, const double *bias) {
    tables t;
    if (!find(m, r, &t)) return;
    long a = t.a, xiStride = filters * ldm;
    double in[MAXA][MAXA][LANES], tmp[MAXA][MAXA][LANES], out[MAXA][MAXA][LANES];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        long n = count - q0 < LANES ? count - q0 : LANES;
        for (long o = 0; o < filters; o++) {
            for (long xi = 0; xi < a * a; xi++) {
                const double *src = mm + xi * xiStride + o * ldm + q0;
                for (long l = 0; l < LANES; l++) in[xi / a][xi % a][l] = l < n ? src[l] : 0.0;
            }
            left(t.at, a, 1, m, a, a, in, tmp);     // Aᵀ M
            right(t.at, a, 1, m, a, m, tmp, out);   // (Aᵀ M) A
            double b = bias ? bias[o] : 0.0;
            for (long l = 0; l < n; l++) {
                long s, r0, c0;
                locate(first + q0 + l, tilesH, tilesW, m, &s, &r0, &c0);
                double *plane = y + s * sampleSize + o * outH * outW;
                for (long i = 0; i < m && r0 + i < outH; i++)
                    for (long j = 0; j < m && c0 + j < outW; j++) {
                        double value = out[i][j][l];
                        if (normalize) value = value / divisor + b;
                        else if (bias) value += b;
                        plane[(r0 + i) * outW + c0 + j] = value;
                    }
            }
        }
    }
}

CNN_WINO_CLONES
void cnn_winograd_output_gradient(long m, long r, const double *g, long sampleSize, long filters, long outH, long outW,
                                  long tilesH, long tilesW, long first, long count, double *dm, long ldm) {
    tables t;
    if (!find(m, r, &t)) return;
    long a = t.a, xiStride = filters * ldm;
    double in[MAXA][MAXA][LANES], tmp[MAXA][MAXA][LANES], out[MAXA][MAXA][LANES];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        long n = count - q0 < LANES ? count - q0 : LANES;
        long s[LANES], r0[LANES], c0[LANES];
        for (long l = 0; l < n; l++) locate(first + q0 + l, tilesH, tilesW, m, &s[l], &r0[l], &c0[l]);
        for (long o = 0; o < filters; o++) {
            for (long l = 0; l < LANES; l++) {
                const double *plane = l < n ? g + s[l] * sampleSize + o * outH * outW : NULL;
                for (long i = 0; i < m; i++)
                    for (long j = 0; j < m; j++) {
                        int inside = plane && r0[l] + i < outH && c0[l] + j < outW;
                        in[i][j][l] = inside ? plane[(r0[l] + i) * outW + c0[l] + j] : 0.0;
                    }
            }
            left(t.at, 1, a, a, m, m, in, tmp);     // A dY   (α×m)
            right(t.at, 1, a, a, m, a, tmp, out);   // (A dY) Aᵀ   (α×α)
            for (long xi = 0; xi < a * a; xi++) {
                double *dst = dm + xi * xiStride + o * ldm + q0;
                for (long l = 0; l < LANES; l++) dst[l] = out[xi / a][xi % a][l];
            }
        }
    }
}

CNN_WINO_CLONES
void cnn_winograd_kernel_gradient(long m, long r, long filters, long channels, const double *du, double *gw) {
    tables t;
    if (!find(m, r, &t)) return;
    long a = t.a, pairs = filters * channels;
    double in[MAXA][MAXA][LANES], tmp[MAXA][MAXA][LANES], out[MAXA][MAXA][LANES];
    for (long p0 = 0; p0 < pairs; p0 += LANES) {
        long n = pairs - p0 < LANES ? pairs - p0 : LANES;
        for (long xi = 0; xi < a * a; xi++)
            for (long l = 0; l < LANES; l++) in[xi / a][xi % a][l] = l < n ? du[xi * pairs + p0 + l] : 0.0;
        left(t.g, 1, r, r, a, a, in, tmp);      // Gᵀ dU   (r×α)
        right(t.g, 1, r, r, a, r, tmp, out);    // (Gᵀ dU) G   (r×r)
        for (long l = 0; l < n; l++)
            for (long i = 0; i < r; i++)
                for (long j = 0; j < r; j++) gw[(p0 + l) * r * r + i * r + j] = out[i][j][l];
    }
}
