/* explain_run: the run level of `trainsim explain` (explain.h): the
 * checkpoints, the failures, the work they lose, the recoveries, the waits
 * for spares, the checkpoint interval and the wall-clock, each against its
 * closed form for exponential failures (Young 1974, Daly 2006). */
#ifndef TRAINSIM_EXPLAIN_RUN_H
#define TRAINSIM_EXPLAIN_RUN_H

#include "output/explain_term.h"

/* The run's terms of X, under their heading, into OUT. */
void explain_run(const explain_ctx* x, strbuf* out);

#endif
