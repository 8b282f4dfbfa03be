/* html: a run as one self-contained page with inline SVG (see html.h). */
#include "output/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/html_inputs.h"
#include "output/html_run.h"
#include "output/html_step.h"
#include "output/html_study.h"
#include "output/html_text.h"
#include "output/report_rows.h"
#include "core/units.h"

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
                  "svg text.value{font-weight:bold} table.inputs td{text-align:left} table.inputs th{text-align:left;"
                  "padding-top:.6em}\n"
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
    snprintf(v, sizeof v, "%.1f of %.1f GiB on pipeline rank %d", g->total / 1073741824.0,
             sc->gpu.hbm_bytes / 1073741824.0, r->memory.worst);   /* the text report's unit */
    key_figure(out, "Memory per GPU", v);
    strbuf_append(out, "</table>\n");
}

void html_report(const scenario* sc, const run_result* r, strbuf* out)
{
    head(out, sc);
    key_figures(sc, r, out);
    html_study(r->uncertainty, out);
    html_run_breakdown(r, out);
    html_step_schedule(r, out);
    html_step_collectives(r, out);
    html_step_memory(sc, r, out);
    html_step_power(sc, r, out);
    html_run_timeline(r, out);
    html_run_failures(r, out);
    html_run_histogram(r, out);
    html_inputs(sc, r, out);
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
