/* iteration: one training step as SimGrid actors (see iteration.h). */
#include "iteration.h"

#include <math.h>
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

/* A collective whose flows run while the actor does something else. */
typedef struct {
    transfer_batch batch;
    sg_sem_t       done;
    double         latency;   /* latency still owed once the flows have arrived */
    int            active;
} collective_run;

struct stage_state {
    step_context*   ctx;
    int             index;
    sg_sem_t        arrivals[2];   /* released on every arrival from a neighbour */
    transfer_batch* inbox[2];      /* per (chunk, micro-batch): what the neighbours sent here */
    collective_run  blocking, zero_gather, zero_scatter, dp_overlap;
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

/* ---- collectives ------------------------------------------------------- */

static void send_flows(collective_run* run, const flow* flows, int count, double bytes)
{
    transfer_batch_begin(&run->batch, count, run->done);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, bytes, &run->batch);
    run->active = 1;
}

/* Waits for the flows, then for the latency still owed, counted from their
 * arrival. Returns the seconds this actor waited. */
static double collective_finish(collective_run* run)
{
    if (!run->active)
        return 0;
    double t0 = now();
    transfer_wait(&run->batch);
    double owed = run->batch.end + run->latency - now();
    if (owed > 0)
        sg_actor_sleep_for(owed);
    run->active = 0;
    return now() - t0;
}

/* Starts a ring collective aggregated: one flow per hop carries the bytes of
 * all repeat x steps ring steps, and the other latencies are owed at the end:
 * the same time, repeat x steps x (latency + chunk / bandwidth), on a hop with
 * nothing else to do, with a fraction of the events. FRACTION scales the bytes. */
static void ring_start(const ring_plan* rp, double fraction, collective_run* run)
{
    if (rp->flow_count == 0 || fraction <= 0)
        return;
    int transfers = rp->steps * rp->repeat;
    send_flows(run, rp->flows, rp->flow_count, rp->chunk_bytes * transfers * fraction);
    run->latency = (transfers - 1) * transfer_route_latency(rp->flows[0].src, rp->flows[0].dst);
}

/* A blocking ring collective; step by step when asked, each step its own flow. */
static double run_ring(stage_state* st, const ring_plan* rp, double fraction)
{
    if (rp->flow_count == 0 || fraction <= 0)
        return 0;
    if (!st->ctx->opt->stepwise_collectives) {
        ring_start(rp, fraction, &st->blocking);
        return collective_finish(&st->blocking);
    }
    double t0 = now();
    for (int i = 0; i < rp->steps * rp->repeat; i++) {
        send_flows(&st->blocking, rp->flows, rp->flow_count, rp->chunk_bytes * fraction);
        st->blocking.latency = 0;
        collective_finish(&st->blocking);
    }
    return now() - t0;
}

/* REPEAT all-to-alls: every flow carries repeat x bytes; the latencies of the
 * repeats but one are owed at the end. */
static double run_alltoall(stage_state* st, const alltoall_plan* ap)
{
    if (ap->flow_count == 0 || ap->repeat <= 0)
        return 0;
    send_flows(&st->blocking, ap->flows, ap->flow_count, ap->bytes * ap->repeat);
    st->blocking.latency = (ap->repeat - 1) * transfer_route_latency(ap->flows[0].src, ap->flows[0].dst);
    return collective_finish(&st->blocking);
}

/* ---- pipeline sends ---------------------------------------------------- */

static void notify_arrival(transfer_batch* batch, void* arrivals)
{
    (void)batch;
    sg_sem_release((sg_sem_t)arrivals);
}

static transfer_batch* inbox_of(stage_state* st, int from, int chunk, int mb)
{
    return &st->inbox[from][chunk * st->ctx->plan->micro_batches + mb];
}

/* Sends (chunk, mb)'s activation or gradient to NEIGHBOUR over FLOWS. */
static void send_to(stage_state* neighbour, int from, int chunk, int mb, const flow* flows, int count,
                    double bytes)
{
    transfer_batch* b = inbox_of(neighbour, from, chunk, mb);
    b->on_done = notify_arrival;
    b->arg = neighbour->arrivals[from];
    transfer_batch_begin(b, count, NULL);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, bytes, b);
}

