/* run_bound: the run level's work, predicted before it starts and refused
 * above the bounds of docs/robustness.md ("Bounds"): the failures of one
 * replication and of all of them together. The cost of the run level is
 * linear in the failures it simulates (2.5 to 8 us each on the 2-core build
 * machine) and in its replications (about 0.2 ms each). */
#ifndef TRAINSIM_RUN_BOUND_H
#define TRAINSIM_RUN_BOUND_H

#include "core/strbuf.h"
#include "des/campaign.h"
#include "input/scenario.h"

#define RUN_MAX_FAILURES_PER_RUN 1e6
#define RUN_MAX_FAILURES_PER_RUN_TEXT "1,000,000"   /* the same, as messages print it */
#define RUN_MAX_FAILURES 1e7   /* over all replications */
#define RUN_MAX_FAILURES_TEXT "10,000,000"

/* Returns 0 when the run level of SC, whose inputs are IN, is within the
 * bounds; else 1 with "FILE:LINE:COL: key: ..." in MESSAGE, at the key that
 * makes it unbounded and with the estimate. */
int run_bound_check(const scenario* sc, const campaign_input* in, strbuf* message);

#endif
