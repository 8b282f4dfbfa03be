/* run: scenario to run figures through the iteration simulation (see run.h). */
#include "run/run.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/host_names.h"
#include "network/platform_file.h"
#include "network/platform_xml.h"
#include "network/simgrid_start.h"
#include "core/units.h"
#include "run/run_bound.h"

#define GIB 1073741824.0

static void note(run_result* r, const char* text)
{
    if (r->not_simulated_count < RUN_MAX_NOTES)
        r->not_simulated[r->not_simulated_count++] = text;
}

/* Whether the run writes checkpoints: with failures, or an interval given. */
static int writes_checkpoints(const scenario* sc)
{
    return sc->failures.enabled || !sc->checkpoint.interval_auto;
}

/* What the scenario asks for that this version does not simulate yet. */
static void list_unsimulated(const scenario* sc, run_result* r)
{
    if (writes_checkpoints(sc) && sc->cluster.platform[0])
        note(r, "checkpoint I/O on a hand-written platform: write and load times come from bandwidths");
    if (sc->checkpoint.async && sc->gpu.pcie_bandwidth <= 0)
        note(r, "asynchronous checkpoints without gpu.pcie_bandwidth: the whole write blocks");
    if (sc->checkpoint.async && writes_checkpoints(sc))
        note(r, "the network traffic of asynchronous checkpoint writes: they run beside training "
                "without slowing its communication");
}

static int check_memory(const scenario* sc, run_result* r)
{
    const gpu_memory* g = &r->memory.rank[r->memory.worst];
    if (g->total <= sc->gpu.hbm_bytes)
        return 0;
    snprintf(r->infeasible_reason, sizeof r->infeasible_reason,
             "needs %.1f GiB per GPU on pipeline rank %d (weights %.1f, gradients %.1f, optimizer "
             "%.1f with ZeRO stage %d, activations %.1f for %.1f micro-batches in flight, workspace "
             "%.1f GiB), more than the %.1f GiB of the %s",
             g->total / GIB, r->memory.worst, g->weights / GIB, g->gradients / GIB, g->optimizer / GIB,
             sc->par.zero, g->activations / GIB, g->in_flight, g->workspace / GIB,
             sc->gpu.hbm_bytes / GIB, sc->gpu.name);
    r->feasible = 0;
    return 1;
}

int run_prepare(const scenario* sc, run_result* out)
{
    memset(out, 0, sizeof *out);
    out->feasible = 1;
    out->world_gpus = scenario_world_size(sc);
    out->cluster_gpus = scenario_cluster_gpus(sc);
    out->micro_batches = scenario_micro_batches(sc);
    workload_build(sc, &out->work);
    memory_estimate(sc, &out->work, &out->memory);
    topology_from_scenario(sc, &out->topo);
    list_unsimulated(sc, out);
    return check_memory(sc, out);
}

/* ---- the run level ------------------------------------------------------- */

/* Leaf switches of 64 ports, 32 towards the hosts (NVIDIA QM9700 in a
 * non-blocking two-tier fat tree): one per 32 NICs. */
#define NICS_PER_LEAF_SWITCH 32.0

/* How many components of KIND the job uses: each failure kind's instance
 * rule (a kind without one does not compile: -Wswitch). */
static double instances_of(const scenario* sc, const run_result* r, failure_kind kind)
{
    double gpus = (double)r->world_gpus, nodes = (double)scenario_job_nodes(sc);
    double nics = nodes * sc->cluster.nic_count;
    switch (kind) {
    case FAIL_GPU:
    case FAIL_HBM:
        return gpus;
    case FAIL_HOST:
    case FAIL_SOFTWARE:   /* per node's processes */
        return nodes;
    case FAIL_SWITCH:
        return ceil(nics / NICS_PER_LEAF_SWITCH);
    case FAIL_NIC:
    case FAIL_LINK:       /* one cable per NIC */
        return nics;
    case FAILURE_KIND_COUNT:
        break;
    }
    return 0;
}

/* A checkpoint holds the half-precision weights and Adam's state: the fp32
 * master weights, momentum and variance of mixed-precision Adam, 2 + 12 bytes
 * per parameter (Rajbhandari et al. 2020, Sec. 3.1), or 2 + 4 with bf16
 * moments and no master copy (training.optimizer_precision). Every GPU writes (loads) its shard at once: on a
 * generated platform, simulated as flows to the storage host, whose links
 * carry the generated GPUs' share of the aggregate; on a hand-written one,
 * the aggregate bandwidth or the nodes' uplinks, whichever is less. */
