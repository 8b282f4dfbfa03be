/* gpu_speed: how fast a job's GPUs run their clock-bound kernels, against
 * the catalog's one measured GPU at its default power limit.
 *
 * Two things set it, both on the SM clock (GEMMs and fused attention; HBM-
 * bound kernels and the network are left alone):
 *
 *  - a power limit below the one the sustained clock was measured at: the
 *    clock falls until the board's power fits (dynamic voltage and frequency
 *    scaling, P = P_static + c f V(f)^2 with V rising with f);
 *  - the spread between identical GPUs: synchronous training waits for the
 *    slowest of its GPUs at every tensor-parallel collective, pipeline
 *    hand-over and gradient reduction, so with persistent per-GPU speeds the
 *    job computes at (close to) the pace of its slowest GPU. Its expected
 *    speed is an order statistic of the measured distribution, less the GPUs
 *    that health checks screen out.
 *
 * Formulas and sources in docs/model.md ("What grows with scale") and
 * docs/calibration.md ([SPREAD], [DVFS]). Pure arithmetic, deterministic. */
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

/* The standard normal quantile: x with Phi(x) = P, 0 < P < 1 (Newton-Halley
 * refinement of Abramowitz and Stegun 26.2.23 on the C library's erfc). */
double gpu_normal_quantile(double p);

/* The board power of a GPU at rest, from which the power of its clock rises:
 * GPU_IDLE_SHARE_OF_TDP of the limit its sustained clock was measured at. */
double gpu_static_watts(const gpu_spec* gpu);

/* The sustained clock at the GPU's power limit (tdp_watts) over the one at
 * the limit its sustained_clock was measured at (clock_tdp_watts):
 * ((tdp - P_static) / (clock_tdp - P_static))^(1/3) below it, 1 at or above
 * it (a higher limit is not taken to raise the clock: the catalog's parts
 * run at their maximum limit). */
double gpu_power_capped_clock(const gpu_spec* gpu);

/* Expected speed, over the median GPU's, of the slowest of N GPUs whose
 * speeds are normal with standard deviation SPREAD (a share of the median),
 * those more than CUTOFF below the median screened out:
 * 1 - SPREAD x z, z = F^-1((N - 0.375) / (N + 0.25)) (Blom 1958) for F the
 * normal truncated at CUTOFF / SPREAD. 1 for SPREAD 0 or N <= 1. */
double gpu_slowest_speed(double spread, double cutoff, long long n);

#endif
