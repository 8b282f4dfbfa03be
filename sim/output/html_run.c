/* html_run: the run's sections of the HTML page (see html_run.h). */
#include "output/html_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/html_axis.h"
#include "output/report_rows.h"
#include "core/units.h"

#define CHART_WIDTH 900.0
#define LABEL_WIDTH 110.0
#define PLOT_WIDTH (CHART_WIDTH - LABEL_WIDTH - 20)

/* ---- where the time went ------------------------------------------------------------- */

static const char* const part_colours[REPORT_PARTS] = {"#3b6fb6", "#c8c8c8", "#e8a33d", "#e6d04a", "#d0453a",
                                                       "#8e5bb5", "#e07bb0", "#4aa3df", "#7a4a2a", "#9a1f1f",
                                                       "#f07a1a", "#2aa6a6"};

void html_run_breakdown(const run_result* r, strbuf* out)
{
    breakdown_row rows[REPORT_PARTS];
    report_breakdown(r, rows);
    double total = r->wall_seconds, x = 0;
    char a[32];
    strbuf_printf(out, "<h2>Where the run's time went</h2>\n<p class=\"note\">Over the whole run%s: the steps' "
                       "parts times the steps, then what the run level adds. Shares are of the run's wall-clock."
                       "</p>\n<svg width=\"%.0f\" height=\"40\" role=\"img\">\n",
                  r->campaign.replications > 1 ? " (means over the replications)" : "", CHART_WIDTH);
    for (int i = 0; i < REPORT_PARTS; i++) {
        double w = total > 0 ? CHART_WIDTH * rows[i].seconds / total : 0;
        if (w <= 0)
            continue;
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"5\" width=\"%.2f\" height=\"30\" fill=\"%s\"><title>%s: %s, %.1f %% "
                           "of the run</title></rect>\n",
                      x, w, part_colours[i], rows[i].label, report_duration(rows[i].seconds, a, sizeof a),
                      100 * rows[i].seconds / total);
        x += w;
    }
    strbuf_append(out, "</svg>\n<table><tr><th>part</th><th>over the run</th><th>share of the run</th></tr>\n");
    for (int i = 0; i < REPORT_PARTS; i++)
        if (report_row_shown(i, rows[i].seconds))
            strbuf_printf(out, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>%s</td>"
                               "<td>%s</td><td>%.1f %%</td></tr>\n",
                          part_colours[i], rows[i].label, report_duration(rows[i].seconds, a, sizeof a),
                          100 * rows[i].seconds / total);
    strbuf_append(out, "</table>\n");
}

/* ---- the run's timeline ------------------------------------------------------------------- */

static const char* run_colour(run_event_kind k)
{
    static const char* const colours[RUN_EVENT_KIND_COUNT] = {"#3f9a50", "#2aa6a6", "#8fd6d6", "#9a1f1f",
                                                              "#7a4a2a", "#d0453a", "#f07a1a", "#e8897a"};
    return colours[k];
}

/* The job row's kinds, bottom to top in a bin, and their legend. */
static const run_event_kind job_kinds[] = {RUN_TRAINING, RUN_CHECKPOINT, RUN_DETECT, RUN_RESTART, RUN_WAIT_SPARE};
static const char* const job_names[] = {"training", "checkpoint", "detection", "restart and load",
                                        "waiting for a spare"};
#define JOB_KINDS (sizeof job_kinds / sizeof *job_kinds)

static double run_end(const campaign_log* log)
{
    double end = 0;
    for (int i = 0; i < log->count; i++)
        end = fmax(end, log->events[i].end);
    return end;
}

static int count_failures(const campaign_log* log)
{
    int n = 0;
    for (int i = 0; i < log->count; i++)
        n += log->events[i].kind == RUN_FAILURE;
    return n;
}

/* One mark per event: the job's intervals, lost work, a line per failure. */
static void timeline_events(const run_result* r, double scale, strbuf* out)
{
    const campaign_log* log = &r->run_log;
    char at[32];
    for (int i = 0; i < log->count; i++) {
        const run_event* e = &log->events[i];
        double x = LABEL_WIDTH + e->start * scale, w = fmax((e->end - e->start) * scale, 0.3);
        if (e->kind == RUN_FAILURE)
            strbuf_printf(out, "<line x1=\"%.2f\" y1=\"64\" x2=\"%.2f\" y2=\"84\" stroke=\"%s\" stroke-width=\"1.5\">"
                               "<title>%s failure at %s</title></line>\n",
                          x, x, run_colour(e->kind), failure_kind_name(r->campaign_in.classes[e->cls].kind),
                          report_duration(e->start, at, sizeof at));
        else if (e->kind != RUN_WRITE)
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"20\" fill=\"%s\"><title>%s from %s"
                               "</title></rect>\n",
                          x, e->kind == RUN_LOST ? 34 : 4, w, run_colour(e->kind), run_event_kind_name(e->kind),
                          report_duration(e->start, at, sizeof at));
    }
}

