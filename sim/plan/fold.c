/* fold: isolated collectives into closed-form time (see fold.h). */
#include "plan/fold.h"

#include <stdlib.h>

#include "core/strbuf.h"
#include "plan/gpus_used.h"
#include "plan/group_plan.h"
#include "plan/link_share.h"

/* Every link a flow of the plan may load, with the rank that sends it and
 * whether it runs alongside that rank's own blocking collectives. */
typedef struct {
    uint64_t key;
    int      stage;
    int      concurrent;
} link_owner;

typedef struct {
    link_owner* items;
    int         count, cap;
} owner_list;

static void own_flows(const topology* t, owner_list* l, const flow* flows, int n, int stage, int concurrent)
{
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++) {
            if (!r.link[k].shared)
                continue;
            if (l->count == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 256;
                l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
            }
            l->items[l->count++] = (link_owner){r.link[k].key, stage, concurrent};
        }
    }
}

static void own_ring(const topology* t, owner_list* l, const collective_plan* r, int stage, int concurrent)
{
    for (int k = 0; k < r->shape.phase_count; k++)
        own_flows(t, l, r->phase[k].flows, r->phase[k].flow_count, stage, concurrent);
}

/* Pipeline sends, ZeRO-3 collectives, an overlapped reduction and a weight
 * gather ahead of the forward passes run while their rank goes on; every other flow of a rank is blocking for it
 * (the context-parallel exchange runs beside the rank's attention, never beside its own collectives). */
static void own_stage(const topology* t, const iteration_plan* p, int s, owner_list* l)
{
    const stage_plan* st = &p->stage[s];
    for (int c = 0; c < p->chunks; c++) {
        const chunk_plan* ch = &st->chunk[c];
        own_ring(t, l, &ch->tp_fwd, s, 0);
        own_ring(t, l, &ch->tp_bwd, s, 0);
        own_flows(t, l, ch->ep_fwd.flows, ch->ep_fwd.flow_count, s, 0);
        own_flows(t, l, ch->ep_bwd.flows, ch->ep_bwd.flow_count, s, 0);
        own_ring(t, l, &ch->etp_fwd, s, 0);
        own_ring(t, l, &ch->etp_bwd, s, 0);
        own_ring(t, l, &ch->zero_gather, s, 1);
        own_ring(t, l, &ch->zero_scatter, s, 1);
        for (int k = 0; k < ch->cp_fwd.count; k++)
            own_ring(t, l, &ch->cp_fwd.section[k].ring, s, 0);
        for (int k = 0; k < ch->cp_bwd.count; k++)
            own_ring(t, l, &ch->cp_bwd.section[k].ring, s, 0);
    }
    own_flows(t, l, st->next_flows, st->next_flow_count, s, 1);
    own_flows(t, l, st->prev_flows, st->prev_flow_count, s, 1);
    own_ring(t, l, &st->pp_gather, s, 0);
    own_ring(t, l, &st->dp_reduce, s, st->dp_bucket_bytes > 0 || st->reduce_by_chunk);
    own_ring(t, l, &st->dp_gather, s, st->gather_ahead);
    own_ring(t, l, &st->expert_reduce, s, 0);
    own_ring(t, l, &st->expert_gather, s, 0);
}

static int compare_owner(const void* a, const void* b)
{
    uint64_t x = ((const link_owner*)a)->key, y = ((const link_owner*)b)->key;
    return (x > y) - (x < y);
}

/* Whether no flow that can run at the same time as rank S's blocking
 * collective FLOWS shares one of their links. */
static int isolated(const topology* t, const owner_list* l, const flow* flows, int n, int s)
{
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++) {
            link_owner key = {.key = r.link[k].key};
            const link_owner* hit = bsearch(&key, l->items, (size_t)l->count, sizeof key, compare_owner);
            if (!hit)
                continue;
            while (hit > l->items && hit[-1].key == key.key)
                hit--;
            for (; hit < l->items + l->count && hit->key == key.key; hit++)
                if (hit->stage != s || hit->concurrent)
                    return 0;
        }
    }
    return 1;
}

/* A collective folds when every one of its phases is isolated. */
static double fold_ring(const topology* t, const owner_list* l, int s, collective_plan* r)
{
    if (!collective_has_flows(r))
        return 0;
    for (int k = 0; k < r->shape.phase_count; k++)
        if (!isolated(t, l, r->phase[k].flows, r->phase[k].flow_count, s))
            return 0;
    double seconds = 0;
    for (int k = 0; k < r->shape.phase_count; k++) {
        phase_plan* ph = &r->phase[k];
        seconds += collective_phase_seconds(t, r, k, r->repeat);
        free(ph->flows);
        ph->flows = NULL;
        ph->flow_count = 0;
    }
    return seconds;
}

static double fold_alltoall(const topology* t, const owner_list* l, int s, alltoall_plan* a)
{
    if (a->flow_count == 0 || !isolated(t, l, a->flows, a->flow_count, s))
        return 0;
    double* bytes = xmalloc((size_t)a->flow_count * sizeof *bytes);
    for (int i = 0; i < a->flow_count; i++)
        bytes[i] = (a->flow_bytes ? a->flow_bytes[i] : a->bytes) * a->repeat;
    double seconds = closed_form_each(t, a->flows, bytes, a->flow_count, a->repeat);
    free(bytes);
    free(a->flow_bytes);
    a->flow_bytes = NULL;
    free(a->flows);
    a->flows = NULL;
    a->flow_count = 0;
    return seconds;
}

void plan_fold_isolated(const topology* t, iteration_plan* p)
{
    owner_list owners = {0};
    for (int s = 0; s < p->stages; s++)
        own_stage(t, p, s, &owners);
    if (owners.count > 1)
        qsort(owners.items, (size_t)owners.count, sizeof *owners.items, compare_owner);
    for (int s = 0; s < p->stages; s++) {
        stage_plan* st = &p->stage[s];
        for (int c = 0; c < p->chunks; c++) {
            chunk_plan* ch = &st->chunk[c];
            ch->folded.tp_fwd = fold_ring(t, &owners, s, &ch->tp_fwd);
            ch->folded.tp_bwd = fold_ring(t, &owners, s, &ch->tp_bwd);
            ch->folded.ep_fwd = fold_alltoall(t, &owners, s, &ch->ep_fwd) + fold_ring(t, &owners, s, &ch->etp_fwd);
            ch->folded.ep_bwd = fold_alltoall(t, &owners, s, &ch->ep_bwd) + fold_ring(t, &owners, s, &ch->etp_bwd);
        }
        st->pp_gather_folded = fold_ring(t, &owners, s, &st->pp_gather);
    }
    free(owners.items);
    plan_collect_gpus(p);   /* folded collectives need no hosts */
}
