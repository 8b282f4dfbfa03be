/* report: text and JSON renderings of a run (see report.h). */
#include "output/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/units.h"

#define GIB 1073741824.0

enum { BREAKDOWN_ROWS = REPORT_PARTS, STEP_ROWS = REPORT_STEP_PARTS, ALWAYS_SHOWN = 6 };

/* The step's parts of profile P, seconds. */
static void step_parts(const step_profile* p, double* parts)
{
    double all[STEP_ROWS] = {p->compute, p->bubble, p->tp_comm, p->pp_comm, p->dp_comm_exposed,
                             p->optimizer, p->ep_comm};
    memcpy(parts, all, sizeof all);
}

void report_breakdown(const run_result* r, breakdown_row* rows)
{
    const campaign_result* c = &r->campaign;
    double total[STEP_ROWS] = {0}, parts[STEP_ROWS];
    for (int i = 0; i < r->phase_count; i++) {
        step_parts(r->phase[i].profile, parts);
        for (int k = 0; k < STEP_ROWS; k++)
            total[k] += parts[k] * r->phase[i].steps;
    }
    breakdown_row all[BREAKDOWN_ROWS] = {
        {"compute", "compute", total[0]},
        {"bubble", "pipeline bubble", total[1]},
        {"tp_comm", "TP communication", total[2]},
        {"pp_comm", "PP communication", total[3]},
        {"dp_comm_exposed", "DP communication, exposed", total[4]},
        {"optimizer", "optimizer step", total[5]},
        {"ep_comm", "EP all-to-all", total[6]},
        {"failure_lost_work", "work lost to failures", c->lost_work},
        {"restart", "detection, restart, load", c->recovery},
        {"spare_wait", "waiting for spare nodes", c->waiting},
        {"checkpoint", "checkpoints", c->checkpoint},
    };
    for (int i = 0; i < BREAKDOWN_ROWS; i++)
        rows[i] = all[i];
}

/* The data-parallel collectives of the pipeline rank that finishes its
 * gradient reduction last (it sets the end of the step), the algorithm each
 * runs and, under `auto`, what each candidate was predicted to take. */
typedef struct {
    const char*            key;
    const char*            label;
    const collective_plan* c;
} collective_row;

enum { COLLECTIVE_ROWS = 6 };

static int collective_rows(const run_result* r, int* stage, collective_row* rows)
{
    *stage = run_last_reduction_stage(r);
    const stage_plan* st = &r->plan.stage[*stage];
    collective_row all[COLLECTIVE_ROWS] = {
        {"dp_reduce", "gradient reduction", &st->dp_reduce},
        {"dp_gather", "weight all-gather", &st->dp_gather},
        {"zero_gather", "ZeRO-3 weight gather", &st->chunk[0].zero_gather},
        {"zero_scatter", "ZeRO-3 gradient scatter", &st->chunk[0].zero_scatter},
        {"expert_reduce", "expert gradient reduction", &st->expert_reduce},
        {"expert_gather", "expert weight all-gather", &st->expert_gather},
    };
    int n = 0;
    for (int i = 0; i < COLLECTIVE_ROWS; i++)
        if (all[i].c->shape.phase_count > 0)
            rows[n++] = all[i];
    return n;
}

const char* report_count(double x, char* buf, int size)
{
    static const char* suffix[] = {"", "k", "M", "B", "T", "P", "E"};
    int i = 0;
    while (fabs(x) >= 1000.0 && i < 6) {
        x /= 1000.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, (size_t)size, fabs(x) < 100 ? "%.3g" : "%.0f", x);
    else
        snprintf(buf, (size_t)size, fabs(x) < 10 ? "%.2f%s" : fabs(x) < 100 ? "%.1f%s" : "%.0f%s", x,
                 suffix[i]);
    return buf;
}

/* ---- text -------------------------------------------------------------- */

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
    strbuf_printf(out, "Plan     %s of %s %s GPUs: TP %d x PP %d x DP %d (CP %d, EP %d), %s,\n"
                       "         %lld micro-batches of %d x %d tokens per pipeline, ZeRO %d, recompute %s\n",
                  with_commas(r->world_gpus, world, sizeof world),
                  with_commas(r->cluster_gpus, cluster, sizeof cluster), sc->gpu.name, p->tp,
                  p->pp, p->dp, p->cp, p->ep, schedule_name(p->schedule), r->micro_batches,
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
    breakdown_row rows[BREAKDOWN_ROWS];
    report_breakdown(r, rows);
    double parts[STEP_ROWS];
    step_parts(p, parts);
    for (int i = 0; i < STEP_ROWS; i++)
        if (i < ALWAYS_SHOWN || parts[i] > 0)
            strbuf_printf(out, "  %-28s %12s %6.1f %%\n", rows[i].label,
                          units_format_seconds(parts[i], buf, sizeof buf), 100.0 * parts[i] / p->step_time);
}

