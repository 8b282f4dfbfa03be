/* iteration_comm: collectives, all-to-alls and pipeline sends as transfers
 * (see iteration_comm.h). */
#include "des/iteration_comm.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "des/actor_budget.h"

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

/* Collapsed: all the plan's flows in one batch, flow i carrying BYTES, or
 * EACH[i] x BYTES when EACH is given. */
static void send_plan_flows(collective_run* run, const flow* flows, int count, double bytes, const double* each)
{
    reserve_batches(run, 1);
    transfer_batch* b = new_batch(run);
    transfer_batch_begin(b, count, run->done);
    for (int i = 0; i < count; i++)
        transfer_send(flows[i].src, flows[i].dst, each ? each[i] * bytes : bytes, b);
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
    case CH_ETP:           return &p->etp;
    case CH_EXPERT_REDUCE:
    case CH_EXPERT_GATHER: return &p->expert;
    case CH_CP:            return &p->cp;
    case CH_AMAX:          return &p->amax;
    default:               return &p->dp;
    }
}

/* The latency TRANSFERS steps of phase PH owe once their flows have
 * arrived over a route of latency PAID (which the flows paid): point-to-
 * point sends a route latency for each step but one; an NCCL call NCCL's
 * latency for each of its collectives, LATENCY, spread over its steps,
 * less the route's. */
static double latency_owed(const phase_plan* ph, double latency, int transfers, double paid)
{
    if (ph->call.ranks == 0)
        return (transfers - 1) * paid;
    return latency * transfers / ph->steps - paid;
}

/* Starts TRANSFERS steps of phase K aggregated: one flow per peer (full
 * mode) or per plan flow carries the bytes of all of them, and the
 * latencies are owed at the end: the same time, transfers x (latency +
 * chunk / bandwidth), on a flow with nothing else to do, with a fraction of
 * the events. FRACTION scales the bytes; an NCCL call of that size sends
 * them with the protocol NCCL's tuner picks for it, its bytes over that
 * protocol's efficiency. */
