/* plan: from workload and topology to the collapsed iteration script (see plan.h). */
#include "plan.h"

#include <math.h>
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

/* Counts the links of FLOWS; with UP_ONLY, only links leaving a GPU's side. */
static void usage_build(const topology* t, const flow* flows, int n, int up_only, link_usage* u)
{
    u->keys = xmalloc(((size_t)n * ROUTE_MAX_LINKS + 1) * sizeof *u->keys);
    u->count = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++)
            if (r.link[k].shared && (!up_only || r.link[k].up))
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

/* Links that can limit some flow of ALL: a link never binds when its
 * capacity covers what its flows could draw if each ran at the capacity of
 * its narrowest other link; under max-min sharing it then changes no rate
 * (a fabric port sized to its node's NICs, for example). Sorted keys. */
typedef struct {
    uint64_t key;
    double   demand;     /* bound on what its flows can draw */
    double   capacity;
} link_demand;

static int compare_demand(const void* a, const void* b)
{
    uint64_t x = ((const link_demand*)a)->key, y = ((const link_demand*)b)->key;
    return (x > y) - (x < y);
}

static void binding_links(const topology* t, const flow* all, int n, link_usage* out)
{
    link_demand* d = xmalloc(((size_t)n * ROUTE_MAX_LINKS + 1) * sizeof *d);
    int count = 0;
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
            d[count++] = (link_demand){r.link[k].key, elsewhere, r.link[k].bandwidth};
        }
    }
    qsort(d, (size_t)count, sizeof *d, compare_demand);
    out->keys = xmalloc(((size_t)count + 1) * sizeof *out->keys);
    out->count = 0;
    for (int i = 0; i < count;) {
        int j = i;
        double demand = 0;
        for (; j < count && d[j].key == d[i].key; j++)
            demand += d[j].demand;
        if (demand > d[i].capacity * (1 + 1e-9))
            out->keys[out->count++] = d[i].key;
        i = j;
    }
    free(d);
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
    free(my_links.keys);
    free(binding.keys);
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
    free(u.keys);
    return slowest;
}

/* ---- rings ------------------------------------------------------------- */

/* The flows of a ring collective: RINGS holds RING_COUNT concurrent rings of
 * N GPUs each, in ring order, the representative's first. Keeps the slowest
 * hop of all (ties go to the representative's own ring) and every hop that
 * shares one of its links. */
static flow* ring_flows(const topology* t, const int* rings, int ring_count, int n, double chunk,
                        int* count)
{
    int hop_count = ring_count * n;
    flow* hops = xmalloc((size_t)hop_count * sizeof *hops);
    for (int r = 0; r < ring_count; r++)
        for (int i = 0; i < n; i++)
            hops[r * n + i] = (flow){rings[r * n + i], rings[r * n + (i + 1) % n]};
    int slowest = slowest_flow(t, hops, hop_count, hops, hop_count, chunk);
    flow* out = flows_with_sharers(t, &hops[slowest], 1, hops, hop_count, 0, count);
    free(hops);
    return out;
}

/* A ring of N ranks moving PAYLOAD per rank in STEPS steps of payload/n
 * (Patarasuk and Yuan 2009: all-reduce 2(n-1) steps; reduce-scatter and
 * all-gather n-1), REPEAT times, over the flows of TEMPLATE. */
static void ring_from(const ring_plan* template, double payload, int all_reduce, int repeat, ring_plan* out)
{
    memset(out, 0, sizeof *out);
    int n = template->group_size;
    out->group_size = n;
    if (n < 2 || payload <= 0 || repeat <= 0 || template->flow_count == 0)
        return;
    out->payload_bytes = payload;
    out->steps = all_reduce ? 2 * (n - 1) : n - 1;
    out->chunk_bytes = payload / n;
    out->repeat = repeat;
    out->flow_count = template->flow_count;
    out->flows = xmalloc((size_t)out->flow_count * sizeof *out->flows);
    memcpy(out->flows, template->flows, (size_t)out->flow_count * sizeof *out->flows);
}

/* The hop flows of the tensor-parallel rings of rank S: one ring per
 * (cp, dp) rank, replica D's first. */
static void tp_template(const scenario* sc, const topology* t, int s, int d, double chunk, ring_plan* out)
{
    const parallel_spec* p = &sc->par;
    memset(out, 0, sizeof *out);
    out->group_size = p->tp;
    if (p->tp < 2)
        return;
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
    out->flows = ring_flows(t, rings, ring_count, p->tp, chunk, &out->flow_count);
    free(rings);
}

/* The hop flows of the data-parallel rings of rank S, one per (tp, cp,
 * expert slot) rank: over every replica (STRIDE 1) or, for experts, over the
 * replicas holding the same experts (STRIDE ep: d = e, e + ep, ...).
 * Replica D's ring first, starting from replica D (its own hop leads ties). */
