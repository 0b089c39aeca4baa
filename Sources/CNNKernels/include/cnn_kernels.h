#ifndef CNN_KERNELS_H
#define CNN_KERNELS_H

/// C[m×n] = A[m×k] · B[k×n] (or C += A · B when accumulate is non-zero), row-major with
/// leading dimensions lda, ldb, ldc.
void cnn_gemm_nn(long m, long n, long k,
                 const double *a, long lda,
                 const double *b, long ldb,
                 double *c, long ldc, int accumulate);

/// C[m×n] += A[m×k] · B[n×k]ᵀ, row-major: C[i][j] += Σ_p A[i][p]·B[j][p].
void cnn_gemm_nt(long m, long n, long k,
                 const double *a, long lda,
                 const double *b, long ldb,
                 double *c, long ldc);

/// 1 when the AVX2 and FMA kernels are in use on this processor, 0 for the portable ones.
int cnn_kernels_vectorized(void);



/// y[i] = x[i] > 0 ? x[i] : 0 for i in [0, n).
void cnn_relu_forward(long n, const double *x, double *y);

/// gx[i] = y[i] > 0 ? gy[i] : 0 for i in [0, n).
void cnn_relu_backward(long n, const double *y, const double *gy, double *gx);

/// Unfolds one image x [channels, height, width] into col [channels·kh·kw, outH·outW]:
/// col[(c·kh + a)·kw + b][i·outW + j] = x[c][i·stride + a·dilation − padTop][j·stride + b·dilation − padLeft],
/// 0 outside the image.
void cnn_im2col(const double *x, long channels, long height, long width, long kh, long kw,
                long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *col);

/// The adjoint of cnn_im2col: adds every col element back onto the pixel it came from.
void cnn_col2im_add(const double *col, long channels, long height, long width, long kh, long kw,
                    long stride, long padTop, long padLeft, long dilation, long outH, long outW, double *gx);
#endif
