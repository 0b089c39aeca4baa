// The NN matrix product C = A·B of every path, packed and blocked for the caches.
//
// Every element of C is one chain of multiply-adds over p = 0, 1, …, k − 1 in order, starting
// from 0 (or from C's element when accumulating): c ← fma(a[i][p], b[p][j], c) on the AVX2 and
// AVX-512 paths, c ← c + a[i][p]·b[p][j] (rounded twice) on the portable path. Blocking over k
// stores the chain's value in C between blocks and loads it back, which changes no bit, so the
// AVX2 and AVX-512 paths give the same bits whatever their register tiles.
//
// Blocks (BLIS's loop order): columns of B in blocks of NC, depth in blocks of KC, rows of A in
// blocks of MC. A block of A (MC×KC) is packed into panels of MR rows, p-major, so the kernel
// broadcasts from consecutive addresses; a block of B (KC×NC) into panels of NR columns, each
// panel KC rows of NR contiguous values (zero-padded), which stays in L1 while the kernel sweeps
// the rows of A over it. When A has at most MR rows a B panel is used once, so full panels are
// read in place instead, as they are when B is narrow, A short and B's rows not 32·k numbers
// apart (see gemm_blocked). The packing buffers belong to the thread (allocated at its first product).

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

enum { MC = 96, KC = 128, NC = 480 };

/// A register tile: MR×NR elements of C over kc steps; ap is a packed A panel (kc × MR), bp the
/// B panel (kc rows, bs apart, NR values each). load: start from C's values, else from 0.
typedef void (*full_kernel)(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load);
/// The same for a tile at the edge of C: only its first mr rows and nr columns are read and written.
typedef void (*edge_kernel)(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load,
                            long mr, long nr);

typedef struct {
    int mr, nr;
    full_kernel full;
    edge_kernel edge;
} micro;

static _Thread_local double *pack_buffer;
static double *pack_space(void);

void cnn_gemm_prepare_thread(void) { (void)pack_space(); }

static double *pack_space(void) {
    if (!pack_buffer) pack_buffer = aligned_alloc(64, sizeof(double) * (size_t)(MC * KC + KC * NC));
    return pack_buffer;
}

/// A[mc×kc] into panels of MR rows: panel r0 holds a[r0 + r][p] at [p·MR + r], zero below mc.
static inline void pack_a_mr(long mc, long kc, const double *a, long lda, const int MR, double *dst) {
    for (long r0 = 0; r0 < mc; r0 += MR, dst += kc * MR) {
        long rows = mc - r0 < MR ? mc - r0 : MR;
        if (rows == MR) {
            for (long p = 0; p < kc; p++)
                for (int r = 0; r < MR; r++) dst[p * MR + r] = a[(r0 + r) * lda + p];
        } else {
            for (long p = 0; p < kc; p++)
                for (int r = 0; r < MR; r++) dst[p * MR + r] = r < rows ? a[(r0 + r) * lda + p] : 0;
        }
    }
}

#if CNN_X86
static void pack_a8_avx512(long mc, long kc, const double *a, long lda, double *dst);
#endif

static void pack_a(long mc, long kc, const double *a, long lda, int mr, double *dst) {
#if CNN_X86
    // Panels of 8 rows are the AVX-512 path's, so the processor has AVX-512.
    if (mr == 8) { pack_a8_avx512(mc, kc, a, lda, dst); return; }
#endif
    if (mr == 8) pack_a_mr(mc, kc, a, lda, 8, dst);
    else pack_a_mr(mc, kc, a, lda, 4, dst);
}

/// B[kc×nc] into panels of NR columns: panel j0 holds b[p][j0 + j] at [p·NR + j], zero right of nc.
static inline void pack_b_nr(long kc, long nc, const double *b, long ldb, const int NR, double *dst) {
    for (long j0 = 0; j0 < nc; j0 += NR, dst += kc * NR) {
        long cols = nc - j0 < NR ? nc - j0 : NR;
        for (long p = 0; p < kc; p++) {
            const double *src = b + p * ldb + j0;
            double *d = dst + p * NR;
            if (cols == NR) for (int j = 0; j < NR; j++) d[j] = src[j];
            else for (int j = 0; j < NR; j++) d[j] = j < cols ? src[j] : 0;
        }
    }
}

