/* kernels: how long one GPU kernel takes.
 *
 * A kernel is either a GEMM (m x k times k x n, possibly batched), a
 * memory-bound pass over tensors, or fused attention. A memory-bound kernel
 * takes its bytes at the achievable HBM bandwidth. A GEMM takes its
 * multiply-accumulates (MMAs) at the catalog's maximum matmul rate, cut by
 * the tile and wave quantization of its shape (NVIDIA, "Matrix
 * Multiplication Background User's Guide", 2023, Ch. 3), plus the time its
 * operands and result take to cross HBM, which the MMAs do not hide (the
 * form fitted to an H100 shape sweep, docs/calibration.md), normalised so
 * that an 8192^3 GEMM keeps the catalog's rate. Fused attention takes the
 * larger of its FLOPs at its own efficiency and its bytes (the roofline,
 * Williams et al. 2009). Formulas and sources in docs/model.md. */
#ifndef TRAINSIM_KERNELS_H
#define TRAINSIM_KERNELS_H

#include "input/gpu_catalog.h"

/* A GEMM's HBM traffic takes this many times its bytes at the achievable
 * HBM bandwidth, on top of its MMAs: least squares over the H100 shape
 * sweep of docs/calibration.md (12 points, rms residual 2.5 points of the
 * 8192^3 rate, the largest 4.6). */
#define GEMM_TRAFFIC_OVER_HBM 1.05

/* The square GEMM whose rate the catalog's efficiency is. */
#define GEMM_REFERENCE_SIZE 8192.0

/* GEMMs of one precision. */
typedef struct {
    double peak_flops;        /* dense tensor-core FLOP/s */
    double gemm_efficiency;   /* achievable share of peak of an 8192^3 GEMM, sustained */
    double mma_share;         /* of an 8192^3 GEMM's time, the part that is MMAs, not HBM traffic */
    double input_bytes;       /* of an operand element: 2 (bf16, fp16), 1 (fp8) */
} gemm_rates;

/* Under fp8 training only the layers' weight GEMMs run in fp8 (Transformer
 * Engine's Linear modules, torchao's Float8Linear); attention, the LM head
 * and the MoE router stay in the activations' half precision, bf16. */
typedef struct {
    gemm_rates gemm;               /* weight GEMMs, at the training precision */
    gemm_rates half;               /* GEMMs in the half precision: the training one, or bf16 under fp8 */
    double     hbm_bandwidth;      /* achievable bytes/s */
    double     flash_efficiency;   /* share of the half precision's peak of fused attention, sustained */
    int        sms;
} kernel_rates;

/* The rates of GPU when training at precision P. */
void kernel_rates_of(const gpu_spec* gpu, precision p, kernel_rates* out);

/* The precision of what stays out of fp8 when training at P: bf16 under
 * fp8, P itself otherwise. */
precision kernel_half_precision(precision p);
/* The clock-bound kernels (GEMMs, fused attention) at SPEED times the rates
 * of R: the pace of a job's GPUs over the catalog GPU's (model/gpu_speed.h).
 * HBM-bound kernels keep their rate: the memory clock is not the SMs'. */
void kernel_rates_pace(kernel_rates* r, double speed);

/* Share of the SMs' work that is useful for BATCH GEMMs with an m x n output,
 * cut into the best of the large cuBLAS tiles (256x128, 128x256, 128x128):
 * useful output / (waves x SMs x tile area). 1 for large, well-divided GEMMs. */
double kernel_gemm_quantization(int sms, double m, double n, double batch);

/* Bytes BATCH GEMMs of m x k by k x n move through HBM: both operands read,
 * the result written in the half precision (2 bytes an element, fp8 GEMMs'
 * too). */
double kernel_gemm_bytes(const gemm_rates* g, double m, double n, double k, double batch);

/* Seconds for BATCH weight GEMMs of m x k by k x n, at the training precision. */
double kernel_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch);

/* The same for GEMMs kept in the half precision (attention, LM head, router). */
double kernel_half_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch);

/* Seconds for a memory-bound kernel moving BYTES to and from HBM. */
double kernel_memory_seconds(const kernel_rates* r, double bytes);

/* Seconds for a fused attention kernel of FLOPS that moves BYTES, in the
 * half precision: Transformer Engine's fp8 recipes keep dot-product
 * attention in bf16 unless fp8_dpa is set (recipe.DelayedScaling,
 * Float8CurrentScaling: fp8_dpa = False), TorchTitan's float8 leaves SDPA in
 * bf16. */
double kernel_flash_seconds(const kernel_rates* r, double flops, double bytes);

#endif
