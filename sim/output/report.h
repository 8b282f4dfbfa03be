/* report: a run's results as a human-readable text report or as the JSON
 * object of the output contract (docs/output.md). Both are built whole in
 * memory, so nothing is printed unless the run finished.
 *
 * This header gathers the two renderings (report_text.h, report_json.h)
 * and what they share (report_rows.h), for the callers that print reports. */
#ifndef TRAINSIM_REPORT_H
#define TRAINSIM_REPORT_H

#include "output/report_rows.h"
#include "output/report_text.h"
#include "output/report_json.h"

#endif
