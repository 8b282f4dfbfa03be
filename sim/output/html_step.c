/* html_step: a step's sections of the HTML page (see html_step.h). */
#include "output/html_step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/html_axis.h"
#include "output/html_text.h"
#include "output/report_rows.h"
#include "output/trace_numbers.h"
#include "core/units.h"

#define CHART_WIDTH 900.0
#define LABEL_WIDTH 110.0
#define TIME_TICKS 10
#define GIB 1073741824.0

/* ---- the step's parts ------------------------------------------------------------ */

static void step_parts(const run_result* r, strbuf* out)
{
    const step_profile* p = &r->profile;
    breakdown_row rows[REPORT_PARTS];
    double parts[REPORT_STEP_PARTS];
    char a[32];
    report_breakdown(r, rows);
    report_step_parts(p, parts);
    strbuf_printf(out, "<table><tr><th>part of a step</th><th>per step</th><th>share of the step</th></tr>\n");
    for (int i = 0; i < REPORT_STEP_PARTS; i++)
        if (report_row_shown(i, parts[i]))
            strbuf_printf(out, "<tr><td>%s</td><td>%s</td><td>%.1f %%</td></tr>\n", rows[i].label,
                          units_format_seconds(parts[i], a, sizeof a), 100 * parts[i] / p->step_time);
    strbuf_append(out, "</table>\n");
}

/* ---- the schedule ------------------------------------------------------------------- */

static const char* work_colour(work_kind k)
{
    static const char* const colours[WORK_KIND_COUNT] = {"#3b6fb6", "#3f9a50", "#8e5bb5", "#e8a33d",
                                                         "#e6d04a", "#e07bb0", "#d0453a", "#7a4a2a",
                                                         "#4aa3df"};
    return colours[k];
}

/* The work kinds' colours; the context-parallel exchange only when the step has one. */
static void legend(const step_profile* t, strbuf* out)
{
    strbuf_append(out, "<p class=\"note\">");
    for (int k = 0; k < WORK_KIND_COUNT; k++)
        if (k != WORK_CP || step_profile_has(t, WORK_CP))
            strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", work_colour((work_kind)k),
                          work_kind_name((work_kind)k));
    strbuf_append(out, "<span class=\"swatch\" style=\"background:#eee\"></span>bubble or idle. Hover over an "
                       "interval for what it is and when.</p>\n");
}

/* What interval B is, for its hover text. */
static void interval_title(const busy_interval* b, int chunks, strbuf* out)
{
    char length[32], at[32];
    strbuf_printf(out, "<title>rank %d: ", b->stage);
    if (b->what == WORK_FORWARD || b->what == WORK_BACKWARD) {
        strbuf_printf(out, "%s pass of micro-batch %d", work_kind_name(b->what), b->micro_batch);
        if (chunks > 1)
            strbuf_printf(out, ", model chunk %d", b->chunk);
    } else if (b->what == WORK_OPTIMIZER) {
        strbuf_append(out, "optimizer step");
    } else {
        strbuf_printf(out, "%s, %s", work_kind_name(b->what), trace_comm_what(b));
        if (b->micro_batch >= 0)
            strbuf_printf(out, " (micro-batch %d)", b->micro_batch);
    }
    strbuf_printf(out, ": %s from %s</title>", units_format_seconds(b->end - b->start, length, sizeof length),
                  units_format_seconds(b->start, at, sizeof at));
}

void html_step_schedule(const run_result* r, strbuf* out)
{
    const step_profile* t = &r->timeline;
    double row = t->stages > 40 ? 8 : 18, axis = row * t->stages + 4, height = axis + 34;
    double scale = (CHART_WIDTH - LABEL_WIDTH - 20) / t->step_time;
    char a[32];
    strbuf_printf(out, "<h2>One step</h2>\n<p class=\"note\">A step of the final batch: %s. Where its time "
                       "goes, as means over pipeline ranks:</p>\n",
                  units_format_seconds(r->profile.step_time, a, sizeof a));
    step_parts(r, out);
    strbuf_printf(out, "<p class=\"note\">The step drawn, every micro-batch simulated (%s): a row per pipeline "
                       "rank (each stands for its TP &times; CP &times; DP GPUs).</p>\n",
                  units_format_seconds(t->step_time, a, sizeof a));
    strbuf_printf(out, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", CHART_WIDTH, height);
    for (int s = 0; s < t->stages; s++) {
        strbuf_printf(out, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#eee\"><title>rank %d: "
                           "bubble or idle</title></rect>\n",
                      LABEL_WIDTH, s * row, t->step_time * scale, row - 2, s);
        if (row >= 12 || s % 5 == 0)
            strbuf_printf(out, "<text x=\"0\" y=\"%.1f\">rank %d</text>\n", s * row + row - 5, s);
    }
    html_x_axis(out, LABEL_WIDTH, scale, axis, 0, t->step_time, html_unit_seconds(t->step_time), TIME_TICKS);
    for (int i = 0; i < t->busy_count; i++) {
        const busy_interval* b = &t->busy[i];
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.3f\" height=\"%.1f\" fill=\"%s\">",
                      LABEL_WIDTH + b->start * scale, b->stage * row, (b->end - b->start) * scale, row - 2,
                      work_colour(b->what));
        interval_title(b, r->plan.chunks, out);
        strbuf_append(out, "</rect>\n");
    }
    strbuf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time from the step's start</text>\n"
                       "</svg>\n",
                  LABEL_WIDTH + (CHART_WIDTH - LABEL_WIDTH) / 2, height - 2);
    legend(t, out);
}

