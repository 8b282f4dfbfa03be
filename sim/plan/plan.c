/* plan: from workload and topology to the collapsed iteration script (see
 * plan.h): each pipeline rank's chunks, pipeline sends and step end, from
 * its collective groups (group_plan), its all-to-all (ep_plan) and the
 * replica simulated (pp_plan). */
#include "plan/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "model/amax_reduction.h"
#include "plan/ep_plan.h"
#include "plan/full_plan.h"
#include "plan/group_plan.h"
#include "plan/link_share.h"
#include "plan/pp_plan.h"

typedef struct {
    group_template tp, dp, etp, expert_dp, cp, amax;   /* the rank's collective groups */
    alltoall_plan  ep;
} rank_templates;

static void free_templates(rank_templates* r)
{
    group_template_free(&r->tp);
    group_template_free(&r->cp);
    group_template_free(&r->dp);
    group_template_free(&r->etp);
    group_template_free(&r->expert_dp);
    group_template_free(&r->amax);
    alltoall_free(&r->ep);
}

static void free_ring(collective_plan* r)
{
    for (int k = 0; k < r->shape.phase_count; k++)
        free(r->phase[k].flows);
}

/* Seconds of one TP all-gather (a reduce-scatter takes the same on a ring)
 * alone on the rank's TP ring, as the aggregated simulation runs it. */
static double tp_gather_seconds(const topology* t, const workload* w, group_template* tp)
{
    collective_plan gather;
    memset(&gather, 0, sizeof gather);
    collective_from(t, tp, COLL_RING, ALL_GATHER, w->tp_message_bytes, 1, &gather);
    double seconds = 0;
    for (int k = 0; k < gather.shape.phase_count; k++) {
        const phase_plan* ph = &gather.phase[k];
        seconds += closed_form(t, ph->flows, ph->flow_count, ph->chunk_bytes * ph->steps, ph->steps);
    }
    free_ring(&gather);
    return seconds;
}

/* tp_comm_overlap: the TP collectives run beside their GEMMs, not as
 * blocking flows; each pass takes their exposed time in closed form
 * (model/tp_overlap.h), both in the collapsed and the full simulation. */
static void overlap_tp(const scenario* sc, const workload* w, const topology* t, group_template* tp,
                       const stage_work* work, chunk_plan* ch)
{
    tp_overlap_stage(sc, w, work, tp_gather_seconds(t, w, tp), &ch->tp_overlap);
    free_ring(&ch->tp_fwd);
    free_ring(&ch->tp_bwd);
    memset(&ch->tp_fwd, 0, sizeof ch->tp_fwd);
    memset(&ch->tp_bwd, 0, sizeof ch->tp_bwd);
}

/* Context parallelism: each section of a pass (model/cp_exchange.h) as
 * ring sends over the chunk's layers beside their attention. */
static void plan_cp_pass(const topology* t, group_template* cp, const cp_pass* pass, cp_pass_plan* out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < pass->count && pass->layers > 0; i++) {
        const cp_section* sec = &pass->section[i];
        cp_section_plan* s = &out->section[out->count++];
        ring_shift_from(t, cp, sec->bytes, sec->transfers, pass->layers, &s->ring);
        s->compute_seconds = sec->compute * pass->layers;
        out->overlapped += s->compute_seconds;
    }
}

static void plan_context_parallel(const scenario* sc, const workload* w, const topology* t, group_template* cp,
                                  const stage_work* work, chunk_plan* ch)
{
    cp_pass fwd, bwd;
    cp_stage_passes(sc, w, work, &fwd, &bwd);
    plan_cp_pass(t, cp, &fwd, &ch->cp_fwd);
    plan_cp_pass(t, cp, &bwd, &ch->cp_bwd);
}

/* ZeRO-3 (Rajbhandari et al. 2020, Sec. 5.3) gathers each chunk's weights
 * (2 bytes per parameter) before its forward and again before its backward,
 * and reduce-scatters its gradients after the backward, every micro-batch. */
