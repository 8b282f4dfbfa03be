/* iteration: one training step as SimGrid actors (see iteration.h). */
#include "iteration.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "transfer.h"

enum { FROM_PREVIOUS = 0, FROM_NEXT = 1 };

typedef struct stage_state stage_state;

typedef struct {
    const iteration_plan*    plan;
    const iteration_options* opt;
    stage_state*             stages;
    double                   start;   /* simulated time the step began */
} step_context;

struct stage_state {
    step_context*   ctx;
    int             index;
    sg_sem_t        arrivals[2];   /* released on every arrival from a neighbour */
    transfer_batch* inbox[2];      /* per micro-batch: what the neighbours sent here */
    sg_sem_t        ring_done;
    transfer_batch  ring;
    stage_timing    timing;
};

static double now(void)
{
    return simgrid_get_clock();
}

static void compute(double seconds, stage_timing* timing)
{
    if (seconds <= 0)
        return;
    sg_actor_execute(seconds * sg_host_get_speed(sg_host_self()));
    timing->compute += seconds;
}

/* ---- collectives --------------------------------------------------------- */

static void send_ring_flows(stage_state* st, const ring_plan* rp, double bytes)
{
    transfer_batch_begin(&st->ring, rp->flow_count, st->ring_done);
    for (int i = 0; i < rp->flow_count; i++)
        transfer_send(rp->flows[i].src, rp->flows[i].dst, bytes, &st->ring);
    transfer_wait(&st->ring);
}

/* A ring collective on its slowest hop. Step by step, each of the
 * repeat x steps transfers is its own flow. Aggregated, one flow carries all
 * their bytes and the remaining latencies are added as a pause: the same
 * time, repeat x steps x (latency + chunk / bandwidth), with far fewer events. */
static double run_ring(stage_state* st, const ring_plan* rp)
{
    if (rp->flow_count == 0)
        return 0;
    double t0 = now();
    int transfers = rp->steps * rp->repeat;
    if (st->ctx->opt->stepwise_collectives) {
        for (int i = 0; i < transfers; i++)
            send_ring_flows(st, rp, rp->chunk_bytes);
    } else {
        send_ring_flows(st, rp, rp->chunk_bytes * transfers);
        double extra = (transfers - 1) * transfer_route_latency(rp->flows[0].src, rp->flows[0].dst);
        if (extra > 0)
            sg_actor_sleep_for(extra);
    }
    return now() - t0;
}

/* ---- pipeline sends ---------------------------------------------------- */

static void notify_arrival(transfer_batch* batch, void* arrivals)
{
    (void)batch;
    sg_sem_release((sg_sem_t)arrivals);
}

/* Sends micro-batch MB's activation (or gradient) to NEIGHBOUR over FLOWS. */
static void send_to(stage_state* neighbour, int from, int mb, const flow* flows, int count, double bytes)
{
    transfer_batch* b = &neighbour->inbox[from][mb];
    b->on_done = notify_arrival;
    b->arg = neighbour->arrivals[from];
    transfer_batch_begin(b, count, NULL);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, bytes, b);
}

/* Waits for micro-batch MB from a neighbour. Waiting while the data was in
 * flight counts as pipeline communication; waiting for the neighbour to
 * produce it is bubble. */
static void receive(stage_state* st, int from, int mb)
{
    transfer_batch* b = &st->inbox[from][mb];
    double t0 = now();
    while (b->end < 0)
        sg_sem_acquire(st->arrivals[from]);
    double t1 = now();
    if (t1 > t0)
        st->timing.pp_comm += t1 - (b->start > t0 ? b->start : t0);
}

/* ---- the stage actor --------------------------------------------------- */

static void run_op(stage_state* st, pipeline_op op)
{
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = &plan->stage[st->index];
    int s = st->index, last = plan->stages - 1;
    if (op.kind == OP_FORWARD) {
        if (s > 0)
            receive(st, FROM_PREVIOUS, op.micro_batch);
        compute(sp->fwd_seconds, &st->timing);
        st->timing.tp_comm += run_ring(st, &sp->tp_fwd);
        if (s < last)
            send_to(&st->ctx->stages[s + 1], FROM_PREVIOUS, op.micro_batch, sp->next_flows,
                    sp->next_flow_count, sp->pp_bytes);
    } else {
        if (s < last)
            receive(st, FROM_NEXT, op.micro_batch);
        compute(sp->bwd_seconds, &st->timing);
        st->timing.tp_comm += run_ring(st, &sp->tp_bwd);
        if (s > 0)
            send_to(&st->ctx->stages[s - 1], FROM_NEXT, op.micro_batch, sp->prev_flows,
                    sp->prev_flow_count, sp->pp_bytes);
    }
}

