/* plan: from workload and topology to the collapsed iteration script (see plan.h). */
#include "plan/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/link_tally.h"

int plan_rank(const scenario* sc, int t, int c, int d, int s)
{
    const parallel_spec* p = &sc->par;
    return t + p->tp * (c + p->cp * (d + p->dp * s));
}

/* ---- shared-link accounting -------------------------------------------- */

/* How many of a set of concurrent flows cross each link (and direction). */
typedef link_tally link_usage;

/* Counts the links of FLOWS; with UP_ONLY, only links leaving a GPU's side. */
static void usage_build(const topology* t, const flow* flows, int n, int up_only, link_usage* u)
{
    link_tally_init(u, (size_t)n * 2);
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++)
            if (r.link[k].shared && (!up_only || r.link[k].up))
                link_tally_add(u, r.link[k].key);
    }
}

static int usage_of(const link_usage* u, uint64_t key)
{
    return link_tally_count(u, key);
}

/* Time for one flow of BYTES along its route when the concurrent flows of U
 * share its links fairly: latency + bytes / min over links (bandwidth / users). */
static double flow_time(const topology* t, flow f, double bytes, const link_usage* u)
{
    route r;
    topology_route(t, f.src, f.dst, &r);
    double rate = 0;
    for (int k = 0; k < r.count; k++) {
        int users = usage_of(u, r.link[k].key);
        double share = r.link[k].bandwidth / (users > 0 ? users : 1);
        if (rate == 0 || share < rate)
            rate = share;
    }
    return route_latency(&r) + bytes / rate;
}

/* Links that can limit some flow of ALL: a link never binds when its
 * capacity covers what its flows could draw if each ran at the capacity of
 * its narrowest other link; under max-min sharing it then changes no rate
 * (a fabric port sized to its node's NICs, for example). */
static void binding_links(const topology* t, const flow* all, int n, link_usage* out)
{
    link_tally demand;
    link_tally_init(&demand, (size_t)n * 2);
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, all[i].src, all[i].dst, &r);
        for (int k = 0; k < r.count; k++) {
            if (!r.link[k].shared)   /* a fat pipe never limits another flow */
                continue;
            double elsewhere = INFINITY;
            for (int j = 0; j < r.count; j++)
                if (j != k)
                    elsewhere = fmin(elsewhere, r.link[j].bandwidth);
            link_tally_slot* link = link_tally_add(&demand, r.link[k].key);
            link->sum += elsewhere;
            link->capacity = r.link[k].bandwidth;
        }
    }
    link_tally_init(out, demand.used / 2);
    for (size_t i = 0; i <= demand.mask; i++) {
        const link_tally_slot* link = &demand.slot[i];
        if (link->count > 0 && link->sum > link->capacity * (1 + 1e-9))
            link_tally_add(out, link->key);
    }
    link_tally_free(&demand);
}

/* The flows of ALL that share a link that can bind with any of MINE, MINE
 * first; whether a link can bind is judged over CONCURRENT (ALL when NULL).
 * With UP_ONLY, only links on the sending side count. */
static flow* flows_sharing(const topology* t, const flow* mine, int mine_count, const flow* all,
                           int all_count, const flow* concurrent, int concurrent_count, int up_only,
                           int* count)
{
    link_usage my_links, binding;
    usage_build(t, mine, mine_count, up_only, &my_links);
    if (concurrent)
        binding_links(t, concurrent, concurrent_count, &binding);
    else
        binding_links(t, all, all_count, &binding);
    flow* out = xmalloc((size_t)(mine_count + all_count) * sizeof *out);
    memcpy(out, mine, (size_t)mine_count * sizeof *out);
    int n = mine_count;
    for (int i = 0; i < all_count; i++) {
        int already = 0, shares = 0;
        for (int j = 0; j < mine_count && !already; j++)
            already = all[i].src == mine[j].src && all[i].dst == mine[j].dst;
        if (already)
            continue;
        route r;
        topology_route(t, all[i].src, all[i].dst, &r);
        for (int k = 0; k < r.count && !shares; k++)
            shares = (!up_only || r.link[k].up) && usage_of(&my_links, r.link[k].key) > 0
                  && usage_of(&binding, r.link[k].key) > 0;
        if (shares)
            out[n++] = all[i];
    }
    link_tally_free(&my_links);
    link_tally_free(&binding);
    *count = n;
    return out;
}

