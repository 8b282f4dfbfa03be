/* link_share: flows' fair shares of the links they cross (see link_share.h). */
#include "plan/link_share.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

/* Counts into U the shared links of FLOWS (with UP_ONLY, only those leaving
 * a GPU's side) that WATCHED holds, or all of them when WATCHED is NULL.
 * Watching the few links that a question is about keeps U small enough
 * for the processor's caches where all flows cross a million links. */
static void count_links(const topology* t, const flow* flows, int n, int up_only, link_tally* watched,
                        link_usage* u)
{
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++)
            if (r.link[k].shared && (!up_only || r.link[k].up)
                && (!watched || link_tally_count(watched, r.link[k].key) > 0))
                link_tally_add(u, r.link[k].key);
    }
}

/* Room in a tally for the links of N flows: a flow adds 2 to 2.5 links not
 * yet counted on the bench's and GPT-4's plans (its NIC each way, its share
 * of uplinks and island links), so 3 each spares the table a growth. */
static size_t room_for(int n)
{
    return (size_t)n * 3;
}

void link_usage_build(const topology* t, const flow* flows, int n, int up_only, link_usage* u)
{
    link_tally_init(u, room_for(n));
    count_links(t, flows, n, up_only, NULL, u);
}

void link_usage_add_on(const topology* t, const flow* flows, int n, link_usage* u)
{
    count_links(t, flows, n, 0, u, u);
}

static int usage_of(link_usage* u, uint64_t key)
{
    return link_tally_count(u, key);
}

double flow_time(const topology* t, flow f, double bytes, link_usage* u)
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

/* The links of WATCHED that can limit some flow of ALL: a link never binds
 * when its capacity covers what its flows could draw if each ran at the
 * capacity of its narrowest other link; under max-min sharing it then
 * changes no rate (a fabric port sized to its node's NICs, for example).
 * Whether a link binds depends on its own flows only, so the links outside
 * WATCHED are not tallied. */
static void binding_links(const topology* t, const flow* all, int n, link_tally* watched, link_usage* out)
{
    link_tally demand;
    link_tally_init_sums(&demand, watched->used);
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, all[i].src, all[i].dst, &r);
        for (int k = 0; k < r.count; k++) {
            if (!r.link[k].shared)   /* a fat pipe never limits another flow */
                continue;
            if (link_tally_count(watched, r.link[k].key) == 0)
                continue;
            double elsewhere = INFINITY;
            for (int j = 0; j < r.count; j++)
                if (j != k)
                    elsewhere = fmin(elsewhere, r.link[j].bandwidth);
            link_tally_sums* link = link_tally_sums_of(link_tally_add(&demand, r.link[k].key));
            link->sum += elsewhere;
            link->capacity = r.link[k].bandwidth;
        }
    }
    link_tally_init(out, demand.used / 2);
    for (size_t i = 0; i <= demand.mask; i++) {
        link_tally_slot* link = link_tally_slot_at(&demand, i);
        const link_tally_sums* sums = link_tally_sums_of(link);
        if (link->count > 0 && sums->sum > sums->capacity * (1 + 1e-9))
            link_tally_add(out, link->key);
    }
    link_tally_free(&demand);
}

flow* flows_sharing(const topology* t, const flow* mine, int mine_count, const flow* all, int all_count,
                    const flow* concurrent, int concurrent_count, int up_only, int* count)
{
    link_usage my_links, binding;
    link_usage_build(t, mine, mine_count, up_only, &my_links);
    if (concurrent)
        binding_links(t, concurrent, concurrent_count, &my_links, &binding);
    else
        binding_links(t, all, all_count, &my_links, &binding);
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

flow* flows_with_sharers(const topology* t, const flow* mine, int mine_count, const flow* all, int all_count,
                         int up_only, int* count)
{
    return flows_sharing(t, mine, mine_count, all, all_count, NULL, 0, up_only, count);
}

int slowest_flow(const topology* t, const flow* candidates, int n, const flow* all, int all_count, double bytes)
{
    link_usage u, theirs = {0};
    if (n < all_count) {   /* only the candidates' links are asked about */
        link_usage_build(t, candidates, n, 0, &theirs);
        link_tally_init(&u, theirs.used);
        count_links(t, all, all_count, 0, &theirs, &u);
    } else {
        link_usage_build(t, all, all_count, 0, &u);
    }
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
    link_tally_free(&theirs);
    return slowest;
}

/* The slowest flow at its fair share (the smallest capacity / users of any
 * link, under max-min sharing), its latency included. */
static double slowest_time(const topology* t, const flow* flows, int n, double bytes)
{
    link_usage u;
    link_usage_build(t, flows, n, 0, &u);
    double slowest = 0;
    for (int i = 0; i < n; i++)
        slowest = fmax(slowest, flow_time(t, flows[i], bytes, &u));
    link_tally_free(&u);
    return slowest;
}

static double first_latency(const topology* t, const flow* flows)
{
    route r;
    topology_route(t, flows[0].src, flows[0].dst, &r);
    return route_latency(&r);
}

double closed_form(const topology* t, const flow* flows, int n, double bytes, int transfers)
{
    return slowest_time(t, flows, n, bytes) + (transfers - 1) * first_latency(t, flows);
}

double closed_form_owing(const topology* t, const flow* flows, int n, double bytes, double latency)
{
    return slowest_time(t, flows, n, bytes) + fmax(0, latency - first_latency(t, flows));
}

double bandwidth_time(const topology* t, const flow* flows, int n, double bytes)
{
    link_usage u;
    link_usage_build(t, flows, n, 0, &u);
    double slowest = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        slowest = fmax(slowest, flow_time(t, flows[i], bytes, &u) - route_latency(&r));
    }
    link_tally_free(&u);
    return slowest;
}

double closed_form_each(const topology* t, const flow* flows, const double* bytes, int n, int transfers)
{
    link_usage u;
    link_usage_build(t, flows, n, 0, &u);
    double slowest = 0, latency = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        latency = fmax(latency, route_latency(&r));
        slowest = fmax(slowest, flow_time(t, flows[i], bytes[i], &u));
    }
    link_tally_free(&u);
    return slowest + (transfers - 1) * latency;
}
