/* iteration: one training step as SimGrid actors (see iteration.h).
 *
 * Collapsed (the default): one actor per pipeline rank; a collective is the
 * plan's flows (the slowest hop and the flows sharing its links). Full
 * (--detail full): one actor per rank of the job; a ring member sends to its
 * next peer and waits for its previous one, an all-to-all member sends to
 * and hears from every peer, each collective on its own channel. */
#include "des/iteration.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/schedule.h"
#include "des/transfer.h"

enum { FROM_PREVIOUS = 0, FROM_NEXT = 1 };

/* Full mode: what arrives from a collective's peers, per kind. */
typedef enum {
    CH_TP, CH_PP_GATHER, CH_EP, CH_ZERO_GATHER, CH_ZERO_SCATTER,
    CH_DP_REDUCE, CH_DP_GATHER, CH_EXPERT_REDUCE, CH_EXPERT_GATHER, CH_COUNT
} channel_kind;

typedef struct {
    sg_sem_t arrived;   /* released once per arrival */
    double   last;      /* simulated time of the latest arrival */
} channel;

typedef struct rank_state rank_state;

typedef struct {
    const iteration_plan*    plan;
    const iteration_options* opt;
    rank_state*              ranks;   /* collapsed: one per pipeline rank; full: per GPU */
    int                      count;
    double                   start;   /* simulated time the step began */
} step_context;

/* A collective whose flows may run while the actor does something else. */
typedef struct {
    transfer_batch* batches;     /* one per flow in full mode, one for all in collapsed mode */
    int             batch_count, batch_cap;
    sg_sem_t        done;
    double          latency;     /* latency still owed once everything has arrived */
    channel*        channel;     /* full mode: where the peers' flows arrive */
    int             awaited;     /* full mode: arrivals to take from it */
    int             active;
    int             background;  /* an actor runs it and releases DONE once when it is over */
} collective_run;

struct rank_state {
    step_context*     ctx;
    int               stage;          /* pipeline rank */
    const rank_peers* peers;          /* full mode only */
    sg_sem_t          arrivals[2];    /* released on every arrival from a pipeline neighbour */
    transfer_batch*   inbox[2];       /* per (chunk, micro-batch) */
    channel           channels[CH_COUNT][COLLECTIVE_MAX_PHASES];
    collective_run    blocking, zero_gather, zero_scatter, dp_overlap;
    stage_timing      timing;
    int               records_busy;   /* the rank whose activity stands for its stage's power */
    pipeline_op       pass;           /* the pass it runs; micro-batch -1 after the pipeline */
    busy_interval*    busy;
    int               busy_count, busy_cap;
};

static double now(void)
{
    return simgrid_get_clock();
}

static const stage_plan* stage_of(const rank_state* st)
{
    return &st->ctx->plan->stage[st->stage];
}

/* The recording rank's GPUs worked on WHAT from START to END (simulated
 * times): an interval of its stage's power profile and timeline. */
static void record_busy(rank_state* st, work_kind what, double start, double end)
{
    if (!st->records_busy || end <= start)
        return;
    if (st->busy_count == st->busy_cap) {
        st->busy_cap = st->busy_cap ? 2 * st->busy_cap : 64;
        st->busy = xrealloc(st->busy, (size_t)st->busy_cap * sizeof *st->busy);
    }
    activity_state state = what <= WORK_OPTIMIZER ? ACTIVITY_COMPUTING : ACTIVITY_COMMUNICATING;
    st->busy[st->busy_count++] = (busy_interval){st->stage, state, start - st->ctx->start, end - st->ctx->start,
                                                 what, st->pass.micro_batch, st->pass.chunk};
}

/* Compute, then the collectives the plan folded for being alone on their
 * links, as one activity; each is accounted, and drawn, as what it is. */
