/* html_run: the HTML page's sections about the whole run (html.h): where
 * the run's time went (shares of the run), the first replication's
 * timeline (drawn event by event, or in bins when its failures are too
 * many to tell apart, which the legend then says), the failures by kind,
 * and the histogram of wall-clock days over the replications. */
#ifndef TRAINSIM_HTML_RUN_H
#define TRAINSIM_HTML_RUN_H

#include "run/run.h"
#include "core/strbuf.h"

/* Failures beyond this many in the first replication: its timeline is
 * drawn in bins (HTML_RUN_BINS of them) instead of one mark each. */
#define HTML_RUN_DRAWN_FAILURES 150
#define HTML_RUN_BINS 150

void html_run_breakdown(const run_result* r, strbuf* out);

void html_run_timeline(const run_result* r, strbuf* out);

/* The failures by kind: a table; nothing without a failures section. */
void html_run_failures(const run_result* r, strbuf* out);

/* The replications' wall-clock in CAMPAIGN_BINS bins; nothing for one. */
void html_run_histogram(const run_result* r, strbuf* out);

#endif
