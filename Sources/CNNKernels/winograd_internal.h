// The parts of Winograd convolution shared by its forward transforms (winograd.c) and its
// backward ones (winograd_backward.c): the Cook–Toom tables, DISPATCH, and the table products on
// lanes of eight tiles. Included by those two files only.

#ifndef CNN_WINOGRAD_INTERNAL_H
#define CNN_WINOGRAD_INTERNAL_H

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


// Every transform is written once as an always-inlined body taking m, r, α and the tables, and
// called through DISPATCH with constants, so each (m, r) gets its own code: the loops over the
// tables unroll and the tables' zeros and ones fold away.
#define DISPATCH(m, r, BODY, ...) \
    switch ((m) * 10 + (r)) { \
    case 23: BODY(2, 3, 4, AT_2_3, G_2_3, BT_2_3, __VA_ARGS__); break; \
    case 33: BODY(3, 3, 5, AT_3_3, G_3_3, BT_3_3, __VA_ARGS__); break; \
    case 43: BODY(4, 3, 6, AT_4_3, G_4_3, BT_4_3, __VA_ARGS__); break; \
    case 25: BODY(2, 5, 6, AT_2_5, G_2_5, BT_2_5, __VA_ARGS__); break; \
    case 35: BODY(3, 5, 7, AT_3_5, G_3_5, BT_3_5, __VA_ARGS__); break; \
    case 45: BODY(4, 5, 8, AT_4_5, G_4_5, BT_4_5, __VA_ARGS__); break; \
    default: break; \
    }
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("clang loop unroll(full)")

typedef double lanes[LANES];

// out[i][k][·] = Σ_j p[i·ps + j·pj] · in[j][k][·] (lanes in the last index): a table times a
// stack of lane vectors, rows × inner by inner × cols, skipping the table's zeros.
INLINE void left(const double *p, long ps, long pj, long rows, long inner, long cols,
                 lanes in[MAXA][MAXA], lanes out[MAXA][MAXA]) {
    UNROLL for (long i = 0; i < rows; i++)
        UNROLL for (long k = 0; k < cols; k++) {
            double acc[LANES] = {0};
            UNROLL for (long j = 0; j < inner; j++) {
                double c = p[i * ps + j * pj];
                if (c == 0) continue;
                for (long l = 0; l < LANES; l++) acc[l] += c * in[j][k][l];
            }
            for (long l = 0; l < LANES; l++) out[i][k][l] = acc[l];
        }
}

// out[i][k][·] = Σ_j in[i][j][·] · p[k·ps + j·pj]: a stack of lane vectors times a table's transpose.
INLINE void right(const double *p, long ps, long pj, long rows, long inner, long cols,
                  lanes in[MAXA][MAXA], lanes out[MAXA][MAXA]) {
    UNROLL for (long i = 0; i < rows; i++)
        UNROLL for (long k = 0; k < cols; k++) {
            double acc[LANES] = {0};
            UNROLL for (long j = 0; j < inner; j++) {
                double c = p[k * ps + j * pj];
                if (c == 0) continue;
                for (long l = 0; l < LANES; l++) acc[l] += in[i][j][l] * c;
            }
            for (long l = 0; l < LANES; l++) out[i][k][l] = acc[l];
        }
}

// Where tile t starts: sample, first output row and column.
INLINE void locate(long t, long tilesH, long tilesW, long m, long *s, long *row, long *col) {
    long per = tilesH * tilesW, rest = t % per;
    *s = t / per;
    *row = (rest / tilesW) * m;
    *col = (rest % tilesW) * m;
}

// The lanes of tiles t0 ..< t0 + min(left, LANES) of an outH × outW output: each lane's sample and
// first output row and column; *whole (when not NULL) says whether all eight lanes hold tiles that
// lie wholly inside the output. Returns the number of lanes that hold a tile.
INLINE long locate_lanes(long t0, long left, long tilesH, long tilesW, long m, long outH, long outW,
                         long s[LANES], long r0[LANES], long c0[LANES], int *whole) {
    long n = left < LANES ? left : LANES;
    int all = n == LANES;
    for (long l = 0; l < n; l++) {
        locate(t0 + l, tilesH, tilesW, m, &s[l], &r0[l], &c0[l]);
        all = all && r0[l] + m <= outH && c0[l] + m <= outW;
    }
    if (whole) *whole = all;
    return n;
}

// Kernel pairs p0 ..< p0 + min(pairs − p0, LANES), transformed (out[·][·][l], α×α), stored as
// column p0 + l of U's α² rows (row ξ at u + ξ·ps): the eight lanes at once when all are pairs.
INLINE void store_kernel_lanes(lanes out[MAXA][MAXA], long a, long pairs, long p0, double *u, long ps) {
    long n = pairs - p0 < LANES ? pairs - p0 : LANES;
    if (n == LANES) {
        UNROLL for (long xi = 0; xi < a * a; xi++)
            for (long l = 0; l < LANES; l++) u[xi * ps + p0 + l] = out[xi / a][xi % a][l];
    } else {
        for (long xi = 0; xi < a * a; xi++)
            for (long l = 0; l < n; l++) u[xi * ps + p0 + l] = out[xi / a][xi % a][l];
    }
}

#endif