static void compute(rank_state* st, double seconds, double tp, double ep, double pp)
{
    double total = seconds + tp + ep + pp, t0 = now();
    if (total > 0)
        sg_actor_execute(total * sg_host_get_speed(sg_host_self()));
    double t = t0;
    const work_kind parts[] = {st->pass.kind == OP_FORWARD ? WORK_FORWARD : WORK_BACKWARD, WORK_TP, WORK_EP, WORK_PP};
    const double seconds_of[] = {seconds, tp, ep, pp};
    for (int i = 0; i < 4; i++) {
        record_busy(st, parts[i], t, t + seconds_of[i]);
        t += seconds_of[i];
    }
    st->timing.compute += seconds;
    st->timing.tp_comm += tp;
    st->timing.ep_comm += ep;
    st->timing.pp_comm += pp;
}

/* ---- collectives ------------------------------------------------------- */

/* Room for N batches: a batch in flight must not move, so a run makes room
 * for all of its batches before it sends the first. */
static void reserve_batches(collective_run* run, int n)
{
    if (n <= run->batch_cap)
        return;
    run->batch_cap = n < 4 ? 4 : n;
    run->batches = xrealloc(run->batches, (size_t)run->batch_cap * sizeof *run->batches);
}

static transfer_batch* new_batch(collective_run* run)
{
    if (run->batch_count == run->batch_cap) {
        fprintf(stderr, "trainsim: internal error: a collective sent more batches than it reserved\n");
        abort();
    }
    transfer_batch* b = &run->batches[run->batch_count++];
    memset(b, 0, sizeof *b);
    return b;
}

static void notify_channel(transfer_batch* batch, void* target)
{
    channel* ch = target;
    ch->last = batch->end;
    sg_sem_release(ch->arrived);
}

static void begin_run(collective_run* run)
{
    run->batch_count = 0;
    run->background = 0;
    run->awaited = 0;
    run->channel = NULL;
    run->latency = 0;
    run->active = 1;
}

/* Collapsed: all the plan's flows in one batch. */
static void send_plan_flows(collective_run* run, const flow* flows, int count, double bytes)
{
    reserve_batches(run, 1);
    transfer_batch* b = new_batch(run);
    transfer_batch_begin(b, count, run->done);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, bytes, b);
}

/* Full: one flow to a peer, which hears of its arrival on its channel for
 * KIND and phase K. */
static void send_to_peer(rank_state* st, collective_run* run, int peer, channel_kind kind, int k, double bytes)
{
    transfer_batch* b = new_batch(run);
    b->on_done = notify_channel;
    b->arg = &st->ctx->ranks[peer].channels[kind][k];
    transfer_batch_begin(b, 1, run->done);
    transfer_send(st->peers->gpu, peer, bytes, b);
}

/* Waits for the run's own flows and, in full mode, for its peers' arrivals,
 * then for the latency still owed, counted from the last of them. Returns
 * the seconds this actor waited. */
static double collective_finish(collective_run* run)
{
    if (!run->active)
        return 0;
    double t0 = now(), last = 0;
    if (run->background)
        sg_sem_acquire(run->done);
    for (int i = 0; i < run->batch_count; i++) {
        transfer_wait(&run->batches[i]);
        last = fmax(last, run->batches[i].end);
    }
    for (int i = 0; i < run->awaited; i++)
        sg_sem_acquire(run->channel->arrived);
    if (run->awaited)
        last = fmax(last, run->channel->last);
    double owed = last + run->latency - now();
    if (owed > 0)
        sg_actor_sleep_for(owed);
    run->active = 0;
    return now() - t0;
}

/* In full mode, the group a collective of KIND runs over. */
static const group_ref* group_of(const rank_peers* p, channel_kind kind)
{
    switch (kind) {
    case CH_TP:
    case CH_PP_GATHER:     return &p->tp;
    case CH_EXPERT_REDUCE:
    case CH_EXPERT_GATHER: return &p->expert;
    default:               return &p->dp;
    }
}

