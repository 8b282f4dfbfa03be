/* gpu_catalog: the hardware figures of the GPUs trainsim knows by name.
 *
 * Every number comes from a vendor data sheet or a published micro-benchmark;
 * the source of each is in gpu_catalog.c next to it and in
 * docs/calibration.md. Scenarios name a GPU or override fields inline. */
#ifndef TRAINSIM_GPU_CATALOG_H
#define TRAINSIM_GPU_CATALOG_H

#include <stddef.h>

typedef enum { PREC_BF16, PREC_FP16, PREC_FP8, PREC_COUNT } precision;

typedef struct {
    char   name[48];
    double peak_flops[PREC_COUNT];  /* dense tensor-core FLOP/s; 0 = not supported */
    double hbm_bytes;               /* device memory */
    double hbm_bandwidth;           /* bytes/s */
    double efficiency;              /* achievable share of peak for large GEMMs, at boost clock */
    double fp8_efficiency;          /* the same for fp8 GEMMs of the fp8 peak; 0 = efficiency */
    double sustained_clock;         /* sustained / boost SM clock under power-limited load ... */
    double clock_tdp_watts;         /* ... at this power limit (the part's default); 0: at tdp_watts */
    double tdp_watts;               /* board power limit */
    double nvlink_bandwidth;        /* bytes/s per direction, GPU to NVSwitch */
    int    sms;                     /* streaming multiprocessors: GEMM wave quantization */
    double hbm_efficiency;          /* achievable share of HBM bandwidth for streaming kernels */
    double flash_efficiency;        /* share of peak of fused (flash) attention kernels */
    double nvlink_efficiency;       /* NCCL ring bus bandwidth / NVLink line rate */
    double pcie_bandwidth;          /* bytes/s per direction, GPU to host memory */
    double speed_spread;            /* standard deviation of one GPU's sustained speed over the median's */
    double speed_cutoff;            /* GPUs slower than the median by more than this share are screened out */
} gpu_spec;

/* Board power in the states other than busy, as shares measured on an H100
 * SXM5 at its 700 W limit (tools/gpu-power.py, docs/calibration.md [H100-P])
 * and used for every GPU: idle with a CUDA context up, 122.7 W; an NCCL
 * ring kernel's load (16 to 32 SMs streaming a reduction), 162.9 to 188.5 W
 * against 692.2 W busy: 9.3 % of the way from idle to busy. An H200
 * measured 17.0 % and 9.9 % ([H200-M]); the A100's are assumed. */
#define GPU_IDLE_SHARE_OF_TDP     (122.7 / 700.0)
#define GPU_COMM_SHARE_ABOVE_IDLE ((175.7 - 122.7) / (692.2 - 122.7))

/* How much identical GPUs differ in sustained speed, persistently (the chip's
 * manufacturing variability under its power management; Sinha et al., "Not
 * All GPUs Are Created Equal", SC22: 8 % average variation over thousands of
 * V100 and MI60, outliers 1.5x slower than the median): the standard
 * deviation of a GPU's matmul rate over the median's. S. Bekman, Machine
 * Learning Engineering, "Not all accelerators are created equal": "5% and
 * higher differences on an 8-gpu node" in maximum achievable matmul FLOPS;
 * a range of 5 % over 8 draws of a normal is 0.05 / d2(8) = 0.05 / 2.847
 * (d2: the expected range of n standard normals, the control-chart
 * constant; twice the expected maximum of 8, 1.4236, Teichroew 1956).
 * Health checks replace a GPU more than 5 % below its reference before it
 * joins a job: the example rules of Microsoft's SuperBench
 * (docs/user-tutorial/data-diagnosis.md: "> 5% downgrade, label it as
 * defective"). docs/calibration.md, [SPREAD] and [SB-RULE]. */
#define GPU_SPEED_SPREAD (0.05 / 2.847)
#define GPU_SPEED_CUTOFF 0.05

/* The catalog entry called NAME, or NULL. */
const gpu_spec* gpu_catalog_find(const char* name);

/* All entries, for listings and error messages. */
const gpu_spec* gpu_catalog_entries(size_t* count);

/* The precisions' names as scenarios spell them, and one of them. */
extern const char* const precision_names[PREC_COUNT];
const char* precision_name(precision p);

#endif
