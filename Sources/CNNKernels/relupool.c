// ReLU fused with max pooling: the forward pass pools the rectified values without storing them,
// the backward pass routes each output gradient to its window's winner and applies the ReLU's
// mask in the same loop. The same bits as the two layers one after the other.

#include "cnn_kernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CNN_X86 1
#else
#define CNN_X86 0
#endif

/// The bits of `v > 0 ? v : 0.0` (NaN and −0.0 give +0.0), without a branch.
static inline double relu_bits(double v) {
    unsigned long long b, mask = -(unsigned long long)(v > 0);
    memcpy(&b, &v, sizeof b);
    b &= mask;
    memcpy(&v, &b, sizeof v);
    return v;
}

/// Output cells j0 … outW − 1 of one pooled row (rows r0 and r1 of the input, row pair base =
/// 2·i·width): the scalar loop.
static void relu_pool_row(const double *r0, const double *r1, long base, long width, long j0, long outW,
                          double *dst, int *win) {
    for (long j = j0; j < outW; j++) {
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
        dst[j] = best;
        win[j] = (int)at;
    }
}

#if CNN_X86
/// relu_pool_row eight cells at a time: the even and odd columns of 16 input values are split by
/// permutes, rectified by a masked move (v > 0, ordered: NaN and −0.0 give +0.0, as relu_bits),
/// and each later cell replaces the best where it is strictly greater, as the scalar loop does:
/// the same values and winners.
__attribute__((target("avx512f,avx512vl")))
static long relu_pool_row512(const double *r0, const double *r1, long base, long width, long outW, double *dst,
                             int *win) {
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512d zero = _mm512_setzero_pd();
    const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    long j = 0;
    for (; j + 8 <= outW; j += 8) {
        __m512d a0 = _mm512_loadu_pd(r0 + 2 * j), a1 = _mm512_loadu_pd(r0 + 2 * j + 8);
        __m512d b0 = _mm512_loadu_pd(r1 + 2 * j), b1 = _mm512_loadu_pd(r1 + 2 * j + 8);
        __m512d v0 = _mm512_permutex2var_pd(a0, even, a1), v1 = _mm512_permutex2var_pd(a0, odd, a1);
        __m512d v2 = _mm512_permutex2var_pd(b0, even, b1), v3 = _mm512_permutex2var_pd(b0, odd, b1);
        v0 = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v0, zero, _CMP_GT_OQ), v0);
        v1 = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v1, zero, _CMP_GT_OQ), v1);
        v2 = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v2, zero, _CMP_GT_OQ), v2);
        v3 = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v3, zero, _CMP_GT_OQ), v3);
        __m256i o0 = _mm256_add_epi32(_mm256_set1_epi32((int)(base + 2 * j)), lane2);
        __m256i at = o0;
        __m512d best = v0;
        __mmask8 m = _mm512_cmp_pd_mask(v1, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_pd(best, m, v1);
        at = _mm256_mask_mov_epi32(at, m, _mm256_add_epi32(o0, _mm256_set1_epi32(1)));
        m = _mm512_cmp_pd_mask(v2, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_pd(best, m, v2);
        at = _mm256_mask_mov_epi32(at, m, _mm256_add_epi32(o0, _mm256_set1_epi32((int)width)));
        m = _mm512_cmp_pd_mask(v3, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_pd(best, m, v3);
        at = _mm256_mask_mov_epi32(at, m, _mm256_add_epi32(o0, _mm256_set1_epi32((int)width + 1)));
        _mm512_storeu_pd(dst + j, best);
        _mm256_storeu_si256((__m256i *)(win + j), at);
    }
    return j;
}

static int relu_pool_has_avx512(void) {
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}
#endif

void cnn_relu_maxpool2x2(const double *x, long planes, long height, long width, long outH, long outW,
                         double *y, int *arg) {
    cnn_relu_maxpool2x2_rows(x, planes, height, width, 0, outH, outH, outW, y, arg);
}

void cnn_relu_maxpool2x2_rows(const double *x, long planes, long height, long width, long row0, long rows,
                              long outH, long outW, double *y, int *arg) {
#if CNN_X86
    int wide = relu_pool_has_avx512();
#endif
    for (long plane = 0; plane < planes; plane++) {
        const double *src = x + plane * height * width;
        double *dst = y + plane * outH * outW;
        int *win = arg + plane * outH * outW;
        for (long i = row0; i < row0 + rows; i++) {
            const double *r0 = src + 2 * i * width, *r1 = r0 + width;
            long base = 2 * i * width, j = 0;
#if CNN_X86
            if (wide) j = relu_pool_row512(r0, r1, base, width, outW, dst + i * outW, win + i * outW);
#endif
            relu_pool_row(r0, r1, base, width, j, outW, dst + i * outW, win + i * outW);
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
