// Winograd convolution's transforms (see cnn_winograd.h): kernels, input tiles, output tiles and
// their gradients. The products between the transforms are cnn_gemm_nn's.
//
// Each transform works on eight tiles (or kernels) at once, lane by lane, so the loops over the
// lanes vectorize; the tables' zeros are skipped, and every value is a chain of plain adds of
// rounded products in the table's order, with contraction into fused multiply-adds switched off,
// so the bits are the same whatever the processor and whichever clone the loader picks.

#include "cnn_winograd.h"
#include "cnn_kernels.h"
#include <stddef.h>
#include <string.h>
#include "winograd_internal.h"

long cnn_winograd_alpha(long m, long r) {
    switch (m * 10 + r) {
    case 23: case 33: case 43: case 25: case 35: case 45: return m + r - 1;
    default: return 0;
    }
}

#define KERNELS(M, R, A, AT, G, BT, ...) kernels_body(M, R, A, G, __VA_ARGS__)
INLINE void kernels_body(long m, long r, long a, const double *gt, long filters, long channels, const double *w, int flip,
                         double *u, long ps) {
    long pairs = filters * channels, inner = flip ? filters : channels;
    lanes g[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
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
        left(gt, r, 1, a, r, r, g, tmp);      // G g   (α×r)
        right(gt, r, 1, a, r, a, tmp, out);   // (G g) Gᵀ   (α×α)
        store_kernel_lanes(out, a, pairs, p0, u, ps);
    }
}

CNN_WINO_CLONES
void cnn_winograd_kernels(long m, long r, long filters, long channels, const double *w, int flip, double *u, long ps) {
    DISPATCH(m, r, KERNELS, filters, channels, w, flip, u, ps)
}

// The α×α windows of channel c for the lanes' tiles (zero outside the image, and for lanes past
// the last tile): base[l] is the lane's sample's first number, or NULL for a missing tile.
INLINE void gather(const double *const base[LANES], const long row[LANES], const long col[LANES], long a,
                   long c, long height, long width, lanes d[MAXA][MAXA]) {
    for (long l = 0; l < LANES; l++) {
        long r0 = row[l], c0 = col[l];
        if (!base[l]) {
            UNROLL for (long i = 0; i < a; i++) UNROLL for (long j = 0; j < a; j++) d[i][j][l] = 0.0;
            continue;
        }
        const double *plane = base[l] + c * height * width;
        if (r0 >= 0 && c0 >= 0 && r0 + a <= height && c0 + a <= width) {
            UNROLL for (long i = 0; i < a; i++) {
                const double *src = plane + (r0 + i) * width + c0;
                UNROLL for (long j = 0; j < a; j++) d[i][j][l] = src[j];
            }
            continue;
        }
        // A window over the edge: zeros, then the rows and columns inside the image.
        UNROLL for (long i = 0; i < a; i++) UNROLL for (long j = 0; j < a; j++) d[i][j][l] = 0.0;
        long i0 = r0 < 0 ? -r0 : 0, i1 = height - r0 < a ? height - r0 : a;
        long j0 = c0 < 0 ? -c0 : 0, j1 = width - c0 < a ? width - c0 : a;
        for (long i = i0; i < i1; i++) {
            const double *src = plane + (r0 + i) * width + c0;
            for (long j = j0; j < j1; j++) d[i][j][l] = src[j];
        }
    }
}