static void plan_chunk(const scenario* sc, const workload* w, const topology* t, rank_templates* tr, int s,
                       int c, chunk_plan* ch)
{
    const stage_work* work = workload_chunk(w, s, c);
    collective_kind requested = sc->par.collective;
    ch->fwd_seconds = work->fwd_seconds;
    ch->bwd_seconds = work->bwd_seconds;
    /* An all-reduce's worth is one NCCL call, or with sequence parallelism two: an all-gather and a
     * reduce-scatter, each n-1 steps of the same bytes (and its own NCCL latency). */
    int sp = sc->par.sequence_parallel;
    collective_op tp_op = sp ? ALL_GATHER : ALL_REDUCE;
    collective_from(t, &tr->tp, COLL_RING, tp_op, w->tp_message_bytes, (1 + sp) * work->tp_fwd_allreduces,
                    &ch->tp_fwd);
    collective_from(t, &tr->tp, COLL_RING, tp_op, w->tp_message_bytes, (1 + sp) * work->tp_bwd_allreduces,
                    &ch->tp_bwd);
    if (sc->par.tp_comm_overlap && sc->par.tp > 1)
        overlap_tp(sc, w, t, &tr->tp, work, ch);
    if (sc->par.cp > 1)
        plan_context_parallel(sc, w, t, &tr->cp, work, ch);
    alltoall_from(&tr->ep, work->ep_fwd_alltoalls, &ch->ep_fwd);
    alltoall_from(&tr->ep, work->ep_bwd_alltoalls, &ch->ep_bwd);
    /* The dispatcher's all-gather and reduce-scatter pairs: two NCCL calls a pair. */
    collective_from(t, &tr->etp, COLL_RING, ALL_GATHER, w->etp_message_bytes, 2 * work->etp_fwd_allreduces,
                    &ch->etp_fwd);
    collective_from(t, &tr->etp, COLL_RING, ALL_GATHER, w->etp_message_bytes, 2 * work->etp_bwd_allreduces,
                    &ch->etp_bwd);
    if (sc->par.zero == 3) {
        double params = work->dense_params + work->expert_params;
        collective_from(t, &tr->dp, requested, ALL_GATHER,
                        workload_gathered_weight_bytes(sc, params, work->layer_params), 1, &ch->zero_gather);
        collective_from(t, &tr->dp, requested, REDUCE_SCATTER, w->grad_element_bytes * params, 1,
                        &ch->zero_scatter);
    }
}

/* Each chunk's share of the stage's dense weights, which its gradients take
 * of the stage's reduction, and of the bytes of their gather (the layers'
 * weights may go in fp8, the vocabulary tables' in bf16). */
static void share_weights(const scenario* sc, const workload* w, int s, stage_plan* st)
{
    const rank_work* rw = &w->rank[s];
    double stage_bytes = workload_gathered_weight_bytes(sc, rw->dense_params, rw->layer_params - rw->expert_params);
    for (int c = 0; c < w->chunks; c++) {
        const stage_work* work = workload_chunk(w, s, c);
        double bytes = workload_gathered_weight_bytes(sc, work->dense_params, work->layer_params - work->expert_params);
        st->chunk[c].weight_share = rw->dense_params > 0 ? work->dense_params / rw->dense_params : 0;
        st->chunk[c].gather_share = stage_bytes > 0 ? bytes / stage_bytes : 0;
    }
}

/* param_gather_overlap (Megatron-Core's --overlap-param-gather): the updated
 * weights are gathered beside the next step's first forward passes instead
 * of after the optimizer. Without interleaving they go bucket by bucket,
 * each model chunk with buckets of its own, as each has its own gradient
 * buffer in Megatron-Core; their size is model/param_gather.h's. With
 * interleaving the schedule hands over a whole chunk at a time
 * (param_sync_func): one bucket per chunk. */
static void gather_weights_ahead(const scenario* sc, const workload* w, int s, stage_plan* st)
{
    st->gather_by_chunk = w->chunks > 1;
    for (int c = 0; c < w->chunks; c++) {
        double params = workload_chunk(w, s, c)->dense_params;
        st->chunk[c].weight_buckets = st->gather_by_chunk ? param_gather_whole(params)
                                                          : param_gather_buckets(params, scenario_dense_replicas(sc));
    }
    st->gather_ahead = 1;
}