static void dp_template(const scenario* sc, const topology* t, int s, int d, int stride, double chunk,
                        ring_plan* out)
{
    const parallel_spec* p = &sc->par;
    int n = p->dp / stride;
    memset(out, 0, sizeof *out);
    out->group_size = n;
    if (n < 2)
        return;
    int ring_count = p->tp * p->cp * stride;
    int* rings = xmalloc((size_t)ring_count * n * sizeof *rings);
    int r = 0, my_slot = d % stride;
    for (int pass = 0; pass < 2; pass++)
        for (int e = 0; e < stride; e++)
            for (int c = 0; c < p->cp; c++)
                for (int tt = 0; tt < p->tp; tt++) {
                    int mine = tt == 0 && c == 0 && e == my_slot;
                    if (pass == 0 ? !mine : mine)
                        continue;
                    for (int j = 0; j < n; j++)   /* from replica D's place on */
                        rings[r * n + j] = plan_rank(sc, tt, c, e + stride * ((j + d / stride) % n), s);
                    r++;
                }
    out->flows = ring_flows(t, rings, ring_count, n, chunk, &out->flow_count);
    free(rings);
}

/* ---- pipeline sends ---------------------------------------------------- */

static double closed_form(const topology* t, const flow* flows, int n, double bytes, int transfers);

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
    free(u.keys);
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

static void add_flow_gpus(const flow* flows, int n, int_list* gpus)
{
    for (int i = 0; i < n; i++) {
        list_add(gpus, flows[i].src);
        list_add(gpus, flows[i].dst);
    }
}

static void add_ring_gpus(const ring_plan* r, int_list* gpus)
{
    add_flow_gpus(r->flows, r->flow_count, gpus);
}

static void collect_gpus(iteration_plan* p)
{
    int_list gpus = {0};
    for (int s = 0; s < p->stages; s++) {
        const stage_plan* st = &p->stage[s];
        list_add(&gpus, st->gpu);
        for (int c = 0; c < p->chunks; c++) {
            const chunk_plan* ch = &st->chunk[c];
            add_ring_gpus(&ch->tp_fwd, &gpus);
            add_ring_gpus(&ch->tp_bwd, &gpus);
            add_ring_gpus(&ch->zero_gather, &gpus);
            add_ring_gpus(&ch->zero_scatter, &gpus);
            add_flow_gpus(ch->ep_fwd.flows, ch->ep_fwd.flow_count, &gpus);
            add_flow_gpus(ch->ep_bwd.flows, ch->ep_bwd.flow_count, &gpus);
        }
        add_flow_gpus(st->next_flows, st->next_flow_count, &gpus);
        add_flow_gpus(st->prev_flows, st->prev_flow_count, &gpus);
        add_ring_gpus(&st->pp_gather, &gpus);
        add_ring_gpus(&st->dp_reduce, &gpus);
        add_ring_gpus(&st->dp_gather, &gpus);
        add_ring_gpus(&st->expert_reduce, &gpus);
        add_ring_gpus(&st->expert_gather, &gpus);
    }
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
    ring_plan     tp, dp, expert_dp;   /* hop flows of the rank's rings */
    alltoall_plan ep;
} rank_templates;

static void free_templates(rank_templates* r)
{
    free(r->tp.flows);
    free(r->dp.flows);
    free(r->expert_dp.flows);
    free(r->ep.flows);
}

/* ZeRO-3 (Rajbhandari et al. 2020, Sec. 5.3) gathers each chunk's weights
 * (2 bytes per parameter) before its forward and again before its backward,
 * and reduce-scatters its gradients after the backward, every micro-batch. */
static void plan_chunk(const scenario* sc, const workload* w, const rank_templates* tr, int s, int c,
                       chunk_plan* ch)
{
    const stage_work* work = workload_chunk(w, s, c);
    ch->fwd_seconds = work->fwd_seconds;
    ch->bwd_seconds = work->bwd_seconds;
    ring_from(&tr->tp, w->tp_message_bytes, 1, work->tp_fwd_allreduces, &ch->tp_fwd);
    ring_from(&tr->tp, w->tp_message_bytes, 1, work->tp_bwd_allreduces, &ch->tp_bwd);
    alltoall_from(&tr->ep, work->ep_fwd_alltoalls, &ch->ep_fwd);
    alltoall_from(&tr->ep, work->ep_bwd_alltoalls, &ch->ep_bwd);
    if (sc->par.zero == 3) {
        double params = work->dense_params + work->expert_params;
        ring_from(&tr->dp, 2.0 * params, 0, 1, &ch->zero_gather);
        ring_from(&tr->dp, w->grad_element_bytes * params, 0, 1, &ch->zero_scatter);
    }
}

