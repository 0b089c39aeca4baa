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

/// The fewest filters for which the AVX-512 forward pass runs tiles of positions × vectors of
/// filters (broadcasting the input, loading the weights) instead of filters × vectors of positions.
enum { CNN_DIRECT_WIDE = 16 };

/// Numbers cnn_direct_pack writes: at most cnn_packed_a_size(filters, k).
long cnn_direct_packed_size(long filters, long k);

/// Packs w [filters × k] for cnn_direct_forward on `path` (groups of 8 filters on AVX-512, of 32
/// from CNN_DIRECT_WIDE filters on, 4 on AVX2; p-major within a group, zero-padded to a multiple
/// of 8 (4); a plain copy on the portable path).
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

/// Numbers of cnn_direct_gradient_nn's `gt` for a block of np positions, and of its `gwt`:
/// np·F and k·F, F = filters rounded up to a multiple of 8.
long cnn_direct_gradient_nn_width(long filters);

/// gwt[p][o] ← fma chain continued over the block's positions q in order: gwt[p][o] + g[o][q]·col[p][q]
/// (gwt is K × F, see cnn_direct_gradient_nn_width; g points at the block's first position of
/// filter 0, filters ldg apart). Each element continues its chain exactly as cnn_gemm_nn(filters,
/// K, np, g, ldg, im2row, K, gw, K, accumulate) does on AVX2 and AVX-512, so with gwt zeroed before
/// a run of blocks, gwᵀ gets the bits of im2row + the NN product over the run. `gt` is scratch of
/// np·F numbers (gᵀ, zero-padded). Runs only on CNN_PATH_AVX512 (returns 1), else does nothing
/// and returns 0. Requires what cnn_direct_forward requires.
int cnn_direct_gradient_nn(int path, const double *x, long channels, long height, long width, long kh, long kw,
                           long i0, long rows, long outW, const double *g, long ldg, long filters,
                           double *gt, double *gwt);

#endif
