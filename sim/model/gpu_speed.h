/* gpu_speed: how fast a job's GPUs run their clock-bound kernels, against
 * the catalog's one measured GPU at its default power limit.
 *
 * A power limit below the one the sustained clock was measured at lowers the
 * SM clock (GEMMs and fused attention; HBM-bound kernels and the network are
 * left alone) until the board's power fits: dynamic voltage and frequency
 * scaling, P = P_static + c f V(f)^2 with V rising with f.
 *
 * Formulas and sources in docs/model.md ("What grows with scale") and
 * docs/calibration.md ([DVFS]). Pure arithmetic, deterministic. */
#ifndef TRAINSIM_GPU_SPEED_H
#define TRAINSIM_GPU_SPEED_H

#include "input/gpu_catalog.h"

/* Dynamic power against the clock under DVFS: P_dyn = c f V^2 with V
 * proportional to f over the scaling range, so P_dyn grows as f^3
 * (J. L. Hennessy, D. A. Patterson, "Computer Architecture: A Quantitative
 * Approach", 6th ed., Sec. 1.5: dynamic power ~ capacitive load x V^2 x f,
 * and voltage is scaled down with frequency). The exponent of GH100's own
 * V/f curve is not published in a form we could read: docs/calibration.md,
 * [DVFS]. */
#define GPU_DVFS_POWER_EXPONENT 3.0

/* The board power of a GPU at rest, from which the power of its clock rises:
 * GPU_IDLE_SHARE_OF_TDP of the limit its sustained clock was measured at. */
double gpu_static_watts(const gpu_spec* gpu);

/* The sustained clock at the GPU's power limit (tdp_watts) over the one at
 * the limit its sustained_clock was measured at (clock_tdp_watts):
 * ((tdp - P_static) / (clock_tdp - P_static))^(1/3) below it, 1 at or above
 * it (a higher limit is not taken to raise the clock: the catalog's parts
 * run at their maximum limit). */
double gpu_power_capped_clock(const gpu_spec* gpu);

#endif
