/* report_uncertainty: an uncertainty study (run/uncertainty.h) in the
 * reports: the JSON report's "uncertainty" object (docs/output.md) and the
 * text report's short section: the outcomes' p10, p50 and p90, each target
 * band's probability and all of them together, and the three inputs that
 * matter most with their rank correlations and, with targets, the range
 * each takes where every band holds. */
#ifndef TRAINSIM_REPORT_UNCERTAINTY_H
#define TRAINSIM_REPORT_UNCERTAINTY_H

#include "core/json.h"
#include "core/strbuf.h"
#include "run/uncertainty.h"

/* "uncertainty": the study's object, or null when U is NULL (no study). */
void report_uncertainty_json(json_writer* j, const uncertainty_result* u);

/* The text section (nothing when U is NULL). */
void report_uncertainty_text(const uncertainty_result* u, strbuf* out);

/* What outcome O is called in the text report ("wall-clock days"). */
const char* report_outcome_label(outcome_kind o);

#endif
