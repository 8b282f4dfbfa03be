/* report_text: a run's results as the human-readable report of `trainsim
 * run`: the plan, the model, memory per GPU, the step and where its time
 * goes, the DP collectives, the run with its checkpoints and failures, power
 * and energy, and what this version does not simulate (docs/output.md). */
#ifndef TRAINSIM_REPORT_TEXT_H
#define TRAINSIM_REPORT_TEXT_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

void report_text(const scenario* sc, const run_result* r, strbuf* out);

#endif
