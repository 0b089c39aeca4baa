#ifndef CNN_WINOGRAD_H
#define CNN_WINOGRAD_H

/// Winograd convolution F(m×m, r×r): an m×m tile of a stride-1 correlation with an r×r kernel
/// from an α×α tile of the input, α = m + r − 1:
///
///     Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
///
/// Aᵀ (m×α), G (α×r) and Bᵀ (α×α) are Cook–Toom transforms from the points 0, 1, −1, 2, −2, 1/2,
/// −1/2 (as many as needed) and ∞, exact rational tables (bench/winograd_tables.py writes them).
/// Supported: m = 2, 3, 4 with r = 3 or 5. Every transform is plain adds and multiplies in a fixed
/// order with no fused multiply-add, so its bits are the same on every processor and kernel path;
/// only the products between the transforms (cnn_gemm_nn) differ between paths.
///
/// Tiles are numbered over a batch: tile t is sample t / (tilesH·tilesW), tile row and column
/// (t mod tilesH·tilesW) / tilesW and mod tilesW, and covers output rows ty·m ..< ty·m + m and
/// columns tx·m ..< tx·m + m (what falls outside the output is computed and dropped).
/// Transformed values are stored point-major: point ξ = i·α + k, the points' matrices `ps`
/// numbers apart (a little more than a matrix, so that the points of one tile do not all fall
/// into the same cache sets).

/// α = m + r − 1 when F(m×m, r×r) has tables, else 0.
long cnn_winograd_alpha(long m, long r);

/// Transformed kernels u[ξ][i][j] = (G g Gᵀ)[ξ] for an `outer × inner` grid of r×r kernels, from
/// w [filters][channels][r][r]. With flip = 0, g = w[i][j] (outer = filters, inner = channels);
/// with flip = 1, g = w[j][i] turned by 180° (outer = channels, inner = filters): the kernels of
/// the input gradient as a correlation. Point ξ's matrix starts at u + ξ·ps.
void cnn_winograd_kernels(long m, long r, long filters, long channels, const double *w, int flip, double *u, long ps);

/// Input tiles v = Bᵀ d B of tiles first ..< first + count of a batch x (sample after sample, each
/// `sampleSize` numbers, [channels][height][width]); d is the α×α window at input row ty·m − padTop,
/// column tx·m − padLeft, zero outside the image. With transposed = 0, v[ξ][c][t − first] (rows of
/// ldv numbers; lanes up to count rounded up to 8 are written, zero for the missing tiles); with
/// transposed = 1, v[ξ][t − first][c] (rows of ldv ≥ channels numbers, one per tile; only the
/// tiles' rows, `count` of them, are written).
void cnn_winograd_input(long m, long r, const double *x, long sampleSize, long channels, long height, long width,
                        long padTop, long padLeft, long tilesH, long tilesW, long first, long count,
                        double *v, long ldv, long ps, int transposed);

/// cnn_winograd_input's tiles laid out as cnn_gemm_nn_prepacked's B (channels × tiles, in panels
/// of CNN_GEMM_PANEL = 24 tiles): v[ξ][j / 24][c][j mod 24] for j = t − first. Lanes up to count
/// rounded up to 8 are written (zero for the missing tiles); point ξ's matrix starts at v + ξ·ps.
void cnn_winograd_input_panels(long m, long r, const double *x, long sampleSize, long channels, long height, long width,
                               long padTop, long padLeft, long tilesH, long tilesW, long first, long count,
                               double *v, long ps);

/// Output tiles Y = Aᵀ M A from mm[ξ][o][t − first] (rows of ldm numbers), written into y (sample
/// after sample, `sampleSize` numbers, [filters][outH][outW]) where they fall inside the output:
/// Y / divisor + bias[o] when normalize is non-zero (bias may be NULL: + 0), else Y + bias[o] (or
/// Y without a bias).
void cnn_winograd_output(long m, long r, const double *mm, long ldm, long ps, long filters, long first, long count,
                         long tilesH, long tilesW, long outH, long outW, double *y, long sampleSize,
                         double divisor, int normalize, const double *bias);

/// The gradient of the tiles' transformed sums, dm[ξ][o][t − first] = (A dY Aᵀ)[ξ] (rows of ldm
/// numbers; lanes up to count rounded up to 8), where dY is the m×m tile of g (sample after sample,
/// `sampleSize` numbers, [filters][outH][outW]), zero outside the output.
void cnn_winograd_output_gradient(long m, long r, const double *g, long sampleSize, long filters, long outH, long outW,
                                  long tilesH, long tilesW, long first, long count, double *dm, long ldm, long ps);

/// Kernel gradients gw[o][c][a][b] = (Gᵀ du[o][c] G)[a][b] from du[ξ][o][c].
void cnn_winograd_kernel_gradient(long m, long r, long filters, long channels, const double *du, long ps, double *gw);

/// The transformed kernels stored transposed: u[ξ][c][o] = (G w[o][c] Gᵀ)[ξ], the bits
/// cnn_winograd_kernels gives with flip = 0, for the input gradient's products U[ξ]ᵀ · dM[ξ]; only
/// the pairs p = c·filters + o in first ..< first + count (so that parts can split them).
void cnn_winograd_kernels_transposed(long m, long r, long filters, long channels, const double *w, double *u, long ps,
                                     long first, long count);

/// The input gradient of tiles first ..< first + count (numbered as cnn_winograd_input numbers
/// them), put onto gx (sample after sample, `sampleSize` numbers, [channels][height][width]): the
/// α×α window gradient B dv[ξ][c][t − first] Bᵀ (rows of ldv numbers; lanes up to count rounded up
/// to 8 are read) of tile t's window at input row ty·m − padTop, column tx·m − padLeft, clipped to
/// the image. Window rows and columns that an earlier tile of the same sample covers (rows below
/// r − 1 when ty > 0, columns below r − 1 when tx > 0) are added, the others written, so gx needs no
/// zeroing when a sample's tiles all come, in order, through calls on one thread: every pixel then
/// gets its tiles' values added in tile order.
void cnn_winograd_input_gradient(long m, long r, const double *dv, long ldv, long ps, long channels, long first,
                                 long count, long tilesH, long tilesW, long height, long width, long padTop,
                                 long padLeft, double *gx, long sampleSize);

#endif