static flow* flows_with_sharers(const topology* t, const flow* mine, int mine_count, const flow* all,
                                int all_count, int up_only, int* count)
{
    return flows_sharing(t, mine, mine_count, all, all_count, NULL, 0, up_only, count);
}

/* The slowest of CANDIDATES when ALL run at once; ties go to the first. */
static int slowest_flow(const topology* t, const flow* candidates, int n, const flow* all, int all_count,
                        double bytes)
{
    link_usage u;
    usage_build(t, all, all_count, 0, &u);
    int slowest = 0;
    double worst = -1;
    for (int i = 0; i < n; i++) {
        double time = flow_time(t, candidates[i], bytes, &u);
        if (time > worst) {
            worst = time;
            slowest = i;
        }
    }
    link_tally_free(&u);
    return slowest;
}

/* ---- collective groups --------------------------------------------------- */

static double closed_form(const topology* t, const flow* flows, int n, double bytes, int transfers);

/* The concurrent groups of one collective family of a pipeline rank (its
 * tensor-parallel groups, or its data-parallel ones), and the flows the plan
 * keeps for each communication pattern, built when first asked for. */
typedef struct {
    int    n, per_node;   /* members per group, members per node */
    int    first;         /* the representative's member index */
    int    group_count;
    int*   gpus;          /* group_count x n, member order, the representative's group first */
    double payload;       /* a typical payload, to find the slowest flow */
    int    built[4];      /* per collective_pattern */
    int    count[4];
    flow*  flows[4];
} group_template;

/* Members per node of a group whose consecutive members are STRIDE GPUs
 * apart: 1 unless a node holds a whole number of them. */
static int members_per_node(const topology* t, int stride, int n)
{
    int g = t->gpus_per_node / stride;
    if (stride >= t->gpus_per_node || t->gpus_per_node % stride || n % g)
        return 1;
    return g;
}

/* The flows of pattern K of SHAPE over every group, the representative's
 * first and each from its member FIRST on, so that ties go to the
 * representative's own flow: the slowest of them and every flow that
 * shares one of its links. */
static const flow* pattern_flows(const topology* t, group_template* g, const collective_shape* shape,
                                 int k, int* count)
{
    collective_pattern pattern = shape->phase[k].pattern;
    if (!g->built[pattern]) {
        flow* all = xmalloc((size_t)g->group_count * g->n * COLLECTIVE_MAX_PEERS * sizeof *all);
        int total = 0, peers[COLLECTIVE_MAX_PEERS];
        for (int r = 0; r < g->group_count; r++) {
            const int* gpus = g->gpus + (size_t)r * g->n;
            for (int j = 0; j < g->n; j++) {
                int i = (g->first + j) % g->n, m = collective_peers(shape, k, i, peers);
                for (int q = 0; q < m; q++)
                    all[total++] = (flow){gpus[i], gpus[peers[q]]};
            }
        }
        double chunk = g->payload * shape->phase[k].chunk;
        int slowest = slowest_flow(t, all, total, all, total, chunk);
        g->flows[pattern] = flows_with_sharers(t, &all[slowest], 1, all, total, 0, &g->count[pattern]);
        g->built[pattern] = 1;
        free(all);
    }
    *count = g->count[pattern];
    return g->flows[pattern];
}

/* What one collective of SHAPE moving PAYLOAD takes alone: each phase its
 * slowest flow at its fair share, plus the latencies of its steps. */
static double predicted_time(const topology* t, group_template* g, const collective_shape* shape,
                             double payload)
{
    double seconds = 0;
    for (int k = 0; k < shape->phase_count; k++) {
        int count;
        const flow* flows = pattern_flows(t, g, shape, k, &count);
        int steps = shape->phase[k].steps;
        seconds += closed_form(t, flows, count, payload * shape->phase[k].chunk * steps, steps);
    }
    return seconds;
}