#define INPUT(M, R, A, AT, G, BT, ...) input_body(M, R, A, BT, __VA_ARGS__)
INLINE void input_body(long m, long r, long a, const double *bt, const double *x, long sampleSize, long channels,
                       long height, long width, long padTop, long padLeft, long tilesH, long tilesW, long first,
                       long count, double *v, long ldv, long ps, int layout) {
    lanes d[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
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
            left(bt, a, 1, a, a, a, d, tmp);      // Bᵀ d
            right(bt, a, 1, a, a, a, tmp, out);   // (Bᵀ d) B
            UNROLL for (long xi = 0; xi < a * a; xi++) {
                const double *o = out[xi / a][xi % a];
                if (layout == 1) {
                    double *dst = v + xi * ps + q0 * ldv + c;
                    for (long l = 0; l < n; l++) dst[l * ldv] = o[l];
                } else if (layout == 2) {
                    // Panels of W = 24 tiles: the eight lanes (q0 a multiple of 8) fall in one panel.
                    double *dst = v + xi * ps + (q0 / CNN_GEMM_PANEL) * CNN_GEMM_PANEL * channels + c * CNN_GEMM_PANEL
                                  + q0 % CNN_GEMM_PANEL;
                    for (long l = 0; l < LANES; l++) dst[l] = o[l];
                } else {
                    double *dst = v + xi * ps + c * ldv + q0;
                    for (long l = 0; l < LANES; l++) dst[l] = o[l];
                }
            }
        }
    }
    (void)r;
}

CNN_WINO_CLONES
void cnn_winograd_input(long m, long r, const double *x, long sampleSize, long channels, long height, long width,
                        long padTop, long padLeft, long tilesH, long tilesW, long first, long count,
                        double *v, long ldv, long ps, int transposed) {
    DISPATCH(m, r, INPUT, x, sampleSize, channels, height, width, padTop, padLeft, tilesH, tilesW, first, count, v, ldv,
             ps, transposed ? 1 : 0)
}

CNN_WINO_CLONES
void cnn_winograd_input_panels(long m, long r, const double *x, long sampleSize, long channels, long height, long width,
                               long padTop, long padLeft, long tilesH, long tilesW, long first, long count,
                               double *v, long ps) {
    DISPATCH(m, r, INPUT, x, sampleSize, channels, height, width, padTop, padLeft, tilesH, tilesW, first, count, v, 0,
             ps, 2)
}

#define OUTPUT(M, R, A, AT, G, BT, ...) output_body(M, R, A, AT, __VA_ARGS__)
INLINE void output_body(long m, long r, long a, const double *at, const double *mm, long ldm, long ps, long filters,
                        long first, long count, long tilesH, long tilesW, long outH, long outW, double *y,
                        long sampleSize, double divisor, int normalize, const double *bias) {
    lanes in[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        long s[LANES], r0[LANES], c0[LANES];
        long n = locate_lanes(first + q0, count - q0, tilesH, tilesW, m, outH, outW, s, r0, c0, NULL);
        for (long o = 0; o < filters; o++) {
            UNROLL for (long xi = 0; xi < a * a; xi++) {
                const double *src = mm + xi * ps + o * ldm + q0;
                for (long l = 0; l < LANES; l++) in[xi / a][xi % a][l] = src[l];
            }
            left(at, a, 1, m, a, a, in, tmp);     // Aᵀ M
            right(at, a, 1, m, a, m, tmp, out);   // (Aᵀ M) A
            // Y / divisor + b (or Y + b) lane by lane, vectorized over the lanes, then copied out.
            double b = bias ? bias[o] : 0.0;
            if (normalize) {
                UNROLL for (long i = 0; i < m; i++) UNROLL for (long j = 0; j < m; j++)
                    for (long l = 0; l < LANES; l++) out[i][j][l] = out[i][j][l] / divisor + b;
            } else if (bias) {
                UNROLL for (long i = 0; i < m; i++) UNROLL for (long j = 0; j < m; j++)
                    for (long l = 0; l < LANES; l++) out[i][j][l] = out[i][j][l] + b;
            }
            for (long l = 0; l < n; l++) {
                double *plane = y + s[l] * sampleSize + o * outH * outW;
                for (long i = 0; i < m && r0[l] + i < outH; i++)
                    for (long j = 0; j < m && c0[l] + j < outW; j++) plane[(r0[l] + i) * outW + c0[l] + j] = out[i][j][l];
            }
        }
    }
    (void)r;
}

CNN_WINO_CLONES
void cnn_winograd_output(long m, long r, const double *mm, long ldm, long ps, long filters, long first, long count,
                         long tilesH, long tilesW, long outH, long outW, double *y, long sampleSize,
                         double divisor, int normalize, const double *bias) {
    DISPATCH(m, r, OUTPUT, mm, ldm, ps, filters, first, count, tilesH, tilesW, outH, outW, y, sampleSize, divisor,
             normalize, bias)
}

