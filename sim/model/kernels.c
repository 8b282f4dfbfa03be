/* kernels: roofline timing of GEMMs and memory-bound kernels (see kernels.h). */
#include "model/kernels.h"

#include <math.h>

#define ELEMENT_BYTES 2.0   /* fp16 / bf16 operands */

void kernel_rates_of(const gpu_spec* gpu, precision p, kernel_rates* out)
{
    out->peak_flops = gpu->peak_flops[p];
    /* A training run keeps every GPU at its power limit: its GEMMs run at the
     * burst ceiling scaled to the sustained clock. */
    double sustained = gpu->sustained_clock > 0 ? gpu->sustained_clock : 1.0;
    double burst = p == PREC_FP8 && gpu->fp8_efficiency > 0 ? gpu->fp8_efficiency : gpu->efficiency;
    out->gemm_efficiency = burst * sustained;
    out->hbm_bandwidth = gpu->hbm_bandwidth * gpu->hbm_efficiency;
    out->flash_efficiency = gpu->flash_efficiency * sustained;
    out->sms = gpu->sms;
}

void kernel_rates_pace(kernel_rates* r, double speed)
{
    r->gemm_efficiency *= speed;
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

double kernel_gemm_seconds(const kernel_rates* r, double m, double n, double k, double batch)
{
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
        return 0;
    double flops = 2.0 * m * n * k * batch;
    double rate = r->peak_flops * r->gemm_efficiency * kernel_gemm_quantization(r->sms, m, n, batch);
    double bytes = ELEMENT_BYTES * (m * k + k * n + m * n) * batch;
    return fmax(flops / rate, bytes / r->hbm_bandwidth);
}

double kernel_memory_seconds(const kernel_rates* r, double bytes)
{
    return bytes > 0 ? bytes / r->hbm_bandwidth : 0;
}

double kernel_flash_seconds(const kernel_rates* r, double flops, double bytes)
{
    return fmax(flops / (r->peak_flops * r->flash_efficiency), bytes / r->hbm_bandwidth);
}