/* The end of the step: ZeRO 0 all-reduces the gradients; ZeRO 1 and 2
 * reduce-scatter them and all-gather the updated weights after the optimizer
 * (Megatron-LM's distributed optimizer); ZeRO 3 has reduce-scattered them
 * already. With dp_overlap the reduction runs during the last backward pass,
 * all but the last bucket, or with interleaving each chunk's during the
 * cool-down, once the schedule is past the chunk's last backward pass; with
 * param_gather_overlap the dense weights' all-gather runs in the next step
 * (the expert weights' stays here). */
static void plan_step_end(const scenario* sc, const workload* w, const topology* t, rank_templates* tr, int s,
                          stage_plan* st)
{
    const rank_work* rw = &w->rank[s];
    int zero = sc->par.zero;
    collective_kind requested = sc->par.collective;
    collective_op reduce = zero == 0 ? ALL_REDUCE : REDUCE_SCATTER;
    double g = w->grad_element_bytes;
    if (zero <= 2) {
        collective_from(t, &tr->dp, requested, reduce, g * rw->dense_params, 1, &st->dp_reduce);
        collective_from(t, &tr->expert_dp, requested, reduce, g * rw->expert_params, 1, &st->expert_reduce);
    }
    if (zero == 1 || zero == 2) {
        double dense_layers = rw->layer_params - rw->expert_params;
        collective_from(t, &tr->dp, requested, ALL_GATHER,
                        workload_gathered_weight_bytes(sc, rw->dense_params, dense_layers), 1, &st->dp_gather);
        collective_from(t, &tr->expert_dp, requested, ALL_GATHER,
                        workload_gathered_weight_bytes(sc, rw->expert_params, rw->expert_params), 1,
                        &st->expert_gather);
    }
    share_weights(sc, w, s, st);
    if (sc->par.param_gather_overlap && collective_has_flows(&st->dp_gather))
        gather_weights_ahead(sc, w, s, st);
    if (sc->par.dp_overlap && collective_has_flows(&st->dp_reduce) && w->chunks > 1)
        st->reduce_by_chunk = 1;
    else if (sc->par.dp_overlap && collective_has_flows(&st->dp_reduce))
        st->dp_bucket_bytes = PLAN_DP_BUCKET_BYTES;
    st->optimizer_seconds = rw->optimizer_seconds;
}

/* fp8 with Transformer Engine's delayed scaling: the amax all-reduces that
 * end each forward and backward pass of a chunk, over every GPU of the
 * pipeline rank, by the requested algorithm (NCCL picks for them as for
 * any all-reduce). */
static void plan_amax_reduction(const scenario* sc, const workload* w, const topology* t, rank_templates* tr,
                                int s, stage_plan* st)
{
    double fwd = amax_reduction_bytes(sc, w, s, 1), bwd = amax_reduction_bytes(sc, w, s, 0);
    if (tr->amax.n < 2 || fwd <= 0)
        return;
    collective_from(t, &tr->amax, sc->par.collective, ALL_REDUCE, fwd, 1, &st->amax_fwd);
    collective_from(t, &tr->amax, sc->par.collective, ALL_REDUCE, bwd, 1, &st->amax_bwd);
}

/* With interleaving the data-parallel collectives of a chunk run while the
 * rank's pipeline sends come and go: the collapsed simulation keeps, beside
 * each one's slowest flow, every flow of its groups that shares a link with
 * the rank's sends either way (those it sends and, on symmetric routes,
 * those it receives). */
