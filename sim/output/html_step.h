/* html_step: the HTML page's sections about one step (html.h): where a
 * step's time goes (shares of the step), its schedule (a row per pipeline
 * rank, time ticks, hover text on every interval), the data-parallel
 * collectives, memory per GPU on every rank (the value on each bar, an axis
 * against HBM), and the cluster's power over the step (its swing, with
 * the peak, trough and mean). */
#ifndef TRAINSIM_HTML_STEP_H
#define TRAINSIM_HTML_STEP_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* The step's parts and its schedule. */
void html_step_schedule(const run_result* r, strbuf* out);

/* The data-parallel collectives of the rank that finishes reducing last. */
void html_step_collectives(const run_result* r, strbuf* out);

void html_step_memory(const scenario* sc, const run_result* r, strbuf* out);

void html_step_power(const scenario* sc, const run_result* r, strbuf* out);

#endif
