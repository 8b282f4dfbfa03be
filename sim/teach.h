/* teach: the commands that show a student why a plan costs what it costs.
 *
 * `trainsim schedule` draws one whole step (gantt.h) under a line naming the
 * plan, and sets the simulated bubble beside its closed form;
 * `trainsim explain` prints every loss term's textbook formula with the
 * scenario's numbers substituted beside the simulated value, and a line on
 * why they differ when they do (docs/model.md gives the sources). */
#ifndef TRAINSIM_TEACH_H
#define TRAINSIM_TEACH_H

#include "gantt.h"
#include "run.h"
#include "scenario.h"
#include "strbuf.h"

/* The bubble of P stages, M micro-batches and V model chunks per stage in
 * equal parts without communication: (p - 1) / (v m + p - 1) of the
 * pipeline's time (Narayanan et al. 2021, Sec. 2.2: the bubble is
 * (p - 1)/v passes of every rank against m passes of work). */
double teach_bubble_fraction(int p, int m, int v);

/* `trainsim schedule`: R simulated with run_options.timeline. */
void teach_schedule(const scenario* sc, const run_result* r, const gantt_options* opt, strbuf* out);

/* `trainsim explain`: R simulated. */
void teach_explain(const scenario* sc, const run_result* r, strbuf* out);

#endif