/* Starts TRANSFERS steps of phase K aggregated: one flow per peer (full
 * mode) or per plan flow carries the bytes of all of them, and the other
 * latencies are owed at the end: the same time, transfers x (latency +
 * chunk / bandwidth), on a flow with nothing else to do, with a fraction of
 * the events. FRACTION scales the bytes. */
static void phase_start(rank_state* st, const collective_plan* cp, int k, channel_kind kind, double fraction,
                        int transfers, collective_run* run)
{
    const phase_plan* ph = &cp->phase[k];
    double bytes = ph->chunk_bytes * transfers * fraction;
    begin_run(run);
    if (st->peers) {
        const group_ref* g = group_of(st->peers, kind);
        int peers[COLLECTIVE_MAX_PEERS], m = collective_peers(&cp->shape, k, g->index, peers);
        reserve_batches(run, m);
        for (int q = 0; q < m; q++)
            send_to_peer(st, run, g->base + peers[q] * g->stride, kind, k, bytes);
        run->channel = &st->channels[kind][k];
        run->awaited = m;
        run->latency = (transfers - 1) * transfer_route_latency(st->peers->gpu, g->base + peers[0] * g->stride);
    } else {
        send_plan_flows(run, ph->flows, ph->flow_count, bytes);
        run->latency = (transfers - 1) * transfer_route_latency(ph->flows[0].src, ph->flows[0].dst);
    }
}

/* Every phase of CP in turn, each step by step when asked, on RUN. */
static void run_phases(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction,
                       collective_run* run)
{
    int stepwise = st->ctx->opt->stepwise_collectives;
    for (int k = 0; k < cp->shape.phase_count; k++) {
        int transfers = cp->phase[k].steps * cp->repeat;
        for (int i = 0; i < (stepwise ? transfers : 1); i++) {
            phase_start(st, cp, k, kind, fraction, stepwise ? 1 : transfers, run);
            collective_finish(run);
        }
    }
}

/* A collective running while its rank goes on, when it takes more than one
 * transfer: an actor beside the rank runs its phases and then releases the
 * run it stands in. */
typedef struct {
    rank_state*            st;
    const collective_plan* cp;
    channel_kind           kind;
    double                 fraction;
    collective_run*        run;
} background_job;

static void background_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    background_job* job = sg_actor_self_get_data();
    collective_run own = {.done = sg_sem_init(0)};
    run_phases(job->st, job->cp, job->kind, job->fraction, &own);
    free(own.batches);
    sg_sem_destroy(own.done);
    sg_sem_release(job->run->done);
    free(job);
}

/* Starts a collective that the rank does not wait for yet. */
static void collective_start(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction,
                             collective_run* run)
{
    if (!collective_has_flows(cp) || fraction <= 0)
        return;
    if (cp->shape.phase_count == 1 && !st->ctx->opt->stepwise_collectives) {
        phase_start(st, cp, 0, kind, fraction, cp->phase[0].steps * cp->repeat, run);
        return;
    }
    begin_run(run);
    run->background = 1;
    background_job* job = xmalloc(sizeof *job);
    *job = (background_job){st, cp, kind, fraction, run};
    sg_actor_t actor = sg_actor_init("collective", sg_host_self());
    sg_actor_set_data(actor, job);
    sg_actor_start(actor, background_main, 0, NULL);
}

static work_kind work_of(channel_kind kind)
{
    switch (kind) {
    case CH_TP:           return WORK_TP;
    case CH_PP_GATHER:    return WORK_PP;
    case CH_EP:           return WORK_EP;
    case CH_ZERO_GATHER:
    case CH_ZERO_SCATTER: return WORK_ZERO;
    default:              return WORK_DP;
    }
}

/* A blocking collective: returns the seconds it took. */
static double run_collective(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction)
{
    if (!collective_has_flows(cp) || fraction <= 0)
        return 0;
    double t0 = now();
    run_phases(st, cp, kind, fraction, &st->blocking);
    record_busy(st, work_of(kind), t0, now());
    return now() - t0;
}