typedef struct {
    double seconds[RUN_EVENT_KIND_COUNT];
    int    failures;
} run_bin;

/* Each event's seconds into the bins it overlaps; failures counted. */
static void fill_bins(const campaign_log* log, double width, run_bin* bins)
{
    for (int i = 0; i < log->count; i++) {
        const run_event* e = &log->events[i];
        int first = (int)fmin(HTML_RUN_BINS - 1, floor(e->start / width));
        if (e->kind == RUN_FAILURE) {
            bins[first].failures++;
            continue;
        }
        int last = (int)fmin(HTML_RUN_BINS - 1, floor(e->end / width));
        for (int b = first; b <= last; b++)
            bins[b].seconds[e->kind] += fmax(0, fmin(e->end, (b + 1) * width) - fmax(e->start, b * width));
    }
}

/* A bin's hover text: its days and what filled them. */
static void bin_title(const run_bin* bin, int b, double width, strbuf* out)
{
    char from[32], to[32];
    strbuf_printf(out, "<title>%s to %s:", report_duration(b * width, from, sizeof from),
                  report_duration((b + 1) * width, to, sizeof to));
    for (size_t k = 0; k < JOB_KINDS; k++)
        if (bin->seconds[job_kinds[k]] > 0)
            strbuf_printf(out, " %s %.1f %%,", job_names[k], 100 * bin->seconds[job_kinds[k]] / width);
    strbuf_printf(out, " lost work %.1f %%; %d failures</title>", 100 * bin->seconds[RUN_LOST] / width, bin->failures);
}

/* Too many failures to tell apart: the run in HTML_RUN_BINS bins, the job
 * row stacking each kind's share of a bin, the lost work's share, and a
 * bar per bin counting its failures. */
static int timeline_bins(const run_result* r, double end, strbuf* out)
{
    run_bin* bins = xcalloc(HTML_RUN_BINS, sizeof *bins);
    double width = end / HTML_RUN_BINS, px = PLOT_WIDTH / HTML_RUN_BINS;
    int most = 1;
    fill_bins(&r->run_log, width, bins);
    for (int b = 0; b < HTML_RUN_BINS; b++)
        most = bins[b].failures > most ? bins[b].failures : most;
    for (int b = 0; b < HTML_RUN_BINS; b++) {
        double x = LABEL_WIDTH + b * px, y = 24;
        for (size_t k = 0; k < JOB_KINDS; k++) {
            double h = 20 * bins[b].seconds[job_kinds[k]] / width;
            if (h <= 0)
                continue;
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n", x,
                          y - h, px, h, run_colour(job_kinds[k]));
            y -= h;
        }
        double lost = 20 * bins[b].seconds[RUN_LOST] / width, hit = 20.0 * bins[b].failures / most;
        if (lost > 0)
            strbuf_printf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n", x,
                          54 - fmin(lost, 20), px, fmin(lost, 20), run_colour(RUN_LOST));
        if (hit > 0)
            strbuf_printf(out, "<rect class=\"failure-bin\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                               "fill=\"%s\"/>\n",
                          x, 84 - hit, fmax(px - 0.5, 0.5), hit, run_colour(RUN_FAILURE));
        strbuf_printf(out, "<rect x=\"%.2f\" y=\"4\" width=\"%.2f\" height=\"80\" fill-opacity=\"0\">", x, px);
        bin_title(&bins[b], b, width, out);
        strbuf_append(out, "</rect>\n");
    }
    free(bins);
    return most;
}

void html_run_timeline(const run_result* r, strbuf* out)
{
    const campaign_log* log = &r->run_log;
    double end = run_end(log);
    strbuf_append(out, "<h2>The run</h2>\n");
    if (end <= 0) {
        strbuf_append(out, "<p>No run events.</p>\n");
        return;
    }
    double scale = PLOT_WIDTH / end;
    int failures = count_failures(log), binned = failures > HTML_RUN_DRAWN_FAILURES, most = 0;
    char length[32], bin[32];
    report_duration(end, length, sizeof length);
    if (r->campaign.replications > 1)
        strbuf_printf(out, "<p class=\"note\">The first of %d replications, %s.</p>\n", r->campaign.replications,
                      length);
    else
        strbuf_printf(out, "<p class=\"note\">The run, %s.</p>\n", length);
    strbuf_printf(out, "<svg width=\"%.0f\" height=\"130\" role=\"img\">\n<text x=\"0\" y=\"18\">job</text>"
                       "<text x=\"0\" y=\"48\">lost work</text><text x=\"0\" y=\"78\">failures</text>\n",
                  CHART_WIDTH);
    html_x_axis(out, LABEL_WIDTH, scale, 92, 92, end, html_unit_seconds(end), 10);
    if (binned)
        most = timeline_bins(r, end, out);
    else
        timeline_events(r, scale, out);
    strbuf_printf(out, "<text x=\"%.0f\" y=\"126\" text-anchor=\"middle\">time from the run's start</text>\n</svg>\n"
                       "<p class=\"note\">",
                  LABEL_WIDTH + PLOT_WIDTH / 2);
    for (size_t k = 0; k < JOB_KINDS; k++)
        strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>%s", run_colour(job_kinds[k]),
                      job_names[k]);
    strbuf_printf(out, "<span class=\"swatch\" style=\"background:%s\"></span>lost work"
                       "<span class=\"swatch\" style=\"background:%s\"></span>%d failures",
                  run_colour(RUN_LOST), run_colour(RUN_FAILURE), failures);
    if (binned)
        strbuf_printf(out, ".<br>Aggregated: %d failures are too many to draw one by one (more than %d), so the run "
                           "is drawn in %d bins of %s each: the job's row stacks each activity's share of a bin, the "
                           "lost work's row its share, the failures' row counts a bin's failures (the tallest "
                           "bar: %d). Hover over a bin for its numbers.",
                      failures, HTML_RUN_DRAWN_FAILURES, HTML_RUN_BINS, report_duration(end / HTML_RUN_BINS, bin, sizeof bin),
                      most);
    else
        strbuf_append(out, ". Hover over a mark for what it is and when.");
    strbuf_append(out, "</p>\n");
}

