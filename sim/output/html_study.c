/* html_study: an uncertainty study's section of the HTML page (see
 * html_study.h). */
#include "output/html_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/html_text.h"
#include "output/report_uncertainty.h"

#define TORNADO_WIDTH 900.0
#define TORNADO_LABELS 300.0   /* the inputs' keys, left of the bars */
#define TORNADO_ROW 30.0       /* an input: one bar per measure */
#define TORNADO_BAR 11.0
#define TORNADO_TOP 22.0       /* the axis' labels */

const char* const html_study_colours[UNCERTAINTY_MEASURES] = {"#b8336a", "#1f7a5c"};

static void samples_note(const uncertainty_result* u, strbuf* out)
{
    strbuf_printf(out,
                  "<h2>Uncertain inputs</h2>\n<p class=\"note\">The figures above and below this section are "
                  "the scenario as written. Here: %d samples of its %d uncertain inputs (Latin hypercube, seed "
                  "%llu), each the whole run; %d ran.</p>\n",
                  u->samples, u->spec->input_count, u->seed, u->valid);
    if (!u->fault_count)
        return;
    strbuf_append(out, "<ul>\n");
    for (int i = 0; i < u->fault_count; i++) {
        const sample_fault* f = &u->faults[i];
        strbuf_printf(out, "<li>%d %s: ", f->samples, f->status);
        html_escaped(out, f->example);
        strbuf_append(out, "</li>\n");
    }
    strbuf_append(out, "</ul>\n");
}

static void percentiles(const uncertainty_result* u, strbuf* out)
{
    strbuf_append(out, "<table class=\"key\">\n<tr><th>over the samples</th><th>p10</th><th>p50</th><th>p90</th></tr>\n");
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        if (!report_outcome_shown(u->spec, (outcome_kind)o))
            continue;
        strbuf_printf(out, "<tr><td>%s</td>", report_outcome_label((outcome_kind)o));
        for (int q = 0; q < UNCERTAINTY_QUANTILES; q++) {
            char v[32];
            strbuf_printf(out, "<td>%s</td>", report_outcome_value((outcome_kind)o, u->percentile[o][q], v, sizeof v));
        }
        strbuf_append(out, "</tr>\n");
    }
    strbuf_append(out, "</table>\n");
}

static void bands(const uncertainty_result* u, strbuf* out)
{
    const uncertainty_spec* s = u->spec;
    if (!s->target_count)
        return;
    strbuf_append(out, "<h3>Target bands</h3>\n<table>\n<tr><th>band</th><th>probability</th>"
                       "<th>95 % interval (Wilson)</th><th>nearest sample</th></tr>\n");
    for (int t = 0; t < s->target_count; t++) {
        char near[32] = "";
        if (u->closest_sample[t] >= 0)
            report_outcome_value(s->targets[t].outcome, u->closest_value[t], near, sizeof near);
        strbuf_printf(out, "<tr><td>%s in [%.6g, %.6g]</td><td>%.1f %%</td><td>%.1f-%.1f %%</td><td>%s",
                      outcome_name(s->targets[t].outcome), s->targets[t].lo, s->targets[t].hi,
                      100 * u->target_share[t], 100 * u->target_interval[2 * t], 100 * u->target_interval[2 * t + 1],
                      near);
        if (u->closest_sample[t] >= 0)
            strbuf_printf(out, " (sample %lld)", u->closest_sample[t]);
        strbuf_append(out, "</td></tr>\n");
    }
    strbuf_printf(out, "<tr><td>all at once</td><td>%.1f %% (%d of the %d samples that ran)</td><td>%.1f-%.1f %%</td>"
                       "<td></td></tr>\n</table>\n",
                  100 * u->overall_share, u->inside, u->valid, 100 * u->overall_interval[0],
                  100 * u->overall_interval[1]);
}