static void pack_b(long kc, long nc, const double *b, long ldb, int nr, double *dst) {
    if (nr == 24) pack_b_nr(kc, nc, b, ldb, 24, dst);
    else pack_b_nr(kc, nc, b, ldb, 12, dst);
}

/// The rows of one (jc, pc) block, A's panels at `pa`, B's at `bpanel` (or in place when null).
static void block_rows(const micro *u, long mc, long nc, long kc, const double *pa, const double *bpanel,
                       const double *b, long ldb, double *c, long ldc, int load, double *spare) {
    for (long jr = 0; jr < nc; jr += u->nr) {
        long nr = nc - jr < u->nr ? nc - jr : u->nr;
        const double *bp;
        long bs;
        if (bpanel) { bp = bpanel + jr * kc; bs = u->nr; }
        else if (nr == u->nr) { bp = b + jr; bs = ldb; }
        else { pack_b(kc, nr, b + jr, ldb, u->nr, spare); bp = spare; bs = u->nr; }
        for (long ir = 0; ir < mc; ir += u->mr) {
            long mr = mc - ir < u->mr ? mc - ir : u->mr;
            double *ct = c + ir * ldc + jr;
            if (mr == u->mr && nr == u->nr) u->full(kc, pa + ir * kc, bp, bs, ct, ldc, load);
            else u->edge(kc, pa + ir * kc, bp, bs, ct, ldc, load, mr, nr);
        }
    }
}

/// The product with A given packed (`packed`, from pack_whole_a) or packed here block by block (`a`).
static void gemm_blocked(const micro *u, long m, long n, long k, const double *a, long lda, const double *packed,
                         const double *b, long ldb, double *c, long ldc, int accumulate) {
    double *pa = pack_space(), *pb = pa + MC * KC;
    if (!pa && !a) abort();
    if (!pa) { cnn_gemm_nn_portable_range(0, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate); return; }
    if (k == 0) {
        if (!accumulate) for (long i = 0; i < m; i++) memset(c + i * ldc, 0, sizeof(double) * (size_t)n);
        return;
    }
    // B's panels pay for packing when several row panels of A pass over them, unless B is narrow
    // and A short (a conv block's columns, just written and still in cache): then its full panels
    // are read in place, from rows whose stride (not a multiple of 32 numbers) spreads them over
    // the L1 cache's sets.
    int packB = m > 4 * u->mr && !(m <= 16 * u->mr && n <= 10 * u->nr && ldb % 32 != 0);
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            int load = accumulate || pc > 0;
            const double *bblock = b + pc * ldb + jc;
            if (packB) pack_b(kc, nc, bblock, ldb, u->nr, pb);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                long mcr = (mc + u->mr - 1) / u->mr * u->mr;
                const double *panels = pa;
                if (packed) panels = packed + ic * k + pc * mcr;
                else pack_a(mc, kc, a + ic * lda + pc, lda, u->mr, pa);
                block_rows(u, mc, nc, kc, panels, packB ? pb : 0, bblock, ldb, c + ic * ldc + jc, ldc, load, pb);
            }
        }
    }
}

/// All of A[m×k], block by block in the order gemm_blocked reads them: rows in blocks of MC
/// (each rounded up to MR rows), depth in blocks of KC; block (ic, pc) at ic·k + pc·mcr.
static void pack_whole_a(const micro *u, long m, long k, const double *a, long lda, double *dst) {
    for (long ic = 0; ic < m; ic += MC) {
        long mc = m - ic < MC ? m - ic : MC;
        long mcr = (mc + u->mr - 1) / u->mr * u->mr;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            pack_a(mc, kc, a + ic * lda + pc, lda, u->mr, dst + ic * k + pc * mcr);
        }
    }
}

