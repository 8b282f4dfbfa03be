/* html: `trainsim report`, one self-contained HTML page of a run: the key
 * figures, with an uncertainty study what its samples say (html_study.h),
 * where the run's time went (shares of the run) and the run's timeline,
 * failures by kind and wall-clock histogram (html_run.h), one step's parts
 * (shares of the step), schedule, DP collectives, memory per GPU and power
 * over the step (html_step.h), and the scenario's inputs as resolved
 * (html_inputs.h). Charts have round ticks (html_axis.h) and hover text.
 * Inline SVG and CSS, no script and no external resource, so the file
 * opens anywhere; the same run gives the same bytes. */
#ifndef TRAINSIM_HTML_H
#define TRAINSIM_HTML_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* The page of R (simulated with run_options.timeline) into OUT. */
void html_report(const scenario* sc, const run_result* r, strbuf* out);

#endif
