/* ep_plan: the expert-parallel all-to-all's flows (see ep_plan.h). */
#include "plan/ep_plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "plan/link_share.h"
#include "plan/rank_order.h"

/* Replicas d in the same block of ep consecutive replicas form an
 * expert-parallel group. The representative (tp 0, cp 0, replica D) sends to
 * its ep - 1 peers; every GPU of the rank does the same at once. */
void plan_alltoall(const scenario* sc, const topology* t, int s, int d, double bytes, alltoall_plan* out)
{
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    int ep = p->ep;
    if (ep < 2 || bytes <= 0)
        return;
    int peers = ep - 1;
    flow* mine = xmalloc((size_t)peers * sizeof *mine);
    int base = d / ep * ep, k = 0;
    for (int e = 0; e < ep; e++)
        if (base + e != d)
            mine[k++] = (flow){plan_rank(sc, 0, 0, d, s), plan_rank(sc, 0, 0, base + e, s)};
    int all_count = p->dp * p->tp * p->cp * peers;
    flow* all = xmalloc((size_t)all_count * sizeof *all);
    int n = 0;
    for (int dd = 0; dd < p->dp; dd++)
        for (int c = 0; c < p->cp; c++)
            for (int tt = 0; tt < p->tp; tt++)
                for (int e = 0; e < ep; e++)
                    if (dd / ep * ep + e != dd)
                        all[n++] = (flow){plan_rank(sc, tt, c, dd, s), plan_rank(sc, tt, c, dd / ep * ep + e, s)};
    out->flows = flows_with_sharers(t, mine, peers, all, all_count, 1, &out->flow_count);
    out->bytes = bytes;
    free(all);
    free(mine);
}

void alltoall_from(const alltoall_plan* template, int repeat, alltoall_plan* out)
{
    *out = *template;
    out->repeat = repeat;
    out->flows = NULL;
    if (repeat <= 0 || template->flow_count == 0) {
        out->flow_count = 0;
        return;
    }
    out->flows = xmalloc((size_t)template->flow_count * sizeof *out->flows);
    memcpy(out->flows, template->flows, (size_t)template->flow_count * sizeof *out->flows);
}