/* Waits for a collective of kind WHAT running beside the rank: the wait is
 * exposed communication. Returns its seconds. */
static double wait_for(rank_state* st, collective_run* run, work_kind what)
{
    double t0 = now(), waited = collective_finish(run);
    record_busy(st, what, t0, now());
    return waited;
}

/* Starts COUNT of the plan's all-to-alls aggregated: every flow carries
 * count x bytes; the latencies of all but one are owed at the end. */
static void alltoall_start(rank_state* st, const alltoall_plan* ap, int count, collective_run* run)
{
    double bytes = ap->bytes * count;
    begin_run(run);
    if (st->peers) {
        reserve_batches(run, st->peers->ep_count);
        for (int i = 0; i < st->peers->ep_count; i++)
            send_to_peer(st, run, st->peers->ep_peers[i], CH_EP, 0, bytes);
        run->channel = &st->channels[CH_EP][0];
        run->awaited = st->peers->ep_count;
        run->latency = (count - 1) * transfer_route_latency(st->peers->gpu, st->peers->ep_peers[0]);
    } else {
        send_plan_flows(run, ap->flows, ap->flow_count, bytes);
        run->latency = (count - 1) * transfer_route_latency(ap->flows[0].src, ap->flows[0].dst);
    }
}

/* The plan's REPEAT all-to-alls, blocking: aggregated, or one after the
 * other with --stepwise-collectives. Returns the seconds they took. */
static double run_alltoall(rank_state* st, const alltoall_plan* ap)
{
    if (ap->flow_count == 0 || ap->repeat <= 0)
        return 0;
    int stepwise = st->ctx->opt->stepwise_collectives;
    double t0 = now();
    for (int i = 0; i < (stepwise ? ap->repeat : 1); i++) {
        alltoall_start(st, ap, stepwise ? 1 : ap->repeat, &st->blocking);
        collective_finish(&st->blocking);
    }
    record_busy(st, WORK_EP, t0, now());
    return now() - t0;
}

/* ---- pipeline sends ---------------------------------------------------- */

static void notify_arrival(transfer_batch* batch, void* arrivals)
{
    (void)batch;
    sg_sem_release((sg_sem_t)arrivals);
}

static transfer_batch* inbox_of(rank_state* st, int from, int chunk, int mb)
{
    return &st->inbox[from][chunk * st->ctx->plan->micro_batches + mb];
}

/* The rank that gets this rank's activations (FORWARD) or gradients. */
static rank_state* neighbour(rank_state* st, int forward)
{
    const iteration_plan* plan = st->ctx->plan;
    if (st->peers)
        return &st->ctx->ranks[forward ? st->peers->pp_next : st->peers->pp_prev];
    int p = plan->stages;
    return &st->ctx->ranks[(st->stage + (forward ? 1 : p - 1)) % p];
}

/* Sends (chunk, mb)'s activation (FORWARD) or gradient to the neighbour:
 * the plan's flows, or in full mode this GPU's own flow. */
static void send_pipeline(rank_state* st, int forward, int chunk, int mb)
{
    const stage_plan* sp = stage_of(st);
    rank_state* to = neighbour(st, forward);
    int from = forward ? FROM_PREVIOUS : FROM_NEXT;
    transfer_batch* b = inbox_of(to, from, chunk, mb);
    b->on_done = notify_arrival;
    b->arg = to->arrivals[from];
    if (st->peers) {
        transfer_batch_begin(b, 1, NULL);
        transfer_send(st->peers->gpu, forward ? st->peers->pp_next : st->peers->pp_prev, sp->pp_bytes, b);
        return;
    }
    const flow* flows = forward ? sp->next_flows : sp->prev_flows;
    int count = forward ? sp->next_flow_count : sp->prev_flow_count;
    transfer_batch_begin(b, count, NULL);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, sp->pp_bytes, b);
}