/* `collective: auto`: as NCCL's tuner does (src/graph/tuning.cc: a latency
 * and bandwidth model per algorithm, the fastest wins), the algorithm whose
 * predicted time is lowest; the ring wins ties. */
static collective_kind cheapest(const topology* t, group_template* g, collective_op op, double payload,
                                double* predicted)
{
    collective_kind best = COLL_RING;
    for (collective_kind a = COLL_AUTO + 1; a < COLL_COUNT; a++) {
        if (!collective_applies(a, op, g->n, g->per_node))
            continue;
        collective_shape shape;
        collective_shape_of(a, op, g->n, g->per_node, payload, &shape);
        predicted[a] = predicted_time(t, g, &shape, payload);
        if (predicted[a] < predicted[best] * (1 - 1e-9))
            best = a;
    }
    return best;
}

/* REPEAT collectives OP of PAYLOAD per member over the groups of G, by the
 * REQUESTED algorithm (auto: the cheapest). */
static void collective_from(const topology* t, group_template* g, collective_kind requested, collective_op op,
                            double payload, int repeat, collective_plan* out)
{
    memset(out, 0, sizeof *out);
    out->requested = requested;
    if (g->n < 2 || payload <= 0 || repeat <= 0)
        return;
    collective_kind algorithm = requested;
    if (requested == COLL_AUTO)
        algorithm = cheapest(t, g, op, payload, out->predicted);
    collective_shape_of(algorithm, op, g->n, g->per_node, payload, &out->shape);
    out->payload_bytes = payload;
    out->repeat = repeat;
    for (int k = 0; k < out->shape.phase_count; k++) {
        phase_plan* ph = &out->phase[k];
        const flow* flows = pattern_flows(t, g, &out->shape, k, &ph->flow_count);
        ph->steps = out->shape.phase[k].steps;
        ph->chunk_bytes = payload * out->shape.phase[k].chunk;
        ph->flows = xmalloc((size_t)ph->flow_count * sizeof *ph->flows);
        memcpy(ph->flows, flows, (size_t)ph->flow_count * sizeof *ph->flows);
    }
}

static void free_template(group_template* g)
{
    for (int k = 0; k < 4; k++)
        free(g->flows[k]);
    free(g->gpus);
}

/* The tensor-parallel groups of rank S: one per (cp, dp) rank, replica D's
 * first. They stay inside a node: always rings. */
static void tp_template(const scenario* sc, int s, int d, double payload, group_template* out)
{
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    out->n = p->tp;
    out->per_node = 1;
    out->payload = payload;
    out->group_count = p->cp * p->dp;
    out->gpus = xmalloc((size_t)out->group_count * p->tp * sizeof *out->gpus);
    int r = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int dd = 0; dd < p->dp; dd++)
            for (int c = 0; c < p->cp; c++) {
                int mine = dd == d && c == 0;
                if (pass == 0 ? !mine : mine)
                    continue;
                for (int tt = 0; tt < p->tp; tt++)
                    out->gpus[r * p->tp + tt] = plan_rank(sc, tt, c, dd, s);
                r++;
            }
}

/* The data-parallel groups of rank S, one per (tp, cp, expert slot) rank:
 * over every replica (STRIDE 1) or, for experts, over the replicas holding
 * the same experts (STRIDE ep: d = e, e + ep, ...). Replica D's group first;
 * D is its member d / stride. */
static void dp_template(const scenario* sc, const topology* t, int s, int d, int stride, double payload,
                        group_template* out)
{
    const parallel_spec* p = &sc->par;
    int n = p->dp / stride;
    memset(out, 0, sizeof *out);
    out->n = n;
    out->per_node = members_per_node(t, p->tp * p->cp * stride, n);
    out->first = d / stride;
    out->payload = payload;
    out->group_count = p->tp * p->cp * stride;
    out->gpus = xmalloc((size_t)out->group_count * n * sizeof *out->gpus);
    int r = 0, my_slot = d % stride;
    for (int pass = 0; pass < 2; pass++)
        for (int e = 0; e < stride; e++)
            for (int c = 0; c < p->cp; c++)
                for (int tt = 0; tt < p->tp; tt++) {
                    int mine = tt == 0 && c == 0 && e == my_slot;
                    if (pass == 0 ? !mine : mine)
                        continue;
                    for (int j = 0; j < n; j++)
                        out->gpus[r * n + j] = plan_rank(sc, tt, c, e + stride * j, s);
                    r++;
                }
}