static void text_predictions(const collective_plan* c, strbuf* out)
{
    static const collective_kind order[] = {COLL_RING, COLL_TREE, COLL_HIERARCHICAL};
    const char* sep = " (auto:";
    char buf[32];
    for (int i = 0; i < 3; i++) {
        if (c->predicted[order[i]] <= 0)
            continue;
        strbuf_printf(out, "%s %s %s", sep, collective_name(order[i]),
                      units_format_seconds(c->predicted[order[i]], buf, sizeof buf));
        sep = ",";
    }
    strbuf_append(out, ")");
}

static void text_collectives(const run_result* r, strbuf* out)
{
    collective_row rows[COLLECTIVE_ROWS];
    int stage, n = collective_rows(r, &stage, rows);
    if (n == 0)
        return;
    char size[32];
    strbuf_printf(out, "DP       collectives of pipeline rank %d, the last to finish reducing:\n", stage);
    for (int i = 0; i < n; i++) {
        const collective_plan* c = rows[i].c;
        strbuf_printf(out, "  %-28s %s over %d ranks (%d per node), %s", rows[i].label,
                      collective_name(c->shape.algorithm), c->shape.members, c->shape.per_node,
                      units_format_bytes(c->payload_bytes, size, sizeof size));
        if (c->requested == COLL_AUTO)
            text_predictions(c, out);
        else if (c->requested != c->shape.algorithm)
            strbuf_printf(out, " (%s does not apply)", collective_name(c->requested));
        strbuf_append(out, "\n");
    }
}