/* ---- the data-parallel collectives ---------------------------------------------------- */

void html_step_collectives(const run_result* r, strbuf* out)
{
    collective_row rows[REPORT_COLLECTIVES];
    int stage, n = report_collectives(r, &stage, rows);
    if (n == 0)
        return;
    char a[32];
    strbuf_printf(out, "<h3>Data-parallel collectives</h3>\n<p class=\"note\">Of pipeline rank %d, the last to "
                       "finish reducing its gradients, per step.</p>\n<table><tr><th>collective</th>"
                       "<th>algorithm</th><th>ranks</th><th>per node</th><th>bytes per rank</th>"
                       "<th>protocols</th><th>predicted alone</th></tr>\n",
                  stage);
    for (int i = 0; i < n; i++) {
        const collective_plan* c = rows[i].c;
        strbuf_printf(out, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>", rows[i].label,
                      collective_name(c->shape.algorithm), c->shape.members, c->shape.per_node,
                      units_format_bytes(c->payload_bytes, a, sizeof a));
        for (int k = 0; k < c->shape.phase_count; k++)
            strbuf_printf(out, "%s%s", k ? "+" : "", report_protocol(c, k));
        strbuf_append(out, "</td><td>");
        const char* sep = "";
        for (collective_kind k = COLL_AUTO + 1; k < COLL_COUNT; k++)
            if (c->predicted[k] > 0) {
                strbuf_printf(out, "%s%s %s", sep, collective_name(k), units_format_seconds(c->predicted[k], a, sizeof a));
                sep = ", ";
            }
        if (!*sep)
            strbuf_append(out, c->requested == c->shape.algorithm ? "as set" : "(the set algorithm does not apply)");
        strbuf_append(out, "</td></tr>\n");
    }
    strbuf_append(out, "</table>\n");
}

/* ---- memory -------------------------------------------------------------------------------- */

void html_step_memory(const scenario* sc, const run_result* r, strbuf* out)
{
    const memory_report* m = &r->memory;
    static const char* const names[] = {"weights", "gradients", "optimizer", "activations", "workspace"};
    static const char* const colours[] = {"#3b6fb6", "#3f9a50", "#8e5bb5", "#e8a33d", "#999"};
    double row = m->ranks > 40 ? 8 : 18, axis = row * m->ranks + 4, height = axis + 34, hbm = sc->gpu.hbm_bytes;
    double most = hbm;
    for (int s = 0; s < m->ranks; s++)
        most = fmax(most, m->rank[s].total);
    double scale = (CHART_WIDTH - LABEL_WIDTH - 80) / most;   /* room for the totals right of the bars */
    char a[32];
    strbuf_printf(out, "<h2>Memory per GPU</h2>\n<p class=\"note\">One GPU of each pipeline rank, by kind, at the "
                       "activations' peak; the fullest is rank %d. Hover over a part for its size.</p>\n"
                       "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n",
                  m->worst, CHART_WIDTH, height);
    html_x_axis(out, LABEL_WIDTH, scale, axis, 0, most, html_unit_bytes(most), 10);
    for (int s = 0; s < m->ranks; s++) {
        const gpu_memory* g = &m->rank[s];
        const double parts[] = {g->weights, g->gradients, g->optimizer, g->activations, g->workspace};
        double x = LABEL_WIDTH;
        if (row >= 12 || s % 5 == 0)
            strbuf_printf(out, "<text x=\"0\" y=\"%.1f\">rank %d</text>\n", s * row + row - 5, s);
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>rank %d: "
                               "%s %.2f GiB</title></rect>\n",
                          x, s * row, parts[k] * scale, row - 2, colours[k], s, names[k], parts[k] / GIB);
            x += parts[k] * scale;
        }
        if (row >= 12)   /* the total beside its bar, in the text report's unit */
            strbuf_printf(out, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%.1f GiB</text>\n", x + 4,
                          s * row + row - 5, g->total / GIB);
    }
    strbuf_printf(out, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#000\" stroke-dasharray=\"4\"/>\n"
                       "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">HBM %s</text>\n</svg>\n<p class=\"note\">",
                  LABEL_WIDTH + hbm * scale, LABEL_WIDTH + hbm * scale, axis, LABEL_WIDTH + hbm * scale, height - 2,
                  units_format_bytes(hbm, a, sizeof a));
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", colours[k], names[k]);
    strbuf_append(out, "</p>\n");
}

