/* kernels: GEMM, memory-bound and fused-attention kernel times (see kernels.h). */
#include "model/kernels.h"

#include <math.h>

#define RESULT_BYTES 2.0   /* a GEMM writes fp16 / bf16, in fp8 training too */

void kernel_rates_pace(kernel_rates* r, double speed)
{
    /* The MMAs' share of an 8192^3 GEMM (mma_share) was set at the rated
     * clock: only the MMA term slows, the HBM traffic keeps its time. */
    r->gemm.gemm_efficiency *= speed;
    r->half.gemm_efficiency *= speed;
    r->flash_efficiency *= speed;
}

/* Tiles cuBLAS uses for large half-precision GEMMs (NVIDIA, "Matrix
 * Multiplication Background User's Guide", Sec. 2.3 and 3). */
static const double tiles[][2] = {{256, 128}, {128, 256}, {128, 128}};

double kernel_gemm_quantization(int sms, double m, double n, double batch)
{
    double best = 0;
    for (size_t i = 0; i < sizeof tiles / sizeof *tiles; i++) {
        double tm = tiles[i][0], tn = tiles[i][1];
        double count = ceil(m / tm) * ceil(n / tn) * batch;
        double waves = ceil(count / sms);
        double useful = m * n * batch / (waves * sms * tm * tn);
        if (useful > best)
            best = useful;
    }
    return best;
}

double kernel_gemm_bytes(const gemm_rates* g, double m, double n, double k, double batch)
{
    return (g->input_bytes * (m * k + k * n) + RESULT_BYTES * m * n) * batch;
}

/* The catalog's efficiency is the rate of an 8192^3 GEMM, its traffic
 * included: of that GEMM's time T0 = F0 / (peak e q0) the traffic takes
 * beta B0 / HBM, the MMAs the rest. A GPU whose traffic alone would take
 * longer than T0 (an inconsistent inline entry) has no MMA time left. */
static void gemm_rates_of(const gpu_spec* gpu, precision p, double hbm_bandwidth, gemm_rates* g)
{
    /* A training run keeps every GPU at its power limit: its GEMMs run at the
     * burst ceiling scaled to the sustained clock. */
    double sustained = gpu->sustained_clock > 0 ? gpu->sustained_clock : 1.0;
    double burst = p == PREC_FP8 && gpu->fp8_efficiency > 0 ? gpu->fp8_efficiency : gpu->efficiency;
    g->peak_flops = gpu->peak_flops[p];
    g->gemm_efficiency = burst * sustained;
    g->input_bytes = p == PREC_FP8 ? 1.0 : 2.0;
    double x = GEMM_REFERENCE_SIZE, q0 = kernel_gemm_quantization(gpu->sms, x, x, 1);
    double reference = 2.0 * x * x * x / (g->peak_flops * g->gemm_efficiency * q0);
    double traffic = GEMM_TRAFFIC_OVER_HBM * kernel_gemm_bytes(g, x, x, x, 1) / hbm_bandwidth;
    g->mma_share = fmax(0.0, 1.0 - traffic / reference);
}

precision kernel_half_precision(precision p)
{
    return p == PREC_FP8 ? PREC_BF16 : p;
}

void kernel_rates_of(const gpu_spec* gpu, precision p, kernel_rates* out)
{
    out->hbm_bandwidth = gpu->hbm_bandwidth * gpu->hbm_efficiency;
    out->sms = gpu->sms;
    gemm_rates_of(gpu, p, out->hbm_bandwidth, &out->gemm);
    gemm_rates_of(gpu, kernel_half_precision(p), out->hbm_bandwidth, &out->half);
    double sustained = gpu->sustained_clock > 0 ? gpu->sustained_clock : 1.0;
    out->flash_efficiency = gpu->flash_efficiency * sustained;
}

/* t = mma_share F / (peak e q) + beta bytes / HBM: the MMAs at the quantized
 * rate, then the operands' and result's HBM traffic, which the MMAs do not
 * hide (docs/model.md, "Kernels and their time"). */
static double gemm_seconds(const gemm_rates* g, const kernel_rates* r, double m, double n, double k, double batch)
{
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
        return 0;
    double flops = 2.0 * m * n * k * batch;
    double mma = flops / (g->peak_flops * g->gemm_efficiency * kernel_gemm_quantization(r->sms, m, n, batch));
    return g->mma_share * mma + GEMM_TRAFFIC_OVER_HBM * kernel_gemm_bytes(g, m, n, k, batch) / r->hbm_bandwidth;
}

double kernel_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch)
{
    return gemm_seconds(&r->gemm, r, m, n, k, batch);
}

double kernel_half_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch)
{
    return gemm_seconds(&r->half, r, m, n, k, batch);
}

double kernel_memory_seconds(const kernel_rates* r, double bytes)
{
    return bytes > 0 ? bytes / r->hbm_bandwidth : 0;
}

double kernel_flash_seconds(const kernel_rates* r, double flops, double bytes)
{
    return fmax(flops / (r->half.peak_flops * r->flash_efficiency), bytes / r->hbm_bandwidth);
}
