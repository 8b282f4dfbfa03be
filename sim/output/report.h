/* report: a run's results as a human-readable text report or as the JSON
 * object of the output contract (shared SCENARIO.md, "Output contract";
 * docs/output.md). Both are built whole in memory, so nothing is printed
 * unless the run finished. */
#ifndef TRAINSIM_REPORT_H
#define TRAINSIM_REPORT_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

#define TRAINSIM_VERSION "0.1.0"

/* One line of the breakdown, in seconds over the whole run. The first
 * REPORT_STEP_PARTS are parts of a step; the others happen at the run level
 * (campaign.h). */
typedef struct {
    const char* key;     /* as in the JSON report */
    const char* label;
    double      seconds;
} breakdown_row;

#define REPORT_PARTS 11
#define REPORT_STEP_PARTS 7

/* The run's breakdown, REPORT_PARTS rows, in the JSON report's order. */
void report_breakdown(const run_result* r, breakdown_row* rows);

void report_text(const scenario* sc, const run_result* r, strbuf* out);
void report_json(const scenario* sc, const run_result* r, strbuf* out);

/* 1234567 -> "1.23M"; for counts in reports. */
const char* report_count(double x, char* buf, int size);

#endif
