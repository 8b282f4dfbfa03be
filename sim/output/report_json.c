/* report_json: the JSON rendering of a run (see report_json.h). */
#include "output/report_json.h"

#include "output/report_rows.h"
#include "output/report_uncertainty.h"
#include "core/json.h"

/* An input of the plan that applies to it: its value; one that does not
 * (cp_comm with cp 1, sequence parallelism with tp 1) null, so that
 * writing it changes no byte. */
static void json_input_bool(json_writer* j, const char* key, int value, int applies)
{
    if (applies)
        json_write_bool(j, key, value);
    else
        json_write_null(j, key);
}

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
    json_write_integer(j, "dp", p->dp);   /* resolved: dp_auto says whether it was written "auto" */
    json_write_bool(j, "dp_auto", p->dp_auto);
    json_write_integer(j, "ep", p->ep);
    json_write_integer(j, "etp", p->etp);
    json_write_integer(j, "cp", p->cp);
    json_input_bool(j, "sequence_parallel", p->sequence_parallel, p->tp > 1);
    json_write_integer(j, "micro_batch", p->micro_batch);
    json_write_integer(j, "micro_batches", r->micro_batches);
    json_write_string(j, "schedule", schedule_name(p->schedule));
    json_write_integer(j, "virtual_stages", p->virtual_stages);
    json_write_string(j, "recompute", recompute_name(p->recompute));
    json_write_integer(j, "zero", p->zero);
    json_write_bool(j, "dp_overlap", p->dp_overlap);
    json_input_bool(j, "tp_comm_overlap", p->tp_comm_overlap, p->tp > 1);
    json_input_bool(j, "param_gather_overlap", p->param_gather_overlap, p->zero == 1 || p->zero == 2);
    if (p->cp > 1)
        json_write_string(j, "cp_comm", cp_comm_name(p->cp_comm));
    else
        json_write_null(j, "cp_comm");   /* no context parallelism: nothing exchanged */
    json_write_bool(j, "flash_attention", p->flash_attention);
    if (sc->model.moe.enabled)
        json_write_string(j, "dispatcher", dispatcher_name(sc->model.moe.dispatcher));
    else
        json_write_null(j, "dispatcher");   /* a dense model dispatches nothing */
    json_close_object(j);
    json_open_object(j, "training");
    json_write_string(j, "precision", precision_name(sc->train.precision));
    json_write_string(j, "optimizer_precision", optimizer_precision_names[sc->train.optimizer_precision]);
    json_write_integer(j, "global_batch", sc->train.global_batch);
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
    breakdown_row rows[REPORT_PARTS];
    report_breakdown(r, rows);
    json_open_object(j, "breakdown");
    for (int i = 0; i < REPORT_PARTS; i++) {
        json_open_object(j, rows[i].key);
        json_write_number(j, "seconds", rows[i].seconds);
        json_write_number(j, "fraction", rows[i].seconds / r->wall_seconds);
        json_close_object(j);
    }
    json_close_object(j);
    json_open_object(j, "step_breakdown_s");   /* run-level causes: their average per step */
    for (int i = 0; i < REPORT_PARTS; i++)
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
    json_write_number(j, "gpu_hours_lost", report_gpu_hours_lost(r));
    json_write_number(j, "goodput", c->goodput);
    json_write_number(j, "run_mfu", r->run_mfu);
    if (in->interval_seconds > 0) {
        json_open_object(j, "checkpoint");
        json_write_number(j, "bytes", r->checkpoint_bytes);
        json_write_number(j, "interval_s", in->interval_seconds);
        json_write_number(j, "write_s", in->checkpoint_seconds);
        json_write_number(j, "load_s", in->load_seconds);
        json_write_number(j, "blocking_s", campaign_blocking_seconds(in));
        json_close_object(j);
    } else {
        json_write_null(j, "checkpoint");   /* none written */
    }
}

static void json_collectives(json_writer* j, const scenario* sc, const run_result* r)
{
    collective_row rows[REPORT_COLLECTIVES];
    int stage, n = report_collectives(r, &stage, rows);
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
        json_open_array(j, "protocols");
        for (int k = 0; k < c->shape.phase_count; k++)
            json_write_string(j, NULL, report_protocol(c, k));
        json_close_array(j);
        json_open_object(j, "predicted_s");
        for (collective_kind a = COLL_AUTO + 1; a < COLL_COUNT; a++) {
            if (c->predicted[a] > 0)
                json_write_number(j, collective_name(a), c->predicted[a]);
            else
                json_write_null(j, collective_name(a));
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
    json_write_number(j, "idle", r->power.idle_share);
    json_close_object(j);
    json_memory(j, sc, r);
    json_breakdown(j, r);
    json_collectives(j, sc, r);
    json_open_object(j, "failures");   /* mean count per run, by kind */
    for (int k = 0; k < r->campaign_in.class_count; k++)
        json_write_number(j, failure_kind_name(r->campaign_in.classes[k].kind), r->campaign.failures[k]);
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
    static const char* keys[] = {"steps", "tokens", "mfu", "hfu", "step_time_s", "tokens_per_s", /* not enum names */
                                 "tflops_per_gpu", "batch_phases", "wall_clock_days", "replications", "gpu_hours_lost",
                                 "goodput", "run_mfu", "checkpoint", "gpu_hours", "cost", /* not enum names: JSON keys */
                                 "energy_mwh", "energy_cost", "power_mw", "gpu_activity", NULL};
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
    report_uncertainty_json(&j, r->uncertainty);
    json_close_object(&j);
}