static void checkpoint_times(const scenario* sc, run_result* r, campaign_input* in)
{
    r->checkpoint_bytes = sc->checkpoint.size_auto ? (2.0 + r->work.optimizer_state_bytes) * r->work.params_total : sc->checkpoint.size_bytes;
    if (!r->topo.user_platform) {
        campaign_checkpoint_io(r->plan.gpus, r->plan.gpu_count, r->checkpoint_bytes / (double)r->world_gpus,
                               &in->checkpoint_seconds, &in->load_seconds);
        return;
    }
    double fabric = (double)scenario_job_nodes(sc) * r->topo.uplink_bandwidth;
    in->checkpoint_seconds = r->checkpoint_bytes / fmin(sc->cluster.storage_write, fabric);
    in->load_seconds = r->checkpoint_bytes / fmin(sc->cluster.storage_read, fabric);
}

static void campaign_from_scenario(const scenario* sc, run_result* r, campaign_input* in)
{
    const failure_spec* f = &sc->failures;
    memset(in, 0, sizeof *in);
    for (int i = 0; i < r->phase_count; i++)
        in->work_seconds += r->phase[i].steps * r->phase[i].profile->step_time;
    if (writes_checkpoints(sc))
        checkpoint_times(sc, r, in);
    /* Asynchronous: each GPU copies its shard to host memory over PCIe, and
     * only that blocks training (the write then runs beside it). */
    if (sc->checkpoint.async && sc->gpu.pcie_bandwidth > 0)
        in->copy_seconds = r->checkpoint_bytes / (double)r->world_gpus / sc->gpu.pcie_bandwidth;
    if (f->enabled) {
        for (size_t i = 0; i < f->component_count; i++) {   /* at most CAMPAIGN_MAX_CLASSES: checked */
            const failure_component* c = &f->components[i];
            /* rate_scale multiplies the class's rate 1 / mtbf. */
            in->classes[in->class_count++] =
                (failure_class){c->kind, instances_of(sc, r, c->kind), c->mtbf / f->rate_scale, c->repair};
        }
        in->detect = f->detect;
        in->restart = f->restart;
        in->spares = f->spares;
        in->distribution = f->distribution;
        in->shape = f->weibull_shape;
    }
    double rate = campaign_failure_rate(in);
    if (!sc->checkpoint.interval_auto)
        in->interval_seconds = sc->checkpoint.interval_iterations > 0
                                   ? (double)sc->checkpoint.interval_iterations * r->profile.step_time
                                   : sc->checkpoint.interval_seconds;
    else if (rate > 0 && in->copy_seconds > 0)   /* the copy is what blocks; writes go one at a time */
        in->interval_seconds = fmax(campaign_optimal_interval(in->copy_seconds, 1 / rate), in->checkpoint_seconds);
    else if (rate > 0)
        in->interval_seconds = campaign_optimal_interval(in->checkpoint_seconds, 1 / rate);
    in->seed = sc->seed;
    in->replications = rate > 0 ? sc->output.replications : 1;
}

/* A run whose recoveries fail more often than they succeed never ends: with
 * exponential failures its expected length grows as e^{R/M} (Daly 2006).
 * Beyond a thousand times the failure-free time it is reported infeasible
 * rather than simulated. */
#define RUN_MAX_SLOWDOWN 1000.0

static int check_run_ends(run_result* r)
{
    const campaign_input* in = &r->campaign_in;
    double rate = campaign_failure_rate(in);
    double expected = campaign_expected_wall(in);
    if (rate <= 0 || (isfinite(expected) && expected <= RUN_MAX_SLOWDOWN * in->work_seconds))
        return 0;
    char m[32], rec[32];
    snprintf(r->infeasible_reason, sizeof r->infeasible_reason,
             "failures come every %s on average (%.3g per hour over the job's components) while a recovery "
             "takes %s (detect, restart, checkpoint load): the expected run is over %.0f times its %.3g "
             "days of training",
             units_format_seconds(1 / rate, m, sizeof m), rate * 3600,
             units_format_seconds(in->detect + in->restart + in->load_seconds, rec, sizeof rec),
             RUN_MAX_SLOWDOWN, in->work_seconds / 86400);
    r->feasible = 0;
    return 1;
}

/* Energy: every phase's steps at its step's mean power, work lost to
 * failures at the final batch's, and checkpoints, recoveries and waits with
 * the whole job idle. */