static void phase_start(rank_state* st, const collective_plan* cp, int k, channel_kind kind, double fraction,
                        int transfers, collective_run* run)
{
    const phase_plan* ph = &cp->phase[k];
    nccl_choice nc = phase_choice(ph, fraction);
    double bytes = ph->chunk_bytes * transfers * fraction / nc.efficiency;
    begin_run(run);
    if (st->peers) {
        const group_ref* g = group_of(st->peers, kind);
        int peers[COLLECTIVE_MAX_PEERS], m = collective_peers(&cp->shape, k, g->index, peers);
        reserve_batches(run, m);
        for (int q = 0; q < m; q++)
            send_to_peer(st, run, g->base + peers[q] * g->stride, kind, k, bytes);
        run->channel = &st->channels[kind][k];
        run->awaited = m;
        run->latency = latency_owed(ph, nc.latency, transfers,
                                    transfer_route_latency(st->peers->gpu, g->base + peers[0] * g->stride));
    } else {
        send_plan_flows(run, ph->flows, ph->flow_count, bytes, NULL);
        run->latency = latency_owed(ph, nc.latency, transfers, transfer_route_latency(ph->flows[0].src, ph->flows[0].dst));
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
    actor_budget_give();
}

void comm_start_collective(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction,
                           collective_run* run)
{
    if (!collective_has_flows(cp) || fraction <= 0)
        return;
    run->kind = kind;
    if (cp->shape.phase_count == 1 && !st->ctx->opt->stepwise_collectives) {
        phase_start(st, cp, 0, kind, fraction, cp->phase[0].steps * cp->repeat, run);
        return;
    }
    begin_run(run);
    run->background = 1;
    background_job* job = xmalloc(sizeof *job);
    *job = (background_job){st, cp, kind, fraction, run};
    actor_budget_take();
    sg_actor_t actor = sg_actor_init("collective", sg_host_self());
    sg_actor_set_data(actor, job);
    sg_actor_start(actor, background_main, 0, NULL);
}

void comm_start_transfers(rank_state* st, const collective_plan* cp, channel_kind kind, int transfers,
                          collective_run* run)
{
    if (!collective_has_flows(cp) || transfers <= 0)
        return;
    run->kind = kind;
    phase_start(st, cp, 0, kind, 1, transfers, run);
}

static work_kind work_of(channel_kind kind)
{
    switch (kind) {
    case CH_TP:           return WORK_TP;
    case CH_PP_GATHER:    return WORK_PP;
    case CH_EP:
    case CH_ETP:          return WORK_EP;
    case CH_ZERO_GATHER:
    case CH_ZERO_SCATTER: return WORK_ZERO;
    case CH_CP:           return WORK_CP;
    default:              return WORK_DP;
    }
}

double comm_run_collective(rank_state* st, const collective_plan* cp, channel_kind kind, double fraction)
{
    if (!collective_has_flows(cp) || fraction <= 0)
        return 0;
    double t0 = now();
    run_phases(st, cp, kind, fraction, &st->blocking);
    record_busy(st, work_of(kind), (int)kind, t0, now());
    return now() - t0;
}

double comm_wait_for(rank_state* st, collective_run* run, work_kind what)
{
    double t0 = now(), waited = collective_finish(run);
    record_busy(st, what, (int)run->kind, t0, now());
    return waited;
}

/* The latest route latency of the flows from SRC[i] (or FROM) to DST[i]. */
static double latest_latency(const flow* flows, int from, const int* dst, int n)
{
    double latest = 0;
    for (int i = 0; i < n; i++)
        latest = fmax(latest, flows ? transfer_route_latency(flows[i].src, flows[i].dst)
                                    : transfer_route_latency(from, dst[i]));
    return latest;
}

/* Starts COUNT of the plan's exchanges aggregated: every flow carries
 * count x its bytes; each exchange but one owes the latest latency of its
 * flows at the end. */
static void alltoall_start(rank_state* st, const alltoall_plan* ap, int count, collective_run* run)
{
    begin_run(run);
    if (st->peers) {
        const rank_peers* rp = st->peers;
        reserve_batches(run, rp->ep_count);
        for (int i = 0; i < rp->ep_count; i++)
            send_to_peer(st, run, rp->ep_peers[i], CH_EP, 0, rp->ep_bytes[i] * count);
        run->channel = &st->channels[CH_EP][0];
        run->awaited = rp->ep_awaited;
        run->latency = (count - 1) * latest_latency(NULL, rp->gpu, rp->ep_peers, rp->ep_count);
    } else {
        send_plan_flows(run, ap->flows, ap->flow_count, ap->flow_bytes ? count : ap->bytes * count, ap->flow_bytes);
        run->latency = (count - 1) * latest_latency(ap->flows, 0, NULL, ap->flow_count);
    }
}

double comm_run_alltoall(rank_state* st, const alltoall_plan* ap)
{
    if (ap->flow_count == 0 || ap->repeat <= 0)
        return 0;
    int stepwise = st->ctx->opt->stepwise_collectives;
    double t0 = now();
    for (int i = 0; i < (stepwise ? ap->repeat : 1); i++) {
        alltoall_start(st, ap, stepwise ? 1 : ap->repeat, &st->blocking);
        collective_finish(&st->blocking);
    }
    record_busy(st, WORK_EP, CH_EP, t0, now());
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

/* Whether the rank puts FLOWS of BYTES itself, for its neighbour to wait on
 * (transfer_put): when every one leaves the rank's own host and carries a
 * byte at least (SimGrid 3.32 crashed waiting on a put of none, as the
 * zero-byte pipelines of test_iteration.c showed); otherwise agents send
 * them and tell the neighbour when they have all arrived. */
static int puts_itself(const flow* flows, int count, double bytes)
{
    if (bytes < 1)
        return 0;
    for (int i = 0; i < count; i++)
        if (!transfer_leaves_here(flows[i].src))
            return 0;
    return 1;
}

void comm_send_pipeline(rank_state* st, int forward, int chunk, int mb)
{
    const stage_plan* sp = stage_of(st);
    rank_state* to = neighbour(st, forward);
    int from = forward ? FROM_PREVIOUS : FROM_NEXT;
    transfer_batch* b = inbox_of(to, from, chunk, mb);
    const flow* flows = forward ? sp->next_flows : sp->prev_flows;
    int count = forward ? sp->next_flow_count : sp->prev_flow_count;
    flow own;
    if (st->peers) {
        own = (flow){st->peers->gpu, forward ? st->peers->pp_next : st->peers->pp_prev};
        flows = &own;
        count = 1;
    }
    transfer_batch_begin(b, count, NULL);
    if (!puts_itself(flows, count, sp->pp_bytes)) {
        b->on_done = notify_arrival;
        b->arg = to->arrivals[from];
        for (int i = 0; i < count; i++)
            transfer_send(flows[i].src, flows[i].dst, sp->pp_bytes, b);
        return;
    }
    b->arg = st;
    for (int i = 0; i < count; i++)
        transfer_put(flows[i].dst, sp->pp_bytes, b);
    st->puts_unreceived++;
    if (to->awaiting == b)
        sg_sem_release(to->arrivals[from]);
}

/* The rank has waited for flows its neighbour SENDER put: one fewer that
 * the neighbour must see arrive before it may end. */
static void received_put(rank_state* sender)
{
    if (--sender->puts_unreceived == 0 && sender->draining)
        sg_sem_release(sender->drained);
}

void comm_drain_puts(rank_state* st)
{
    st->draining = 1;
    while (st->puts_unreceived > 0)
        sg_sem_acquire(st->drained);
}

void comm_receive(rank_state* st, int from, int chunk, int mb)
{
    transfer_batch* b = inbox_of(st, from, chunk, mb);
    double t0 = now();
    while (b->end < 0 && !b->puts) {   /* neither arrived through agents nor put */
        st->awaiting = b;
        sg_sem_acquire(st->arrivals[from]);
    }
    st->awaiting = NULL;
    if (b->puts) {
        transfer_wait_puts(b);
        received_put(b->arg);
    }
    double t1 = now(), in_flight_from = b->start > t0 ? b->start : t0;
    if (t1 > t0)
        st->timing.pp_comm += t1 - in_flight_from;
    record_busy(st, WORK_PP, -1, in_flight_from, t1);
    st->timing.pp_comm += comm_run_collective(st, &stage_of(st)->pp_gather, CH_PP_GATHER, 1);
}