/* ---- pipeline sends ---------------------------------------------------- */

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

/* Adds to COST[d] the time of replica D's slowest send from rank S to rank TO
 * when every replica sends at once, together with the gradient reductions
 * that can be in flight: a rank's last backward sends go out while its
 * reduction starts (later stages finish first), and with dp_overlap the
 * receiver reduces during its backward pass too. */
static void add_boundary_cost(const scenario* sc, const topology* t, int s, int to, int backward,
                              double bytes, double* cost)
{
    int per = sc->par.tp * sc->par.cp, n, a = 0, b = 0;
    flow* sends = all_boundary_flows(sc, s, to, &n);
    flow* mine = backward ? dp_hops(sc, s, &a) : NULL;
    flow* theirs = backward && sc->par.dp_overlap ? dp_hops(sc, to, &b) : NULL;
    flow* all = xmalloc((size_t)(n + a + b + 1) * sizeof *all);
    memcpy(all, sends, (size_t)n * sizeof *all);
    if (a)
        memcpy(all + n, mine, (size_t)a * sizeof *all);
    if (b)
        memcpy(all + n + a, theirs, (size_t)b * sizeof *all);
    link_usage u;
    usage_build(t, all, n + a + b, 0, &u);
    for (int d = 0; d < sc->par.dp; d++) {
        double worst = 0;
        for (int k = 0; k < per; k++)
            worst = fmax(worst, flow_time(t, sends[d * per + k], bytes, &u));
        cost[d] += worst;
    }
    link_tally_free(&u);
    free(all);
    free(theirs);
    free(mine);
    free(sends);
}

/* The replica whose pipeline sends are slowest (summed over boundaries and
 * both directions): all replicas wait for it at the gradient reduction. */
static int slowest_replica(const scenario* sc, const topology* t, double bytes)
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
static flow* plan_boundary(const scenario* sc, const topology* t, int d, int s, int to, double bytes,
                           double gap, int* count)
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

/* ---- expert-parallel all-to-all ---------------------------------------- */

/* Replicas d in the same block of ep consecutive replicas form an
 * expert-parallel group. The representative (tp 0, cp 0, replica D) sends to
 * its ep - 1 peers; every GPU of the rank does the same at once. */
static void plan_alltoall(const scenario* sc, const topology* t, int s, int d, double bytes,
                          alltoall_plan* out)
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

static void alltoall_from(const alltoall_plan* template, int repeat, alltoall_plan* out)
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

/* ---- the GPUs the simulation uses ------------------------------------------------------------- */

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
            add_collective_flows(out, &ch->zero_gather);
            add_collective_flows(out, &ch->zero_scatter);
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
            add_group_flows(out, rp->gpu, &rp->dp, &st->chunk[c].zero_gather);
            add_group_flows(out, rp->gpu, &rp->dp, &st->chunk[c].zero_scatter);
        }
        add_group_flows(out, rp->gpu, &rp->tp, &st->pp_gather);
        add_group_flows(out, rp->gpu, &rp->dp, &st->dp_reduce);
        add_group_flows(out, rp->gpu, &rp->dp, &st->dp_gather);
        add_group_flows(out, rp->gpu, &rp->expert, &st->expert_reduce);
        add_group_flows(out, rp->gpu, &rp->expert, &st->expert_gather);
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

/* The GPUs the collapsed plan's flows and actors touch, sorted. */
static void collect_gpus(iteration_plan* p)
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

/* ---- the plan ---------------------------------------------------------- */

typedef struct {
    group_template tp, dp, expert_dp;   /* the rank's collective groups */
    alltoall_plan  ep;
} rank_templates;

