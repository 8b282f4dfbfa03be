/* html: a run as one self-contained page with inline SVG (see html.h). */
#include "output/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/html_study.h"
#include "output/html_text.h"
#include "output/report_rows.h"
#include "core/units.h"

#define CHART_WIDTH 900.0
#define LABEL_WIDTH 110.0

static void head(strbuf* out, const scenario* sc)
{
    strbuf_append(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>trainsim: ");
    html_escaped(out, sc->name);
    strbuf_append(out,
                  "</title>\n<style>\n"
                  "body{font-family:sans-serif;max-width:1040px;margin:2em auto;color:#222}\n"
                  "h1{font-size:1.6em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
                  "table{border-collapse:collapse} td,th{padding:2px 10px;text-align:right}\n"
                  "td:first-child,th:first-child{text-align:left} .key td{font-size:1.05em}\n"
                  ".note{color:#666;font-size:.9em} svg text{font-size:11px;font-family:sans-serif}\n"
                  ".swatch{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}\n"
                  "</style></head>\n<body>\n");
}

static void key_figure(strbuf* out, const char* name, const char* value)
{
    strbuf_append(out, "<tr><td>");
    strbuf_append(out, name);
    strbuf_append(out, "</td><td>");
    html_escaped(out, value);
    strbuf_append(out, "</td></tr>\n");
}

static void key_figures(const scenario* sc, const run_result* r, strbuf* out)
{
    char v[160], a[32], b[32], c[32];
    strbuf_append(out, "<h1>");
    html_escaped(out, sc->name);
    strbuf_append(out, "</h1>\n<p>");
    html_escaped(out, sc->description);
    strbuf_printf(out, "</p>\n<p class=\"note\">%lld %s GPUs: TP %d &times; PP %d &times; DP %d, %s, %d micro-batches "
                       "per step. trainsim %s, seed %llu.</p>\n<table class=\"key\">\n",
                  r->world_gpus, sc->gpu.name, sc->par.tp, sc->par.pp, sc->par.dp, schedule_name(sc->par.schedule),
                  r->plan.micro_batches, TRAINSIM_VERSION, (unsigned long long)sc->seed);
    snprintf(v, sizeof v, "%.1f %% per step, %.1f %% over the run", 100 * r->mfu, 100 * r->run_mfu);
    key_figure(out, "MFU", v);
    snprintf(v, sizeof v, "%s", units_format_seconds(r->profile.step_time, a, sizeof a));
    key_figure(out, "Step time", v);
    const campaign_result* cr = &r->campaign;
    report_duration(cr->wall_mean, a, sizeof a);
    if (cr->replications > 1)   /* one run: no spread to give */
        snprintf(v, sizeof v, "%s, the mean of %d runs (p10 %s, p90 %s)", a, cr->replications,
                 report_duration(cr->wall_p10, b, sizeof b), report_duration(cr->wall_p90, c, sizeof c));
    else
        snprintf(v, sizeof v, "%s", a);
    key_figure(out, "Wall-clock", v);
    snprintf(v, sizeof v, "%s GPU-hours, cost %s", report_count(r->gpu_hours, a, sizeof a),
             report_count(r->cost, b, sizeof b));
    key_figure(out, "GPU-hours", v);
    snprintf(v, sizeof v, "%s at %s on average", report_energy(r->energy_joules, a, sizeof a),
             report_power(r->power.average, b, sizeof b));
    key_figure(out, "Energy", v);
    const gpu_memory* g = &r->memory.rank[r->memory.worst];
    snprintf(v, sizeof v, "%s of %s (pipeline rank %d)", units_format_bytes(g->total, a, sizeof a),
             units_format_bytes(sc->gpu.hbm_bytes, c, sizeof c), r->memory.worst);
    key_figure(out, "Memory per GPU", v);
    strbuf_append(out, "</table>\n");
}

/* ---- where the time went ------------------------------------------------------------ */

static const char* const part_colours[REPORT_PARTS] = {"#3b6fb6", "#c8c8c8", "#e8a33d", "#e6d04a", "#d0453a",
                                                       "#8e5bb5", "#e07bb0", "#4aa3df", "#7a4a2a", "#9a1f1f",
                                                       "#f07a1a", "#2aa6a6"};

static void breakdown(const run_result* r, strbuf* out)
{
    breakdown_row rows[REPORT_PARTS];
    report_breakdown(r, rows);
    double total = r->wall_seconds;
    strbuf_printf(out, "<h2>Where the time went</h2>\n<svg width=\"%.0f\" height=\"40\" role=\"img\">\n",
                  CHART_WIDTH);
    double x = 0;
    for (int i = 0; i < REPORT_PARTS; i++) {
        double w = total > 0 ? CHART_WIDTH * rows[i].seconds / total : 0;
        if (w <= 0)
            continue;
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"5\" width=\"%.2f\" height=\"30\" fill=\"%s\"><title>%s %.1f %%</title></rect>\n",
                      x, w, part_colours[i], rows[i].label, 100 * rows[i].seconds / total);
        x += w;
    }
    strbuf_append(out, "</svg>\n<table><tr><th>part</th><th>days</th><th>share</th></tr>\n");
    for (int i = 0; i < REPORT_PARTS; i++)
        if (report_row_shown(i, rows[i].seconds))
            strbuf_printf(out, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>%s</td>"
                               "<td>%.2f</td><td>%.1f %%</td></tr>\n",
                          part_colours[i], rows[i].label, rows[i].seconds / 86400, 100 * rows[i].seconds / total);
    strbuf_append(out, "</table>\n");
}