/* Waits for (chunk, mb) from a neighbour. Waiting while the data was in flight
 * counts as pipeline communication; waiting for the neighbour to produce it
 * is bubble. A scatter-gather split is then re-assembled inside the node. */
static void receive(stage_state* st, int from, int chunk, int mb)
{
    transfer_batch* b = inbox_of(st, from, chunk, mb);
    double t0 = now();
    while (b->end < 0)
        sg_sem_acquire(st->arrivals[from]);
    double t1 = now();
    if (t1 > t0)
        st->timing.pp_comm += t1 - (b->start > t0 ? b->start : t0);
    st->timing.pp_comm += run_ring(st, &st->ctx->plan->stage[st->index].pp_gather, 1);
}

/* ---- the rank's actor -------------------------------------------------- */

/* Virtual stage c*p + s: the forward input of (s, c) comes from rank s-1, or
 * for s = 0 from rank p-1's previous chunk; gradients flow the other way. */
static int has_previous(int s, int c)
{
    return s > 0 || c > 0;
}

static int has_next(const iteration_plan* p, int s, int c)
{
    return s < p->stages - 1 || c < p->chunks - 1;
}

static void forward(stage_state* st, const chunk_plan* ch, pipeline_op op)
{
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = &plan->stage[st->index];
    int s = st->index, c = op.chunk;
    if (has_previous(s, c))
        receive(st, FROM_PREVIOUS, c, op.micro_batch);
    st->timing.dp_inline += collective_finish(&st->zero_scatter);
    ring_start(&ch->zero_gather, 1, &st->zero_gather);
    compute(ch->fwd_seconds, &st->timing);
    st->timing.tp_comm += run_ring(st, &ch->tp_fwd, 1);
    st->timing.ep_comm += run_alltoall(st, &ch->ep_fwd);
    st->timing.dp_inline += collective_finish(&st->zero_gather);
    if (has_next(plan, s, c)) {
        int to = (s + 1) % plan->stages, chunk = s + 1 < plan->stages ? c : c + 1;
        send_to(&st->ctx->stages[to], FROM_PREVIOUS, chunk, op.micro_batch, sp->next_flows,
                sp->next_flow_count, sp->pp_bytes);
    }
}

/* With dp_overlap, the gradient reduction starts with the rank's last
 * backward pass and carries all but the last bucket, which can only go once
 * the backward pass has produced it. */
static void start_overlapped_reduction(stage_state* st)
{
    const stage_plan* sp = &st->ctx->plan->stage[st->index];
    double total = sp->dp_reduce.payload_bytes;
    if (sp->dp_bucket_bytes <= 0 || total <= sp->dp_bucket_bytes)
        return;
    ring_start(&sp->dp_reduce, 1.0 - sp->dp_bucket_bytes / total, &st->dp_overlap);
}

static void backward(stage_state* st, const chunk_plan* ch, pipeline_op op, int last)
{
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = &plan->stage[st->index];
    int s = st->index, c = op.chunk;
    if (has_next(plan, s, c))
        receive(st, FROM_NEXT, c, op.micro_batch);
    st->timing.dp_inline += collective_finish(&st->zero_scatter);
    ring_start(&ch->zero_gather, 1, &st->zero_gather);
    if (last)
        start_overlapped_reduction(st);
    compute(ch->bwd_seconds, &st->timing);
    st->timing.tp_comm += run_ring(st, &ch->tp_bwd, 1);
    st->timing.ep_comm += run_alltoall(st, &ch->ep_bwd);
    st->timing.dp_inline += collective_finish(&st->zero_gather);
    ring_start(&ch->zero_scatter, 1, &st->zero_scatter);
    if (has_previous(s, c)) {
        int to = (s + plan->stages - 1) % plan->stages, chunk = s > 0 ? c : c - 1;
        send_to(&st->ctx->stages[to], FROM_NEXT, chunk, op.micro_batch, sp->prev_flows,
                sp->prev_flow_count, sp->pp_bytes);
    }
}

/* After the pipeline: the rest of the gradient reduction (the last bucket,
 * when the rest overlapped the backward pass), the optimizer step, and
 * (ZeRO 1 and 2) the all-gather of the updated weights. */