/* The end of the step: ZeRO 0 all-reduces the gradients; ZeRO 1 and 2
 * reduce-scatter them and all-gather the updated weights after the optimizer
 * (Megatron-LM's distributed optimizer); ZeRO 3 has reduce-scattered them
 * already. With dp_overlap the reduction runs during the last backward pass,
 * all but the last bucket. */
static void plan_step_end(const scenario* sc, const workload* w, const rank_templates* tr, int s,
                          stage_plan* st)
{
    const rank_work* rw = &w->rank[s];
    int zero = sc->par.zero;
    double g = w->grad_element_bytes;
    if (zero <= 2) {
        ring_from(&tr->dp, g * rw->dense_params, zero == 0, 1, &st->dp_reduce);
        ring_from(&tr->expert_dp, g * rw->expert_params, zero == 0, 1, &st->expert_reduce);
    }
    if (zero == 1 || zero == 2) {
        ring_from(&tr->dp, 2.0 * rw->dense_params, 0, 1, &st->dp_gather);
        ring_from(&tr->expert_dp, 2.0 * rw->expert_params, 0, 1, &st->expert_gather);
    }
    if (sc->par.dp_overlap && st->dp_reduce.flow_count)
        st->dp_bucket_bytes = PLAN_DP_BUCKET_BYTES;
    st->optimizer_seconds = rw->optimizer_seconds;
}

static void plan_stage(const scenario* sc, const workload* w, const topology* t, int s, int d,
                       stage_plan* st)
{
    const parallel_spec* p = &sc->par;
    rank_templates tr;
    double dense_chunk = w->grad_element_bytes * w->rank[s].dense_params / p->dp;
    tp_template(sc, t, s, d, w->tp_message_bytes / p->tp, &tr.tp);
    dp_template(sc, t, s, d, 1, dense_chunk, &tr.dp);
    memset(&tr.expert_dp, 0, sizeof tr.expert_dp);
    if (w->rank[s].expert_params > 0)
        dp_template(sc, t, s, d, p->ep, dense_chunk, &tr.expert_dp);
    plan_alltoall(sc, t, s, d, w->ep_pair_bytes, &tr.ep);

    st->gpu = plan_rank(sc, 0, 0, d, s);
    st->chunk = xcalloc((size_t)w->chunks, sizeof *st->chunk);
    for (int c = 0; c < w->chunks; c++)
        plan_chunk(sc, w, &tr, s, c, &st->chunk[c]);
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
        ring_from(&tr.tp, w->tp_message_bytes, 0, 1, &st->pp_gather);
    plan_step_end(sc, w, &tr, s, st);
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

static void own_ring(const topology* t, owner_list* l, const ring_plan* r, int stage, int concurrent)
{
    own_flows(t, l, r->flows, r->flow_count, stage, concurrent);
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
    free(u.keys);
    route r;
    topology_route(t, flows[0].src, flows[0].dst, &r);
    return slowest + (transfers - 1) * route_latency(&r);
}

static double fold_ring(const topology* t, const owner_list* l, int s, ring_plan* r)
{
    if (r->flow_count == 0 || !isolated(t, l, r->flows, r->flow_count, s))
        return 0;
    int transfers = r->steps * r->repeat;
    double seconds = closed_form(t, r->flows, r->flow_count, r->chunk_bytes * transfers, transfers);
    free(r->flows);
    r->flows = NULL;
    r->flow_count = 0;
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
    int ep = p->ep, slot = d % ep, stride_n = p->dp / ep, j = d / ep;
    r->gpu = rank;
    r->stage = s;
    r->tp_next = p->tp > 1 ? plan_rank(sc, (t + 1) % p->tp, c, d, s) : -1;
    r->tp_prev = p->tp > 1 ? plan_rank(sc, (t + p->tp - 1) % p->tp, c, d, s) : -1;
    r->dp_next = p->dp > 1 ? plan_rank(sc, t, c, (d + 1) % p->dp, s) : -1;
    r->dp_prev = p->dp > 1 ? plan_rank(sc, t, c, (d + p->dp - 1) % p->dp, s) : -1;
    /* Replicas holding the same experts: d = slot + ep * j. */
    r->expert_next = stride_n > 1 ? plan_rank(sc, t, c, slot + ep * ((j + 1) % stride_n), s) : -1;
    r->expert_prev = stride_n > 1 ? plan_rank(sc, t, c, slot + ep * ((j + stride_n - 1) % stride_n), s) : -1;
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

static void free_ring(ring_plan* r)
{
    free(r->flows);
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