static void share_links_with_sends(const topology* t, rank_templates* tr, stage_plan* st)
{
    if (!st->reduce_by_chunk && !st->gather_by_chunk)
        return;
    int n = st->next_flow_count + st->prev_flow_count;
    flow* sends = xmalloc(2 * (size_t)n * sizeof *sends);
    memcpy(sends, st->next_flows, (size_t)st->next_flow_count * sizeof *sends);
    memcpy(sends + st->next_flow_count, st->prev_flows, (size_t)st->prev_flow_count * sizeof *sends);
    for (int i = 0; i < n; i++)
        sends[n + i] = (flow){sends[i].dst, sends[i].src};
    if (st->reduce_by_chunk)
        collective_add_sharers(t, &tr->dp, sends, 2 * n, &st->dp_reduce);
    if (st->gather_by_chunk)
        collective_add_sharers(t, &tr->dp, sends, 2 * n, &st->dp_gather);
    free(sends);
}

static void plan_stage(const scenario* sc, const workload* w, const topology* t, int s, int d,
                       stage_plan* st)
{
    const parallel_spec* p = &sc->par;
    rank_templates tr;
    double dense = w->grad_element_bytes * w->rank[s].dense_params;
    tp_template(sc, s, d, w->tp_message_bytes, &tr.tp);
    memset(&tr.cp, 0, sizeof tr.cp);
    if (p->cp > 1)
        cp_template(sc, s, d, cp_kv_bytes(sc), &tr.cp);
    dp_template(sc, t, s, d, dense, &tr.dp);
    dispatch_gather_template(sc, s, d, w->etp_message_bytes, &tr.etp);
    memset(&tr.expert_dp, 0, sizeof tr.expert_dp);
    if (w->rank[s].expert_params > 0)
        expert_dp_template(sc, t, s, d, w->grad_element_bytes * w->rank[s].expert_params, &tr.expert_dp);
    plan_alltoall(sc, t, &w->dispatch, s, d, &tr.ep);
    memset(&tr.amax, 0, sizeof tr.amax);
    if (amax_reduction_applies(sc))
        amax_template(sc, t, s, d, amax_reduction_bytes(sc, w, s, 1), &tr.amax);

    st->gpu = plan_rank(sc, 0, 0, d, s);
    st->chunk = xcalloc((size_t)w->chunks, sizeof *st->chunk);
    for (int c = 0; c < w->chunks; c++)
        plan_chunk(sc, w, t, &tr, s, c, &st->chunk[c]);
    st->pp_bytes = w->pp_message_bytes;
    double gap = INFINITY;
    for (int c = 0; c < w->chunks; c++)
        gap = fmin(gap, fmin(st->chunk[c].fwd_seconds, st->chunk[c].bwd_seconds));
    int wraps = w->chunks > 1;
    if (s + 1 < p->pp || wraps)
        st->next_flows = plan_boundary(sc, t, d, s, (s + 1) % p->pp, st->pp_bytes, gap, &st->next_flow_count);
    if (s > 0 || wraps)
        st->prev_flows = plan_boundary(sc, t, d, s, (s + p->pp - 1) % p->pp, st->pp_bytes, gap,
                                       &st->prev_flow_count);
    /* Scatter-gather: the receiver re-assembles the activation over NVLink. */
    if (p->tp > 1 && !p->sequence_parallel && p->pp > 1)
        collective_from(t, &tr.tp, COLL_RING, ALL_GATHER, w->tp_message_bytes, 1, &st->pp_gather);
    plan_step_end(sc, w, t, &tr, s, st);
    plan_amax_reduction(sc, w, t, &tr, s, st);
    share_links_with_sends(t, &tr, st);
    free_templates(&tr);
}

/* The flows of the data-parallel collectives that run beside stage S's
 * pipeline sends (malloc'd, *COUNT of them): each phase's of a chunk's
 * reduction and gather. */
static flow* collective_flows_beside_sends(const stage_plan* st, int* count)
{
    const collective_plan* runs[] = {st->reduce_by_chunk ? &st->dp_reduce : NULL,
                                     st->gather_by_chunk ? &st->dp_gather : NULL};
    int n = 0;
    for (size_t r = 0; r < 2; r++)
        for (int k = 0; runs[r] && k < runs[r]->shape.phase_count; k++)
            n += runs[r]->phase[k].flow_count;
    flow* out = xmalloc(((size_t)n + 1) * sizeof *out);
    *count = 0;
    for (size_t r = 0; r < 2; r++)
        for (int k = 0; runs[r] && k < runs[r]->shape.phase_count; k++) {
            memcpy(out + *count, runs[r]->phase[k].flows, (size_t)runs[r]->phase[k].flow_count * sizeof *out);
            *count += runs[r]->phase[k].flow_count;
        }
    return out;
}

