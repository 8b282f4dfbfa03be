/* pp_plan: the replica simulated and its pipeline sends (see pp_plan.h). */
#include "plan/pp_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "plan/link_share.h"
#include "plan/rank_order.h"

/* The tp x cp flows of replica D from rank S to rank TO. */
static void boundary_flows(const scenario* sc, int d, int s, int to, flow* out)
{
    const parallel_spec* p = &sc->par;
    int k = 0;
    for (int c = 0; c < p->cp; c++)
        for (int tt = 0; tt < p->tp; tt++)
            out[k++] = (flow){plan_rank(sc, tt, c, d, s), plan_rank(sc, tt, c, d, to)};
}

/* Every replica's flows across one boundary: they all run at once. */
static flow* all_boundary_flows(const scenario* sc, int s, int to, int* count)
{
    int per = sc->par.tp * sc->par.cp;
    flow* all = xmalloc((size_t)per * sc->par.dp * sizeof *all);
    for (int d = 0; d < sc->par.dp; d++)
        boundary_flows(sc, d, s, to, all + d * per);
    *count = per * sc->par.dp;
    return all;
}

/* Every hop of every data-parallel ring of rank S (ring order by replica). */
static flow* dp_hops(const scenario* sc, int s, int* count)
{
    const parallel_spec* p = &sc->par;
    int n = p->dp, k = 0;
    flow* hops = xmalloc((size_t)p->tp * p->cp * n * sizeof *hops);
    for (int c = 0; c < p->cp && n > 1; c++)
        for (int tt = 0; tt < p->tp; tt++)
            for (int d = 0; d < n; d++)
                hops[k++] = (flow){plan_rank(sc, tt, c, d, s), plan_rank(sc, tt, c, (d + 1) % n, s)};
    *count = k;
    return hops;
}

/* Whether, with interleaving, a chunk's data-parallel collectives run
 * while the pipeline sends of both directions come and go: its gradients'
 * reduction in the cool-down (dp_overlap), its weights' gather in the
 * warm-up (param_gather_overlap with the distributed optimizer). */
static int collectives_beside_sends(const scenario* sc)
{
    const parallel_spec* p = &sc->par;
    int gathers = p->param_gather_overlap && (p->zero == 1 || p->zero == 2);
    return p->schedule == SCHED_INTERLEAVED && p->virtual_stages > 1 && (p->dp_overlap || gathers);
}

/* Adds to COST[d] the time of replica D's slowest send from rank S to rank TO
 * when every replica sends at once, together with the gradient reductions
 * that can be in flight: a rank's last backward sends go out while its
 * reduction starts (later stages finish first), and with dp_overlap the
 * receiver reduces during its backward pass too; with interleaving, a
 * chunk's collectives at either end, both ways. */
static void add_boundary_cost(const scenario* sc, const topology* t, int s, int to, int backward,
                              double bytes, double* cost)
{
    int per = sc->par.tp * sc->par.cp, n, a = 0, b = 0, chunks = collectives_beside_sends(sc);
    flow* sends = all_boundary_flows(sc, s, to, &n);
    flow* mine = backward || chunks ? dp_hops(sc, s, &a) : NULL;
    flow* theirs = (backward && sc->par.dp_overlap) || chunks ? dp_hops(sc, to, &b) : NULL;
    link_usage u;
    link_usage_build(t, sends, n, 0, &u);
    link_usage_add_on(t, mine, a, &u);
    link_usage_add_on(t, theirs, b, &u);
    for (int d = 0; d < sc->par.dp; d++) {
        double worst = 0;
        for (int k = 0; k < per; k++)
            worst = fmax(worst, flow_time(t, sends[d * per + k], bytes, &u));
        cost[d] += worst;
    }
    link_tally_free(&u);
    free(theirs);
    free(mine);
    free(sends);
}

/* The replica whose pipeline sends are slowest (summed over boundaries and
 * both directions): all replicas wait for it at the gradient reduction. */
int slowest_replica(const scenario* sc, const topology* t, double bytes)
{
    const parallel_spec* p = &sc->par;
    int wraps = p->virtual_stages > 1;
    double* cost = xcalloc((size_t)p->dp, sizeof *cost);
    for (int s = 0; s + 1 < p->pp + wraps; s++) {
        add_boundary_cost(sc, t, s, (s + 1) % p->pp, 0, bytes, cost);
        add_boundary_cost(sc, t, (s + 1) % p->pp, s, 1, bytes, cost);
    }
    int best = 0;
    for (int d = 1; d < p->dp; d++)
        if (cost[d] > cost[best] * (1 + 1e-12))
            best = d;
    free(cost);
    return best;
}

/* The slowest of replica D's flows from rank S to rank TO, plus every flow of
 * any replica that shares one of its links: the other ranks of the replica
 * send the same bytes at the same time over links loaded no worse. Whether a
 * link can bind is judged with the sends of both directions, which may be in
 * flight together, unless a send finishes within GAP, the least compute that
 * separates two sends of the rank. */
flow* plan_boundary(const scenario* sc, const topology* t, int d, int s, int to, double bytes, double gap,
                    int* count)
{
    const parallel_spec* p = &sc->par;
    int per = p->tp * p->cp, n, m;
    flow* mine = xmalloc((size_t)per * sizeof *mine);
    boundary_flows(sc, d, s, to, mine);
    flow* all = all_boundary_flows(sc, s, to, &n);
    int other = to == (s + 1) % p->pp ? (s + p->pp - 1) % p->pp : (s + 1) % p->pp;
    flow* back = all_boundary_flows(sc, s, other, &m);
    flow* both = xmalloc((size_t)(n + m) * sizeof *both);
    memcpy(both, all, (size_t)n * sizeof *both);
    memcpy(both + n, back, (size_t)m * sizeof *both);
    int slowest = slowest_flow(t, mine, per, all, n, bytes);
    flow* out = flows_sharing(t, &mine[slowest], 1, all, n, both, n + m, 0, count);
    if (closed_form(t, out, *count, bytes, 1) < gap) {
        free(out);
        out = flows_sharing(t, &mine[slowest], 1, all, n, all, n, 0, count);
    }
    free(both);
    free(back);
    free(all);
    free(mine);
    return out;
}

void plan_boundary_add_sharers(const scenario* sc, const topology* t, int s, int to, const flow* others,
                               int other_count, flow** flows, int* count)
{
    int n, m;
    flow* all = all_boundary_flows(sc, s, to, &n);
    flow* concurrent = xmalloc(((size_t)n + other_count) * sizeof *concurrent);
    memcpy(concurrent, all, (size_t)n * sizeof *all);
    memcpy(concurrent + n, others, (size_t)other_count * sizeof *others);
    flow* shared = flows_sharing(t, others, other_count, all, n, concurrent, n + other_count, 0, &m);
    *flows = xrealloc(*flows, ((size_t)*count + m) * sizeof **flows);
    for (int i = other_count; i < m; i++) {   /* the first OTHER_COUNT are the others themselves */
        int already = 0;
        for (int j = 0; j < *count && !already; j++)
            already = (*flows)[j].src == shared[i].src && (*flows)[j].dst == shared[i].dst;
        if (!already)
            (*flows)[(*count)++] = shared[i];
    }
    free(shared);
    free(concurrent);
    free(all);
}