#pragma clang fp contract(off)
void cnn_gemm_nn_portable_range(long m0, long m, long n0, long n, long k, const double *a, long lda,
                                const double *b, long ldb, double *c, long ldc, int accumulate) {
    // Row by row, p outer: each element still sums p = 0, 1, … in order, and the j loop vectorizes.
    for (long i = m0; i < m; i++) {
        double *ci = c + i * ldc;
        if (!accumulate) for (long j = n0; j < n; j++) ci[j] = 0;
        for (long p = 0; p < k; p++) {
            double x = a[i * lda + p];
            const double *bp = b + p * ldb;
            for (long j = n0; j < n; j++) ci[j] = ci[j] + x * bp[j];
        }
    }
}
#pragma clang fp contract(on)

#if CNN_X86
// An edge tile of Q vectors (Q·4 columns, the last ones masked), as edge512.
__attribute__((target("avx2,fma")))
__attribute__((always_inline)) static inline void edge256(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load,
                           long mr, long nr, const int Q) {
    __m256d s[4][3];
    __m256i mask[3];
    for (int q = 0; q < Q; q++) {
        long left = nr - 4 * q;
        mask[q] = _mm256_setr_epi64x(left > 0 ? -1 : 0, left > 1 ? -1 : 0, left > 2 ? -1 : 0, left > 3 ? -1 : 0);
    }
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < Q; q++)
            s[r][q] = load && r < mr ? _mm256_maskload_pd(c + r * ldc + 4 * q, mask[q]) : _mm256_setzero_pd();
    for (long p = 0; p < kc; p++, ap += 4, bp += bs) {
        __m256d b[3];
        // B's panels are NR = 12 columns wide (zero-padded), so whole vectors can be read.
        for (int q = 0; q < Q; q++) b[q] = _mm256_loadu_pd(bp + 4 * q);
        for (int r = 0; r < 4; r++) {
            __m256d x = _mm256_broadcast_sd(ap + r);
            for (int q = 0; q < Q; q++) s[r][q] = _mm256_fmadd_pd(x, b[q], s[r][q]);
        }
    }
    for (int r = 0; r < 4 && r < mr; r++)
        for (int q = 0; q < Q; q++) _mm256_maskstore_pd(c + r * ldc + 4 * q, mask[q], s[r][q]);
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load,
                        long mr, long nr) {
    if (nr <= 4) edge256(kc, ap, bp, bs, c, ldc, load, mr, nr, 1);
    else if (nr <= 8) edge256(kc, ap, bp, bs, c, ldc, load, mr, nr, 2);
    else edge256(kc, ap, bp, bs, c, ldc, load, mr, nr, 3);
}