/* ---- one step ------------------------------------------------------------------------- */

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
    strbuf_append(out, "<span class=\"swatch\" style=\"background:#eee\"></span>bubble or idle</p>\n");
}

static void schedule(const run_result* r, strbuf* out)
{
    const step_profile* t = &r->timeline;
    double row = t->stages > 40 ? 8 : 18, height = row * t->stages + 30, scale = (CHART_WIDTH - LABEL_WIDTH) / t->step_time;
    char a[32];
    strbuf_printf(out, "<h2>One step</h2>\n<p class=\"note\">The final batch's step, every micro-batch simulated: "
                       "%s. A row per pipeline rank (each stands for its TP &times; DP GPUs).</p>\n",
                  units_format_seconds(t->step_time, a, sizeof a));
    strbuf_printf(out, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", CHART_WIDTH, height);
    for (int s = 0; s < t->stages; s++) {
        strbuf_printf(out, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#eee\"/>\n", LABEL_WIDTH,
                      s * row, CHART_WIDTH - LABEL_WIDTH, row - 2);
        if (row >= 12 || s % 5 == 0)
            strbuf_printf(out, "<text x=\"0\" y=\"%.1f\">rank %d</text>\n", s * row + row - 5, s);
    }
    for (int i = 0; i < t->busy_count; i++) {
        const busy_interval* b = &t->busy[i];
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.3f\" height=\"%.1f\" fill=\"%s\"/>\n",
                      LABEL_WIDTH + b->start * scale, b->stage * row, (b->end - b->start) * scale, row - 2,
                      work_colour(b->what));
    }
    strbuf_printf(out, "<text x=\"%.0f\" y=\"%.0f\">0</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n",
                  LABEL_WIDTH, height - 8, CHART_WIDTH, height - 8, a);
    strbuf_append(out, "</svg>\n");
    legend(t, out);
}

/* ---- memory ------------------------------------------------------------------------------ */

static void memory(const scenario* sc, const run_result* r, strbuf* out)
{
    const memory_report* m = &r->memory;
    static const char* const names[] = {"weights", "gradients", "optimizer", "activations", "workspace"};
    static const char* const colours[] = {"#3b6fb6", "#3f9a50", "#8e5bb5", "#e8a33d", "#999"};
    double row = m->ranks > 40 ? 8 : 18, height = row * m->ranks + 30, hbm = sc->gpu.hbm_bytes, most = hbm;
    for (int s = 0; s < m->ranks; s++)
        most = fmax(most, m->rank[s].total);
    double scale = (CHART_WIDTH - LABEL_WIDTH - 10) / most;
    char a[32];
    strbuf_printf(out, "<h2>Memory per GPU</h2>\n<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n", CHART_WIDTH,
                  height);
    for (int s = 0; s < m->ranks; s++) {
        const gpu_memory* g = &m->rank[s];
        const double parts[] = {g->weights, g->gradients, g->optimizer, g->activations, g->workspace};
        double x = LABEL_WIDTH;
        if (row >= 12 || s % 5 == 0)
            strbuf_printf(out, "<text x=\"0\" y=\"%.1f\">rank %d</text>\n", s * row + row - 5, s);
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>%s %s</title></rect>\n",
                          x, s * row, parts[k] * scale, row - 2, colours[k], names[k],
                          units_format_bytes(parts[k], a, sizeof a));
            x += parts[k] * scale;
        }
    }
    strbuf_printf(out, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#000\" stroke-dasharray=\"4\"/>\n"
                       "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"end\">HBM %s</text>\n</svg>\n<p class=\"note\">",
                  LABEL_WIDTH + hbm * scale, LABEL_WIDTH + hbm * scale, height - 20, LABEL_WIDTH + hbm * scale,
                  height - 6, units_format_bytes(hbm, a, sizeof a));
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", colours[k], names[k]);
    strbuf_append(out, "</p>\n");
}

/* ---- the run ------------------------------------------------------------------------------ */

static const char* run_colour(run_event_kind k)
{
    static const char* const colours[RUN_EVENT_KIND_COUNT] = {"#3f9a50", "#2aa6a6", "#8fd6d6", "#9a1f1f",
                                                         "#7a4a2a", "#d0453a", "#f07a1a", "#d0453a"};
    return colours[k];
}