static void stage_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    stage_state* st = sg_actor_self_get_data();
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = &plan->stage[st->index];
    pipeline_op* ops = xmalloc(2 * (size_t)plan->micro_batches * sizeof *ops);
    int n = schedule_build(plan->schedule, plan->stages, st->index, plan->micro_batches, ops);
    for (int i = 0; i < n; i++)
        run_op(st, ops[i]);
    free(ops);
    st->timing.pipeline_end = now() - st->ctx->start;
    st->timing.dp_comm = run_ring(st, &sp->dp) + run_ring(st, &sp->dp_expert);
    st->timing.end = now() - st->ctx->start;
}

/* ---- set-up and results ------------------------------------------------- */

static void setup_transfers(const iteration_plan* plan)
{
    int n = plan->node_count * plan->gpus_per_node;
    int* gpus = xmalloc((size_t)n * sizeof *gpus);
    for (int i = 0; i < plan->node_count; i++)
        for (int g = 0; g < plan->gpus_per_node; g++)
            gpus[i * plan->gpus_per_node + g] = plan->nodes[i] * plan->gpus_per_node + g;
    transfer_setup(gpus, n);
    free(gpus);
}

static void start_stage(stage_state* st, step_context* ctx, int index)
{
    int m = ctx->plan->micro_batches;
    st->ctx = ctx;
    st->index = index;
    st->ring_done = sg_sem_init(0);
    for (int from = 0; from < 2; from++) {
        st->arrivals[from] = sg_sem_init(0);
        st->inbox[from] = xcalloc((size_t)m, sizeof(transfer_batch));
        for (int i = 0; i < m; i++)
            st->inbox[from][i].end = -1;
    }
    char name[64], host[64];
    snprintf(name, sizeof name, "stage-%d", index);
    platform_host_name(ctx->plan->stage[index].gpu, host, sizeof host);
    sg_actor_t actor = sg_actor_init(name, sg_host_by_name(host));
    sg_actor_set_data(actor, st);
    sg_actor_start(actor, stage_main, 0, NULL);
}

static void release_stage(stage_state* st)
{
    sg_sem_destroy(st->ring_done);
    for (int from = 0; from < 2; from++) {
        sg_sem_destroy(st->arrivals[from]);
        free(st->inbox[from]);
    }
}

/* Means over stages; the bubble is what the pipeline time leaves over. */
static void summarise(const stage_state* stages, int count, step_profile* out)
{
    out->stages = count;
    out->stage = xcalloc((size_t)count, sizeof *out->stage);
    for (int s = 0; s < count; s++) {
        const stage_timing* t = &stages[s].timing;
        if (t->end > out->step_time)
            out->step_time = t->end;
        if (t->pipeline_end > out->pipeline_time)
            out->pipeline_time = t->pipeline_end;
    }
    for (int s = 0; s < count; s++) {
        stage_timing t = stages[s].timing;
        t.idle = out->pipeline_time - t.compute - t.tp_comm - t.pp_comm;
        out->stage[s] = t;
        out->compute += t.compute / count;
        out->tp_comm += t.tp_comm / count;
        out->pp_comm += t.pp_comm / count;
        out->bubble += t.idle / count;
    }
    out->dp_comm_exposed = out->step_time - out->pipeline_time;
}

int iteration_simulate(const iteration_plan* plan, const iteration_options* opt, step_profile* out)
{
    memset(out, 0, sizeof *out);
    step_context ctx = {plan, opt, NULL, now()};
    ctx.stages = xcalloc((size_t)plan->stages, sizeof *ctx.stages);
    setup_transfers(plan);
    for (int s = 0; s < plan->stages; s++)
        start_stage(&ctx.stages[s], &ctx, s);
    simgrid_run();
    summarise(ctx.stages, plan->stages, out);
    for (int s = 0; s < plan->stages; s++)
        release_stage(&ctx.stages[s]);
    free(ctx.stages);
    transfer_teardown();
    return 0;
}

void step_profile_free(step_profile* p)
{
    free(p->stage);
    memset(p, 0, sizeof *p);
}
