/* gpu_catalog: data-sheet and micro-benchmark figures per GPU (see gpu_catalog.h).
 *
 * Sources (full citations in docs/calibration.md):
 *  [A100-DS] NVIDIA A100 Tensor Core GPU data sheet (2021): BF16/FP16 dense
 *            tensor 312 TFLOP/s; 40GB HBM2 1,555 GB/s; 80GB HBM2e 2,039 GB/s;
 *            SXM max TDP 400 W; NVLink 600 GB/s (300 GB/s each way).
 *  [H100-DS] NVIDIA H100 Tensor Core GPU data sheet (2023), SXM5: BF16/FP16
 *            dense 989.4 TFLOP/s (1,979 with sparsity), FP8 dense 1,978.9
 *            (3,958 with sparsity); 80GB HBM3 3.35 TB/s; max TDP 700 W;
 *            NVLink 900 GB/s (450 GB/s each way).
 *  [MAMF]    S. Bekman, Machine Learning Engineering, "Maximum Achievable
 *            Matmul FLOPS comparison table" (BF16 matmul, CUDA 12.1):
 *            A100 SXM 267.9 of 312 TFLOP/s (85.9 %), H100 SXM 792.1 of 989
 *            (80.1 %). Used as the single efficiency factor until the
 *            per-operator model replaces it. */
#include "gpu_catalog.h"

#include <string.h>

#define TFLOPS 1e12
#define GIB    1073741824.0
#define GBPS   1e9

static const gpu_spec catalog[] = {
    {
        .name = "a100-sxm4-40gb",
        .peak_flops = {[PREC_BF16] = 312 * TFLOPS, [PREC_FP16] = 312 * TFLOPS},  /* [A100-DS] */
        .hbm_bytes = 40 * GIB,                                                  /* [A100-DS] */
        .hbm_bandwidth = 1555 * GBPS,                                           /* [A100-DS] */
        .efficiency = 267.9 / 312.0,                                            /* [MAMF] */
        .tdp_watts = 400,                                                       /* [A100-DS] */
        .nvlink_bandwidth = 300 * GBPS,                                         /* [A100-DS] */
    },
    {
        .name = "a100-sxm4-80gb",
        .peak_flops = {[PREC_BF16] = 312 * TFLOPS, [PREC_FP16] = 312 * TFLOPS},  /* [A100-DS] */
        .hbm_bytes = 80 * GIB,                                                  /* [A100-DS] */
        .hbm_bandwidth = 2039 * GBPS,                                           /* [A100-DS] */
        .efficiency = 267.9 / 312.0,                                            /* [MAMF] */
        .tdp_watts = 400,                                                       /* [A100-DS] */
        .nvlink_bandwidth = 300 * GBPS,                                         /* [A100-DS] */
    },
    {
        .name = "h100-sxm5-80gb",
        .peak_flops = {[PREC_BF16] = 989.4 * TFLOPS, [PREC_FP16] = 989.4 * TFLOPS,
                       [PREC_FP8] = 1978.9 * TFLOPS},                           /* [H100-DS] */
        .hbm_bytes = 80 * GIB,                                                  /* [H100-DS] */
        .hbm_bandwidth = 3350 * GBPS,                                           /* [H100-DS] */
        .efficiency = 792.1 / 989.0,                                            /* [MAMF] */
        .tdp_watts = 700,                                                       /* [H100-DS] */
        .nvlink_bandwidth = 450 * GBPS,                                         /* [H100-DS] */
    },
};

const gpu_spec* gpu_catalog_find(const char* name)
{
    for (size_t i = 0; i < sizeof catalog / sizeof catalog[0]; i++)
        if (strcmp(catalog[i].name, name) == 0)
            return &catalog[i];
    return NULL;
}

const gpu_spec* gpu_catalog_entries(size_t* count)
{
    *count = sizeof catalog / sizeof catalog[0];
    return catalog;
}

const char* precision_name(precision p)
{
    static const char* names[] = {"bf16", "fp16", "fp8"};
    return p < PREC_COUNT ? names[p] : "?";
}