static void run_energy(const scenario* sc, run_result* r)
{
    double gpus = (double)r->world_gpus, nodes = (double)scenario_job_nodes(sc);
    power_of_step(&sc->power, &r->profile, gpus, nodes, &r->power);
    r->energy_joules = 0;
    for (int i = 0; i < r->phase_count; i++) {
        const batch_phase* ph = &r->phase[i];
        step_power p = r->power;   /* the final batch's, computed above */
        if (ph->profile != &r->profile)
            power_of_step(&sc->power, ph->profile, gpus, nodes, &p);
        r->energy_joules += p.average * ph->steps * ph->profile->step_time;
    }
    const campaign_result* c = &r->campaign;
    r->energy_joules += r->power.average * c->lost_work + r->power.idle * (c->checkpoint + c->recovery + c->waiting);
}

/* Steps, wall-clock and utilisation from the step profile and the run
 * level. MFU counts model FLOPs, HFU the FLOPs executed with recompute
 * (Chowdhery et al. 2022, App. B); the run's MFU spreads the model FLOPs
 * over the whole wall-clock, failures and checkpoints included. */
static int run_figures(const scenario* sc, run_result* r, const char* host, int timeline)
{
    const workload* w = &r->work;
    double step = r->profile.step_time;
    r->steps = r->tokens = 0;
    for (int i = 0; i < r->phase_count; i++) {
        r->steps += r->phase[i].steps;
        r->tokens += r->phase[i].tokens;
    }
    campaign_from_scenario(sc, r, &r->campaign_in);
    if (timeline)
        r->campaign_in.log = &r->run_log;
    if (check_run_ends(r))
        return 1;
    if (run_bound_check(sc, &r->campaign_in, &r->refused))
        return RUN_BAD_INPUT;
    campaign_simulate(&r->campaign_in, host, &r->campaign);
    r->wall_seconds = r->campaign.wall_mean;
    double peak = (double)r->world_gpus * w->peak_flops;
    double model_flops_per_step = w->model_flops_per_token * w->tokens_per_step;
    r->mfu = model_flops_per_step / (peak * step);
    r->hfu = w->hardware_flops_per_token * w->tokens_per_step / (peak * step);
    r->tokens_per_s = w->tokens_per_step / step;
    r->tflops_per_gpu = model_flops_per_step / step / (double)r->world_gpus / 1e12;
    r->run_mfu = w->model_flops_per_token * r->tokens / (peak * r->wall_seconds);
    r->gpu_hours = (double)r->world_gpus * r->wall_seconds / 3600.0;
    r->cost = r->gpu_hours * sc->cost.gpu_hour;
    r->total_model_flops = w->model_flops_per_token * r->tokens;
    run_energy(sc, r);
    r->energy_cost = r->energy_joules / 3.6e6 * sc->cost.kwh;
    return 0;
}

/* The collapsed mode extrapolates the step to m micro-batches when m >= 3p:
 * past the warm-up every micro-batch adds the same time (Narayanan et al.
 * 2021, Sec. 2.2: T is affine in m for GPipe, 1F1B and interleaving). It
 * simulates 2p micro-batches; when that simulation measured its own
 * period (1F1B, one model chunk, the last pairs of every rank alike) the
 * step at m is 2p's plus m - 2p periods, and otherwise it simulates p too
 * and takes the line through both. --detail full simulates every
 * micro-batch; tests compare the two. */
