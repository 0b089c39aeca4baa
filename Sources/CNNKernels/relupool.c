// ReLU fused with max pooling: the forward pass pools the rectified values without storing them,
// the backward pass routes each output gradient to its window's winner and applies the ReLU's
// mask in the same loop. The same bits as the two layers one after the other.

#include "cnn_kernels.h"
#include <string.h>

/// The bits of `v > 0 ? v : 0.0` (NaN and −0.0 give +0.0), without a branch.
static inline double relu_bits(double v) {
    unsigned long long b, mask = -(unsigned long long)(v > 0);
    memcpy(&b, &v, sizeof b);
    b &= mask;
    memcpy(&v, &b, sizeof v);
    return v;
}

void cnn_relu_maxpool2x2(const double *x, long planes, long height, long width, long outH, long outW,
                         double *y, int *arg) {
    for (long plane = 0; plane < planes; plane++) {
        const double *src = x + plane * height * width;
        double *dst = y + plane * outH * outW;
        int *win = arg + plane * outH * outW;
        for (long i = 0; i < outH; i++) {
            const double *r0 = src + 2 * i * width, *r1 = r0 + width;
            long base = 2 * i * width;
            for (long j = 0; j < outW; j++) {
                double v0 = relu_bits(r0[2 * j]), v1 = relu_bits(r0[2 * j + 1]);
                double v2 = relu_bits(r1[2 * j]), v3 = relu_bits(r1[2 * j + 1]);
                long o0 = base + 2 * j;
                double best = v0;
                long at = o0;
                // As cnn_maxpool2x2 on the rectified plane: strictly greater replaces (a tie goes
                // to the first cell); rectified values are never NaN, so no NaN search.
                if (v1 > best) { best = v1; at = o0 + 1; }
                if (v2 > best) { best = v2; at = o0 + width; }
                if (v3 > best) { best = v3; at = o0 + width + 1; }
                dst[i * outW + j] = best;
                win[i * outW + j] = (int)at;
            }
        }
    }
}

void cnn_maxpool_relu_backward(const double *gy, const int *arg, const double *y, long planes,
                               long inPlane, long outPlane, double *gx) {
    for (long plane = 0; plane < planes; plane++) {
        const double *g = gy + plane * outPlane, *pooled = y + plane * outPlane;
        const int *win = arg + plane * outPlane;
        double *dst = gx + plane * inPlane;
        // Zeroed plane by plane, so the plane is still in cache when its winners are added.
        memset(dst, 0, (size_t)inPlane * sizeof *dst);
        for (long q = 0; q < outPlane; q++) {
            // Pooling adds into +0.0 and the ReLU's mask then keeps the sum or gives +0.0: adding
            // only where the mask is on gives the same bits. The winner's input is > 0 exactly
            // where its pooled (rectified) value is.
            if (pooled[q] > 0) dst[win[q]] += g[q];
        }
    }
}
