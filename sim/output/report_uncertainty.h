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

/* Outcome O's value X as the reports show it ("17.0 %", "204.0", "122M";
 * "-" for NaN), into BUF. */
const char* report_outcome_value(outcome_kind o, double x, char* buf, size_t size);

/* Whether the reports list outcome O's percentiles: the five of every study
 * (days, run and step MFU, cost, energy) and any outcome a target bounds. */
int report_outcome_shown(const uncertainty_spec* s, outcome_kind o);

/* Input IN's value X (base units) as scenario files write it: durations
 * and sizes as the report prints them, bandwidths in Gbps, into BUF. */
const char* report_input_value(const uncertain_input* in, double x, char* buf, int size);

#endif