static void finish_step(stage_state* st)
{
    const stage_plan* sp = &st->ctx->plan->stage[st->index];
    collective_finish(&st->zero_scatter);
    if (st->dp_overlap.active) {
        collective_finish(&st->dp_overlap);
        run_ring(st, &sp->dp_reduce, sp->dp_bucket_bytes / sp->dp_reduce.payload_bytes);
    } else {
        run_ring(st, &sp->dp_reduce, 1);
    }
    run_ring(st, &sp->expert_reduce, 1);
    double before = now();
    if (sp->optimizer_seconds > 0)
        sg_actor_execute(sp->optimizer_seconds * sg_host_get_speed(sg_host_self()));
    st->timing.optimizer = now() - before;
    run_ring(st, &sp->dp_gather, 1);
    run_ring(st, &sp->expert_gather, 1);
}

static void stage_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    stage_state* st = sg_actor_self_get_data();
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = &plan->stage[st->index];
    size_t total = 2 * (size_t)plan->micro_batches * plan->chunks;
    pipeline_op* ops = xmalloc(total * sizeof *ops);
    int n = schedule_build(plan->schedule, plan->stages, st->index, plan->micro_batches, plan->chunks, ops);
    for (int i = 0; i < n; i++) {
        const chunk_plan* ch = &sp->chunk[ops[i].chunk];
        if (ops[i].kind == OP_FORWARD)
            forward(st, ch, ops[i]);
        else
            backward(st, ch, ops[i], i == n - 1);
    }
    free(ops);
    st->timing.pipeline_end = now() - st->ctx->start;
    finish_step(st);
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
    size_t slots = (size_t)ctx->plan->micro_batches * ctx->plan->chunks;
    st->ctx = ctx;
    st->index = index;
    collective_run* runs[] = {&st->blocking, &st->zero_gather, &st->zero_scatter, &st->dp_overlap};
    for (int i = 0; i < 4; i++)
        runs[i]->done = sg_sem_init(0);
    for (int from = 0; from < 2; from++) {
        st->arrivals[from] = sg_sem_init(0);
        st->inbox[from] = xcalloc(slots, sizeof(transfer_batch));
        for (size_t i = 0; i < slots; i++)
            st->inbox[from][i].end = -1;
    }
    char name[64], host[64];
    snprintf(name, sizeof name, "rank-%d", index);
    platform_host_name(ctx->plan->stage[index].gpu, host, sizeof host);
    sg_actor_t actor = sg_actor_init(name, sg_host_by_name(host));
    sg_actor_set_data(actor, st);
    sg_actor_start(actor, stage_main, 0, NULL);
}

static void release_stage(stage_state* st)
{
    collective_run* runs[] = {&st->blocking, &st->zero_gather, &st->zero_scatter, &st->dp_overlap};
    for (int i = 0; i < 4; i++)
        sg_sem_destroy(runs[i]->done);
    for (int from = 0; from < 2; from++) {
        sg_sem_destroy(st->arrivals[from]);
        free(st->inbox[from]);
    }
}

/* Means over ranks. The bubble is what the pipeline time leaves over; the
 * tail after the pipeline is the optimizer step of the rank that finishes
 * last and, for the rest, exposed gradient reduction. */
static void summarise(const stage_state* stages, int count, step_profile* out)
{
    out->stages = count;
    out->stage = xcalloc((size_t)count, sizeof *out->stage);
    int last = 0;
    for (int s = 0; s < count; s++) {
        const stage_timing* t = &stages[s].timing;
        if (t->end > stages[last].timing.end)
            last = s;
        if (t->pipeline_end > out->pipeline_time)
            out->pipeline_time = t->pipeline_end;
    }
    out->step_time = stages[last].timing.end;
    double inline_dp = 0;
    for (int s = 0; s < count; s++) {
        stage_timing t = stages[s].timing;
        t.dp_end = t.end - t.optimizer;
        t.idle = out->pipeline_time - t.compute - t.tp_comm - t.pp_comm - t.ep_comm - t.dp_inline;
        out->stage[s] = t;
        out->compute += t.compute / count;
        out->tp_comm += t.tp_comm / count;
        out->pp_comm += t.pp_comm / count;
        out->ep_comm += t.ep_comm / count;
        out->bubble += t.idle / count;
        inline_dp += t.dp_inline / count;
    }
    double tail = out->step_time - out->pipeline_time;
    out->optimizer = fmin(stages[last].timing.optimizer, tail);
    out->dp_comm_exposed = tail - out->optimizer + inline_dp;
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
