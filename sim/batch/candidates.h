/* candidates: the plans of the search (best.h) as scenarios, simulated each
 * in a worker process of its own.
 *
 * A candidate is the loaded scenario with another parallelism: a copy of
 * its struct, nothing read again. The worker (batch/workers.h: SimGrid runs
 * one engine per process) simulates it and sends back a fixed-size result,
 * and, when the caller keeps rows, the candidate's row: the rows of a sweep
 * over the scenario whose zip is the candidates' parallelism, as `trainsim
 * sweep` would write them (point numbers, hashes and columns). */
#ifndef TRAINSIM_CANDIDATES_H
#define TRAINSIM_CANDIDATES_H

#include <stddef.h>

#include "batch/row.h"
#include "input/scenario.h"

typedef struct {
    int           tp, pp, micro_batch, chunks, zero, recompute, ep;
    long long     dp;
    schedule_kind schedule;
} plan_choice;

typedef struct {
    row_status status;       /* ROW_OK, ROW_INFEASIBLE, or ROW_ERROR (a worker that crashed) */
    double     mfu, step_time, memory;   /* MFU, step time (s), bytes per GPU, as the JSON report prints them */
} candidate_result;

typedef struct {
    const char* scenario;   /* BASE's file, whose bytes the rows' hashes take in */
    const char* rows;       /* where every candidate's row goes (JSON lines); NULL: nowhere */
    int         jobs;       /* worker processes at a time */
    int         progress;   /* a progress line on stderr */
    double      timeout;    /* seconds a candidate's process may run before it is killed; 0: no limit */
} candidate_options;

/* BASE (validated) with C's parallelism and one replication of the run
 * level. A shallow copy: it shares BASE's allocations, so it is never freed
 * and lives no longer than BASE. */
scenario candidate_scenario(const scenario* base, const plan_choice* c);

/* Simulates the N candidates C over BASE into OUT[N]. Returns 0, EXIT_INPUT
 * when the rows cannot be written, or EXIT_SYSTEM, after a message. */
int candidates_simulate(const scenario* base, const plan_choice* c, size_t n, const candidate_options* opt,
                        candidate_result* out);

#endif
