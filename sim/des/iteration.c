/* iteration: one training step as SimGrid actors (see iteration.h).
 *
 * Collapsed (the default): one actor per pipeline rank; a collective is the
 * plan's flows (the slowest hop and the flows sharing its links). Full
 * (--detail full): one actor per rank of the job; a ring member sends to its
 * next peer and waits for its previous one, an all-to-all member sends to
 * and hears from every peer, each collective on its own channel.
 *
 * Here: each rank's walk of its schedule, and the step's set-up and sums;
 * the rank's collectives and pipeline sends are iteration_comm.c's. */
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
#include "des/iteration_comm.h"
#include "des/rank_state.h"
#include "network/host_names.h"
#include "des/actor_budget.h"
#include "des/transfer.h"

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
    const int channels[] = {-1, CH_TP, CH_EP, CH_PP_GATHER};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        record_busy(st, parts[i], channels[i], t, t + seconds_of[i]);
        t += seconds_of[i];
    }
    st->timing.compute += seconds;
    st->timing.tp_comm += tp;
    st->timing.ep_comm += ep;
    st->timing.pp_comm += pp;
}

/* Context parallelism (model/cp_exchange.h): each section's sends to the
 * next CP rank start, its attention computes beside them, and the rank
 * waits for both; what it waits beyond the attention is exposed CP time.
 * Aggregated, a section is one transfer of all its sends beside all its
 * compute: max(n C, n x) for n equal steps of C seconds beside x, the sum
 * of their max(C, x); --stepwise-collectives runs step by step. */