static void free_templates(rank_templates* r)
{
    free_template(&r->tp);
    free_template(&r->dp);
    free_template(&r->expert_dp);
    free(r->ep.flows);
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
    collective_from(t, &tr->tp, COLL_RING, ALL_REDUCE, w->tp_message_bytes, work->tp_fwd_allreduces, &ch->tp_fwd);
    collective_from(t, &tr->tp, COLL_RING, ALL_REDUCE, w->tp_message_bytes, work->tp_bwd_allreduces, &ch->tp_bwd);
    alltoall_from(&tr->ep, work->ep_fwd_alltoalls, &ch->ep_fwd);
    alltoall_from(&tr->ep, work->ep_bwd_alltoalls, &ch->ep_bwd);
    if (sc->par.zero == 3) {
        double params = work->dense_params + work->expert_params;
        collective_from(t, &tr->dp, requested, ALL_GATHER, 2.0 * params, 1, &ch->zero_gather);
        collective_from(t, &tr->dp, requested, REDUCE_SCATTER, w->grad_element_bytes * params, 1,
                        &ch->zero_scatter);
    }
}

/* The end of the step: ZeRO 0 all-reduces the gradients; ZeRO 1 and 2
 * reduce-scatter them and all-gather the updated weights after the optimizer
 * (Megatron-LM's distributed optimizer); ZeRO 3 has reduce-scattered them
 * already. With dp_overlap the reduction runs during the last backward pass,
 * all but the last bucket. */
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
        collective_from(t, &tr->dp, requested, ALL_GATHER, 2.0 * rw->dense_params, 1, &st->dp_gather);
        collective_from(t, &tr->expert_dp, requested, ALL_GATHER, 2.0 * rw->expert_params, 1,
                        &st->expert_gather);
    }
    if (sc->par.dp_overlap && collective_has_flows(&st->dp_reduce))
        st->dp_bucket_bytes = PLAN_DP_BUCKET_BYTES;
    st->optimizer_seconds = rw->optimizer_seconds;
}

static void plan_stage(const scenario* sc, const workload* w, const topology* t, int s, int d,
                       stage_plan* st)
{
    const parallel_spec* p = &sc->par;
    rank_templates tr;
    double dense = w->grad_element_bytes * w->rank[s].dense_params;
    tp_template(sc, s, d, w->tp_message_bytes, &tr.tp);
    dp_template(sc, t, s, d, 1, dense, &tr.dp);
    memset(&tr.expert_dp, 0, sizeof tr.expert_dp);
    if (w->rank[s].expert_params > 0)
        dp_template(sc, t, s, d, p->ep, w->grad_element_bytes * w->rank[s].expert_params, &tr.expert_dp);
    plan_alltoall(sc, t, s, d, w->ep_pair_bytes, &tr.ep);

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
    free_templates(&tr);
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
    collect_gpus(p);
    return 0;
}

/* ---- folding isolated collectives ---------------------------------------- */

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

/* Pipeline sends, ZeRO-3 collectives and an overlapped reduction run while
 * their rank goes on; every other flow of a rank is blocking for it. */
static void own_stage(const topology* t, const iteration_plan* p, int s, owner_list* l)
{
    const stage_plan* st = &p->stage[s];
    for (int c = 0; c < p->chunks; c++) {
        const chunk_plan* ch = &st->chunk[c];
        own_ring(t, l, &ch->tp_fwd, s, 0);
        own_ring(t, l, &ch->tp_bwd, s, 0);
        own_flows(t, l, ch->ep_fwd.flows, ch->ep_fwd.flow_count, s, 0);
        own_flows(t, l, ch->ep_bwd.flows, ch->ep_bwd.flow_count, s, 0);
        own_ring(t, l, &ch->zero_gather, s, 1);
        own_ring(t, l, &ch->zero_scatter, s, 1);
    }
    own_flows(t, l, st->next_flows, st->next_flow_count, s, 1);
    own_flows(t, l, st->prev_flows, st->prev_flow_count, s, 1);
    own_ring(t, l, &st->pp_gather, s, 0);
    own_ring(t, l, &st->dp_reduce, s, st->dp_bucket_bytes > 0);
    own_ring(t, l, &st->dp_gather, s, 0);
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

/* The time the aggregated simulation gives FLOWS carrying BYTES each, alone:
 * the slowest flow at its fair share (the smallest capacity / users of any
 * link, under max-min sharing), then the latencies owed. */
static double closed_form(const topology* t, const flow* flows, int n, double bytes, int transfers)
{
    link_usage u;
    usage_build(t, flows, n, 0, &u);
    double slowest = 0;
    for (int i = 0; i < n; i++)
        slowest = fmax(slowest, flow_time(t, flows[i], bytes, &u));
    link_tally_free(&u);
    route r;
    topology_route(t, flows[0].src, flows[0].dst, &r);
    return slowest + (transfers - 1) * route_latency(&r);
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
        int transfers = ph->steps * r->repeat;
        seconds += closed_form(t, ph->flows, ph->flow_count, ph->chunk_bytes * transfers, transfers);
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
    double seconds = closed_form(t, a->flows, a->flow_count, a->bytes * a->repeat, a->repeat);
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
            ch->folded.ep_fwd = fold_alltoall(t, &owners, s, &ch->ep_fwd);
            ch->folded.ep_bwd = fold_alltoall(t, &owners, s, &ch->ep_bwd);
        }
        st->pp_gather_folded = fold_ring(t, &owners, s, &st->pp_gather);
    }
    free(owners.items);
    collect_gpus(p);   /* folded collectives need no hosts */
}

