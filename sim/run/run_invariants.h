/* run_invariants: what every report of a run may take for granted, checked
 * before anything is printed.
 *
 * A report shows a step time, its breakdown as shares, MFU and HFU, the
 * run's days, GPU-hours, energy and cost. Inside the scenario format's
 * ranges these are finite and meaningful; if the simulation ever produces
 * one that is not (a bug, or a corner of the model nobody foresaw), the
 * run is an internal error, exit status 3, with the invariant named and
 * its values, never a report of nonsense with exit 0. Every command that
 * simulates a scenario goes through run_simulate_checked: run, the
 * teaching commands, sweep points, `best`'s candidates and an uncertainty
 * study's samples (which run as sweep points). */
#ifndef TRAINSIM_RUN_INVARIANTS_H
#define TRAINSIM_RUN_INVARIANTS_H

#include <stddef.h>

#include "run/run.h"

/* How far the step's shares may sum from 1. */
#define RUN_SHARES_TOLERANCE 1e-9

/* Checks R, a feasible run's result, against the invariants: every time
 * and figure finite and non-negative, the step time positive, the step's
 * parts summing to it (shares summing to 1 within RUN_SHARES_TOLERANCE),
 * 0 < MFU <= 1, HFU >= MFU, a wall-clock of more than 0 days. Returns 0,
 * or -1 with the first broken invariant and its values in WHY. */
int run_invariants_check(const run_result* r, char* why, size_t size);

/* run_simulate, then run_invariants_check on a feasible result: returns
 * what run_simulate returns, or RUN_BROKEN with the broken invariant in
 * out->broken. */
int run_simulate_checked(const scenario* sc, const run_options* opt, run_result* out);

#endif