/* One input's bars, on row N: RHO of each measure from the axis, or n/a. */
static void tornado_row(const uncertainty_result* u, int input, int n, strbuf* out)
{
    double half = (TORNADO_WIDTH - TORNADO_LABELS - 20) / 2, axis = TORNADO_LABELS + half;
    double y = TORNADO_TOP + n * TORNADO_ROW;
    const char* key = u->spec->inputs[input].key;
    strbuf_printf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", TORNADO_LABELS - 8, y + TORNADO_BAR + 4);
    html_escaped(out, key);
    strbuf_append(out, "</text>\n");
    for (int m = 0; m < UNCERTAINTY_MEASURES; m++) {
        outcome_kind o = uncertainty_measures[m];
        double rho = uncertainty_rho(u, input, o), top = y + 3 + m * TORNADO_BAR;
        if (isnan(rho)) {
            strbuf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">n/a</text>\n", axis + 4, top + TORNADO_BAR - 2);
            continue;
        }
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>",
                      axis + fmin(rho, 0) * half, top, fabs(rho) * half, TORNADO_BAR - 1, html_study_colours[m]);
        html_escaped(out, key);
        strbuf_printf(out, ": rho %+.2f with %s</title></rect>\n", rho, report_outcome_label(o));
    }
}

static void tornado(const uncertainty_result* u, strbuf* out)
{
    int k = u->spec->input_count;
    int* order = xmalloc(((size_t)k + 1) * sizeof *order);
    uncertainty_rank_inputs(u, order);
    double half = (TORNADO_WIDTH - TORNADO_LABELS - 20) / 2, axis = TORNADO_LABELS + half;
    double height = TORNADO_TOP + k * TORNADO_ROW + 8;
    strbuf_printf(out, "<h3>What decides it</h3>\n<p class=\"note\">Spearman's rank correlation of each input with "
                       "wall-clock days and with MFU over the run, over the %d samples that ran; the inputs by the "
                       "larger of the two, largest first. A bar to the right: the outcome grows with the input (a "
                       "choice counts as its place in the list).</p>\n<svg width=\"%.0f\" height=\"%.0f\" "
                       "role=\"img\">\n",
                  u->valid, TORNADO_WIDTH, height);
    for (int t = -2; t <= 2; t++) {
        double x = axis + t * half / 2;
        strbuf_printf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\"/>"
                           "<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">%s%g</text>\n",
                      x, TORNADO_TOP - 4, x, height - 4, t ? "#ddd" : "#000", x, t > 0 ? "+" : "", t / 2.0);
    }
    for (int n = 0; n < k; n++)
        tornado_row(u, order[n], n, out);
    strbuf_append(out, "</svg>\n<p class=\"note\">");
    for (int m = 0; m < UNCERTAINTY_MEASURES; m++)
        strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", html_study_colours[m],
                      report_outcome_label(uncertainty_measures[m]));
    strbuf_append(out, "</p>\n");
    free(order);
}

/* Input I's values among the samples inside every band. */
static void region_cell(const uncertainty_result* u, int i, strbuf* out)
{
    const uncertain_input* in = &u->spec->inputs[i];
    if (isnan(u->region_min[i])) {
        strbuf_append(out, "none");
        return;
    }
    if (in->prior == PRIOR_CHOICE) {
        const char* comma = "";
        for (int c = 0; c < in->choices; c++)
            if (u->region_choice[(size_t)i * u->max_choices + c]) {
                strbuf_append(out, comma);
                html_escaped(out, in->choice_text[c]);
                comma = ", ";
            }
        return;
    }
    char lo[48], hi[48];
    strbuf_printf(out, "%s to %s", report_input_value(in, u->region_min[i], lo, (int)sizeof lo),
                  report_input_value(in, u->region_max[i], hi, (int)sizeof hi));
}

static void region(const uncertainty_result* u, strbuf* out)
{
    if (!u->spec->target_count)
        return;
    if (!u->inside) {
        strbuf_append(out, "<p>No sample lies inside every band: the study finds no input values for which "
                           "they all hold.</p>\n");
        return;
    }
    strbuf_printf(out, "<h3>Where every band holds</h3>\n<p class=\"note\">Each input's values among the %d "
                       "samples inside every band: which values the bands allow, not a proof that every "
                       "combination in this box holds them.</p>\n<table>\n<tr><th>input</th><th>values</th></tr>\n",
                  u->inside);
    for (int i = 0; i < u->spec->input_count; i++) {
        strbuf_append(out, "<tr><td>");
        html_escaped(out, u->spec->inputs[i].key);
        strbuf_append(out, "</td><td>");
        region_cell(u, i, out);
        strbuf_append(out, "</td></tr>\n");
    }
    strbuf_append(out, "</table>\n");
}

void html_study(const uncertainty_result* u, strbuf* out)
{
    if (!u)
        return;
    samples_note(u, out);
    percentiles(u, out);
    bands(u, out);
    tornado(u, out);
    region(u, out);
}
