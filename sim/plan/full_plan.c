/* full_plan: every rank's peers for --detail full (see full_plan.h). */
#include "plan/full_plan.h"

#include <stdlib.h>

#include "core/strbuf.h"
#include "plan/rank_order.h"

static void fill_peers(const scenario* sc, int chunks, int rank, rank_peers* r)
{
    const parallel_spec* p = &sc->par;
    int t, c, d, s;
    plan_rank_coordinates(sc, rank, &t, &c, &d, &s);
    int ep = p->ep, slot = d % ep, j = d / ep;
    r->gpu = rank;
    r->stage = s;
    r->tp = (group_ref){plan_rank(sc, 0, c, d, s), 1, t};
    r->cp = (group_ref){plan_rank(sc, t, 0, d, s), p->tp, c};
    /* Dense gradients reduce over dp x cp: member c + cp * d, stride tp. */
    r->dp = (group_ref){plan_rank(sc, t, 0, 0, s), p->tp, c + p->cp * d};
    /* Replicas holding the same experts: d = slot + ep * j. */
    r->expert = (group_ref){plan_rank(sc, t, c, slot, s), p->tp * p->cp * ep, j};
    int wraps = chunks > 1;
    r->pp_next = (s + 1 < p->pp || wraps) && p->pp > 1 ? plan_rank(sc, t, c, d, (s + 1) % p->pp) : -1;
    r->pp_prev = (s > 0 || wraps) && p->pp > 1 ? plan_rank(sc, t, c, d, (s + p->pp - 1) % p->pp) : -1;
    r->ep_count = 0;
    if (ep > 1) {
        r->ep_peers = xmalloc((size_t)(ep - 1) * sizeof *r->ep_peers);
        for (int e = 0; e < ep; e++)
            if (d / ep * ep + e != d)
                r->ep_peers[r->ep_count++] = plan_rank(sc, t, c, d / ep * ep + e, s);
    }
}

void plan_every_rank(const scenario* sc, int chunks, iteration_plan* p)
{
    p->full = 1;
    p->rank_count = (int)scenario_world_size(sc);
    p->ranks = xcalloc((size_t)p->rank_count, sizeof *p->ranks);
    for (int r = 0; r < p->rank_count; r++)
        fill_peers(sc, chunks, r, &p->ranks[r]);
    free(p->gpus);
    p->gpu_count = p->rank_count;
    p->gpus = xmalloc((size_t)p->gpu_count * sizeof *p->gpus);
    for (int g = 0; g < p->gpu_count; g++)
        p->gpus[g] = g;
}
