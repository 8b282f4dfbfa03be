/* gpu_catalog: data-sheet and micro-benchmark figures per GPU (see gpu_catalog.h).
 *
 * Sources (full citations in docs/calibration.md):
 *  [A100-DS] NVIDIA A100 Tensor Core GPU data sheet (2021): BF16/FP16 dense
 *            tensor 312 TFLOP/s; 40GB HBM2 1,555 GB/s; 80GB HBM2e 2,039 GB/s;
 *            SXM max TDP 400 W; NVLink 600 GB/s (300 GB/s each way); PCIe
 *            Gen4 64 GB/s (32 GB/s each way).
 *  [H100-DS] NVIDIA H100 Tensor Core GPU data sheet (2023), SXM5: BF16/FP16
 *            dense 989.4 TFLOP/s (1,979 with sparsity), FP8 dense 1,978.9
 *            (3,958 with sparsity); 80GB HBM3 3.35 TB/s; max TDP 700 W;
 *            NVLink 900 GB/s (450 GB/s each way); PCIe Gen5 128 GB/s (64 GB/s
 *            each way).
 *  [MAMF]    S. Bekman, Machine Learning Engineering, chapter "Accelerators",
 *            "Maximum Achievable Matmul FLOPS comparison table" (BF16 matmul,
 *            mean of 100 iterations at the best shape, 2026 edition): A100 SXM
 *            271.2 of 312 TFLOP/s (86.9 %, torch 2.6+cu126), H100 SXM 794.5 of
 *            989 (80.3 %, torch 2.7+cu126): the burst ceiling of GEMMs.
 *  [CLK-A]   G. Lockwood, "Peak FLOPS" (glennklockwood.com): NVIDIA quotes
 *            the clock an A100 sustains at its power limit under HPL, 1305 MHz,
 *            against its 1410 MHz boost: 0.926.
 *  [MSMF]    Same book, "Maximum Achievable Matmul FLOPS Finder": on H200
 *            (the H100's GH100 die at the same 700 W), the sustained,
 *            power-saturated matmul rate (MSMF) 702.9 TFLOP/s against the
 *            burst MAMF 828.0: 0.849.
 *  [AMP-WP]  NVIDIA A100 Tensor Core GPU Architecture white paper (2020):
 *            108 SMs. [HOP-WP] NVIDIA H100 Tensor Core GPU Architecture
 *            white paper (2022): 132 SMs in the SXM5 part.
 *  [HBM-A]   NVIDIA developer forum, "Trouble to reach peak bandwidth of
 *            A100" (2025): 1.80 of 2.04 TB/s measured and confirmed by Nsight
 *            Compute (88 %); the thread cites a GTC talk in which no kernel
 *            exceeded ~90 % of peak.
 *  [H100-M]  Measured for trainsim (tools/gpu-calibrate.py, H100 80GB HBM3
 *            SXM5, 2026-11-22, docs/calibration.md): a device-to-device copy
 *            at 2,994 GB/s read + written, median of three runs (0.894);
 *            fp8 against bf16 8192^3 GEMMs, three runs (2026-11-23): fp8
 *            reaches 0.863 of bf16's share of its peak.
 *  [H200-DS] NVIDIA H200 Tensor Core GPU data sheet (2024), SXM: the H100's
 *            tensor rates (BF16/FP16 1,979 and FP8 3,958 TFLOP/s with
 *            sparsity); 141GB HBM3e 4.8 TB/s; max TDP up to 700 W; NVLink
 *            900 GB/s; PCIe Gen5 128 GB/s. NVIDIA's MLPerf Inference v4.1
 *            system description "H200-SXM-141GB" repeats the memory, the
 *            NVLink and the 700 W.
 *  [H200-M]  Measured for trainsim (tools/gpu-calibrate.py and gpu-power.py,
 *            H200 SXM, 132 SMs, 700 W limit, 2026-11-23, docs/calibration.md):
 *            a device-to-device copy at 4,252 GB/s read + written, median of
 *            three runs (0.886); bf16 8192^3 within 4 % of the H100's, burst
 *            and sustained: one die, one power limit.
 *  [FA2]     T. Dao, "FlashAttention-2", 2023: 50-73 % of peak on A100
 *            (midpoint 61.5 %). [FA3] J. Shah et al., "FlashAttention-3",
 *            2024: 1.5-2.0x FlashAttention-2 on H100, where FA2 reaches ~35 %,
 *            i.e. 52-70 % (midpoint 61 %).
 *  [NCCL-A]  nccl-tests issues #149 and #178: all_reduce_perf bus bandwidth
 *            ~200-208 GB/s on 8 A100 SXM4 over NVLink3 (300 GB/s per
 *            direction): 0.69. [NCCL-H] nccl-tests issue #212, NCCL maintainer:
 *            "450GB/s is the line rate. With the protocol overhead (~20%) NCCL
 *            can get an effective NVLink bandwidth of 370GB/s": 0.82. */