__attribute__((target("avx2,fma")))
static void full_avx2(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load) {
    __m256d s[4][3];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 3; q++) s[r][q] = load ? _mm256_loadu_pd(c + r * ldc + 4 * q) : _mm256_setzero_pd();
    for (long p = 0; p < kc; p++, ap += 4, bp += bs) {
        __m256d b0 = _mm256_loadu_pd(bp), b1 = _mm256_loadu_pd(bp + 4), b2 = _mm256_loadu_pd(bp + 8);
        for (int r = 0; r < 4; r++) {
            __m256d x = _mm256_broadcast_sd(ap + r);
            s[r][0] = _mm256_fmadd_pd(x, b0, s[r][0]);
            s[r][1] = _mm256_fmadd_pd(x, b1, s[r][1]);
            s[r][2] = _mm256_fmadd_pd(x, b2, s[r][2]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 3; q++) _mm256_storeu_pd(c + r * ldc + 4 * q, s[r][q]);
}

// An edge tile of Q vectors (Q·8 columns, the last ones masked); Q is a constant in each copy,
// so a tile 16 or 8 columns wide does no multiply-adds for the columns it lacks.
__attribute__((target("avx512f,avx2,fma")))
__attribute__((always_inline)) static inline void edge512(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load,
                           long mr, long nr, const int Q) {
    __m512d s[8][3];
    __mmask8 mask[3];
    for (int q = 0; q < Q; q++) {
        long left = nr - 8 * q;
        mask[q] = (__mmask8)(left >= 8 ? 0xFF : left <= 0 ? 0 : (1u << left) - 1);
    }
    for (int r = 0; r < 8; r++)
        for (int q = 0; q < Q; q++)
            s[r][q] = load && r < mr ? _mm512_maskz_loadu_pd(mask[q], c + r * ldc + 8 * q) : _mm512_setzero_pd();
    for (long p = 0; p < kc; p++, ap += 8, bp += bs) {
        __m512d b[3];
        // B's panels are NR = 24 columns wide (zero-padded), so whole vectors can be read.
        for (int q = 0; q < Q; q++) b[q] = _mm512_loadu_pd(bp + 8 * q);
        for (int r = 0; r < 8; r++) {
            __m512d x = _mm512_set1_pd(ap[r]);
            for (int q = 0; q < Q; q++) s[r][q] = _mm512_fmadd_pd(x, b[q], s[r][q]);
        }
    }
    for (int r = 0; r < 8 && r < mr; r++)
        for (int q = 0; q < Q; q++) _mm512_mask_storeu_pd(c + r * ldc + 8 * q, mask[q], s[r][q]);
}

__attribute__((target("avx512f,avx2,fma")))
static void kernel_avx512(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load,
                          long mr, long nr) {
    if (nr <= 8) edge512(kc, ap, bp, bs, c, ldc, load, mr, nr, 1);
    else if (nr <= 16) edge512(kc, ap, bp, bs, c, ldc, load, mr, nr, 2);
    else edge512(kc, ap, bp, bs, c, ldc, load, mr, nr, 3);
}

__attribute__((target("avx512f,avx2,fma")))
static void full_avx512(long kc, const double *ap, const double *bp, long bs, double *c, long ldc, int load) {
    __m512d s[8][3];
    for (int r = 0; r < 8; r++)
        for (int q = 0; q < 3; q++) s[r][q] = load ? _mm512_loadu_pd(c + r * ldc + 8 * q) : _mm512_setzero_pd();
    for (long p = 0; p < kc; p++, ap += 8, bp += bs) {
        __m512d b0 = _mm512_loadu_pd(bp), b1 = _mm512_loadu_pd(bp + 8), b2 = _mm512_loadu_pd(bp + 16);
        for (int r = 0; r < 8; r++) {
            __m512d x = _mm512_set1_pd(ap[r]);
            s[r][0] = _mm512_fmadd_pd(x, b0, s[r][0]);
            s[r][1] = _mm512_fmadd_pd(x, b1, s[r][1]);
            s[r][2] = _mm512_fmadd_pd(x, b2, s[r][2]);
        }
    }
    for (int r = 0; r < 8; r++)
        for (int q = 0; q < 3; q++) _mm512_storeu_pd(c + r * ldc + 8 * q, s[r][q]);
}

/// pack_a_mr with MR = 8, whole panels eight columns of A at a time, transposed in registers (the
/// same numbers in the same places; the scalar copy read A eight rows apart for every column).
__attribute__((target("avx512f,avx2,fma")))
static void pack_a8_avx512(long mc, long kc, const double *a, long lda, double *dst) {
    long whole = mc / 8 * 8;
    for (long r0 = 0; r0 < whole; r0 += 8, dst += kc * 8) {
        const double *x = a + r0 * lda;
        long p = 0;
        for (; p + 8 <= kc; p += 8) {
            __m512d r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm512_loadu_pd(x + i * lda + p);
            cnn_transpose8(r);
            for (int q = 0; q < 8; q++) _mm512_storeu_pd(dst + (p + q) * 8, r[q]);
        }
        for (; p < kc; p++)
            for (int i = 0; i < 8; i++) dst[p * 8 + i] = x[i * lda + p];
    }
    if (whole < mc) pack_a_mr(mc - whole, kc, a + whole * lda, lda, 8, dst);
}

static const micro micro_avx2 = {4, 12, full_avx2, kernel_avx2};
static const micro micro_avx512 = {8, 24, full_avx512, kernel_avx512};

void cnn_gemm_nn_avx2(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc, int accumulate) {
    gemm_blocked(&micro_avx2, m, n, k, a, lda, 0, b, ldb, c, ldc, accumulate);
}

void cnn_gemm_nn_avx512(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                        double *c, long ldc, int accumulate) {
    gemm_blocked(&micro_avx512, m, n, k, a, lda, 0, b, ldb, c, ldc, accumulate);
}
#endif

static const micro *micro_of(int path) {
#if CNN_X86
    if (path == CNN_PATH_AVX512) return &micro_avx512;
    if (path == CNN_PATH_AVX2) return &micro_avx2;
#endif
    (void)path;
    return 0;
}

long cnn_packed_a_size(long m, long k) { return (m + 7) / 8 * 8 * k; }

void cnn_pack_a(long m, long k, const double *a, long lda, double *packed) {
    const micro *u = micro_of(cnn_kernel_path());
    if (u) { pack_whole_a(u, m, k, a, lda, packed); return; }
    for (long i = 0; i < m; i++) memcpy(packed + i * k, a + i * lda, sizeof(double) * (size_t)k);
}

/// The rows of A's block (`pa`, packed) against every panel of a pre-packed B (cnn_gemm_nn_prepacked's
/// layout) over depth pc ..< pc + kc: AVX2's 12-wide panels are the two halves of each 24-wide one.
static void prepacked_rows(const micro *u, long mc, long n, long k, long pc, long kc, const double *pa,
                           const double *b, double *c, long ldc, int load) {
    const long W = CNN_GEMM_PANEL;
    for (long jr = 0; jr < n; jr += u->nr) {
        long nr = n - jr < u->nr ? n - jr : u->nr;
        const double *bp = b + (jr / W) * W * k + pc * W + jr % W;
        for (long ir = 0; ir < mc; ir += u->mr) {
            long mr = mc - ir < u->mr ? mc - ir : u->mr;
            double *ct = c + ir * ldc + jr;
            if (mr == u->mr && nr == u->nr) u->full(kc, pa + ir * kc, bp, W, ct, ldc, load);
            else u->edge(kc, pa + ir * kc, bp, W, ct, ldc, load, mr, nr);
        }
    }
}

void cnn_gemm_nn_prepacked(long m, long n, long k, const double *packed, const double *b, double *c, long ldc,
                           int accumulate) {
    const micro *u = micro_of(cnn_kernel_path());
    if (!u || k == 0) {
        // The portable path's packed A is A itself (k numbers a row); each panel is a k × W matrix.
        for (long j0 = 0; j0 < n; j0 += CNN_GEMM_PANEL) {
            long cols = n - j0 < CNN_GEMM_PANEL ? n - j0 : CNN_GEMM_PANEL;
            cnn_gemm_nn_portable_range(0, m, 0, cols, k, packed, k, b + j0 * k, CNN_GEMM_PANEL, c + j0, ldc, accumulate);
        }
        return;
    }
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        int load = accumulate || pc > 0;
        for (long ic = 0; ic < m; ic += MC) {
            long mc = m - ic < MC ? m - ic : MC;
            long mcr = (mc + u->mr - 1) / u->mr * u->mr;
            prepacked_rows(u, mc, n, k, pc, kc, packed + ic * k + pc * mcr, b, c + ic * ldc, ldc, load);
        }
    }
}

void cnn_gemm_nn_packed(long m, long n, long k, const double *packed, const double *b, long ldb, double *c, long ldc,
                        int accumulate) {
    const micro *u = micro_of(cnn_kernel_path());
    if (u) { gemm_blocked(u, m, n, k, 0, 0, packed, b, ldb, c, ldc, accumulate); return; }
    cnn_gemm_nn_portable_range(0, m, 0, n, k, packed, k, b, ldb, c, ldc, accumulate);
}