static void run_timeline(const run_result* r, strbuf* out)
{
    const campaign_log* log = &r->run_log;
    double end = log->count ? log->events[log->count - 1].end : 0;
    for (int i = 0; i < log->count; i++)
        end = fmax(end, log->events[i].end);
    strbuf_append(out, "<h2>The run</h2>\n");
    if (end <= 0) {
        strbuf_append(out, "<p>No run events.</p>\n");
        return;
    }
    double scale = (CHART_WIDTH - LABEL_WIDTH) / end;
    int failures = 0;
    char length[32];
    report_duration(end, length, sizeof length);
    if (r->campaign.replications > 1)
        strbuf_printf(out, "<p class=\"note\">The first of %d replications, %s.</p>\n", r->campaign.replications,
                      length);
    else
        strbuf_printf(out, "<p class=\"note\">The run, %s.</p>\n", length);
    strbuf_printf(out, "<svg width=\"%.0f\" height=\"110\" role=\"img\">\n<text x=\"0\" y=\"18\">job</text>"
                       "<text x=\"0\" y=\"48\">lost work</text><text x=\"0\" y=\"78\">failures</text>\n",
                  CHART_WIDTH);
    for (int i = 0; i < log->count; i++) {
        const run_event* e = &log->events[i];
        double x = LABEL_WIDTH + e->start * scale, w = fmax((e->end - e->start) * scale, 0.3);
        if (e->kind == RUN_FAILURE) {
            strbuf_printf(out, "<line x1=\"%.2f\" y1=\"64\" x2=\"%.2f\" y2=\"84\" stroke=\"%s\"/>\n", x, x,
                          run_colour(e->kind));
            failures++;
        } else if (e->kind == RUN_WRITE) {
            continue;
        } else {
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"20\" fill=\"%s\"/>\n", x,
                          e->kind == RUN_LOST ? 34 : 4, w, run_colour(e->kind));
        }
    }
    strbuf_printf(out, "<text x=\"%.0f\" y=\"104\">0</text><text x=\"%.0f\" y=\"104\" text-anchor=\"end\">%s"
                       "</text>\n</svg>\n<p class=\"note\">",
                  LABEL_WIDTH, CHART_WIDTH, length);
    const run_event_kind shown[] = {RUN_TRAINING, RUN_CHECKPOINT, RUN_LOST, RUN_DETECT, RUN_WAIT_SPARE};
    const char* const names[] = {"training", "checkpoint", "lost work", "detection, restart, load", "waiting for a spare"};
    for (size_t k = 0; k < sizeof shown / sizeof *shown; k++)
        strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", run_colour(shown[k]), names[k]);
    strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%d failures</p>\n",
                  run_colour(RUN_FAILURE), failures);
}

/* The wall-clock of the replications, in 20 bins; nothing for one run
 * (without failures every replication is the same). */
static void histogram(const run_result* r, strbuf* out)
{
    const campaign_result* c = &r->campaign;
    if (c->replications < 2)
        return;
    int most = 1;
    for (int b = 0; b < CAMPAIGN_BINS; b++)
        most = c->wall_bins[b] > most ? c->wall_bins[b] : most;
    double bar = (CHART_WIDTH - LABEL_WIDTH) / CAMPAIGN_BINS, width = (c->wall_max - c->wall_min) / CAMPAIGN_BINS;
    strbuf_printf(out, "<h2>Wall-clock over %d replications</h2>\n<svg width=\"%.0f\" height=\"150\" role=\"img\">\n",
                  c->replications, CHART_WIDTH);
    for (int b = 0; b < CAMPAIGN_BINS; b++) {
        double h = 110.0 * c->wall_bins[b] / most;
        strbuf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6fb6\"><title>%.2f "
                           "to %.2f days: %d</title></rect>\n",
                      LABEL_WIDTH + b * bar, 120 - h, bar - 2, h, (c->wall_min + b * width) / 86400,
                      (c->wall_min + (b + 1) * width) / 86400, c->wall_bins[b]);
    }
    strbuf_printf(out, "<text x=\"0\" y=\"20\">replications</text><text x=\"%.0f\" y=\"140\">%.2f days</text>"
                       "<text x=\"%.0f\" y=\"140\" text-anchor=\"end\">%.2f days</text>\n</svg>\n",
                  LABEL_WIDTH, c->wall_min / 86400, CHART_WIDTH, c->wall_max / 86400);
}

void html_report(const scenario* sc, const run_result* r, strbuf* out)
{
    head(out, sc);
    key_figures(sc, r, out);
    html_study(r->uncertainty, out);
    breakdown(r, out);
    schedule(r, out);
    memory(sc, r, out);
    run_timeline(r, out);
    histogram(r, out);
    if (r->not_simulated_count) {
        strbuf_append(out, "<h2>Not simulated</h2>\n<ul>\n");
        for (int i = 0; i < r->not_simulated_count; i++) {
            strbuf_append(out, "<li>");
            html_escaped(out, r->not_simulated[i]);
            strbuf_append(out, "</li>\n");
        }
        strbuf_append(out, "</ul>\n");
    }
    strbuf_append(out, "<p class=\"note\">Written by trainsim " TRAINSIM_VERSION
                       ". The formulas behind every figure: docs/model.md; `trainsim explain` sets them beside "
                       "these values.</p>\n</body></html>\n");
}