#include "input/gpu_catalog.h"

#include <string.h>

#define TFLOPS 1e12
#define GIB    1073741824.0
#define GBPS   1e9

/* The two A100 SXM4 parts share one die; only their HBM differs. [HBM-A]
 * was measured on the 80 GB part. */
#define A100_SXM4_DIE                                                                             \
    .peak_flops = {[PREC_BF16] = 312 * TFLOPS, [PREC_FP16] = 312 * TFLOPS}, /* [A100-DS] */       \
    .efficiency = 271.2 / 312.0,                                           /* [MAMF] */          \
    .sustained_clock = 1305.0 / 1410.0,                                    /* [CLK-A] */         \
    .clock_tdp_watts = 400,                                                /* [CLK-A] at the TDP */ \
    .tdp_watts = 400,                                                      /* [A100-DS] */       \
    .nvlink_bandwidth = 300 * GBPS,                                        /* [A100-DS] */       \
    .sms = 108,                                                            /* [AMP-WP] */        \
    .hbm_efficiency = 1.80 / 2.04,                                         /* [HBM-A] */         \
    .flash_efficiency = 0.615,                                             /* [FA2] */           \
    .nvlink_efficiency = 208.0 / 300.0,                                    /* [NCCL-A] */        \
    .pcie_bandwidth = 32 * GBPS                                            /* [A100-DS] */

/* fp8 GEMMs reach a smaller share of their (doubled) peak than bf16's of
 * theirs: 8192^3 in fp8 e4m3 (torch._scaled_mm) against bf16, medians of the
 * same three runs on the H100 of [H100-M]: 1,291.1 of 1,978.9 TFLOP/s
 * against 748.4 of 989.4. */
#define HOPPER_FP8_OVER_BF16 ((1291.1 / 1978.9) / (748.4 / 989.4))

/* The H100 and H200 SXM5 parts share the GH100 die, its clocks, its NVLink
 * and its 700 W limit ([H200-DS] gives the H100's rates); their HBM differs.
 * [H200-M] found the H200's GEMMs within 4 % of the H100's, burst and
 * sustained, so both take the same published GEMM figures. */
#define HOPPER_SXM5_DIE                                                                           \
    .peak_flops = {[PREC_BF16] = 989.4 * TFLOPS, [PREC_FP16] = 989.4 * TFLOPS,                    \
                   [PREC_FP8] = 1978.9 * TFLOPS},                          /* [H100-DS] */       \
    .efficiency = 794.5 / 989.0,                                           /* [MAMF] */          \
    .fp8_efficiency = 794.5 / 989.0 * HOPPER_FP8_OVER_BF16,                /* [MAMF], [H100-M] */ \
    .sustained_clock = 702.9 / 828.0,                                      /* [MSMF] */          \
    .clock_tdp_watts = 700,                                                /* [MSMF] at the TDP */ \
    .tdp_watts = 700,                                                      /* [H100-DS] */       \
    .nvlink_bandwidth = 450 * GBPS,                                        /* [H100-DS] */       \
    .sms = 132,                                                            /* [HOP-WP] */        \
    .flash_efficiency = 0.61,                                              /* [FA3] */           \
    .nvlink_efficiency = 370.0 / 450.0,                                    /* [NCCL-H] */        \
    .pcie_bandwidth = 64 * GBPS                                            /* [H100-DS] */

static const gpu_spec catalog[] = {
    {
        .name = "a100-sxm4-40gb",
        A100_SXM4_DIE,
        .hbm_bytes = 40 * GIB,                                                  /* [A100-DS] */
        .hbm_bandwidth = 1555 * GBPS,                                           /* [A100-DS] */
    },
    {
        .name = "a100-sxm4-80gb",
        A100_SXM4_DIE,
        .hbm_bytes = 80 * GIB,                                                  /* [A100-DS] */
        .hbm_bandwidth = 2039 * GBPS,                                           /* [A100-DS] */
    },
    {
        .name = "h100-sxm5-80gb",
        HOPPER_SXM5_DIE,
        .hbm_bytes = 80 * GIB,                                                  /* [H100-DS] */
        .hbm_bandwidth = 3350 * GBPS,                                           /* [H100-DS] */
        .hbm_efficiency = 2994.0 / 3350.0,                                      /* [H100-M] */
    },
    {
        .name = "h200-sxm5-141gb",
        HOPPER_SXM5_DIE,
        .hbm_bytes = 141 * GIB,                                                 /* [H200-DS] */
        .hbm_bandwidth = 4800 * GBPS,                                           /* [H200-DS] */
        .hbm_efficiency = 4252.0 / 4800.0,                                      /* [H200-M] */
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

const char* const precision_names[PREC_COUNT] = {"bf16", "fp16", "fp8"};

const char* precision_name(precision p)
{
    return p < PREC_COUNT ? precision_names[p] : "?";
}
