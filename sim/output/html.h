/* html: `trainsim report`, one self-contained HTML page of a run: the key
 * figures, with an uncertainty study what its samples say (html_study.h),
 * where the time went (a bar and a table), one step's schedule (a
 * row per pipeline rank), memory per GPU by kind on every rank, the first
 * replication's training, checkpoints, failures and recoveries, and the
 * histogram of wall-clock days over the replications. Inline SVG and CSS,
 * no script and no external resource, so the file opens anywhere. */
#ifndef TRAINSIM_HTML_H
#define TRAINSIM_HTML_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* The page of R (simulated with run_options.timeline) into OUT. */
void html_report(const scenario* sc, const run_result* r, strbuf* out);

#endif