/* ---- every rank ----------------------------------------------------------- */

static void rank_coordinates(const scenario* sc, int rank, int* t, int* c, int* d, int* s)
{
    const parallel_spec* p = &sc->par;
    *t = rank % p->tp;
    *c = rank / p->tp % p->cp;
    *d = rank / (p->tp * p->cp) % p->dp;
    *s = rank / (p->tp * p->cp * p->dp);
}

static void fill_peers(const scenario* sc, int chunks, int rank, rank_peers* r)
{
    const parallel_spec* p = &sc->par;
    int t, c, d, s;
    rank_coordinates(sc, rank, &t, &c, &d, &s);
    int ep = p->ep, slot = d % ep, j = d / ep;
    r->gpu = rank;
    r->stage = s;
    r->tp = (group_ref){plan_rank(sc, 0, c, d, s), 1, t};
    r->dp = (group_ref){plan_rank(sc, t, c, 0, s), p->tp * p->cp, d};
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

int plan_build_full(const scenario* sc, const workload* w, const topology* t, iteration_plan* p)
{
    plan_build(sc, w, t, p);
    p->full = 1;
    p->rank_count = (int)scenario_world_size(sc);
    p->ranks = xcalloc((size_t)p->rank_count, sizeof *p->ranks);
    for (int r = 0; r < p->rank_count; r++)
        fill_peers(sc, w->chunks, r, &p->ranks[r]);
    free(p->gpus);
    p->gpu_count = p->rank_count;
    p->gpus = xmalloc((size_t)p->gpu_count * sizeof *p->gpus);
    for (int g = 0; g < p->gpu_count; g++)
        p->gpus[g] = g;
    return 0;
}

static void free_ring(collective_plan* r)
{
    for (int k = 0; k < r->shape.phase_count; k++)
        free(r->phase[k].flows);
}

void plan_free(iteration_plan* p)
{
    for (int s = 0; s < p->stages; s++) {
        stage_plan* st = &p->stage[s];
        for (int c = 0; st->chunk && c < p->chunks; c++) {
            chunk_plan* ch = &st->chunk[c];
            free_ring(&ch->tp_fwd);
            free_ring(&ch->tp_bwd);
            free_ring(&ch->zero_gather);
            free_ring(&ch->zero_scatter);
            free(ch->ep_fwd.flows);
            free(ch->ep_bwd.flows);
        }
        free(st->chunk);
        free(st->next_flows);
        free(st->prev_flows);
        free_ring(&st->pp_gather);
        free_ring(&st->dp_reduce);
        free_ring(&st->dp_gather);
        free_ring(&st->expert_reduce);
        free_ring(&st->expert_gather);
    }
    free(p->stage);
    free(p->gpus);
    for (int r = 0; r < p->rank_count; r++)
        free(p->ranks[r].ep_peers);
    free(p->ranks);
    memset(p, 0, sizeof *p);
}
