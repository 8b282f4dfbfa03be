/* sample_design: the samples of an uncertainty study (docs/model.md,
 * "Uncertain inputs").
 *
 * A Latin hypercube of N points over the scenario's K uncertain inputs
 * (core/latin_hypercube.h, seeded by the scenario's seed), each coordinate
 * taken through its input's inverse CDF (core/inverse_cdf.h):
 *  - uniform, log-uniform, triangular: over [lo, hi];
 *  - normal: truncated to the key's valid range (the schema's);
 *  - choice: the value whose cumulative weight first exceeds u x total.
 * An integer key keeps integers: the continuous draw is made over [lo - 1/2,
 * hi + 1/2) (a normal's range widened by 1/2 each side) and rounded to the
 * nearest integer, so that each integer k takes the probability of [k - 1/2,
 * k + 1/2): equal shares under a uniform.
 *
 * The samples then become the points of a sweep over the scenario's own
 * file (batch/sweep.h): its zip holds each input's N values, written as the
 * key reads them (an integer, a number, a quantity in its base unit: 2.5e+10Bps,
 * or the chosen value as the file writes it) at the position of the input's
 * distribution in the file, so that a sample the scenario rejects is
 * reported there. */
#ifndef TRAINSIM_SAMPLE_DESIGN_H
#define TRAINSIM_SAMPLE_DESIGN_H

#include "batch/sweep.h"
#include "input/scenario.h"

/* The N samples of SC's uncertain inputs: VALUE[i * K + j] the value of
 * input j in sample i (base units; for a choice, the number it stands for)
 * and CHOICE[i * K + j] the choice drawn (-1 for the other distributions). */
void sample_design_draw(const scenario* sc, int n, const double* unit_cube, double* value, int* choice);

/* The sweep over SC's file whose zip holds those N samples (and, when
 * SEED_AXIS, SC's seed for every one: a seed given on the command line).
 * Returns 0, or -1 with the reason in D (the file cannot be read again). */
int sample_design_sweep(const scenario* sc, int n, const double* value, const int* choice, int seed_axis, sweep* sw,
                        diag* d);

#endif
