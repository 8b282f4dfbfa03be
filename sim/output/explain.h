/* explain: `trainsim explain`, for teaching why a plan costs what it costs.
 *
 * For every term of the breakdown (compute, bubble, TP / PP / EP / DP
 * communication, optimizer, checkpoints, failures, lost work, recoveries,
 * waits for spares), for memory per GPU and for the checkpoint interval and
 * the wall-clock: the textbook closed form with the scenario's numbers
 * substituted, what it gives, the simulated value beside it, and a line on
 * why they differ when they do (contention, overlap, uneven stages, the
 * randomness of failures). Sources beside each formula and in docs/model.md.
 *
 * The step's terms are explain.c's; memory's are explain_memory.h's, the
 * run's explain_run.h's, and explain_term.h prints each term. */
#ifndef TRAINSIM_EXPLAIN_H
#define TRAINSIM_EXPLAIN_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* The bubble of P stages, M micro-batches and V model chunks per stage in
 * equal parts without communication: (p - 1) / (v m + p - 1) of the
 * pipeline's time (Narayanan et al. 2021, Sec. 2.2: the bubble is
 * (p - 1)/v passes of every rank against m passes of work). */
double explain_bubble_fraction(int p, int m, int v);

/* That closed form as the reports write it, "(p - 1) / (v m + p - 1)"
 * ("(p - 1) / (m + p - 1)" for one chunk per stage), and with P, M and V's
 * numbers in it, "3 / (2 x 8 + 3)", into OUT: explain and `trainsim
 * schedule` print both beside the simulated bubble. */
const char* explain_bubble_form(int v);
void explain_bubble_numbers(int p, int m, int v, strbuf* out);

/* The explanation of R (simulated) into OUT. */
void explain_report(const scenario* sc, const run_result* r, strbuf* out);

#endif
