/* gpus_used: the GPUs and GPU pairs of a plan's flows (see gpus_used.h). */
#include "plan/gpus_used.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

static int compare_int(const void* a, const void* b)
{
    int x = *(const int*)a, y = *(const int*)b;
    return (x > y) - (x < y);
}

typedef struct {
    int* items;
    int  count, cap;
} int_list;

static void list_add(int_list* l, int x)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
    }
    l->items[l->count++] = x;
}

typedef struct {
    flow* items;
    int   count, cap;
} flow_list;

static void add_flows(flow_list* l, const flow* flows, int n)
{
    if (n <= 0)
        return;
    if (l->count + n > l->cap) {
        l->cap = l->count + n > 2 * l->cap ? l->count + n : 2 * l->cap;
        l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
    }
    memcpy(l->items + l->count, flows, (size_t)n * sizeof *flows);
    l->count += n;
}

static void add_collective_flows(flow_list* l, const collective_plan* c)
{
    for (int k = 0; k < c->shape.phase_count; k++)
        add_flows(l, c->phase[k].flows, c->phase[k].flow_count);
}

/* Every flow of a collapsed plan, with repeats. */
static void collapsed_flows(const iteration_plan* p, flow_list* out)
{
    for (int s = 0; s < p->stages; s++) {
        const stage_plan* st = &p->stage[s];
        for (int c = 0; c < p->chunks; c++) {
            const chunk_plan* ch = &st->chunk[c];
            add_collective_flows(out, &ch->tp_fwd);
            add_collective_flows(out, &ch->tp_bwd);
            add_collective_flows(out, &ch->etp_fwd);
            add_collective_flows(out, &ch->etp_bwd);
            add_collective_flows(out, &ch->zero_gather);
            add_collective_flows(out, &ch->zero_scatter);
            for (int k = 0; k < ch->cp_fwd.count; k++)
                add_collective_flows(out, &ch->cp_fwd.section[k].ring);
            for (int k = 0; k < ch->cp_bwd.count; k++)
                add_collective_flows(out, &ch->cp_bwd.section[k].ring);
            add_flows(out, ch->ep_fwd.flows, ch->ep_fwd.flow_count);
            add_flows(out, ch->ep_bwd.flows, ch->ep_bwd.flow_count);
        }
        add_flows(out, st->next_flows, st->next_flow_count);
        add_flows(out, st->prev_flows, st->prev_flow_count);
        add_collective_flows(out, &st->pp_gather);
        add_collective_flows(out, &st->dp_reduce);
        add_collective_flows(out, &st->dp_gather);
        add_collective_flows(out, &st->expert_reduce);
        add_collective_flows(out, &st->expert_gather);
        add_collective_flows(out, &st->amax_fwd);
        add_collective_flows(out, &st->amax_bwd);
    }
}

/* Full mode: rank R's flows of collective C over its group G. */
static void add_group_flows(flow_list* l, int gpu, const group_ref* g, const collective_plan* c)
{
    int peers[COLLECTIVE_MAX_PEERS];
    for (int k = 0; k < c->shape.phase_count; k++) {
        int m = collective_peers(&c->shape, k, g->index, peers);
        for (int q = 0; q < m; q++)
            add_flows(l, &(flow){gpu, g->base + peers[q] * g->stride}, 1);
    }
}

/* Every flow any rank of a full plan may send, with repeats. */
static void full_flows(const iteration_plan* p, flow_list* out)
{
    for (int r = 0; r < p->rank_count; r++) {
        const rank_peers* rp = &p->ranks[r];
        const stage_plan* st = &p->stage[rp->stage];
        for (int c = 0; c < p->chunks; c++) {
            add_group_flows(out, rp->gpu, &rp->tp, &st->chunk[c].tp_fwd);
            add_group_flows(out, rp->gpu, &rp->tp, &st->chunk[c].tp_bwd);
            add_group_flows(out, rp->gpu, &rp->etp, &st->chunk[c].etp_fwd);
            add_group_flows(out, rp->gpu, &rp->etp, &st->chunk[c].etp_bwd);
            add_group_flows(out, rp->gpu, &rp->dp, &st->chunk[c].zero_gather);
            add_group_flows(out, rp->gpu, &rp->dp, &st->chunk[c].zero_scatter);
            for (int k = 0; k < st->chunk[c].cp_fwd.count; k++)
                add_group_flows(out, rp->gpu, &rp->cp, &st->chunk[c].cp_fwd.section[k].ring);
            for (int k = 0; k < st->chunk[c].cp_bwd.count; k++)
                add_group_flows(out, rp->gpu, &rp->cp, &st->chunk[c].cp_bwd.section[k].ring);
        }
        add_group_flows(out, rp->gpu, &rp->tp, &st->pp_gather);
        add_group_flows(out, rp->gpu, &rp->dp, &st->dp_reduce);
        add_group_flows(out, rp->gpu, &rp->dp, &st->dp_gather);
        add_group_flows(out, rp->gpu, &rp->expert, &st->expert_reduce);
        add_group_flows(out, rp->gpu, &rp->expert, &st->expert_gather);
        add_group_flows(out, rp->gpu, &rp->amax, &st->amax_fwd);
        add_group_flows(out, rp->gpu, &rp->amax, &st->amax_bwd);
        if (rp->pp_next >= 0)
            add_flows(out, &(flow){rp->gpu, rp->pp_next}, 1);
        if (rp->pp_prev >= 0)
            add_flows(out, &(flow){rp->gpu, rp->pp_prev}, 1);
        for (int i = 0; i < rp->ep_count; i++)
            add_flows(out, &(flow){rp->gpu, rp->ep_peers[i]}, 1);
    }
}

flow* plan_pairs(const iteration_plan* p, int* count)
{
    flow_list l = {0};
    if (p->full)
        full_flows(p, &l);
    else
        collapsed_flows(p, &l);
    if (l.count > 1)
        qsort(l.items, (size_t)l.count, sizeof *l.items, flow_compare);
    int unique = 0;
    for (int i = 0; i < l.count; i++)
        if (unique == 0 || flow_compare(&l.items[i], &l.items[unique - 1]))
            l.items[unique++] = l.items[i];
    *count = unique;
    return l.items;
}

void plan_collect_gpus(iteration_plan* p)
{
    flow_list flows = {0};
    collapsed_flows(p, &flows);
    int_list gpus = {0};
    for (int s = 0; s < p->stages; s++)
        list_add(&gpus, p->stage[s].gpu);
    for (int i = 0; i < flows.count; i++) {
        list_add(&gpus, flows.items[i].src);
        list_add(&gpus, flows.items[i].dst);
    }
    free(flows.items);
    qsort(gpus.items, (size_t)gpus.count, sizeof *gpus.items, compare_int);
    int unique = 0;
    for (int i = 0; i < gpus.count; i++)
        if (unique == 0 || gpus.items[i] != gpus.items[unique - 1])
            gpus.items[unique++] = gpus.items[i];
    free(p->gpus);
    p->gpus = gpus.items;
    p->gpu_count = unique;
}