static void run_context_parallel(rank_state* st, const cp_pass_plan* cp)
{
    work_kind kind = st->pass.kind == OP_FORWARD ? WORK_FORWARD : WORK_BACKWARD;
    for (int i = 0; i < cp->count; i++) {
        const cp_section_plan* s = &cp->section[i];
        int sends = s->ring.phase[0].steps * s->ring.repeat;
        int rounds = st->ctx->opt->stepwise_collectives && sends > 0 ? sends : 1;
        for (int r = 0; r < rounds; r++) {
            comm_start_transfers(st, &s->ring, CH_CP, sends / rounds, &st->cp_exchange);
            double t0 = now(), seconds = s->compute_seconds / rounds;
            if (seconds > 0)
                sg_actor_execute(seconds * sg_host_get_speed(sg_host_self()));
            record_busy(st, kind, -1, t0, now());
            st->timing.compute += seconds;
            st->timing.cp_comm += comm_wait_for(st, &st->cp_exchange, WORK_CP);
        }
    }
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

/* param_gather_overlap: the gather of bucket K of chunk C (or, past its
 * last, of the next chunk's first bucket), a share of the stage's weight
 * all-gather, issued to run beside the rank's passes. */
static void gather_bucket(rank_state* st, int c, int k)
{
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = stage_of(st);
    while (c < plan->chunks && k >= sp->chunk[c].weight_buckets.count)
        c++, k = 0;
    if (c == plan->chunks)
        return;
    const chunk_plan* ch = &sp->chunk[c];
    double fraction = ch->gather_share * param_gather_share(&ch->weight_buckets, k);
    comm_start_collective(st, &sp->dp_gather, CH_DP_GATHER, fraction, &st->weight_gather);
}

/* param_gather_overlap, the first forward pass of chunk C: the layers of
 * each bucket wait for its weights, then issue the next bucket's gather and
 * compute, so that bucket k+1's gather runs beside bucket k's layers (what
 * Megatron-Core's forward pre-hook does). The pass splits by the buckets'
 * shares of the chunk's weights. */
static void compute_behind_gather(rank_state* st, const chunk_plan* ch, int c, double seconds, double tp,
                                  double ep, double pp)
{
    const weight_buckets* b = &ch->weight_buckets;
    if (b->count == 0)
        compute(st, seconds, tp, ep, pp);
    for (int k = 0; k < b->count; k++) {
        st->timing.dp_inline += comm_wait_for(st, &st->weight_gather, WORK_DP);
        gather_bucket(st, c, k + 1);
        double f = param_gather_share(b, k);
        compute(st, seconds * f, tp * f, ep * f, k == 0 ? pp : 0);
    }
}

/* ---- interleaving: the data-parallel collectives a model chunk at a time --
 * Megatron-Core's interleaved schedule hands each chunk's weights and
 * gradients to the data-parallel collectives where schedule_chunk_handovers
 * says (param_sync_func, grad_sync_func). One collective of a kind is in
 * flight at a time: issuing the next waits for the one before it, as NeMo's
 * distributed Adam makes the compute stream wait before it launches the
 * next gather; the chunks' hand-overs are p passes apart, so the wait is
 * nil unless a chunk's collective outlasts p passes. */

/* Issues the weight gathers of the chunks the schedule hands over by the
 * rank's forward number K, in chunk order. */
static void issue_chunk_gathers(rank_state* st, int k)
{
    const iteration_plan* plan = st->ctx->plan;
    while (st->gathers_issued < plan->chunks && st->gather_at[st->gathers_issued] <= k) {
        st->timing.dp_inline += comm_wait_for(st, &st->weight_gather, WORK_DP);
        gather_bucket(st, st->gathers_issued++, 0);
    }
}

/* Before the rank's next forward pass, of chunk C and micro-batch MB: the
 * gathers handed over there, then, for the chunk's first pass, its own
 * weights. */
static void weights_by_chunk(rank_state* st, int c, int mb)
{
    issue_chunk_gathers(st, st->forwards++);
    if (mb == 0 && st->gathers_issued == c + 1)   /* chunk c's gather is the one in flight */
        st->timing.dp_inline += comm_wait_for(st, &st->weight_gather, WORK_DP);
}

/* After the rank's backward number K: the reductions of the chunks whose
 * gradients the schedule hands over there, each chunk's share of the
 * stage's gradients. */
static void reduce_by_chunk(rank_state* st, int k)
{
    const stage_plan* sp = stage_of(st);
    for (int c = 0; c < st->ctx->plan->chunks; c++) {
        if (st->reduce_after[c] != k)
            continue;
        st->timing.dp_inline += comm_wait_for(st, &st->dp_overlap, WORK_DP);
        comm_start_collective(st, &sp->dp_reduce, CH_DP_REDUCE, sp->chunk[c].weight_share, &st->dp_overlap);
    }
}

/* After the pipeline: the reductions handed over past the rank's last
 * backward (chunk 0's always), once the last one in flight is done. */
static void reduce_remaining_chunks(rank_state* st)
{
    const stage_plan* sp = stage_of(st);
    comm_wait_for(st, &st->dp_overlap, WORK_DP);
    for (int c = 0; c < st->ctx->plan->chunks; c++)
        if (st->reduce_after[c] >= st->backwards)
            comm_run_collective(st, &sp->dp_reduce, CH_DP_REDUCE, sp->chunk[c].weight_share);
}

static void forward(rank_state* st, const chunk_plan* ch, pipeline_op op)
{
    const iteration_plan* plan = st->ctx->plan;
    int s = st->stage, c = op.chunk, received = has_previous(s, c);
    if (received)
        comm_receive(st, FROM_PREVIOUS, c, op.micro_batch);
    if (stage_of(st)->gather_by_chunk)
        weights_by_chunk(st, c, op.micro_batch);
    st->timing.dp_inline += comm_wait_for(st, &st->zero_scatter, WORK_ZERO);
    comm_start_collective(st, &ch->zero_gather, CH_ZERO_GATHER, 1, &st->zero_gather);
    double tp = ch->folded.tp_fwd + ch->tp_overlap.fwd_exposed, pp = received ? stage_of(st)->pp_gather_folded : 0;
    double own = ch->fwd_seconds - ch->cp_fwd.overlapped;   /* the rest runs beside the K,V exchange */
    if (stage_of(st)->gather_ahead && !stage_of(st)->gather_by_chunk && op.micro_batch == 0)
        compute_behind_gather(st, ch, c, own, tp, ch->folded.ep_fwd, pp);
    else
        compute(st, own, tp, ch->folded.ep_fwd, pp);
    run_context_parallel(st, &ch->cp_fwd);
    st->timing.tp_comm += comm_run_collective(st, &ch->tp_fwd, CH_TP, 1);
    st->timing.ep_comm += comm_run_alltoall(st, &ch->ep_fwd);
    st->timing.ep_comm += comm_run_collective(st, &ch->etp_fwd, CH_ETP, 1);
    st->timing.dp_inline += comm_wait_for(st, &st->zero_gather, WORK_ZERO);
    st->timing.dp_inline += comm_run_collective(st, &stage_of(st)->amax_fwd, CH_AMAX, 1);   /* fp8_autocast's exit */
    if (has_next(plan, s, c))
        comm_send_pipeline(st, 1, s + 1 < plan->stages ? c : c + 1, op.micro_batch);
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
    comm_start_collective(st, &sp->dp_reduce, CH_DP_REDUCE, 1.0 - sp->dp_bucket_bytes / total, &st->dp_overlap);
}

static void backward(rank_state* st, const chunk_plan* ch, pipeline_op op, int last)
{
    const iteration_plan* plan = st->ctx->plan;
    int s = st->stage, c = op.chunk, received = has_next(plan, s, c);
    if (received)
        comm_receive(st, FROM_NEXT, c, op.micro_batch);
    st->timing.dp_inline += comm_wait_for(st, &st->zero_scatter, WORK_ZERO);
    comm_start_collective(st, &ch->zero_gather, CH_ZERO_GATHER, 1, &st->zero_gather);
    if (last)
        start_overlapped_reduction(st);
    compute(st, ch->bwd_seconds - ch->cp_bwd.overlapped, ch->folded.tp_bwd + ch->tp_overlap.bwd_exposed,
            ch->folded.ep_bwd, received ? stage_of(st)->pp_gather_folded : 0);
    run_context_parallel(st, &ch->cp_bwd);
    st->timing.tp_comm += comm_run_collective(st, &ch->tp_bwd, CH_TP, 1);
    st->timing.ep_comm += comm_run_alltoall(st, &ch->ep_bwd);
    st->timing.ep_comm += comm_run_collective(st, &ch->etp_bwd, CH_ETP, 1);
    st->timing.dp_inline += comm_wait_for(st, &st->zero_gather, WORK_ZERO);
    st->timing.dp_inline += comm_run_collective(st, &stage_of(st)->amax_bwd, CH_AMAX, 1);   /* the chunk's backward done */
    comm_start_collective(st, &ch->zero_scatter, CH_ZERO_SCATTER, 1, &st->zero_scatter);
    if (has_previous(s, c))
        comm_send_pipeline(st, 0, s > 0 ? c : c - 1, op.micro_batch);
    if (stage_of(st)->reduce_by_chunk)
        reduce_by_chunk(st, st->backwards);
    st->backwards++;
}

/* After the pipeline: the rest of the gradient reduction (the last bucket,
 * when the rest overlapped the backward pass), the optimizer step, and
 * (ZeRO 1 and 2) the all-gather of the updated weights, unless
 * param_gather_overlap moves the dense weights' gather into the step's
 * first forward passes (the steady state: the previous step's gather). */
static void finish_step(rank_state* st)
{
    const stage_plan* sp = stage_of(st);
    comm_wait_for(st, &st->zero_scatter, WORK_ZERO);
    if (sp->reduce_by_chunk) {
        reduce_remaining_chunks(st);
    } else if (st->dp_overlap.active) {
        comm_wait_for(st, &st->dp_overlap, WORK_DP);
        comm_run_collective(st, &sp->dp_reduce, CH_DP_REDUCE, sp->dp_bucket_bytes / sp->dp_reduce.payload_bytes);
    } else {
        comm_run_collective(st, &sp->dp_reduce, CH_DP_REDUCE, 1);
    }
    comm_run_collective(st, &sp->expert_reduce, CH_EXPERT_REDUCE, 1);
    double before = now();
    if (sp->optimizer_seconds > 0)
        sg_actor_execute(sp->optimizer_seconds * sg_host_get_speed(sg_host_self()));
    st->timing.optimizer = now() - before;
    record_busy(st, WORK_OPTIMIZER, -1, before, now());
    if (!sp->gather_ahead)
        comm_run_collective(st, &sp->dp_gather, CH_DP_GATHER, 1);
    comm_run_collective(st, &sp->expert_gather, CH_EXPERT_GATHER, 1);
}

/* In the tests' build only (Makefile): the ranks of pipeline rank
 * $TRAINSIM_DEADLOCK_STAGE wait for a message that never comes, as a
 * deadlock in the step's script would leave them. */
#ifdef TRAINSIM_TEST_HOOKS
static sg_sem_t never_released;   /* destroyed after the run, so that valgrind sees no leak of the hook's */
#endif

static void wait_forever_if_told(rank_state* st)
{
#ifdef TRAINSIM_TEST_HOOKS
    const char* stage = getenv("TRAINSIM_DEADLOCK_STAGE");
    if (stage && atoi(stage) == st->stage) {
        if (!never_released)
            never_released = sg_sem_init(0);
        sg_sem_acquire(never_released);
    }
#else
    (void)st;
#endif
}

static void forget_the_hook(void)
{
#ifdef TRAINSIM_TEST_HOOKS
    if (never_released)
        sg_sem_destroy(never_released);
    never_released = NULL;
#endif
}

/* ---- the steady state, measured (step_increment) ---------------------------
 * Past its warm-up a 1F1B rank runs forward-backward pairs. Its timing as
 * each pair begins is kept: the difference between two consecutive pairs
 * is what one more micro-batch adds to it, once the pipeline has settled
 * into its period. With model chunks a micro-batch is several pairs of
 * different chunks, and none is kept. */
static void note_pair_start(rank_state* st)
{
    if (!st->pair_start)
        return;
    stage_timing t = st->timing;
    t.end = now() - st->ctx->start;
    st->pair_start[st->pair_count++] = t;
}

static stage_timing timing_difference(const stage_timing* a, const stage_timing* b)
{
    return (stage_timing){.compute = b->compute - a->compute, .tp_comm = b->tp_comm - a->tp_comm,
                          .pp_comm = b->pp_comm - a->pp_comm, .ep_comm = b->ep_comm - a->ep_comm,
                          .cp_comm = b->cp_comm - a->cp_comm, .dp_inline = b->dp_inline - a->dp_inline,
                          .end = b->end - a->end};
}

/* Whether two periods' differences are the same up to the rounding of the
 * simulated clock: a billionth of the period, the tolerance summarise()
 * grants the bubble. */
static int same_difference(const stage_timing* x, const stage_timing* y, double period)
{
    double tolerance = 1e-9 * period;
    const double dx[] = {x->compute, x->tp_comm, x->pp_comm, x->ep_comm, x->cp_comm, x->dp_inline, x->end};
    const double dy[] = {y->compute, y->tp_comm, y->pp_comm, y->ep_comm, y->cp_comm, y->dp_inline, y->end};
    for (size_t i = 0; i < sizeof dx / sizeof *dx; i++)
        if (!(fabs(dx[i] - dy[i]) <= tolerance))
            return 0;
    return 1;
}

/* The step's increment per micro-batch: settled when, on every rank, the
 * last two pairs' differences agree, and every rank has the same period. */
static void measure_increment(const rank_state* ranks, int count, int stages, step_increment* inc)
{
    memset(inc, 0, sizeof *inc);
    stage_timing* stage = xcalloc((size_t)stages, sizeof *stage);
    double period = -1;
    int settled = count == stages;
    for (int r = 0; r < count && settled; r++) {
        const rank_state* st = &ranks[r];
        int n = st->pair_count;
        if (!st->pair_start || n < 3) {
            settled = 0;
            break;
        }
        stage_timing last = timing_difference(&st->pair_start[n - 2], &st->pair_start[n - 1]);
        stage_timing before = timing_difference(&st->pair_start[n - 3], &st->pair_start[n - 2]);
        if (period < 0)
            period = last.end;
        settled = period > 0 && same_difference(&last, &before, period) && fabs(last.end - period) <= 1e-9 * period;
        last.idle = period - last.compute - last.tp_comm - last.pp_comm - last.ep_comm - last.cp_comm - last.dp_inline;
        if (last.idle <= 1e-9 * period)
            last.idle = 0;
        last.end = 0;
        stage[st->stage] = last;
    }
    if (!settled) {
        free(stage);
        return;
    }
    *inc = (step_increment){.settled = 1, .period = period, .stages = stages, .stage = stage};
}

static void rank_main(int argc, char* argv[])
{
    (void)argc, (void)argv;
    rank_state* st = sg_actor_self_get_data();
    const iteration_plan* plan = st->ctx->plan;
    const stage_plan* sp = stage_of(st);
    size_t total = 2 * (size_t)plan->micro_batches * plan->chunks;
    pipeline_op* ops = st->ops = xmalloc(total * sizeof *ops);
    int n = schedule_build(plan->schedule, plan->stages, st->stage, plan->micro_batches, plan->chunks, ops);
    st->gather_at = xmalloc(2 * (size_t)plan->chunks * sizeof *st->gather_at);
    st->reduce_after = st->gather_at + plan->chunks;
    schedule_chunk_handovers(ops, n, st->stage, plan->chunks, st->gather_at, st->reduce_after);
    int warmup = schedule_warmup(plan->schedule, plan->stages, st->stage, plan->micro_batches, plan->chunks);
    wait_forever_if_told(st);
    if (sp->gather_ahead)
        gather_bucket(st, 0, 0);
    st->gathers_issued = 1;
    for (int i = 0; i < n; i++) {
        const chunk_plan* ch = &sp->chunk[ops[i].chunk];
        st->pass = ops[i];
        if (i >= warmup && ops[i].kind == OP_FORWARD)
            note_pair_start(st);
        if (ops[i].kind == OP_FORWARD)
            forward(st, ch, ops[i]);
        else
            backward(st, ch, ops[i], i == n - 1);
    }
    st->pass = (pipeline_op){OP_BACKWARD, -1, -1};
    st->timing.pipeline_end = now() - st->ctx->start;
    finish_step(st);
    st->timing.end = now() - st->ctx->start;
    st->finished = 1;
    comm_drain_puts(st);
}

/* ---- set-up and results ------------------------------------------------- */

static void setup_transfers(const iteration_plan* plan)
{
    transfer_setup(plan->gpus, plan->gpu_count);
}

/* The collectives a rank may have in flight beside its passes. */
#define RANK_RUNS 6

static collective_run* runs_of(rank_state* st, int i)
{
    collective_run* runs[RANK_RUNS] = {&st->blocking, &st->zero_gather, &st->zero_scatter, &st->dp_overlap,
                                       &st->weight_gather, &st->cp_exchange};
    return runs[i];
}

static void start_rank(rank_state* st, step_context* ctx, int stage, const rank_peers* peers, int gpu)
{
    size_t slots = (size_t)ctx->plan->micro_batches * ctx->plan->chunks;
    st->ctx = ctx;
    st->stage = stage;
    st->peers = peers;
    st->records_busy = !peers || gpu == ctx->plan->stage[stage].gpu;
    if (!peers && ctx->plan->chunks == 1)
        st->pair_start = xmalloc(((size_t)ctx->plan->micro_batches + 1) * sizeof *st->pair_start);
    for (int i = 0; i < RANK_RUNS; i++)
        runs_of(st, i)->done = sg_sem_init(0);
    for (int k = 0; k < CH_COUNT; k++)
        for (int ph = 0; ph < COLLECTIVE_MAX_PHASES; ph++)
            st->channels[k][ph].arrived = sg_sem_init(0);
    st->drained = sg_sem_init(0);
    for (int from = 0; from < 2; from++) {
        st->arrivals[from] = sg_sem_init(0);
        st->inbox[from] = xcalloc(slots, sizeof(transfer_batch));
        for (size_t i = 0; i < slots; i++)
            st->inbox[from][i].end = -1;
    }
    char name[64], host[64];
    snprintf(name, sizeof name, "rank-%d", gpu);
    platform_host_name(gpu, host, sizeof host);
    actor_budget_take();
    sg_actor_t actor = sg_actor_init(name, sg_host_by_name(host));
    sg_actor_set_data(actor, st);
    sg_actor_start(actor, rank_main, 0, NULL);
}

static void release_rank(rank_state* st)
{
    for (int i = 0; i < RANK_RUNS; i++) {
        sg_sem_destroy(runs_of(st, i)->done);
        free(runs_of(st, i)->batches);
    }
    for (int k = 0; k < CH_COUNT; k++)
        for (int ph = 0; ph < COLLECTIVE_MAX_PHASES; ph++)
            sg_sem_destroy(st->channels[k][ph].arrived);
    sg_sem_destroy(st->drained);
    size_t slots = (size_t)st->ctx->plan->micro_batches * st->ctx->plan->chunks;
    for (int from = 0; from < 2; from++) {
        sg_sem_destroy(st->arrivals[from]);
        for (size_t i = 0; i < slots; i++)
            transfer_forget_puts(&st->inbox[from][i]);
        free(st->inbox[from]);
    }
    free(st->busy);
    free(st->pair_start);
    free(st->ops);
    free(st->gather_at);
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
        /* What the pipeline time leaves: a difference of sums of the
         * simulated clock, whose rounding (some 1e-16 of it per term, of
         * either sign) is no wait at all: within a billionth of the
         * pipeline time it is 0, as at pp = 1, where no rank waits for
         * another. */
        t.idle = out->pipeline_time - t.compute - t.tp_comm - t.pp_comm - t.ep_comm - t.cp_comm - t.dp_inline;
        if (t.idle <= 1e-9 * out->pipeline_time)
            t.idle = 0;
        out->stage[ranks[r].stage] = t;   /* full mode: one rank of each pipeline rank */
        out->compute += t.compute / count;
        out->tp_comm += t.tp_comm / count;
        out->pp_comm += t.pp_comm / count;
        out->ep_comm += t.ep_comm / count;
        out->cp_comm += t.cp_comm / count;
        out->bubble += t.idle / count;
        inline_dp += t.dp_inline / count;
    }
    double tail = out->step_time - out->pipeline_time;
    out->optimizer = fmin(ranks[last].timing.optimizer, tail);
    out->dp_comm_exposed = tail - out->optimizer + inline_dp;
}

int iteration_simulate(const iteration_plan* plan, const iteration_options* opt, step_profile* out,
                       step_increment* inc)
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
    int unfinished = 0;
    for (int r = 0; r < ctx.count; r++)
        unfinished += !ctx.ranks[r].finished;
    summarise(ctx.ranks, ctx.count, plan->stages, out);
    collect_busy(ctx.ranks, ctx.count, out);
    if (inc)
        measure_increment(ctx.ranks, ctx.count, plan->stages, inc);
    out->busy_span = out->step_time;
    for (int r = 0; r < ctx.count; r++)
        release_rank(&ctx.ranks[r]);
    free(ctx.ranks);
    transfer_teardown();
    forget_the_hook();
    return unfinished;
}