/* Run-level durations: days, hours or minutes, as a reader counts them. */
static const char* days_or_time(double seconds, char* buf, int size)
{
    if (seconds >= 86400.0)
        snprintf(buf, (size_t)size, "%.1f days", seconds / 86400.0);
    else if (seconds >= 3600.0)
        snprintf(buf, (size_t)size, "%.1f h", seconds / 3600.0);
    else if (seconds >= 60.0)
        snprintf(buf, (size_t)size, "%.1f min", seconds / 60.0);
    else
        units_format_seconds(seconds, buf, size);
    return buf;
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

/* GPU-hours the failures cost: lost work, recoveries and waits for spares. */
static double gpu_hours_lost(const run_result* r)
{
    const campaign_result* c = &r->campaign;
    return (double)r->world_gpus * (c->lost_work + c->recovery + c->waiting) / 3600.0;
}

/* Checkpoints, failures, recoveries: what the run level adds to the steps. */
static void text_run_level(const scenario* sc, const run_result* r, strbuf* out)
{
    const campaign_input* in = &r->campaign_in;
    const campaign_result* c = &r->campaign;
    breakdown_row rows[BREAKDOWN_ROWS];
    report_breakdown(r, rows);
    char buf[32], every[32], write[32], load[32], size[32];
    for (int i = STEP_ROWS; i < BREAKDOWN_ROWS; i++)
        if (rows[i].seconds > 0)
            strbuf_printf(out, "  %-28s %12s %6.1f %%\n", rows[i].label,
                          days_or_time(rows[i].seconds, buf, sizeof buf), 100.0 * rows[i].seconds / r->wall_seconds);
    if (in->interval_seconds > 0) {
        strbuf_printf(out, "         a checkpoint of %s every %s of training (%s): %s to write, %s to load",
                      units_format_bytes(r->checkpoint_bytes, size, sizeof size),
                      days_or_time(in->interval_seconds, every, sizeof every),
                      !sc->checkpoint.interval_auto ? "as set"
                      : in->copy_seconds > 0       ? "Daly's optimum for the copy, no shorter than a write"
                                                   : "Daly's optimum",
                      days_or_time(in->checkpoint_seconds, write, sizeof write),
                      days_or_time(in->load_seconds, load, sizeof load));
        if (in->copy_seconds > 0)
            strbuf_printf(out, ";\n         asynchronous: %s of copying to host memory blocks",
                          days_or_time(in->copy_seconds, buf, sizeof buf));
        strbuf_append(out, "\n");
    }
    if (!in->class_count)
        return;
    char count[32];
    strbuf_printf(out, "Failures %s per run on average:",
                  with_commas(llround(c->failures_total), count, sizeof count));
    for (int k = 0; k < in->class_count; k++)
        strbuf_printf(out, "%s %s %s", k ? "," : "", in->classes[k].kind,
                      with_commas(llround(c->failures[k]), count, sizeof count));
    char lost[32];
    strbuf_printf(out, " (one every %s); %s GPU-hours lost to them\n",
                  days_or_time(1 / campaign_failure_rate(in), buf, sizeof buf),
                  report_count(gpu_hours_lost(r), lost, sizeof lost));
}

/* The facility's power while training, its swing within a step, and the
 * run's energy. */
static const char* power_amount(double watts, char* buf, int size)
{
    if (watts >= 1e6)
        snprintf(buf, (size_t)size, "%.2f MW", watts / 1e6);
    else if (watts >= 1e3)
        snprintf(buf, (size_t)size, "%.1f kW", watts / 1e3);
    else
        snprintf(buf, (size_t)size, "%.0f W", watts);
    return buf;
}

static const char* energy_amount(double joules, char* buf, int size)
{
    double kwh = joules / 3.6e6;
    if (kwh >= 1e6)
        snprintf(buf, (size_t)size, "%.1f GWh", kwh / 1e6);
    else if (kwh >= 1e3)
        snprintf(buf, (size_t)size, "%.1f MWh", kwh / 1e3);
    else
        snprintf(buf, (size_t)size, "%.3g kWh", kwh);
    return buf;
}

static void text_power(const scenario* sc, const run_result* r, strbuf* out)
{
    const step_power* p = &r->power;
    char mean[32], low[32], high[32], swing[32], energy[32], cost[32];
    strbuf_printf(out, "Power    %s on average while training, from %s to %s within a step (a %s swing);\n"
                       "         GPUs computing %.0f %%, communicating %.0f %%, idle %.0f %% of a step;\n"
                       "         %s over the run at PUE %.2f",
                  power_amount(p->average, mean, sizeof mean), power_amount(p->trough, low, sizeof low),
                  power_amount(p->peak, high, sizeof high), power_amount(p->peak - p->trough, swing, sizeof swing),
                  100.0 * p->computing, 100.0 * p->communicating, 100.0 * (1 - p->computing - p->communicating),
                  energy_amount(r->energy_joules, energy, sizeof energy), sc->power.pue);
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
                  days_or_time(r->wall_seconds, wall, sizeof wall));
    if (c->replications > 1) {
        char p10[32], p90[32];
        strbuf_printf(out, ", the mean of %d runs (p10 %s, p90 %s)", c->replications,
                      days_or_time(c->wall_p10, p10, sizeof p10), days_or_time(c->wall_p90, p90, sizeof p90));
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
    text_notes(r, out);
}

/* ---- JSON -------------------------------------------------------------- */

static void json_identity(json_writer* j, const scenario* sc, const run_result* r)
{
    const parallel_spec* p = &sc->par;
    json_write_string(j, "trainsim_version", TRAINSIM_VERSION);
    json_write_string(j, "scenario", sc->name);
    json_write_string(j, "file", sc->file);
    json_write_integer(j, "seed", (long long)sc->seed);
    json_write_bool(j, "feasible", r->feasible);
    if (r->feasible)
        json_write_null(j, "infeasible_reason");
    else
        json_write_string(j, "infeasible_reason", r->infeasible_reason);
    json_write_string(j, "gpu", sc->gpu.name);
    json_write_integer(j, "gpus", r->world_gpus);
    json_write_integer(j, "cluster_gpus", r->cluster_gpus);
    json_open_object(j, "parallelism");
    json_write_integer(j, "tp", p->tp);
    json_write_integer(j, "pp", p->pp);
    json_write_integer(j, "dp", p->dp);
    json_write_integer(j, "ep", p->ep);
    json_write_integer(j, "cp", p->cp);
    json_write_integer(j, "micro_batch", p->micro_batch);
    json_write_integer(j, "micro_batches", r->micro_batches);
    json_write_string(j, "schedule", schedule_name(p->schedule));
    json_write_string(j, "recompute", recompute_name(p->recompute));
    json_write_integer(j, "zero", p->zero);
    json_close_object(j);
    json_open_object(j, "model");
    json_write_number(j, "parameters", r->work.params_total);
    json_write_number(j, "active_parameters", r->work.params_active);
    json_write_number(j, "model_flops_per_token", r->work.model_flops_per_token);
    json_write_number(j, "hardware_flops_per_token", r->work.hardware_flops_per_token);
    json_close_object(j);
    json_write_number(j, "tokens_per_step", r->work.tokens_per_step);
}

static void json_memory(json_writer* j, const scenario* sc, const run_result* r)
{
    const gpu_memory* g = &r->memory.rank[r->memory.worst];
    json_open_object(j, "memory_per_gpu_bytes");
    json_write_integer(j, "pipeline_rank", r->memory.worst);
    json_write_number(j, "weights", g->weights);
    json_write_number(j, "gradients", g->gradients);
    json_write_number(j, "optimizer", g->optimizer);
    json_write_number(j, "activations", g->activations);
    json_write_number(j, "micro_batches_in_flight", g->in_flight);
    json_write_number(j, "workspace", g->workspace);
    json_write_number(j, "total", g->total);
    json_write_number(j, "hbm", sc->gpu.hbm_bytes);
    json_close_object(j);
}

static void json_breakdown(json_writer* j, const run_result* r)
{
    breakdown_row rows[BREAKDOWN_ROWS];
    report_breakdown(r, rows);
    json_open_object(j, "breakdown");
    for (int i = 0; i < BREAKDOWN_ROWS; i++) {
        json_open_object(j, rows[i].key);
        json_write_number(j, "seconds", rows[i].seconds);
        json_write_number(j, "fraction", rows[i].seconds / r->wall_seconds);
        json_close_object(j);
    }
    json_close_object(j);
    json_open_object(j, "step_breakdown_s");   /* run-level causes: their average per step */
    for (int i = 0; i < BREAKDOWN_ROWS; i++)
        json_write_number(j, rows[i].key, rows[i].seconds / r->steps);
    json_close_object(j);
}

static void json_phases(json_writer* j, const run_result* r)
{
    json_open_array(j, "batch_phases");
    for (int i = 0; i < r->phase_count; i++) {
        json_open_object(j, NULL);
        json_write_integer(j, "global_batch", r->phase[i].global_batch);
        json_write_number(j, "tokens", r->phase[i].tokens);
        json_write_number(j, "steps", r->phase[i].steps);
        json_write_number(j, "step_time_s", r->phase[i].profile->step_time);
        json_close_object(j);
    }
    json_close_array(j);
}

static void json_run_level(json_writer* j, const run_result* r)
{
    const campaign_input* in = &r->campaign_in;
    const campaign_result* c = &r->campaign;
    json_open_object(j, "wall_clock_days");
    json_write_number(j, "mean", c->wall_mean / 86400.0);
    json_write_number(j, "p10", c->wall_p10 / 86400.0);
    json_write_number(j, "p90", c->wall_p90 / 86400.0);
    json_close_object(j);
    json_write_integer(j, "replications", c->replications);
    json_write_number(j, "gpu_hours_lost", gpu_hours_lost(r));
    json_write_number(j, "goodput", c->goodput);
    json_write_number(j, "run_mfu", r->run_mfu);
    if (in->interval_seconds > 0) {
        json_open_object(j, "checkpoint");
        json_write_number(j, "bytes", r->checkpoint_bytes);
        json_write_number(j, "interval_s", in->interval_seconds);
        json_write_number(j, "write_s", in->checkpoint_seconds);
        json_write_number(j, "load_s", in->load_seconds);
        json_write_number(j, "blocking_s", in->copy_seconds > 0 ? in->copy_seconds : in->checkpoint_seconds);
        json_close_object(j);
    } else {
        json_write_null(j, "checkpoint");   /* none written */
    }
}

static void json_collectives(json_writer* j, const scenario* sc, const run_result* r)
{
    static const collective_kind order[] = {COLL_RING, COLL_TREE, COLL_HIERARCHICAL};
    collective_row rows[COLLECTIVE_ROWS];
    int stage, n = collective_rows(r, &stage, rows);
    json_open_object(j, "collectives");
    json_write_string(j, "requested", collective_name(sc->par.collective));
    json_write_integer(j, "pipeline_rank", stage);
    for (int i = 0; i < n; i++) {
        const collective_plan* c = rows[i].c;
        json_open_object(j, rows[i].key);
        json_write_string(j, "algorithm", collective_name(c->shape.algorithm));
        json_write_integer(j, "ranks", c->shape.members);
        json_write_integer(j, "ranks_per_node", c->shape.per_node);
        json_write_number(j, "bytes", c->payload_bytes);
        json_open_object(j, "predicted_s");
        for (int k = 0; k < 3; k++) {
            if (c->predicted[order[k]] > 0)
                json_write_number(j, collective_name(order[k]), c->predicted[order[k]]);
            else
                json_write_null(j, collective_name(order[k]));
        }
        json_close_object(j);
        json_close_object(j);
    }
    json_close_object(j);
}

static void json_results(json_writer* j, const scenario* sc, const run_result* r)
{
    json_write_number(j, "steps", r->steps);
    json_write_number(j, "tokens", r->tokens);
    json_write_number(j, "mfu", r->mfu);
    json_write_number(j, "hfu", r->hfu);
    json_write_number(j, "step_time_s", r->profile.step_time);
    json_write_number(j, "tokens_per_s", r->tokens_per_s);
    json_write_number(j, "tflops_per_gpu", r->tflops_per_gpu);
    json_phases(j, r);
    json_run_level(j, r);
    json_write_number(j, "gpu_hours", r->gpu_hours);
    json_write_number(j, "cost", r->cost);
    json_write_number(j, "energy_mwh", r->energy_joules / 3.6e9);
    if (sc->cost.kwh > 0)
        json_write_number(j, "energy_cost", r->energy_cost);
    else
        json_write_null(j, "energy_cost");
    json_open_object(j, "power_mw");   /* facility, while training */
    json_write_number(j, "average", r->power.average / 1e6);
    json_write_number(j, "peak", r->power.peak / 1e6);
    json_write_number(j, "trough", r->power.trough / 1e6);
    json_write_number(j, "idle", r->power.idle / 1e6);
    json_close_object(j);
    json_open_object(j, "gpu_activity");   /* shares of the GPUs' time in a step */
    json_write_number(j, "computing", r->power.computing);
    json_write_number(j, "communicating", r->power.communicating);
    json_write_number(j, "idle", 1 - r->power.computing - r->power.communicating);
    json_close_object(j);
    json_memory(j, sc, r);
    json_breakdown(j, r);
    json_collectives(j, sc, r);
    json_open_object(j, "failures");   /* mean count per run, by kind */
    for (int k = 0; k < r->campaign_in.class_count; k++)
        json_write_number(j, r->campaign_in.classes[k].kind, r->campaign.failures[k]);
    json_close_object(j);
}

static void json_unsimulated(json_writer* j, const run_result* r)
{
    json_open_array(j, "not_simulated");
    for (int i = 0; i < r->not_simulated_count; i++)
        json_write_string(j, NULL, r->not_simulated[i]);
    json_close_array(j);
}

/* Keys an infeasible run cannot give a value for. */
static void json_no_results(json_writer* j, const scenario* sc, const run_result* r)
{
    static const char* keys[] = {"steps", "tokens", "mfu", "hfu", "step_time_s", "tokens_per_s",
                                 "tflops_per_gpu", "batch_phases", "wall_clock_days", "replications", "gpu_hours_lost", "goodput",
                                 "run_mfu", "checkpoint", "gpu_hours", "cost", "energy_mwh", "energy_cost", "power_mw",
                                 "gpu_activity", NULL};
    for (int i = 0; keys[i]; i++)
        json_write_null(j, keys[i]);
    json_memory(j, sc, r);
    json_write_null(j, "breakdown");
    json_write_null(j, "step_breakdown_s");
    json_write_null(j, "collectives");
    json_write_null(j, "failures");
}

void report_json(const scenario* sc, const run_result* r, strbuf* out)
{
    json_writer j;
    json_start(&j, out);
    json_open_object(&j, NULL);
    json_identity(&j, sc, r);
    if (r->feasible)
        json_results(&j, sc, r);
    else
        json_no_results(&j, sc, r);
    json_unsimulated(&j, r);
    json_close_object(&j);
}