/* Waits for (chunk, mb) from a neighbour. Waiting while the data was in flight
 * counts as pipeline communication; waiting for the neighbour to produce it
 * is bubble. A scatter-gather split is then re-assembled inside the node. */
static void receive(rank_state* st, int from, int chunk, int mb)
{
    transfer_batch* b = inbox_of(st, from, chunk, mb);
    double t0 = now();
    while (b->end < 0)
        sg_sem_acquire(st->arrivals[from]);
    double t1 = now(), in_flight_from = b->start > t0 ? b->start : t0;
    if (t1 > t0)
        st->timing.pp_comm += t1 - in_flight_from;
    record_busy(st, WORK_PP, in_flight_from, t1);
    st->timing.pp_comm += run_collective(st, &stage_of(st)->pp_gather, CH_PP_GATHER, 1);
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

static void forward(rank_state* st, const chunk_plan* ch, pipeline_op op)
{
    const iteration_plan* plan = st->ctx->plan;
    int s = st->stage, c = op.chunk, received = has_previous(s, c);
    if (received)
        receive(st, FROM_PREVIOUS, c, op.micro_batch);
    st->timing.dp_inline += wait_for(st, &st->zero_scatter, WORK_ZERO);
    collective_start(st, &ch->zero_gather, CH_ZERO_GATHER, 1, &st->zero_gather);
    compute(st, ch->fwd_seconds, ch->folded.tp_fwd, ch->folded.ep_fwd,
            received ? stage_of(st)->pp_gather_folded : 0);
    st->timing.tp_comm += run_collective(st, &ch->tp_fwd, CH_TP, 1);
    st->timing.ep_comm += run_alltoall(st, &ch->ep_fwd);
    st->timing.dp_inline += wait_for(st, &st->zero_gather, WORK_ZERO);
    if (has_next(plan, s, c))
        send_pipeline(st, 1, s + 1 < plan->stages ? c : c + 1, op.micro_batch);
}

/* With dp_overlap, the gradient reduction starts with the rank's last
 * backward pass and carries all but the last bucket, which can only go once
 * the backward pass has produced it. */
static void start_overlapped_reduction(rank_state* st)
{
    const stage_plan* sp = stage_of(st);
    double total = sp->dp_reduce.payload_bytes;
    if (sp->dp_bucket_bytes <= 0 || total <= sp->dp_bucket_bytes)
        return;
    collective_start(st, &sp->dp_reduce, CH_DP_REDUCE, 1.0 - sp->dp_bucket_bytes / total, &st->dp_overlap);
}

static void backward(rank_state* st, const chunk_plan* ch, pipeline_op op, int last)
{
    const iteration_plan* plan = st->ctx->plan;
    int s = st->stage, c = op.chunk, received = has_next(plan, s, c);
    if (received)
        receive(st, FROM_NEXT, c, op.micro_batch);
    st->timing.dp_inline += wait_for(st, &st->zero_scatter, WORK_ZERO);
    collective_start(st, &ch->zero_gather, CH_ZERO_GATHER, 1, &st->zero_gather);
    if (last)
        start_overlapped_reduction(st);
    compute(st, ch->bwd_seconds, ch->folded.tp_bwd, ch->folded.ep_bwd,
            received ? stage_of(st)->pp_gather_folded : 0);
    st->timing.tp_comm += run_collective(st, &ch->tp_bwd, CH_TP, 1);
    st->timing.ep_comm += run_alltoall(st, &ch->ep_bwd);
    st->timing.dp_inline += wait_for(st, &st->zero_gather, WORK_ZERO);
    collective_start(st, &ch->zero_scatter, CH_ZERO_SCATTER, 1, &st->zero_scatter);
    if (has_previous(s, c))
        send_pipeline(st, 0, s > 0 ? c : c - 1, op.micro_batch);
}

/* After the pipeline: the rest of the gradient reduction (the last bucket,
 * when the rest overlapped the backward pass), the optimizer step, and
 * (ZeRO 1 and 2) the all-gather of the updated weights. */
static void finish_step(rank_state* st)
{
    const stage_plan* sp = stage_of(st);
    wait_for(st, &st->zero_scatter, WORK_ZERO);
    if (st->dp_overlap.active) {
        wait_for(st, &st->dp_overlap, WORK_DP);
        run_collective(st, &sp->dp_reduce, CH_DP_REDUCE, sp->dp_bucket_bytes / sp->dp_reduce.payload_bytes);
    } else {
        run_collective(st, &sp->dp_reduce, CH_DP_REDUCE, 1);
    }
    run_collective(st, &sp->expert_reduce, CH_EXPERT_REDUCE, 1);
    double before = now();
    if (sp->optimizer_seconds > 0)
        sg_actor_execute(sp->optimizer_seconds * sg_host_get_speed(sg_host_self()));
    st->timing.optimizer = now() - before;
    record_busy(st, WORK_OPTIMIZER, before, now());
    run_collective(st, &sp->dp_gather, CH_DP_GATHER, 1);
    run_collective(st, &sp->expert_gather, CH_EXPERT_GATHER, 1);
}

static void rank_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    rank_state* st = sg_actor_self_get_data();
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = stage_of(st);
    size_t total = 2 * (size_t)plan->micro_batches * plan->chunks;
    pipeline_op* ops = xmalloc(total * sizeof *ops);
    int n = schedule_build(plan->schedule, plan->stages, st->stage, plan->micro_batches, plan->chunks, ops);
    for (int i = 0; i < n; i++) {
        const chunk_plan* ch = &sp->chunk[ops[i].chunk];
        st->pass = ops[i];
        if (ops[i].kind == OP_FORWARD)
            forward(st, ch, ops[i]);
        else
            backward(st, ch, ops[i], i == n - 1);
    }
    free(ops);
    st->pass = (pipeline_op){OP_BACKWARD, -1, -1};
    st->timing.pipeline_end = now() - st->ctx->start;
    finish_step(st);
    st->timing.end = now() - st->ctx->start;
}

