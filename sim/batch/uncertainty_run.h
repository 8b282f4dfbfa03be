/* uncertainty_run: an uncertainty study of a scenario, run.
 *
 * The scenario's output.samples samples (batch/sample_design.h) run as the
 * points of a sweep over its file (batch/sweep_run.h): each a whole run,
 * step and run level with its own replications, in a worker process of its
 * own, -j at a time, validated like a scenario (an invalid or infeasible
 * sample is a row with that status, counted by reason), with the step
 * simulations shared by samples that differ only in run-level keys. Their
 * rows, kept in a file when asked (and resumed from it like a sweep's),
 * are read back for each sample's outcomes, which run/uncertainty.h then
 * summarizes. Samples run before the nominal scenario: SimGrid must not
 * have started in the process that forks them. */
#ifndef TRAINSIM_UNCERTAINTY_RUN_H
#define TRAINSIM_UNCERTAINTY_RUN_H

#include "input/scenario.h"
#include "run/uncertainty.h"

typedef struct {
    int         jobs;            /* worker processes at a time */
    const char* rows;            /* every sample's row (JSON lines, .jsonl or .jsonl.gz); NULL: none kept */
    int         resume;          /* keep the rows ROWS holds for these samples */
    int         progress;        /* a progress line on stderr */
    int         seed_given;      /* the seed is not the file's (the command line's): a column of the rows */
    int         no_step_cache;   /* every sample simulates its own steps */
    double      timeout;         /* seconds a sample's process may run; 0: no limit */
    long long   reused;          /* out: samples that reused another's step simulations */
} uncertainty_options;

/* Runs SC's study into U (uncertainty_init'ed here; free it). Returns 0, or
 * the exit status after a message on stderr (EXIT_INPUT: the rows cannot be
 * written or read; EXIT_SYSTEM: a worker cannot be started). */
int uncertainty_run(const scenario* sc, uncertainty_options* opt, uncertainty_result* u);

/* The column of a sample's row (a key of the JSON report joined by dots)
 * that holds outcome O. */
const char* uncertainty_outcome_column(outcome_kind o);

#endif