/* ---- power over the step ---------------------------------------------------------------- */

#define POWER_HEIGHT 160.0

/* The line of W watts across the chart, named NAME. */
static void power_line(strbuf* out, double y, const char* colour, const char* name, double w)
{
    char a[32];
    strbuf_printf(out, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6 3\">"
                       "<title>%s %s</title></line>\n",
                  LABEL_WIDTH, y, CHART_WIDTH - 20, y, colour, name, report_power(w, a, sizeof a));
}

void html_step_power(const scenario* sc, const run_result* r, strbuf* out)
{
    const step_profile* t = &r->timeline;
    const step_power* p = &r->power;
    power_level* levels;
    int n = power_levels(&sc->power, t, (double)r->world_gpus, (double)scenario_job_nodes(sc), &levels);
    double span = t->busy_span, top = p->peak;
    for (int i = 0; i < n; i++)
        top = fmax(top, levels[i].watts);
    top *= 1.08;   /* room above the peak's line */
    double xs = (CHART_WIDTH - LABEL_WIDTH - 20) / span, ys = POWER_HEIGHT / top, base = POWER_HEIGHT + 10;
    char a[32], b[32], c[32], d[32];
    strbuf_printf(out, "<h2>Power over a step</h2>\n<p class=\"note\">The facility's power over the step drawn above: "
                       "each GPU at its computing, communicating or idle draw, each node's overhead, times the PUE "
                       "(%.2f). Synchronous training makes the whole cluster swing in step.</p>\n",
                  sc->power.pue);
    strbuf_printf(out, "<table class=\"key\"><tr><td>peak (max)</td><td>%s</td></tr><tr><td>trough (min)</td>"
                       "<td>%s</td></tr><tr><td>mean over a step</td><td>%s</td></tr><tr><td>swing</td><td>%s</td>"
                       "</tr><tr><td>the step's GPU-time</td><td>computing %.0f %%, communicating %.0f %%, idle "
                       "%.0f %%</td></tr></table>\n",
                  report_power(p->peak, a, sizeof a), report_power(p->trough, b, sizeof b),
                  report_power(p->average, c, sizeof c), report_power(p->peak - p->trough, d, sizeof d),
                  100 * p->computing, 100 * p->communicating, 100 * p->idle_share);
    strbuf_printf(out, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", CHART_WIDTH, base + 34);
    html_y_axis(out, LABEL_WIDTH, CHART_WIDTH - 20, base, ys, 0, top, html_unit_watts(top), 6);
    html_x_axis(out, LABEL_WIDTH, xs, base, base, span, html_unit_seconds(span), TIME_TICKS);
    strbuf_printf(out, "<path fill=\"#f2c48d\" stroke=\"#b8641a\" d=\"M%.1f %.1f", LABEL_WIDTH, base);
    for (int i = 0; i < n; i++) {
        double until = i + 1 < n ? levels[i + 1].time : span;
        strbuf_printf(out, " V%.2f H%.2f", base - levels[i].watts * ys, LABEL_WIDTH + until * xs);
    }
    strbuf_printf(out, " V%.1f Z\"><title>facility power over the step</title></path>\n", base);
    power_line(out, base - p->peak * ys, "#9a1f1f", "peak", p->peak);
    power_line(out, base - p->trough * ys, "#2a6a9a", "trough", p->trough);
    power_line(out, base - p->average * ys, "#222", "mean over a step", p->average);
    strbuf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time from the step's start</text>\n</svg>\n"
                       "<p class=\"note\"><span class=\"swatch\" style=\"background:#9a1f1f\"></span>peak"
                       "<span class=\"swatch\" style=\"background:#2a6a9a\"></span>trough"
                       "<span class=\"swatch\" style=\"background:#222\"></span>mean over a step (dashed lines)</p>\n",
                  LABEL_WIDTH + (CHART_WIDTH - LABEL_WIDTH) / 2, base + 32);
    free(levels);
}