static int extrapolates(const run_options* opt, const iteration_plan* plan)
{
    return !opt->full_detail && plan->micro_batches >= 3 * plan->stages;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

/* Returns the most ranks that never finished one of the steps simulated
 * (a deadlock), 0 when every simulation ended. */
static int simulate_step(const run_options* opt, iteration_plan* plan, step_profile* out)
{
    iteration_options iopt = {.stepwise_collectives = opt->stepwise_collectives};
    int m = plan->micro_batches, m1 = plan->stages, m2 = 2 * plan->stages;
    if (!extrapolates(opt, plan))
        return iteration_simulate(plan, &iopt, out, NULL);
    step_profile a, b;
    step_increment inc;
    plan->micro_batches = m2;
    int stuck = iteration_simulate(plan, &iopt, &b, &inc);
    if (inc.settled && !stuck) {
        step_profile_advance(&b, &inc, m - m2, out);
    } else {
        plan->micro_batches = m1;
        stuck = imax(stuck, iteration_simulate(plan, &iopt, &a, NULL));
        step_profile_extrapolate(&a, &b, m1, m2, m, out);
        step_profile_free(&a);
    }
    plan->micro_batches = m;
    step_increment_free(&inc);
    step_profile_free(&b);
    return stuck;
}

/* One whole step, every micro-batch, for the pictures: the profile itself
 * when it was simulated whole. */
static int simulate_timeline(const run_options* opt, iteration_plan* plan, run_result* out)
{
    if (!extrapolates(opt, plan)) {
        step_profile_copy(&out->profile, &out->timeline);
        return 0;
    }
    iteration_options iopt = {.stepwise_collectives = opt->stepwise_collectives};
    return iteration_simulate(plan, &iopt, &out->timeline, NULL);
}

/* training.batch_ramp: the first T1 tokens at batch B1, up to T2 at B2, ...,
 * the rest at training.global_batch. A phase runs whole steps, so it may
 * end a little past its bound; the next starts where it ended. With
 * `iterations`, the phases in turn until that many steps. */
static void split_phases(const scenario* sc, run_result* r)
{
    const training_spec* t = &sc->train;
    double seq = sc->model.seq_len, done = 0, steps_left = t->iterations > 0 ? (double)t->iterations : INFINITY;
    double total = t->iterations > 0 ? INFINITY : t->tokens;
    r->phase_count = 0;
    for (size_t i = 0; i <= t->ramp_count; i++) {
        int last = i == t->ramp_count;
        long long batch = last ? t->global_batch : t->ramp[i].global_batch;
        double until = last ? total : fmin(t->ramp[i].tokens, total), per_step = (double)batch * seq;
        double steps = last && t->iterations > 0 ? steps_left : fmax(0, ceil((until - done) / per_step));
        steps = fmin(steps, steps_left);
        if (steps <= 0 && !last)
            continue;
        batch_phase* ph = &r->phase[r->phase_count++];
        *ph = (batch_phase){.global_batch = batch, .tokens = steps * per_step, .steps = steps};
        done += ph->tokens;
        steps_left -= steps;
    }
}

/* The micro-batches of each phase's step into M, the final batch's first,
 * then the ramp phases' in order: what the run simulates. Returns how many. */
static int phase_micro_batches(const scenario* sc, const run_result* out, int* m)
{
    long long unit = (long long)sc->par.dp * sc->par.micro_batch;
    m[0] = out->plan.micro_batches;
    for (int i = 0; i + 1 < out->phase_count; i++)
        m[1 + i] = (int)(out->phase[i].global_batch / unit);
    return out->phase_count;
}

/* The step of every phase: the final batch's is the run's profile; each
 * ramp phase runs the same plan with its own number of micro-batches. */
static int simulate_phases(const scenario* sc, const run_options* opt, run_result* out)
{
    iteration_plan* plan = &out->plan;
    int m[RUN_MAX_PHASES], stuck = 0;
    int final = plan->micro_batches;
    phase_micro_batches(sc, out, m);
    for (int i = 0; i < out->phase_count; i++) {
        batch_phase* ph = &out->phase[i];
        if (i == out->phase_count - 1) {
            ph->profile = &out->profile;
            continue;
        }
        plan->micro_batches = m[1 + i];
        stuck = imax(stuck, simulate_step(opt, plan, &ph->own));
        ph->profile = &ph->own;
    }
    plan->micro_batches = final;
    return stuck;
}

/* ---- step profiles shared by a batch's runs (step_cache.h) ------------------ */

static void sleeper_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    sg_actor_sleep_until(*(const double*)sg_actor_self_get_data());
}

/* Moves SimGrid's clock to UNTIL (an actor on HOST sleeps until then): the
 * run level then starts where it would have after the step simulations. */
static void advance_clock(const char* host, double until)
{
    if (until <= simgrid_get_clock())
        return;
    sg_actor_t sleeper = sg_actor_init("clock", sg_host_by_name(host));
    sg_actor_set_data(sleeper, &until);
    sg_actor_start(sleeper, sleeper_main, 0, NULL);
    simgrid_run();
}

/* Takes the phases' profiles from the cache when an entry of the run's key
 * holds exactly the micro-batch counts the run would simulate. Returns 1
 * when it did, 0 when the run must simulate them. */
static int reuse_steps(const scenario* sc, const run_options* opt, run_result* out, const char* host)
{
    const step_cache_entry* e = opt->cache && !opt->timeline ? step_cache_find(opt->cache, opt->step_key) : NULL;
    int m[RUN_MAX_PHASES];
    int n = phase_micro_batches(sc, out, m);
    if (!e || e->count != n || memcmp(e->micro_batches, m, (size_t)n * sizeof *m))
        return 0;
    step_profile_copy(&e->profile[0], &out->profile);
    for (int i = 0; i < out->phase_count; i++) {
        batch_phase* ph = &out->phase[i];
        ph->profile = i == out->phase_count - 1 ? &out->profile : &ph->own;
        if (i < out->phase_count - 1)
            step_profile_copy(&e->profile[1 + i], &ph->own);
    }
    advance_clock(host, e->clock);
    opt->cache->reused++;
    return 1;
}

