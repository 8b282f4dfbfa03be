/* report_text: the text rendering of a run (see report_text.h). */
#include "output/report_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/report_rows.h"
#include "output/report_uncertainty.h"
#include "core/units.h"

#define GIB 1073741824.0

/* 24960 -> "24,960" */
static const char* with_commas(long long x, char* buf, int size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", x < 0 ? -x : x);
    int n = (int)strlen(digits), o = 0;
    if (x < 0 && o < size - 1)
        buf[o++] = '-';
    for (int i = 0; i < n && o < size - 2; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static void text_plan(const scenario* sc, const run_result* r, strbuf* out)
{
    const parallel_spec* p = &sc->par;
    char world[32], cluster[32];
    char experts[64] = "";   /* an MoE model's expert tensor parallelism and dispatcher */
    if (sc->model.moe.enabled)
        snprintf(experts, sizeof experts, ", ETP %d, %s dispatcher", p->etp,
                 dispatcher_name(sc->model.moe.dispatcher));
    strbuf_printf(out, "Plan     %s of %s %s GPUs: TP %d x PP %d x DP %d (CP %d, EP %d%s), %s,\n"
                       "         %lld micro-batches of %d x %d tokens per pipeline, ZeRO %d, recompute %s\n",
                  with_commas(r->world_gpus, world, sizeof world),
                  with_commas(r->cluster_gpus, cluster, sizeof cluster), sc->gpu.name, p->tp,
                  p->pp, p->dp, p->cp, p->ep, experts, schedule_name(p->schedule), r->micro_batches,
                  p->micro_batch, sc->model.seq_len, p->zero, recompute_name(p->recompute));
}

/* 1.8e12 -> "1.80 TFLOP" */
static const char* flop_amount(double x, char* buf, int size)
{
    static const char* prefix[] = {"", "k", "M", "G", "T", "P", "E"};
    int i = 0;
    while (x >= 1000.0 && i < 6) {
        x /= 1000.0;
        i++;
    }
    snprintf(buf, (size_t)size, "%.3g %sFLOP", x, prefix[i]);
    return buf;
}

static void text_model(const run_result* r, strbuf* out)
{
    const workload* w = &r->work;
    char total[32], active[32], model[32], executed[32];
    strbuf_printf(out, "Model    %s parameters (%s active per token), %s per token trained (%s executed)\n",
                  report_count(w->params_total, total, sizeof total),
                  report_count(w->params_active, active, sizeof active),
                  flop_amount(w->model_flops_per_token, model, sizeof model),
                  flop_amount(w->hardware_flops_per_token, executed, sizeof executed));
}

static void text_memory(const scenario* sc, const run_result* r, strbuf* out)
{
    const gpu_memory* g = &r->memory.rank[r->memory.worst];
    strbuf_printf(out, "Memory   %.1f of %.1f GiB per GPU on pipeline rank %d: weights %.1f, gradients %.1f,\n"
                       "         optimizer %.1f, activations %.1f (%.1f micro-batches in flight), workspace %.1f\n",
                  g->total / GIB, sc->gpu.hbm_bytes / GIB, r->memory.worst, g->weights / GIB,
                  g->gradients / GIB, g->optimizer / GIB, g->activations / GIB, g->in_flight,
                  g->workspace / GIB);
}

static void text_step(const run_result* r, strbuf* out)
{
    const step_profile* p = &r->profile;
    char tokens[32], rate[32], buf[32];
    strbuf_printf(out, "Step     %s for %s tokens: %s tokens/s, %.1f TFLOP/s per GPU\n",
                  units_format_seconds(p->step_time, buf, sizeof buf),
                  report_count(r->work.tokens_per_step, tokens, sizeof tokens),
                  report_count(r->tokens_per_s, rate, sizeof rate), r->tflops_per_gpu);
    breakdown_row rows[REPORT_PARTS];
    report_breakdown(r, rows);
    double parts[REPORT_STEP_PARTS];
    report_step_parts(p, parts);
    for (int i = 0; i < REPORT_STEP_PARTS; i++)
        if (report_row_shown(i, parts[i]))
            strbuf_printf(out, "  %-28s %12s %6.1f %%\n", rows[i].label,
                          units_format_seconds(parts[i], buf, sizeof buf), 100.0 * parts[i] / p->step_time);
}

static void text_predictions(const collective_plan* c, strbuf* out)
{
    const char* sep = " (auto:";
    char buf[32];
    for (collective_kind a = COLL_AUTO + 1; a < COLL_COUNT; a++) {
        if (c->predicted[a] <= 0)
            continue;
        strbuf_printf(out, "%s %s %s", sep, collective_name(a), units_format_seconds(c->predicted[a], buf, sizeof buf));
        sep = ",";
    }
    strbuf_append(out, ")");
}

static void text_collectives(const run_result* r, strbuf* out)
{
    collective_row rows[REPORT_COLLECTIVES];
    int stage, n = report_collectives(r, &stage, rows);
    if (n == 0)
        return;
    char size[32];
    strbuf_printf(out, "DP       collectives of pipeline rank %d, the last to finish reducing:\n", stage);
    for (int i = 0; i < n; i++) {
        const collective_plan* c = rows[i].c;
        strbuf_printf(out, "  %-28s %s over %d ranks (%d per node), %s, %s", rows[i].label,
                      collective_name(c->shape.algorithm), c->shape.members, c->shape.per_node,
                      units_format_bytes(c->payload_bytes, size, sizeof size), report_protocol(c, 0));
        for (int k = 1; k < c->shape.phase_count; k++)
            strbuf_printf(out, "+%s", report_protocol(c, k));
        if (c->requested == COLL_AUTO)
            text_predictions(c, out);
        else if (c->requested != c->shape.algorithm)
            strbuf_printf(out, " (%s does not apply)", collective_name(c->requested));
        strbuf_append(out, "\n");
    }
}

/* training.batch_ramp: each batch's tokens, steps and step time. */
static void text_phases(const run_result* r, strbuf* out)
{
    if (r->phase_count < 2)
        return;
    for (int i = 0; i < r->phase_count; i++) {
        const batch_phase* ph = &r->phase[i];
        char tokens[32], steps[32], step[32];
        strbuf_printf(out, "  batch %-8lld %10s tokens in %s steps of %s%s\n", ph->global_batch,
                      report_count(ph->tokens, tokens, sizeof tokens), report_count(ph->steps, steps, sizeof steps),
                      units_format_seconds(ph->profile->step_time, step, sizeof step),
                      i == r->phase_count - 1 ? " (the step above)" : "");
    }
}


/* A mean count of a run: whole above 10, with one decimal below (a mean of
 * 0.3 failures is not "0", and the kinds' means add up to the total's). */
static const char* mean_count(double mean, char* buf, int size)
{
    if (mean >= 9.95)
        return with_commas(llround(mean), buf, size);
    snprintf(buf, (size_t)size, "%.1f", mean);
    return buf;
}

/* Checkpoints, failures, recoveries: what the run level adds to the steps. */
static void text_run_level(const scenario* sc, const run_result* r, strbuf* out)
{
    const campaign_input* in = &r->campaign_in;
    const campaign_result* c = &r->campaign;
    breakdown_row rows[REPORT_PARTS];
    report_breakdown(r, rows);
    char buf[32], every[32], write[32], load[32], size[32];
    for (int i = REPORT_STEP_PARTS; i < REPORT_PARTS; i++)
        if (report_row_shown(i, rows[i].seconds))
            strbuf_printf(out, "  %-28s %12s %6.1f %%\n", rows[i].label,
                          report_duration(rows[i].seconds, buf, sizeof buf), 100.0 * rows[i].seconds / r->wall_seconds);
    if (in->interval_seconds > 0) {
        strbuf_printf(out, "         a checkpoint of %s every %s of training (%s): %s to write, %s to load",
                      units_format_bytes(r->checkpoint_bytes, size, sizeof size),
                      report_duration(in->interval_seconds, every, sizeof every),
                      !sc->checkpoint.interval_auto ? "as set"
                      : in->copy_seconds > 0       ? "Daly's optimum for the copy, no shorter than a write"
                                                   : "Daly's optimum",
                      report_duration(in->checkpoint_seconds, write, sizeof write),
                      report_duration(in->load_seconds, load, sizeof load));
        if (in->copy_seconds > 0)
            strbuf_printf(out, ";\n         asynchronous: %s of copying to host memory blocks",
                          report_duration(in->copy_seconds, buf, sizeof buf));
        strbuf_append(out, "\n");
    }
    if (!in->class_count)
        return;
    char count[32];
    strbuf_printf(out, "Failures %s per run on average:", mean_count(c->failures_total, count, sizeof count));
    for (int k = 0; k < in->class_count; k++)
        strbuf_printf(out, "%s %s %s", k ? "," : "", failure_kind_name(in->classes[k].kind),
                      mean_count(c->failures[k], count, sizeof count));
    char lost[32];
    strbuf_printf(out, " (one every %s); %s GPU-hours lost to them\n",
                  report_duration(1 / campaign_failure_rate(in), buf, sizeof buf),
                  report_count(report_gpu_hours_lost(r), lost, sizeof lost));
}

/* The facility's power while training, its swing within a step, and the
 * run's energy. */
static void text_power(const scenario* sc, const run_result* r, strbuf* out)
{
    const step_power* p = &r->power;
    char mean[32], low[32], high[32], swing[32], energy[32], cost[32];
    strbuf_printf(out, "Power    %s on average while training, from %s to %s within a step (a %s swing);\n"
                       "         GPUs computing %.0f %%, communicating %.0f %%, idle %.0f %% of a step;\n"
                       "         %s over the run at PUE %.2f",
                  report_power(p->average, mean, sizeof mean), report_power(p->trough, low, sizeof low),
                  report_power(p->peak, high, sizeof high), report_power(p->peak - p->trough, swing, sizeof swing),
                  100.0 * p->computing, 100.0 * p->communicating, 100.0 * p->idle_share,
                  report_energy(r->energy_joules, energy, sizeof energy), sc->power.pue);
    if (sc->cost.kwh > 0)
        strbuf_printf(out, ", costing %s (at %.3g per kWh)", report_count(r->energy_cost, cost, sizeof cost),
                      sc->cost.kwh);
    strbuf_append(out, "\n");
}

static void text_run(const scenario* sc, const run_result* r, strbuf* out)
{
    const campaign_result* c = &r->campaign;
    char tokens[32], steps[32], hours[32], cost[32], wall[32];
    strbuf_printf(out, "Run      %s tokens in %s steps: %s of wall-clock",
                  report_count(r->tokens, tokens, sizeof tokens), report_count(r->steps, steps, sizeof steps),
                  report_duration(r->wall_seconds, wall, sizeof wall));
    if (c->replications > 1) {
        char p10[32], p90[32];
        strbuf_printf(out, ", the mean of %d runs (p10 %s, p90 %s)", c->replications,
                      report_duration(c->wall_p10, p10, sizeof p10), report_duration(c->wall_p90, p90, sizeof p90));
    }
    strbuf_append(out, "\n");
    if (!sc->failures.enabled)
        strbuf_append(out, "         (no failures section: no failures, restarts or spare nodes in these days)\n");
    text_phases(r, out);
    text_run_level(sc, r, out);
    if (c->goodput < 1)
        strbuf_printf(out, "         MFU %.1f %% per step, %.1f %% over the run (goodput %.1f %%), HFU %.1f %%,\n         ",
                      100.0 * r->mfu, 100.0 * r->run_mfu, 100.0 * c->goodput, 100.0 * r->hfu);
    else
        strbuf_printf(out, "         MFU %.1f %%, HFU %.1f %%, ", 100.0 * r->mfu, 100.0 * r->hfu);
    strbuf_printf(out, "%s GPU-hours, cost %s (at %.2f per GPU-hour)\n", report_count(r->gpu_hours, hours, sizeof hours),
                  report_count(r->cost, cost, sizeof cost), sc->cost.gpu_hour);
}

static void text_notes(const run_result* r, strbuf* out)
{
    if (!r->not_simulated_count)
        return;
    strbuf_append(out, "\nNot simulated by this version yet:\n");
    for (int i = 0; i < r->not_simulated_count; i++)
        strbuf_printf(out, "  - %s\n", r->not_simulated[i]);
}

void report_text(const scenario* sc, const run_result* r, strbuf* out)
{
    strbuf_printf(out, "trainsim %s: %s\n", TRAINSIM_VERSION, sc->name);
    if (sc->description[0])
        strbuf_printf(out, "  %s\n", sc->description);
    strbuf_append(out, "\n");
    text_plan(sc, r, out);
    text_model(r, out);
    text_memory(sc, r, out);
    if (!r->feasible) {
        strbuf_printf(out, "\nInfeasible: %s\n", r->infeasible_reason);
        return;
    }
    strbuf_append(out, "\n");
    text_step(r, out);
    strbuf_append(out, "\n");
    text_collectives(r, out);
    strbuf_append(out, "\n");
    text_run(sc, r, out);
    text_power(sc, r, out);
    report_uncertainty_text(r->uncertainty, out);
    text_notes(r, out);
}
