#ifndef CNN_DIRECT_H
#define CNN_DIRECT_H

// Direct convolution for stride 1, dilation 1 and no padding: the input's rows are read in place,
// so no im2col columns are written. Each result has exactly the bits of im2col followed by the
// matrix product on the same kernel path (cnn_gemm_nn / cnn_gemm_nt, see cnn_kernels.h).
//
// Notation: one sample x [channels, height, width]; weight index p = (c·kh + a)·kw + b,
// K = channels·kh·kw; the block of output rows i0 … i0 + rows − 1, every one outW wide, with
// positions q = (i − i0)·outW + j, q < np = rows·outW. col[p][q] = x[c][i + a][j + b].

/// The largest K the direct kernels take.
enum { CNN_DIRECT_MAX_K = 1024 };

/// Numbers cnn_direct_pack writes: at most cnn_packed_a_size(filters, k).
long cnn_direct_packed_size(long filters, long k);

/// Packs w [filters × k] for cnn_direct_forward on `path` (groups of 8 filters on AVX-512, 4 on
/// AVX2, p-major within a group, zero-padded; a plain copy on the portable path).
void cnn_direct_pack(int path, long filters, long k, const double *w, double *packed);

/// y[o][q] for the block (y points at the block's first position of filter 0, filters ldy apart):
/// s = Σ_p w[o][p]·col[p][q], one chain over p in order from 0, as cnn_gemm_nn computes it on
/// `path`; then mode 0 stores s, mode 1 stores s + bias[o], mode 2 stores s / divisor + bias[o]
/// (bias may be null in mode 2: + 0). Requires K ≤ CNN_DIRECT_MAX_K, i0 + rows + kh − 1 ≤ height,
/// outW + kw − 1 ≤ width.
void cnn_direct_forward(int path, const double *x, long channels, long height, long width, long kh, long kw,
                        long i0, long rows, long outW, const double *packed, long filters,
                        double *y, long ldy, int mode, double divisor, const double *bias);

/// gw[o][p] += Σ_q g[o][q]·col[p][q] for the block (g points at the block's first position of
/// filter 0, rows ldg apart; gw is filters × K): the bits of cnn_gemm_nt(filters, K, np, g, ldg,
/// col, np, gw, K) on `path` (four partial sums by q mod 4, then the tail). Requires what
/// cnn_direct_forward requires, and rows == 1 or outW a multiple of 4.
void cnn_direct_weight_gradient(int path, const double *x, long channels, long height, long width, long kh, long kw,
                                long i0, long rows, long outW, const double *g, long ldg, long filters,
                                double *gw);

#endif