/* ---- set-up and results ------------------------------------------------- */

static void setup_transfers(const iteration_plan* plan)
{
    transfer_setup(plan->gpus, plan->gpu_count);
}

static collective_run* runs_of(rank_state* st, int i)
{
    collective_run* runs[] = {&st->blocking, &st->zero_gather, &st->zero_scatter, &st->dp_overlap};
    return runs[i];
}

static void start_rank(rank_state* st, step_context* ctx, int stage, const rank_peers* peers, int gpu)
{
    size_t slots = (size_t)ctx->plan->micro_batches * ctx->plan->chunks;
    st->ctx = ctx;
    st->stage = stage;
    st->peers = peers;
    st->records_busy = !peers || gpu == ctx->plan->stage[stage].gpu;
    for (int i = 0; i < 4; i++)
        runs_of(st, i)->done = sg_sem_init(0);
    for (int k = 0; k < CH_COUNT; k++)
        for (int ph = 0; ph < COLLECTIVE_MAX_PHASES; ph++)
            st->channels[k][ph].arrived = sg_sem_init(0);
    for (int from = 0; from < 2; from++) {
        st->arrivals[from] = sg_sem_init(0);
        st->inbox[from] = xcalloc(slots, sizeof(transfer_batch));
        for (size_t i = 0; i < slots; i++)
            st->inbox[from][i].end = -1;
    }
    char name[64], host[64];
    snprintf(name, sizeof name, "rank-%d", gpu);
    platform_host_name(gpu, host, sizeof host);
    sg_actor_t actor = sg_actor_init(name, sg_host_by_name(host));
    sg_actor_set_data(actor, st);
    sg_actor_start(actor, rank_main, 0, NULL);
}