/* Records the profiles this run simulated, for the batch's later runs. */
static void record_steps(const scenario* sc, const run_options* opt, run_result* out)
{
    if (!opt->cache || opt->timeline)
        return;
    step_cache_entry e = {.key = opt->step_key, .clock = simgrid_get_clock()};
    e.count = phase_micro_batches(sc, out, e.micro_batches);
    step_profile_copy(&out->profile, &e.profile[0]);
    for (int i = 0; i + 1 < out->phase_count; i++)
        step_profile_copy(&out->phase[i].own, &e.profile[1 + i]);
    step_cache_record(opt->cache, &e);
}

typedef struct {
    const scenario*    sc;
    const run_options* opt;
    run_result*        out;
} plan_job;

static void build_plan(const plan_job* job)
{
    run_result* out = job->out;
    if (job->opt->full_detail) {
        plan_build_full(job->sc, &out->work, &out->topo, &out->plan);
    } else {
        plan_build(job->sc, &out->work, &out->topo, &out->plan);
        plan_fold_isolated(&out->topo, &out->plan);
    }
}

static void planner_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    build_plan(sg_actor_self_get_data());
}

/* With a hand-written platform the plan reads routes from SimGrid, which
 * exist only inside a run: the plan is built by an actor, at time zero. */
static void build_plan_on_file(plan_job* job)
{
    platform_load_file(job->sc->cluster.platform);
    char host[32];
    platform_host_name(0, host, sizeof host);
    sg_actor_t planner = sg_actor_init("planner", sg_host_by_name(host));
    sg_actor_set_data(planner, job);
    sg_actor_start(planner, planner_main, 0, NULL);
    simgrid_run();
}

void run_platform_xml(const topology* t, const iteration_plan* plan, strbuf* xml)
{
    int pair_count = 0;
    flow* pairs = plan_pairs(plan, &pair_count);
    platform_xml(t, plan->gpus, plan->gpu_count, pairs, pair_count, xml);
    free(pairs);
}

int run_simulate(const scenario* sc, const run_options* opt, run_result* out)
{
    if (run_prepare(sc, out))
        return 1;
    plan_job job = {sc, opt, out};
    if (out->topo.user_platform) {
        build_plan_on_file(&job);
    } else {
        build_plan(&job);
        /* Only the plan's GPUs exist: the storage links carry their share. */
        out->topo.storage_share = (double)out->plan.gpu_count / (double)out->world_gpus;
        strbuf xml = {0};
        run_platform_xml(&out->topo, &out->plan, &xml);
        int loaded = platform_load(strbuf_text(&xml));
        strbuf_free(&xml);
        if (loaded)
            return RUN_BAD_INPUT;
    }
    char host[32];
    platform_host_name(out->plan.stage[0].gpu, host, sizeof host);
    split_phases(sc, out);
    if (!reuse_steps(sc, opt, out, host)) {
        int stuck = simulate_step(opt, &out->plan, &out->profile);
        if (opt->timeline)
            stuck = imax(stuck, simulate_timeline(opt, &out->plan, out));
        stuck = imax(stuck, simulate_phases(sc, opt, out));
        if (stuck) {
            int ranks = out->plan.full ? out->plan.rank_count : out->plan.stages;
            snprintf(out->broken, sizeof out->broken,
                     "the step simulation deadlocked: %d of the %d ranks simulated never finished their step "
                     "(SimGrid found nothing left to run while they waited)", stuck, ranks);
            platform_file_forget();
            return RUN_BROKEN;
        }
        record_steps(sc, opt, out);
    }
    int infeasible = run_figures(sc, out, host, opt->timeline);
    platform_file_forget();
    return infeasible;
}

int run_last_reduction_stage(const run_result* r)
{
    const step_profile* p = &r->profile;
    int last = 0;
    for (int s = 1; s < p->stages; s++)
        if (p->stage[s].dp_end > p->stage[last].dp_end)
            last = s;
    return last;
}

void run_result_free(run_result* r)
{
    workload_free(&r->work);
    memory_report_free(&r->memory);
    plan_free(&r->plan);
    step_profile_free(&r->profile);
    step_profile_free(&r->timeline);
    campaign_log_free(&r->run_log);
    strbuf_free(&r->refused);
    for (int i = 0; i < r->phase_count; i++)
        step_profile_free(&r->phase[i].own);
}
