/* ep_plan: the expert-parallel all-to-all's flows (see ep_plan.h). */
#include "plan/ep_plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "plan/link_share.h"
#include "plan/rank_order.h"

/* Every GPU's flows to the other members of its expert-parallel group. */
static flow* group_flows(const scenario* sc, group_family f, const int* gpus, int count, int* n)
{
    flow* out = xmalloc((size_t)count * (f.n - 1) * sizeof *out);
    *n = 0;
    for (int i = 0; i < count; i++) {
        int base = plan_group_base(sc, f, gpus[i]);
        for (int k = 0; k < f.n; k++)
            if (base + k * f.stride != gpus[i])
                out[(*n)++] = (flow){gpus[i], base + k * f.stride};
    }
    return out;
}

/* The expert-parallel groups are those of MoE parallel folding
 * (rank_order.h): ep GPUs etp apart. The representative (tp 0, cp 0,
 * replica D) sends to its ep - 1 peers; every GPU of pipeline rank S does
 * the same at once. */
void plan_alltoall(const scenario* sc, const topology* t, int s, int d, double bytes, alltoall_plan* out)
{
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    group_family f = plan_ep_family(sc);
    if (f.n < 2 || bytes <= 0)
        return;
    int gpus = p->tp * p->cp * p->dp, rep = plan_rank(sc, 0, 0, d, s), mine_count, all_count;
    int* stage = xmalloc((size_t)gpus * sizeof *stage);
    for (int i = 0; i < gpus; i++)
        stage[i] = s * gpus + i;
    flow* mine = group_flows(sc, f, &rep, 1, &mine_count);
    flow* all = group_flows(sc, f, stage, gpus, &all_count);
    out->flows = flows_with_sharers(t, mine, mine_count, all, all_count, 1, &out->flow_count);
    out->bytes = bytes;
    free(all);
    free(mine);
    free(stage);
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
