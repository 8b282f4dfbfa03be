/* gpu_speed: the clock-bound kernels' pace of a job's GPUs: a power limit
 * below the measured one, and the slowest of N GPUs (see gpu_speed.h). */
#include "model/gpu_speed.h"

#include <math.h>

#define SQRT2      1.41421356237309504880
#define SQRT_2PI   2.50662827463100050242

/* Q(x) = 1 - Phi(x), the standard normal's upper tail, without cancellation. */
static double upper_tail(double x)
{
    return 0.5 * erfc(x / SQRT2);
}

/* x with Q(x) = q, for 0 < q <= 0.5. Abramowitz and Stegun, "Handbook of
 * Mathematical Functions", 26.2.23 (error below 4.5e-4), then three Halley
 * steps on Q(x) - q (Q' = -phi, Q'' = x phi), which reach the precision of
 * erfc. */
static double upper_quantile(double q)
{
    double t = sqrt(-2.0 * log(q));
    double x = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                   (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    for (int i = 0; i < 3; i++) {
        double u = (upper_tail(x) - q) * SQRT_2PI * exp(0.5 * x * x);
        x += u / (1.0 - 0.5 * x * u);
    }
    return x;
}

double gpu_normal_quantile(double p)
{
    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;
    return p < 0.5 ? -upper_quantile(p) : upper_quantile(1.0 - p);
}

static double rated_watts(const gpu_spec* gpu)
{
    return gpu->clock_tdp_watts > 0 ? gpu->clock_tdp_watts : gpu->tdp_watts;
}

double gpu_static_watts(const gpu_spec* gpu)
{
    return GPU_IDLE_SHARE_OF_TDP * rated_watts(gpu);
}

/* P(f) = P_static + (P_rated - P_static) (f / f_rated)^3, solved for f at
 * the limit: the clock at which the board's power fits under it. */
double gpu_power_capped_clock(const gpu_spec* gpu)
{
    double rated = rated_watts(gpu), limit = gpu->tdp_watts;
    if (limit <= 0 || limit >= rated)
        return 1.0;
    double p0 = gpu_static_watts(gpu);
    return pow(fmax(limit - p0, 0) / (rated - p0), 1.0 / GPU_DVFS_POWER_EXPONENT);
}

/* Speeds s = 1 - spread z, z standard normal (positive: slower), kept where
 * z <= k = cutoff / spread; the survivors' distribution is Phi(z) / Phi(k).
 * The slowest of n sits at Blom's plotting position r = (n - 3/8) / (n + 1/4)
 * of it (G. Blom, "Statistical Estimates and Transformed Beta-Variables",
 * 1958), whose upper tail 1 - r Phi(k) = Q(k) + Phi(k) (1 - r) is computed
 * as such so that no digit is lost for large n. A slowest GPU faster than
 * the median (the screening shifts the survivors' median a little) is taken
 * at the median. */
double gpu_slowest_speed(double spread, double cutoff, long long n)
{
    if (spread <= 0 || n <= 1)
        return 1.0;
    double kept_above = upper_tail(cutoff / spread);
    double q = kept_above + (1.0 - kept_above) * 0.625 / ((double)n + 0.25);
    double z = q < 0.5 ? upper_quantile(q) : 0;
    return 1.0 - spread * z;
}
