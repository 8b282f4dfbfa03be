/* gpu_speed: the clock-bound kernels' pace of a job's GPUs under a power
 * limit below the measured one (see gpu_speed.h). */
#include "model/gpu_speed.h"

#include <math.h>

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