/* The other side of share_links_with_sends: every replica's pipeline sends
 * into or out of stage S that share a link with the collectives S runs
 * beside them join the sends of the rank that sends them, so that the
 * collectives meet, in the collapsed simulation, the sends every rank of
 * the stage would. */
static void share_links_with_collectives(const scenario* sc, const topology* t, iteration_plan* p)
{
    int pp = p->stages, wraps = p->chunks > 1;
    for (int s = 0; s < pp; s++) {
        int n;
        flow* dp = collective_flows_beside_sends(&p->stage[s], &n);
        for (int q = 0; q < pp && n > 0; q++) {
            stage_plan* from = &p->stage[q];
            int next = (q + 1) % pp, prev = (q + pp - 1) % pp;
            if ((q == s || next == s) && (q + 1 < pp || wraps))
                plan_boundary_add_sharers(sc, t, q, next, dp, n, &from->next_flows, &from->next_flow_count);
            if ((q == s || prev == s) && (q > 0 || wraps))
                plan_boundary_add_sharers(sc, t, q, prev, dp, n, &from->prev_flows, &from->prev_flow_count);
        }
        free(dp);
    }
}

int plan_build(const scenario* sc, const workload* w, const topology* t, iteration_plan* p)
{
    memset(p, 0, sizeof *p);
    p->stages = sc->par.pp;
    p->chunks = w->chunks;
    p->micro_batches = (int)scenario_micro_batches(sc);
    p->schedule = sc->par.schedule;
    p->gpus_per_node = t->gpus_per_node;
    p->replica = slowest_replica(sc, t, w->pp_message_bytes);
    p->stage = xcalloc((size_t)p->stages, sizeof *p->stage);
    for (int s = 0; s < p->stages; s++)
        plan_stage(sc, w, t, s, p->replica, &p->stage[s]);
    share_links_with_collectives(sc, t, p);
    plan_collect_gpus(p);
    return 0;
}

int plan_build_full(const scenario* sc, const workload* w, const topology* t, iteration_plan* p)
{
    plan_build(sc, w, t, p);
    plan_every_rank(sc, t, &w->dispatch, w->chunks, p);
    return 0;
}

void plan_free(iteration_plan* p)
{
    for (int s = 0; s < p->stages; s++) {
        stage_plan* st = &p->stage[s];
        for (int c = 0; st->chunk && c < p->chunks; c++) {
            chunk_plan* ch = &st->chunk[c];
            free_ring(&ch->tp_fwd);
            free_ring(&ch->tp_bwd);
            free_ring(&ch->etp_fwd);
            free_ring(&ch->etp_bwd);
            free_ring(&ch->zero_gather);
            free_ring(&ch->zero_scatter);
            for (int k = 0; k < ch->cp_fwd.count; k++)
                free_ring(&ch->cp_fwd.section[k].ring);
            for (int k = 0; k < ch->cp_bwd.count; k++)
                free_ring(&ch->cp_bwd.section[k].ring);
            alltoall_free(&ch->ep_fwd);
            alltoall_free(&ch->ep_bwd);
        }
        free(st->chunk);
        free(st->next_flows);
        free(st->prev_flows);
        free_ring(&st->pp_gather);
        free_ring(&st->dp_reduce);
        free_ring(&st->dp_gather);
        free_ring(&st->expert_reduce);
        free_ring(&st->expert_gather);
        free_ring(&st->amax_fwd);
        free_ring(&st->amax_bwd);
    }
    free(p->stage);
    free(p->gpus);
    for (int r = 0; r < p->rank_count; r++) {
        free(p->ranks[r].ep_peers);
        free(p->ranks[r].ep_bytes);
    }
    free(p->ranks);
    memset(p, 0, sizeof *p);
}
