/* html_study: an uncertainty study (run/uncertainty.h) as a section of the
 * HTML page (html.h): how many samples ran and why the others did not, the
 * p10, p50 and p90 of the outcomes, each target band's probability and all
 * of them together, a tornado chart of the inputs' rank correlations with
 * wall-clock days and with run MFU (inline SVG, the inputs that matter most
 * on top), and, with targets, where each input lies among the samples
 * inside every band. */
#ifndef TRAINSIM_HTML_STUDY_H
#define TRAINSIM_HTML_STUDY_H

#include "core/strbuf.h"
#include "run/uncertainty.h"

/* Colours of the tornado's bars, one per measure (uncertainty_measures):
 * used nowhere else on the page, so that a picture of it shows the chart. */
extern const char* const html_study_colours[UNCERTAINTY_MEASURES];

/* The section of U into OUT; nothing when U is NULL (no study). */
void html_study(const uncertainty_result* u, strbuf* out);

#endif
