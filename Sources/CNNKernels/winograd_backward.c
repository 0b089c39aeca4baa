// Winograd convolution's backward transforms that the forward pass does not have (see
// cnn_winograd.h): the transformed kernels stored transposed for the input gradient's products,
// and the input gradient's tiles, B dV Bᵀ, added onto the input's overlapping windows.
//
// As in winograd.c, eight tiles (or kernels) go through a transform at once, lane by lane, every
// value a chain of plain adds of rounded products in the table's order, with no fused
// multiply-add, so the bits are the same on every processor and clone.

#include "cnn_winograd.h"
#include "winograd_internal.h"

#define KERNELS_TRANSPOSED(M, R, A, AT, G, BT, ...) kernels_transposed_body(M, R, A, G, __VA_ARGS__)
INLINE void kernels_transposed_body(long m, long r, long a, const double *gt, long filters, long channels,
                                    const double *w, double *u, long ps, long first, long count) {
    long pairs = first + count;
    lanes g[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
    for (long p0 = first; p0 < pairs; p0 += LANES) {
        // Lane l holds pair p0 + l in the order (channel, filter).
        for (long l = 0; l < LANES; l++) {
            long p = p0 + l < pairs ? p0 + l : p0;
            const double *k = w + ((p % filters) * channels + p / filters) * r * r;
            for (long y = 0; y < r; y++)
                for (long x = 0; x < r; x++) g[y][x][l] = k[y * r + x];
        }
        left(gt, r, 1, a, r, r, g, tmp);      // G g   (α×r)
        right(gt, r, 1, a, r, a, tmp, out);   // (G g) Gᵀ   (α×α)
        store_kernel_lanes(out, a, pairs, p0, u, ps);
    }
    (void)m;
}

CNN_WINO_CLONES
void cnn_winograd_kernels_transposed(long m, long r, long filters, long channels, const double *w, double *u, long ps,
                                     long first, long count) {
    DISPATCH(m, r, KERNELS_TRANSPOSED, filters, channels, w, u, ps, first, count)
}

// Lane l's α×α window gradient d[·][·][l] onto its plane, clipped to the image: rows below
// `freshRow` and columns below `freshCol` (the ones an earlier tile covers) are added, the rest written.
INLINE void scatter(lanes d[MAXA][MAXA], long l, long a, double *plane, long height, long width, long r0, long c0,
                    long freshRow, long freshCol) {
    long i0 = r0 < 0 ? -r0 : 0, i1 = height - r0 < a ? height - r0 : a;
    long j0 = c0 < 0 ? -c0 : 0, j1 = width - c0 < a ? width - c0 : a;
    long split = freshCol < j0 ? j0 : freshCol > j1 ? j1 : freshCol;
    for (long i = i0; i < i1; i++) {
        double *dst = plane + (r0 + i) * width + c0;
        if (i < freshRow) {
            for (long j = j0; j < j1; j++) dst[j] += d[i][j][l];
            continue;
        }
        for (long j = j0; j < split; j++) dst[j] += d[i][j][l];
        for (long j = split; j < j1; j++) dst[j] = d[i][j][l];
    }
}

#define INPUT_GRADIENT(M, R, A, AT, G, BT, ...) input_gradient_body(M, R, A, BT, __VA_ARGS__)
INLINE void input_gradient_body(long m, long r, long a, const double *bt, const double *dv, long ldv, long ps,
                                long channels, long first, long count, long tilesH, long tilesW, long height,
                                long width, long padTop, long padLeft, double *gx, long sampleSize) {
    lanes in[MAXA][MAXA], tmp[MAXA][MAXA], out[MAXA][MAXA];
    for (long q0 = 0; q0 < count; q0 += LANES) {
        long n = count - q0 < LANES ? count - q0 : LANES;
        long s[LANES], r0[LANES], c0[LANES], fr[LANES], fc[LANES];
        for (long l = 0; l < n; l++) {
            long y = 0, z = 0;
            locate(first + q0 + l, tilesH, tilesW, m, &s[l], &y, &z);
            fr[l] = y > 0 ? r - 1 : 0;
            fc[l] = z > 0 ? r - 1 : 0;
            r0[l] = y - padTop;
            c0[l] = z - padLeft;
        }
        for (long c = 0; c < channels; c++) {
            UNROLL for (long xi = 0; xi < a * a; xi++) {
                const double *src = dv + xi * ps + c * ldv + q0;
                for (long l = 0; l < LANES; l++) in[xi / a][xi % a][l] = src[l];
            }
            left(bt, 1, a, a, a, a, in, tmp);     // B dV   (B[i][j] = Bᵀ[j][i])
            right(bt, 1, a, a, a, a, tmp, out);   // (B dV) Bᵀ
            for (long l = 0; l < n; l++)
                scatter(out, l, a, gx + s[l] * sampleSize + c * height * width, height, width, r0[l], c0[l], fr[l], fc[l]);
        }
    }
}

CNN_WINO_CLONES
void cnn_winograd_input_gradient(long m, long r, const double *dv, long ldv, long ps, long channels, long first,
                                 long count, long tilesH, long tilesW, long height, long width, long padTop,
                                 long padLeft, double *gx, long sampleSize) {
    DISPATCH(m, r, INPUT_GRADIENT, dv, ldv, ps, channels, first, count, tilesH, tilesW, height, width, padTop, padLeft,
             gx, sampleSize)
}
