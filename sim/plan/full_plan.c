/* full_plan: every rank's peers for --detail full (see full_plan.h). */
#include "plan/full_plan.h"

#include <stdlib.h>

#include "core/strbuf.h"
#include "plan/ep_plan.h"
#include "plan/rank_order.h"

/* GPU's group of family F: its first GPU, the stride, GPU's member index. */
static group_ref group_of(const scenario* sc, group_family f, int gpu)
{
    return (group_ref){plan_group_base(sc, f, gpu), f.stride, plan_member_index(sc, f, gpu)};
}

static void fill_peers(const scenario* sc, const topology* topo, const moe_dispatch* dispatch, int chunks, int rank,
                       rank_peers* r)
{
    const parallel_spec* p = &sc->par;
    int t, c, d, s;
    plan_rank_coordinates(sc, rank, &t, &c, &d, &s);
    r->gpu = rank;
    r->stage = s;
    r->tp = group_of(sc, plan_tp_family(sc), rank);
    r->cp = group_of(sc, plan_cp_family(sc), rank);   /* same TP rank and replica */
    r->dp = group_of(sc, plan_dense_dp_family(sc), rank);   /* dp x cp: member c + cp * d, stride tp */
    r->etp = group_of(sc, plan_dispatch_gather_family(sc), rank);   /* the dispatcher's gathers */
    r->expert = group_of(sc, plan_edp_family(sc), rank);    /* the GPUs holding the same experts */
    r->amax = group_of(sc, plan_amax_family(sc), rank);
    int wraps = chunks > 1;
    r->pp_next = (s + 1 < p->pp || wraps) && p->pp > 1 ? plan_rank(sc, t, c, d, (s + 1) % p->pp) : -1;
    r->pp_prev = (s > 0 || wraps) && p->pp > 1 ? plan_rank(sc, t, c, d, (s + p->pp - 1) % p->pp) : -1;
    r->ep_peers = xmalloc((size_t)(dispatch->group > 1 ? dispatch->group : 1) * sizeof *r->ep_peers);
    r->ep_bytes = xmalloc((size_t)(dispatch->group > 1 ? dispatch->group : 1) * sizeof *r->ep_bytes);
    r->ep_count = plan_dispatch_peers(sc, topo, dispatch, rank, r->ep_peers, r->ep_bytes);
}

void plan_every_rank(const scenario* sc, const topology* t, const moe_dispatch* d, int chunks, iteration_plan* p)
{
    p->full = 1;
    p->rank_count = (int)scenario_world_size(sc);
    p->ranks = xcalloc((size_t)p->rank_count, sizeof *p->ranks);
    for (int r = 0; r < p->rank_count; r++)
        fill_peers(sc, t, d, chunks, r, &p->ranks[r]);
    /* A rank waits for the exchanges of those that send to it. */
    for (int r = 0; r < p->rank_count; r++)
        for (int i = 0; i < p->ranks[r].ep_count; i++)
            p->ranks[p->ranks[r].ep_peers[i]].ep_awaited++;
    free(p->gpus);
    p->gpu_count = p->rank_count;
    p->gpus = xmalloc((size_t)p->gpu_count * sizeof *p->gpus);
    for (int g = 0; g < p->gpu_count; g++)
        p->gpus[g] = g;
}
