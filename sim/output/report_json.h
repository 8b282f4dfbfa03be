/* report_json: a run's results as the JSON object of the output contract
 * (docs/output.md), which `trainsim
 * run --json` prints and sweep rows are read from. An infeasible run has
 * every key, null where it cannot give a value. */
#ifndef TRAINSIM_REPORT_JSON_H
#define TRAINSIM_REPORT_JSON_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

void report_json(const scenario* sc, const run_result* r, strbuf* out);

#endif