/* ---- failures by kind ---------------------------------------------------------------------- */

void html_run_failures(const run_result* r, strbuf* out)
{
    const campaign_input* in = &r->campaign_in;
    const campaign_result* c = &r->campaign;
    if (!in->class_count)
        return;
    char a[32], b[32];
    strbuf_printf(out, "<h3>Failures by kind</h3>\n<p class=\"note\">Means per run over %d replications; a "
                       "component's MTBF is its own, the job's rate the sum of its components'.</p>\n"
                       "<table><tr><th>kind</th><th>components in the job</th><th>MTBF each</th><th>failures per "
                       "run</th><th>share of the failures</th></tr>\n",
                  c->replications);
    for (int k = 0; k < in->class_count; k++) {
        const failure_class* f = &in->classes[k];
        strbuf_printf(out, "<tr><td>%s</td><td>%.0f</td><td>%.0f h</td><td>%.1f</td><td>%.1f %%</td></tr>\n",
                      failure_kind_name(f->kind), f->instances, f->mtbf / 3600, c->failures[k],
                      c->failures_total > 0 ? 100 * c->failures[k] / c->failures_total : 0);
    }
    strbuf_printf(out, "<tr><th>all</th><td></td><td>one every %s in the job</td><th>%.1f</th><td>100 %%</td></tr>\n"
                       "</table>\n<p class=\"note\">%s GPU-hours lost to failures (work lost, recoveries, waits "
                       "for spares).</p>\n",
                  report_duration(1 / campaign_failure_rate(in), a, sizeof a), c->failures_total,
                  report_count(report_gpu_hours_lost(r), b, sizeof b));
}

/* ---- the replications' wall-clock ------------------------------------------------------------ */

void html_run_histogram(const run_result* r, strbuf* out)
{
    const campaign_result* c = &r->campaign;
    if (c->replications < 2)
        return;
    int most = 1;
    for (int b = 0; b < CAMPAIGN_BINS; b++)
        most = c->wall_bins[b] > most ? c->wall_bins[b] : most;
    double bar = PLOT_WIDTH / CAMPAIGN_BINS, width = (c->wall_max - c->wall_min) / CAMPAIGN_BINS;
    double step = html_tick_step(most, html_unit_count(), 5), top = ceil(most / step) * step;   /* a tick atop */
    double base = 130, ys = 110.0 / top;
    strbuf_printf(out, "<h2>Wall-clock over %d replications</h2>\n<svg width=\"%.0f\" height=\"%.0f\" role=\"img\">\n",
                  c->replications, CHART_WIDTH, base + 40);
    html_y_axis(out, LABEL_WIDTH, CHART_WIDTH - 20, base, ys, 0, top, html_unit_count(), 5);
    for (int b = 0; b < CAMPAIGN_BINS; b++) {
        double h = ys * c->wall_bins[b];
        strbuf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6fb6\"><title>%.2f "
                           "to %.2f days: %d replications</title></rect>\n",
                      LABEL_WIDTH + b * bar + 1, base - h, bar - 2, h, (c->wall_min + b * width) / 86400,
                      (c->wall_min + (b + 1) * width) / 86400, c->wall_bins[b]);
    }
    for (int b = 0; b <= CAMPAIGN_BINS; b += 5)   /* the bins' edges, every fifth */
        strbuf_printf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#444\"/><text x=\"%.1f\" "
                           "y=\"%.0f\" text-anchor=\"middle\">%.2f</text>\n",
                      LABEL_WIDTH + b * bar, base, LABEL_WIDTH + b * bar, base + 4, LABEL_WIDTH + b * bar, base + 16,
                      (c->wall_min + b * width) / 86400);
    strbuf_printf(out, "<text x=\"0\" y=\"14\">replications</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
                       "wall-clock, days</text>\n</svg>\n",
                  LABEL_WIDTH + PLOT_WIDTH / 2, base + 34);
}
