/* html_inputs: the HTML page's table of the scenario's inputs (html.h):
 * the model, the GPUs and the cluster, the plan as resolved (dp after
 * `auto`, the micro-batches a step runs, every switch that shapes the
 * step), training, failures and checkpoints, power and cost, with the
 * scenario's key beside each value so that a reader finds it in the file. */
#ifndef TRAINSIM_HTML_INPUTS_H
#define TRAINSIM_HTML_INPUTS_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

void html_inputs(const scenario* sc, const run_result* r, strbuf* out);

#endif
