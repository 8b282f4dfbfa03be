/* plan: from workload and topology to the collapsed iteration script (see plan.h). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

int plan_rank(const scenario* sc, int t, int c, int d, int s)
{
    const parallel_spec* p = &sc->par;
    return t + p->tp * (c + p->cp * (d + p->dp * s));
}

/* ---- shared-link accounting -------------------------------------------- */

/* How many of a set of concurrent flows cross each link (and direction). */
typedef struct {
    uint64_t* keys;    /* sorted, with repeats: one entry per flow crossing */
    int       count;
} link_usage;

static int compare_key(const void* a, const void* b)
{
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return (x > y) - (x < y);
}

static void usage_build(const topology* t, const flow* flows, int n, link_usage* u)
{
    u->keys = xmalloc((size_t)n * ROUTE_MAX_LINKS * sizeof *u->keys);
    u->count = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++)
            u->keys[u->count++] = r.link[k].key;
    }
    qsort(u->keys, (size_t)u->count, sizeof *u->keys, compare_key);
}

static int usage_of(const link_usage* u, uint64_t key)
{
    int lo = 0, hi = u->count;
    while (lo < hi) {   /* first entry >= key */
        int mid = (lo + hi) / 2;
        if (u->keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    int n = 0;
    while (lo + n < u->count && u->keys[lo + n] == key)
        n++;
    return n;
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

/* The flows of ALL that share a link with any of MINE, MINE first. */
static flow* flows_with_sharers(const topology* t, const flow* mine, int mine_count,
                                const flow* all, int all_count, int* count)
{
    link_usage my_links;
    usage_build(t, mine, mine_count, &my_links);
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
            shares = usage_of(&my_links, r.link[k].key) > 0;
        if (shares)
            out[n++] = all[i];
    }
    free(my_links.keys);
    *count = n;
    return out;
}

/* ---- rings ------------------------------------------------------------- */

/* RINGS holds RING_COUNT concurrent rings of N GPUs each, in ring order; the
 * first ring is the representative replica's. Keeps the slowest hop of all
 * (ties go to the earliest, so to the representative's own ring) and every
 * hop that shares one of its links. */
static void plan_ring(const topology* t, const int* rings, int ring_count, int n,
                      double payload, int steps, int repeat, ring_plan* out)
{
    memset(out, 0, sizeof *out);
    out->group_size = n;
    if (n < 2 || payload <= 0 || repeat <= 0)
        return;
    out->payload_bytes = payload;
    out->steps = steps;
    out->chunk_bytes = payload / n;
    out->repeat = repeat;

    int hop_count = ring_count * n;
    flow* hops = xmalloc((size_t)hop_count * sizeof *hops);
    for (int r = 0; r < ring_count; r++)
        for (int i = 0; i < n; i++)
            hops[r * n + i] = (flow){rings[r * n + i], rings[r * n + (i + 1) % n]};
    link_usage u;
    usage_build(t, hops, hop_count, &u);
    int slowest = 0;
    double worst = -1;
    for (int h = 0; h < hop_count; h++) {
        double time = flow_time(t, hops[h], out->chunk_bytes, &u);
        if (time > worst) {
            worst = time;
            slowest = h;
        }
    }
    out->flows = flows_with_sharers(t, &hops[slowest], 1, hops, hop_count, &out->flow_count);
    free(u.keys);
    free(hops);
}

/* Ring all-reduce: 2(n-1) steps of payload/n (Patarasuk and Yuan 2009). */
static void plan_allreduce(const topology* t, const int* rings, int ring_count, int n,
                           double payload, int repeat, ring_plan* out)
{
    plan_ring(t, rings, ring_count, n, payload, 2 * (n - 1), repeat, out);
}

/* Tensor-parallel rings of stage S: one per (cp, dp) rank, replica D first. */
static void plan_tp(const scenario* sc, const topology* t, int s, int d, double payload,
                    int repeat, ring_plan* out)
{
    const parallel_spec* p = &sc->par;
    int ring_count = p->cp * p->dp;
    int* rings = xmalloc((size_t)ring_count * p->tp * sizeof *rings);
    int r = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int dd = 0; dd < p->dp; dd++)
            for (int c = 0; c < p->cp; c++) {
                int mine = dd == d && c == 0;
                if (pass == 0 ? !mine : mine)
                    continue;
                for (int tt = 0; tt < p->tp; tt++)
                    rings[r * p->tp + tt] = plan_rank(sc, tt, c, dd, s);
                r++;
            }
    plan_allreduce(t, rings, ring_count, p->tp, payload, repeat, out);
    free(rings);
}

/* Data-parallel rings of stage S, one per (tp, cp, expert slot) rank: over
 * every replica (STRIDE 1) or, for experts, over the replicas of one expert
 * slot (STRIDE ep, members d = e, e + ep, ...). Replica D's ring first. */
static void plan_dp(const scenario* sc, const topology* t, int s, int d, int stride,
                    double payload, ring_plan* out)
{
    const parallel_spec* p = &sc->par;
    int n = p->dp / stride;
    int ring_count = p->tp * p->cp * stride;
    int* rings = xmalloc((size_t)ring_count * n * sizeof *rings);
    int r = 0;
    int my_slot = d % stride;
    for (int pass = 0; pass < 2; pass++)
        for (int e = 0; e < stride; e++)
            for (int c = 0; c < p->cp; c++)
                for (int tt = 0; tt < p->tp; tt++) {
                    int mine = tt == 0 && c == 0 && e == my_slot;
                    if (pass == 0 ? !mine : mine)
                        continue;
                    for (int j = 0; j < n; j++)
                        rings[r * n + j] = plan_rank(sc, tt, c, e + stride * j, s);
                    r++;
                }
    plan_allreduce(t, rings, ring_count, n, payload, 1, out);
    free(rings);
}

/* ---- pipeline sends ---------------------------------------------------- */

/* The tp x cp flows of replica D from stage S to stage S + DIRECTION. */
static void boundary_flows(const scenario* sc, int d, int s, int direction, flow* out)
{
    const parallel_spec* p = &sc->par;
    int k = 0;
    for (int c = 0; c < p->cp; c++)
        for (int tt = 0; tt < p->tp; tt++)
            out[k++] = (flow){plan_rank(sc, tt, c, d, s), plan_rank(sc, tt, c, d, s + direction)};
}

/* Every replica's flows across one stage boundary: they all run at once. */
static flow* all_boundary_flows(const scenario* sc, int s, int direction, int* count)
{
    int per = sc->par.tp * sc->par.cp;
    flow* all = xmalloc((size_t)per * sc->par.dp * sizeof *all);
    for (int d = 0; d < sc->par.dp; d++)
        boundary_flows(sc, d, s, direction, all + d * per);
    *count = per * sc->par.dp;
    return all;
}

/* The replica whose pipeline sends are slowest (summed over boundaries):
 * all replicas wait for it at the gradient reduction. */
static int slowest_replica(const scenario* sc, const topology* t, double bytes)
{
    const parallel_spec* p = &sc->par;
    int per = p->tp * p->cp;
    double* cost = xcalloc((size_t)p->dp, sizeof *cost);
    for (int s = 0; s + 1 < p->pp; s++) {
        int n;
        flow* all = all_boundary_flows(sc, s, +1, &n);
        link_usage u;
        usage_build(t, all, n, &u);
        for (int d = 0; d < p->dp; d++) {
            double worst = 0;
            for (int k = 0; k < per; k++) {
                double time = flow_time(t, all[d * per + k], bytes, &u);
                if (time > worst)
                    worst = time;
            }
            cost[d] += worst;
        }
        free(u.keys);
        free(all);
    }
    int best = 0;
    for (int d = 1; d < p->dp; d++)
        if (cost[d] > cost[best])
            best = d;
    free(cost);
    return best;
}

/* The slowest of replica D's flows across the boundary, plus every flow of
 * any replica that shares one of its links: the other ranks of the replica
 * send the same bytes at the same time over links loaded no worse. */
static flow* plan_boundary(const scenario* sc, const topology* t, int d, int s, int direction,
                           double bytes, int* count)
{
    int per = sc->par.tp * sc->par.cp, n;
    flow* mine = xmalloc((size_t)per * sizeof *mine);
    boundary_flows(sc, d, s, direction, mine);
    flow* all = all_boundary_flows(sc, s, direction, &n);
    link_usage u;
    usage_build(t, all, n, &u);
    int slowest = 0;
    double worst = -1;
    for (int k = 0; k < per; k++) {
        double time = flow_time(t, mine[k], bytes, &u);
        if (time > worst) {
            worst = time;
            slowest = k;
        }
    }
    flow* out = flows_with_sharers(t, &mine[slowest], 1, all, n, count);
    free(u.keys);
    free(all);
    free(mine);
    return out;
}

/* ---- nodes ------------------------------------------------------------- */

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

static void add_flow_nodes(const topology* t, const flow* flows, int n, int_list* nodes)
{
    for (int i = 0; i < n; i++) {
        list_add(nodes, topology_node_of(t, flows[i].src));
        list_add(nodes, topology_node_of(t, flows[i].dst));
    }
}

static void collect_nodes(const topology* t, iteration_plan* p)
{
    int_list nodes = {0};
    for (int s = 0; s < p->stages; s++) {
        const stage_plan* st = &p->stage[s];
        list_add(&nodes, topology_node_of(t, st->gpu));
        add_flow_nodes(t, st->tp_fwd.flows, st->tp_fwd.flow_count, &nodes);
        add_flow_nodes(t, st->tp_bwd.flows, st->tp_bwd.flow_count, &nodes);
        add_flow_nodes(t, st->next_flows, st->next_flow_count, &nodes);
        add_flow_nodes(t, st->prev_flows, st->prev_flow_count, &nodes);
        add_flow_nodes(t, st->dp.flows, st->dp.flow_count, &nodes);
        add_flow_nodes(t, st->dp_expert.flows, st->dp_expert.flow_count, &nodes);
    }
    qsort(nodes.items, (size_t)nodes.count, sizeof *nodes.items, compare_int);
    int unique = 0;
    for (int i = 0; i < nodes.count; i++)
        if (unique == 0 || nodes.items[i] != nodes.items[unique - 1])
            nodes.items[unique++] = nodes.items[i];
    p->nodes = nodes.items;
    p->node_count = unique;
}

/* ---- the plan ---------------------------------------------------------- */

static void plan_stage(const scenario* sc, const workload* w, const topology* t, int s, int d,
                       stage_plan* st)
{
    const parallel_spec* p = &sc->par;
    const stage_work* work = &w->stage[s];
    st->gpu = plan_rank(sc, 0, 0, d, s);
    st->fwd_seconds = work->fwd_seconds;
    st->bwd_seconds = work->bwd_seconds;
    plan_tp(sc, t, s, d, w->tp_message_bytes, work->tp_fwd_allreduces, &st->tp_fwd);
    plan_tp(sc, t, s, d, w->tp_message_bytes, work->tp_bwd_allreduces, &st->tp_bwd);
    st->pp_bytes = w->pp_message_bytes;
    if (s + 1 < p->pp)
        st->next_flows = plan_boundary(sc, t, d, s, +1, st->pp_bytes, &st->next_flow_count);
    if (s > 0)
        st->prev_flows = plan_boundary(sc, t, d, s, -1, st->pp_bytes, &st->prev_flow_count);
    plan_dp(sc, t, s, d, 1, work->dense_params * w->grad_element_bytes, &st->dp);
    if (work->expert_params > 0)
        plan_dp(sc, t, s, d, p->ep, work->expert_params * w->grad_element_bytes, &st->dp_expert);
}

int plan_build(const scenario* sc, const workload* w, const topology* t, iteration_plan* p)
{
    memset(p, 0, sizeof *p);
    p->stages = sc->par.pp;
    p->micro_batches = (int)scenario_micro_batches(sc);
    p->schedule = sc->par.schedule;
    p->gpus_per_node = t->gpus_per_node;
    p->replica = slowest_replica(sc, t, w->pp_message_bytes);
    p->stage = xcalloc((size_t)p->stages, sizeof *p->stage);
    for (int s = 0; s < p->stages; s++)
        plan_stage(sc, w, t, s, p->replica, &p->stage[s]);
    collect_nodes(t, p);
    return 0;
}

void plan_free(iteration_plan* p)
{
    for (int s = 0; s < p->stages; s++) {
        stage_plan* st = &p->stage[s];
        free(st->tp_fwd.flows);
        free(st->tp_bwd.flows);
        free(st->next_flows);
        free(st->prev_flows);
        free(st->dp.flows);
        free(st->dp_expert.flows);
    }
    free(p->stage);
    free(p->nodes);
    memset(p, 0, sizeof *p);
}