static void release_rank(rank_state* st)
{
    for (int i = 0; i < 4; i++) {
        sg_sem_destroy(runs_of(st, i)->done);
        free(runs_of(st, i)->batches);
    }
    for (int k = 0; k < CH_COUNT; k++)
        for (int ph = 0; ph < COLLECTIVE_MAX_PHASES; ph++)
            sg_sem_destroy(st->channels[k][ph].arrived);
    for (int from = 0; from < 2; from++) {
        sg_sem_destroy(st->arrivals[from]);
        free(st->inbox[from]);
    }
    free(st->busy);
}

/* The recording ranks' busy intervals, one stage after the other. */
static void collect_busy(const rank_state* ranks, int count, step_profile* out)
{
    int total = 0;
    for (int r = 0; r < count; r++)
        total += ranks[r].busy_count;
    out->busy = xmalloc(((size_t)total + 1) * sizeof *out->busy);
    for (int r = 0; r < count; r++) {
        if (ranks[r].busy_count == 0)   /* its array may be NULL */
            continue;
        memcpy(out->busy + out->busy_count, ranks[r].busy, (size_t)ranks[r].busy_count * sizeof *out->busy);
        out->busy_count += ranks[r].busy_count;
    }
}

/* Means over ranks. The bubble is what the pipeline time leaves over; the
 * tail after the pipeline is the optimizer step of the rank that finishes
 * last and, for the rest, exposed gradient reduction. */
static void summarise(const rank_state* ranks, int count, int stages, step_profile* out)
{
    out->stages = stages;
    out->stage = xcalloc((size_t)stages, sizeof *out->stage);
    int last = 0;
    for (int r = 0; r < count; r++) {
        const stage_timing* t = &ranks[r].timing;
        if (t->end > ranks[last].timing.end)
            last = r;
        if (t->pipeline_end > out->pipeline_time)
            out->pipeline_time = t->pipeline_end;
    }
    out->step_time = ranks[last].timing.end;
    double inline_dp = 0;
    for (int r = 0; r < count; r++) {
        stage_timing t = ranks[r].timing;
        t.dp_end = t.end - t.optimizer;
        /* fmax: rounding leaves -1e-18 where a rank never waits */
        t.idle = fmax(0, out->pipeline_time - t.compute - t.tp_comm - t.pp_comm - t.ep_comm - t.dp_inline);
        out->stage[ranks[r].stage] = t;   /* full mode: one rank of each pipeline rank */
        out->compute += t.compute / count;
        out->tp_comm += t.tp_comm / count;
        out->pp_comm += t.pp_comm / count;
        out->ep_comm += t.ep_comm / count;
        out->bubble += t.idle / count;
        inline_dp += t.dp_inline / count;
    }
    double tail = out->step_time - out->pipeline_time;
    out->optimizer = fmin(ranks[last].timing.optimizer, tail);
    out->dp_comm_exposed = tail - out->optimizer + inline_dp;
}

int iteration_simulate(const iteration_plan* plan, const iteration_options* opt, step_profile* out)
{
    memset(out, 0, sizeof *out);
    step_context ctx = {plan, opt, NULL, plan->full ? plan->rank_count : plan->stages, now()};
    ctx.ranks = xcalloc((size_t)ctx.count, sizeof *ctx.ranks);
    setup_transfers(plan);
    for (int r = 0; r < ctx.count; r++) {
        if (plan->full)
            start_rank(&ctx.ranks[r], &ctx, plan->ranks[r].stage, &plan->ranks[r], plan->ranks[r].gpu);
        else
            start_rank(&ctx.ranks[r], &ctx, r, NULL, plan->stage[r].gpu);
    }
    simgrid_run();
    summarise(ctx.ranks, ctx.count, plan->stages, out);
    collect_busy(ctx.ranks, ctx.count, out);
    out->busy_span = out->step_time;
    for (int r = 0; r < ctx.count; r++)
        release_rank(&ctx.ranks[r]);
    free(ctx.ranks);
    transfer_teardown();
    return 0;
}
