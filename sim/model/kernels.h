/* kernels: how long one GPU kernel takes, by roofline.
 *
 * A kernel is either a GEMM (m x k times k x n, possibly batched) or a
 * memory-bound pass over tensors. Its time is the larger of its FLOPs at the
 * GEMM's achievable rate and its bytes at the achievable HBM bandwidth
 * (Williams et al. 2009, the roofline model). The achievable GEMM rate is the
 * catalog's maximum matmul efficiency times the share of the GPU a tiled GEMM
 * of that shape keeps busy: tile and wave quantization (NVIDIA, "Matrix
 * Multiplication Background User's Guide", 2023, Ch. 3). Formulas and sources
 * in docs/model.md. */
#ifndef TRAINSIM_KERNELS_H
#define TRAINSIM_KERNELS_H

#include "input/gpu_catalog.h"

typedef struct {
    double peak_flops;        /* at the training precision */
    double gemm_efficiency;   /* maximum achievable share of peak, sustained */
    double hbm_bandwidth;     /* achievable bytes/s */
    double flash_efficiency;  /* share of peak of fused attention */
    int    sms;
} kernel_rates;

void kernel_rates_of(const gpu_spec* gpu, precision p, kernel_rates* out);

/* The clock-bound kernels (GEMMs, fused attention) at SPEED times the rates
 * of R: the pace of a job's GPUs over the catalog GPU's (model/gpu_speed.h).
 * HBM-bound kernels keep their rate: the memory clock is not the SMs'. */
void kernel_rates_pace(kernel_rates* r, double speed);

/* Share of the SMs' work that is useful for BATCH GEMMs with an m x n output,
 * cut into the best of the large cuBLAS tiles (256x128, 128x256, 128x128):
 * useful output / (waves x SMs x tile area). 1 for large, well-divided GEMMs. */
double kernel_gemm_quantization(int sms, double m, double n, double batch);

/* Seconds for BATCH GEMMs of m x k by k x n with 2-byte elements. */
double kernel_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch);

/* Seconds for a memory-bound kernel moving BYTES to and from HBM. */
double kernel_memory_seconds(const kernel_rates* r, double bytes);

/* Seconds for a fused attention kernel of FLOPS that moves BYTES. */
double kernel_flash_seconds(const kernel_rates* r, double flops, double bytes);

#endif
