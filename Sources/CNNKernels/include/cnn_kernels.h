#ifndef CNN_KERNELS_H
#define CNN_KERNELS_H

/// C[m×n] = A[m×k] · B[k×n], row-major with leading dimensions lda, ldb, ldc. Each element is one
/// chain of multiply-adds over k in order, c ← c + a[i][p]·b[p][j] (fused on the AVX2 and AVX-512
/// paths), starting from 0, or from the element's value in C when accumulate is non-zero. The
/// product is packed into panels and blocked for the caches; the order of each chain never changes.
void cnn_gemm_nn(long m, long n, long k,
                 const double *a, long lda,
                 const double *b, long ldb,
                 double *c, long ldc, int accumulate);

/// Numbers cnn_pack_a writes for an m×k matrix (rows rounded up to 8).
long cnn_packed_a_size(long m, long k);

/// Packs A[m×k] (leading dimension lda) for cnn_gemm_nn_packed on the current path, so a matrix
/// used by many products (a layer's weights) is packed once.
void cnn_pack_a(long m, long k, const double *a, long lda, double *packed);

/// cnn_gemm_nn with A given packed by cnn_pack_a: the same bits.
void cnn_gemm_nn_packed(long m, long n, long k, const double *packed, const double *b, long ldb, double *c, long ldc,
                        int accumulate);

/// Columns per panel of a pre-packed B for cnn_gemm_nn_prepacked, on every path.
#define CNN_GEMM_PANEL 24

/// cnn_gemm_nn_packed with B[k×n] given pre-packed in panels of CNN_GEMM_PANEL columns: column j
/// of row p at b[(j / W)·W·k + p·W + j mod W], W = CNN_GEMM_PANEL, so the product packs nothing.
/// The last panel's columns past n, up to n rounded up to 8, must be readable numbers (their
/// products are computed and dropped). The same bits as cnn_gemm_nn_packed, on every path.
void cnn_gemm_nn_prepacked(long m, long n, long k, const double *packed, const double *b, double *c, long ldc,
                           int accumulate);

/// C[m×n] += A[m×k] · B[n×k]ᵀ, row-major: C[i][j] += Σ_p A[i][p]·B[j][p].
void cnn_gemm_nt(long m, long n, long k,
                 const double *a, long lda,
                 const double *b, long ldb,
                 double *c, long ldc);

/// 1 when vectorized kernels (AVX2/FMA or AVX-512) are in use, 0 for the portable ones.
int cnn_kernels_vectorized(void);

/// Kernel paths. AVX2 and AVX-512 give the same bits; portable C (no fused multiply-add) may
/// differ from them in the last bits.
enum { CNN_PATH_PORTABLE = 0, CNN_PATH_AVX2 = 1, CNN_PATH_AVX512 = 2 };

/// The path in use: the best the processor has, or the one CNN_EXPLAIN_KERNEL=portable|avx2|avx512
/// asks for (never better than the processor has). Fixed at the first call.
int cnn_kernel_path(void);

/// 1 when this processor can run `path`.
int cnn_kernel_path_supported(int path);

/// cnn_gemm_nn and cnn_gemm_nt on an explicit path (for tests that compare the paths).
void cnn_gemm_nn_path(int path, long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc, int accumulate);
void cnn_gemm_nt_path(int path, long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc);

/// A work item of cnn_parallel.
typedef void (*cnn_task)(void *ctx, long item);

/// Runs fn(ctx, 0), …, fn(ctx, items − 1) on the calling thread and up to cnn_max_threads() − 1
/// persistent workers (which spin briefly between jobs, then park). Items must write disjoint
/// memory. A call from inside an item, or while another thread's job runs, runs every item on
/// the calling thread.
void cnn_parallel(long items, cnn_task fn, void *ctx);

/// A number attached to the calling thread (0 by default). A pool worker takes the tag of the
/// thread whose job it runs, for the job's length, so tests can tell a job's work from other
/// threads' work (e.g. to count the allocations a training step makes).
void cnn_set_thread_tag(int tag);
int cnn_thread_tag(void);

/// The most threads a pass may use (default 2; at least 1). The work is split the same way
/// whatever this says, so it changes no bit of any result.
void cnn_set_max_threads(int threads);
int cnn_max_threads(void);

/// Max pooling with 2×2 windows moved by 2, for planes where every window is whole
/// (2·outH ≤ height, 2·outW ≤ width): y[p][i][j] = the first maximum of the window in row-major
/// order (or its first NaN), arg[p][i][j] its offset in the plane. `planes` planes, one after another.
void cnn_maxpool2x2(const double *x, long planes, long height, long width, long outH, long outW,
                    double *y, int *arg);

/// ReLU then max pooling with 2×2 windows moved by 2 (whole windows, as cnn_maxpool2x2), in one
/// pass: y and arg are what cnn_maxpool2x2 gives on the rectified planes (x > 0 ? x : 0), which
/// are not stored.
void cnn_relu_maxpool2x2(const double *x, long planes, long height, long width, long outH, long outW,
                         double *y, int *arg);

/// cnn_relu_maxpool2x2 for the output rows row0 … row0 + rows − 1 of each plane only (planes of
/// x height × width apart, of y and arg outH × outW apart): the same values and winners.
void cnn_relu_maxpool2x2_rows(const double *x, long planes, long height, long width, long row0, long rows,
                              long outH, long outW, double *y, int *arg);

/// Max pooling's backward pass then the ReLU's, in one pass: gx (planes × inPlane) is overwritten
/// with Σ gy[q] over the output cells q whose winner arg[q] is the cell, where the ReLU's input
/// x there is > 0, else +0.0 — the bits of routing into +0.0, then masking. y (planes × outPlane)
/// is cnn_relu_maxpool2x2's output (or the same pooled rectified values): y[q] > 0 exactly where
/// x[arg[q]] > 0.
void cnn_maxpool_relu_backward(const double *gy, const int *arg, const double *y, long planes,
                               long inPlane, long outPlane, double *gx);



/// y[i] = x[i] > 0 ? x[i] : 0 for i in [0, n).
void cnn_relu_forward(long n, const double *x, double *y);

/// gx[i] = y[i] > 0 ? gy[i] : 0 for i in [0, n).
void cnn_relu_backward(long n, const double *y, const double *gy, double *gx);

/// Unfolds one image x [channels, height, width] into col [channels·kh·kw, outH·outW]:
/// col[(c·kh + a)·kw + b][i·outW + j] = x[c][i·stride + a·dilation − padTop][j·stride + b·dilation − padLeft],
/// 0 outside the image.
void cnn_im2col(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *col);

/// The transpose of cnn_im2col's result, row[i·outW + j][(c·kh + a)·kw + b] (one row of
/// channels·kh·kw values per output position).
void cnn_im2row(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *row);

/// The adjoint of cnn_im2col: adds every col element back onto the pixel it came from, in the
/// order of cnn_col2im_add_loop (each pixel's values in order of the weight p = (c·kh + a)·kw + b).
/// With stride 1 and dilation 1 on a processor with AVX-512 it runs by rows of gx (each vector of
/// pixels loaded and stored once per (c, a) and output row), with the same bits.
void cnn_col2im_add(const double *col, long channels, long height, long width, long kh, long kw,
                    long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *gx);

/// cnn_col2im_add as a plain loop over (c, a, b), then rows, then positions: the reference.
void cnn_col2im_add_loop(const double *col, long channels, long height, long width, long kh, long kw,
                         long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *gx);
#endif
