// Times the engine's matrix products alone, one thread, by the thread's CPU time, on the shapes
// the conv layers give them (docs/performance.md, "Products and the thread pool").
//
//   K=Sources/CNNKernels
//   clang -O3 -I$K/include -I$K bench/kernel_bench.c $K/*.c -lpthread -o /tmp/kernel_bench
//   /tmp/kernel_bench                  # every shape: name, µs per product, GFLOP/s
//   /tmp/kernel_bench wgr              # the shapes whose name contains "wgr"
//   CNN_EXPLAIN_KERNEL=avx2 /tmp/kernel_bench
//
// Each shape runs 15 rounds of about 20 ms and keeps the fastest (the machine is shared). The
// numbers are drawn from a fixed seed; the printed checksum only keeps the products from being
// optimized away. Not part of the build or the tests.

#include "cnn_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NN = 0, NN_PACKED = 1, NT = 2 };

typedef struct {
    const char *name;
    long m, n, k, lda, ldb;
    int kind, accumulate;
} shape;

static const shape shapes[] = {
    // The wide layers (56², conv 64 → 128, batch 32): the forward product of a block of 66
    // positions and of a whole image, with the weights packed once; the input gradient; the weight
    // gradient by channel (8 channels × 25 columns, a block of 66 or 88 positions).
    {"fwd56-block 128x66x1600", 128, 66, 1600, 1600, 66, NN_PACKED, 0},
    {"fwd56-image 128x484x1600", 128, 484, 1600, 1600, 484, NN_PACKED, 0},
    {"direct 128x500x1600", 128, 500, 1600, 1600, 500, NN_PACKED, 0},
    {"fwd28 128x48x1600", 128, 48, 1600, 1600, 48, NN_PACKED, 0},
    {"igr56-block 1600x66x128", 1600, 66, 128, 128, 484, NN_PACKED, 0},
    {"igr56-image 1600x484x128", 1600, 484, 128, 128, 484, NN_PACKED, 0},
    {"igr28 1600x48x128", 1600, 48, 128, 128, 64, NN_PACKED, 0},
    {"wgr56 128x200x66", 128, 200, 66, 484, 200, NN, 1},
    {"wgr56 128x200x88", 128, 200, 88, 484, 200, NN, 1},
    {"wgr28 128x200x48", 128, 200, 48, 64, 200, NN, 1},
    // Winograd-like products: filters × tiles × channels.
    {"wino 128x64x64", 128, 64, 64, 64, 64, NN, 0},
    {"wino 128x128x64", 128, 128, 64, 64, 128, NN, 0},
    {"wino 128x256x64", 128, 256, 64, 64, 256, NN, 0},
    {"wino 64x128x32", 64, 128, 32, 32, 128, NN, 0},
    {"wino 32x128x16", 32, 128, 16, 16, 128, NN, 0},
    {"wino-packed 128x256x64", 128, 256, 64, 64, 256, NN_PACKED, 0},
    {"wino-packed 32x128x16", 32, 128, 16, 16, 128, NN_PACKED, 0},
    {"square 512x512x512", 512, 512, 512, 512, 512, NN, 0},
    // The digits network's weight gradients (NT: dot products over a block's positions).
    {"NT d28-conv2 16x200x64", 16, 200, 64, 64, 64, NT, 0},
    {"NT d28-conv1 8x25x576", 8, 25, 576, 576, 576, NT, 0},
    {"NT d56-conv2 16x200x66", 16, 200, 66, 484, 66, NT, 0},
    {"NT d56-conv1 8x25x624", 8, 25, 624, 2704, 624, NT, 0},
    {"NT d112-conv2 16x200x106", 16, 200, 106, 2809, 106, NT, 0},
};

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double *filled(long count, unsigned *seed) {
    double *x = aligned_alloc(64, sizeof(double) * (size_t)((count + 7) / 8 * 8));
    if (!x) { fprintf(stderr, "kernel_bench: out of memory\n"); exit(1); }
    for (long i = 0; i < count; i++) x[i] = rand_r(seed) / (double)RAND_MAX - 0.5;
    return x;
}

static void run(const shape *s, const double *a, const double *packed, const double *b, double *c) {
    if (s->kind == NT) cnn_gemm_nt(s->m, s->n, s->k, a, s->lda, b, s->ldb, c, s->n);
    else if (s->kind == NN_PACKED) cnn_gemm_nn_packed(s->m, s->n, s->k, packed, b, s->ldb, c, s->n, s->accumulate);
    else cnn_gemm_nn(s->m, s->n, s->k, a, s->lda, b, s->ldb, c, s->n, s->accumulate);
}

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : 0;
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const shape *s = &shapes[t];
        if (only && !strstr(s->name, only)) continue;
        unsigned seed = 1;
        double *a = filled(s->m * s->lda, &seed);
        double *b = filled(s->kind == NT ? s->n * s->ldb : s->k * s->ldb, &seed);
        double *c = filled(s->m * s->n, &seed);
        double *packed = filled(cnn_packed_a_size(s->m, s->k), &seed);
        cnn_pack_a(s->m, s->k, a, s->lda, packed);
        double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k, best = 1e30;
        long reps = (long)(0.02e9 / flops) + 1;
        for (int round = 0; round < 15; round++) {
            double t0 = cpu_seconds();
            for (long r = 0; r < reps; r++) run(s, a, packed, b, c);
            double dt = (cpu_seconds() - t0) / (double)reps;
            if (dt < best) best = dt;
        }
        double sum = 0;
        for (long i = 0; i < s->m * s->n; i++) sum += c[i];
        printf("%-28s %10.1f us %6.1f GFLOP/s  (checksum %.6g)\n", s->name, best * 1e6, flops / best * 1e-9, sum);
        free(a); free(b); free(c); free(packed);
    }
    return 0;
}
