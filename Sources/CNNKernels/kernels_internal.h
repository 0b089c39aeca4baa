#ifndef CNN_KERNELS_INTERNAL_H
#define CNN_KERNELS_INTERNAL_H
// Shared between the kernel files; not part of the module's interface.

void cnn_gemm_nn_portable_range(long m0, long m, long n0, long n, long k, const double *a, long lda,
                                const double *b, long ldb, double *c, long ldc, int accumulate);
void cnn_gemm_nt_portable_range(long m0, long m, long n0, long n, long k, const double *a, long lda,
                                const double *b, long ldb, double *c, long ldc);
void cnn_gemm_nn_avx2(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc, int accumulate);
void cnn_gemm_nt_avx2(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                      double *c, long ldc);
void cnn_gemm_nn_avx512(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                        double *c, long ldc, int accumulate);
void cnn_gemm_nt_avx512(long m, long n, long k, const double *a, long lda, const double *b, long ldb,
                        double *c, long ldc);
/// Allocates the calling thread's packing buffers now (pool workers do it when they start, so a
/// step never allocates once the pool runs).
void cnn_gemm_prepare_thread(void);
#endif