#define OUTPUT_GRADIENT(M, R, A, AT, G, BT, ...) output_gradient_body(M, R, A, AT, __VA_ARGS__)
INLINE void output_gradient_body(long m, long r, long a, const double *at, const double *g, long sampleSize, long filters,
                                 long outH, long outW, long tilesH, long tilesW, long first, long count, double *dm,
                                 long ldm, long ps) {
    lanes in[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        long s[LANES], r0[LANES], c0[LANES];
        int all = 0;
        long n = locate_lanes(first + q0, count - q0, tilesH, tilesW, m, outH, outW, s, r0, c0, &all);
        for (long o = 0; o < filters; o++) {
            if (all) {
                // Eight whole tiles: plain loads.
                for (long l = 0; l < LANES; l++) {
                    const double *plane = g + s[l] * sampleSize + o * outH * outW + r0[l] * outW + c0[l];
                    UNROLL for (long i = 0; i < m; i++) UNROLL for (long j = 0; j < m; j++) in[i][j][l] = plane[i * outW + j];
                }
            } else for (long l = 0; l < LANES; l++) {
                const double *plane = l < n ? g + s[l] * sampleSize + o * outH * outW : NULL;
                int whole = plane && r0[l] + m <= outH && c0[l] + m <= outW;
                UNROLL for (long i = 0; i < m; i++)
                    UNROLL for (long j = 0; j < m; j++) {
                        int inside = whole || (plane && r0[l] + i < outH && c0[l] + j < outW);
                        in[i][j][l] = inside ? plane[(r0[l] + i) * outW + c0[l] + j] : 0.0;
                    }
            }
            left(at, 1, a, a, m, m, in, tmp);     // A dY   (α×m)
            right(at, 1, a, a, m, a, tmp, out);   // (A dY) Aᵀ   (α×α)
            UNROLL for (long xi = 0; xi < a * a; xi++) {
                double *dst = dm + xi * ps + o * ldm + q0;
                for (long l = 0; l < LANES; l++) dst[l] = out[xi / a][xi % a][l];
            }
        }
    }
    (void)r;
}

CNN_WINO_CLONES
void cnn_winograd_output_gradient(long m, long r, const double *g, long sampleSize, long filters, long outH, long outW,
                                  long tilesH, long tilesW, long first, long count, double *dm, long ldm, long ps) {
    DISPATCH(m, r, OUTPUT_GRADIENT, g, sampleSize, filters, outH, outW, tilesH, tilesW, first, count, dm, ldm, ps)
}

#define KERNEL_GRADIENT(M, R, A, AT, G, BT, ...) kernel_gradient_body(M, R, A, G, __VA_ARGS__)
INLINE void kernel_gradient_body(long m, long r, long a, const double *gt, long filters, long channels, const double *du,
                                 long ps, double *gw) {
    long pairs = filters * channels;
    lanes in[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
    for (long p0 = 0; p0 < pairs; p0 += LANES) {
        long n = pairs - p0 < LANES ? pairs - p0 : LANES;
        for (long xi = 0; xi < a * a; xi++)
            for (long l = 0; l < LANES; l++) in[xi / a][xi % a][l] = l < n ? du[xi * ps + p0 + l] : 0.0;
        left(gt, 1, r, r, a, a, in, tmp);      // Gᵀ dU   (r×α)
        right(gt, 1, r, r, a, r, tmp, out);    // (Gᵀ dU) G   (r×r)
        for (long l = 0; l < n; l++)
            for (long i = 0; i < r; i++)
                for (long j = 0; j < r; j++) gw[(p0 + l) * r * r + i * r + j] = out[i][j][l];
    }
    (void)m;
}

CNN_WINO_CLONES
void cnn_winograd_kernel_gradient(long m, long r, long filters, long channels, const double *du, long ps, double *gw) {
    DISPATCH(m, r, KERNEL_GRADIENT, filters, channels, du, ps, gw)
}
