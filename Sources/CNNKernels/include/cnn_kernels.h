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

#endif
