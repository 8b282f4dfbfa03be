/* test_link_share: the plan's link tally does work linear in the links it
 * counts (its probe count, on synthetic keys of every shape a platform
 * gives), and the shared-link measures that count only the links a
 * question is about (slowest_flow, flows_sharing, link_usage_add_on) give
 * what counting every link of every flow gives, computed here directly. */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "plan/link_share.h"
#include "plan/link_tally.h"

/* The I-th of N keys of a given shape, in the order a pass over flows in
 * GPU order would meet them. */
typedef uint64_t (*key_shape)(uint64_t i);

/* Generated links (network/topology.c): id << 4 | class << 1 | direction,
 * the five classes and both directions of consecutive ids. */
static uint64_t generated_key(uint64_t i)
{
    uint64_t id = i / 10, code = i % 10;
    return (id << 4) | ((code / 2) << 1) | (code % 2);
}

/* One link class and direction every 4,096 ids apart (an uplink per island,
 * say): keys whose low 16 bits never change. */
static uint64_t strided_key(uint64_t i)
{
    return ((i * 4096) << 4) | (LINK_UPLINK << 1) | 1;
}

/* Links read from a platform file: their objects' addresses, 16-byte
 * aligned and 48 bytes apart. */
static uint64_t pointer_key(uint64_t i)
{
    return 0x55d0c0a00000ULL + i * 48;
}

/* Counts N keys of SHAPE, key i 1 + i % 3 times, from a tally sized for an
 * eighth of them (so that it grows three times), then asks for each key and
 * for as many keys never counted; returns the probes per add or count. */
static double probes_per_operation(key_shape shape, uint64_t n)
{
    link_tally t;
    link_tally_init(&t, n / 8);
    uint64_t operations = 0;
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t k = 0; k <= i % 3; k++, operations++)
            link_tally_add(&t, shape(i));
    for (uint64_t i = 0; i < n; i++, operations += 2) {
        ck_assert_int_eq(link_tally_count(&t, shape(i)), (int)(i % 3) + 1);
        ck_assert_int_eq(link_tally_count(&t, shape(n + i)), 0);
    }
    ck_assert_uint_eq(t.used, n);
    double per = (double)t.probes / (double)operations;
    link_tally_free(&t);
    return per;
}

/* From 4,096 to 262,144 links (64 times as many), the probes per operation
 * stay below 6 and within 25 % of each other: the work is linear in the
 * links. (Measured: 4.8 for the generated keys, whose blocks of 4
 * neighbouring slots run into each other at half full; 3.0 strided; 2.4
 * for addresses; flat up to 2M links.) A table whose keys' home slots
 * collided (an unmixed hash on the strided keys) or whose clusters merged
 * would probe in proportion to the table. */
START_TEST(tally_work_grows_linearly_with_links)
{
    key_shape shapes[] = {generated_key, strided_key, pointer_key};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        double least = INFINITY, most = 0;
        for (uint64_t n = 4096; n <= 262144; n *= 8) {
            double per = probes_per_operation(shapes[s], n);
            least = fmin(least, per);
            most = fmax(most, per);
        }
        ck_assert_msg(most < 6, "shape %zu: %.2f probes per operation", s, most);
        ck_assert_msg(most < 1.25 * least, "shape %zu: %.2f to %.2f probes per operation", s, least, most);
    }
}
END_TEST

/* A sum kept beside its count moves with the slot when the table grows. */
START_TEST(tally_sums_survive_growth)
{
    link_tally t;
    link_tally_init_sums(&t, 1);
    for (uint64_t i = 0; i < 1000; i++) {
        link_tally_sums* s = link_tally_sums_of(link_tally_add(&t, generated_key(i)));
        s->sum += (double)i;
        s->capacity = 2.0 * (double)i;
    }
    ck_assert_uint_gt(t.mask, 1000);
    for (size_t i = 0; i <= t.mask; i++) {
        link_tally_slot* slot = link_tally_slot_at(&t, i);
        if (slot->count == 0)
            continue;
        uint64_t key = slot->key, id = key >> 4, code = ((key >> 1) & 7) * 2 + (key & 1);
        double index = (double)(id * 10 + code);
        ck_assert_double_eq(link_tally_sums_of(slot)->sum, index);
        ck_assert_double_eq(link_tally_sums_of(slot)->capacity, 2 * index);
    }
    link_tally_free(&t);
}
END_TEST

/* 16 nodes of 8 GPUs, 4 NICs each, with FABRIC. */
static void cluster_of(const char* fabric, topology* t)
{
    strbuf text = {0};
    strbuf_printf(&text,
                  "format: 1\nmodel: {layers: 4, hidden: 1024, heads: 16, vocab: 1000, seq_len: 1024}\n"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster:\n  nodes: 16\n  nvlink: {bandwidth: 300GBps, latency: 1us}\n"
                  "  nic: {count: 4, bandwidth: 200Gbps, latency: 2us}\n  fabric: %s\n"
                  "parallelism: {tp: 8, pp: 2, dp: 8}\ntraining: {global_batch: 16, tokens: 1e6}\n",
                  fabric);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    topology_from_scenario(&sc, t);
    scenario_free(&sc);
    strbuf_free(&text);
}

/* Islands of 4 nodes with 2:1 oversubscribed uplinks and thin links
 * between islands. */
static void islands(topology* t)
{
    cluster_of("{topology: islands, island_nodes: 4, oversubscription: 2,\n"
               "           inter_island: {bandwidth: 400Gbps, latency: 6us}}",
               t);
}

/* A non-blocking fat tree: a node's uplink carries all its NICs, so it
 * binds only when its GPUs share NICs. */
static void fat_tree(topology* t)
{
    cluster_of("{topology: fat-tree, oversubscription: 1}", t);
}

/* Flows from GPU g to g + STEP (mod 128) for every GPU of nodes FIRST to
 * FIRST + NODES - 1, every SKIP-th GPU. */
static int flows_from(int first, int nodes, int skip, int step, flow* out)
{
    int n = 0;
    for (int g = first * 8; g < (first + nodes) * 8; g += skip)
        out[n++] = (flow){g, (g + step) % 128};
    return n;
}

/* How many of FLOWS cross the shared link KEY (counted directly). */
static int users_of(const topology* t, const flow* flows, int n, uint64_t key)
{
    int users = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, flows[i].src, flows[i].dst, &r);
        for (int k = 0; k < r.count; k++)
            users += r.link[k].shared && r.link[k].key == key;
    }
    return users;
}

/* latency + bytes / min over links (bandwidth / users among ALL). */
static double time_among(const topology* t, flow f, const flow* all, int n, double bytes)
{
    route r;
    topology_route(t, f.src, f.dst, &r);
    double rate = INFINITY, latency = 0;
    for (int k = 0; k < r.count; k++) {
        int users = r.link[k].shared ? users_of(t, all, n, r.link[k].key) : 0;
        rate = fmin(rate, r.link[k].bandwidth / (users > 0 ? users : 1));
        latency += r.link[k].latency;
    }
    return latency + bytes / rate;
}

/* The slowest of a replica's candidates among every flow, when only the
 * candidates' links are counted, is the one counting every link finds. */
START_TEST(slowest_flow_counts_the_candidates_links_as_all_flows_do)
{
    topology t;
    islands(&t);
    flow all[256];
    int n = flows_from(0, 8, 1, 64, all);          /* nodes 0-7 to nodes 8-15: across islands */
    n += flows_from(8, 4, 2, 8, all + n);          /* and some inside islands 2 and 3 */
    for (int first = 0; first + 8 <= n; first += 8) {
        int slowest = slowest_flow(&t, all + first, 8, all, n, 1e8);
        double worst = -1;
        int expected = 0;
        for (int i = 0; i < 8; i++) {
            double time = time_among(&t, all[first + i], all, n, 1e8);
            if (time > worst) {
                worst = time;
                expected = i;
            }
        }
        ck_assert_int_eq(slowest, expected);
    }
}
END_TEST

/* Whether shared link KEY can bind among CONCURRENT: the flows crossing it
 * could draw more than its capacity at their narrowest other link. */
static int binds(const topology* t, const flow* concurrent, int n, uint64_t key)
{
    double demand = 0, capacity = 0;
    for (int i = 0; i < n; i++) {
        route r;
        topology_route(t, concurrent[i].src, concurrent[i].dst, &r);
        for (int k = 0; k < r.count; k++) {
            if (!r.link[k].shared || r.link[k].key != key)
                continue;
            double elsewhere = INFINITY;
            for (int j = 0; j < r.count; j++)
                if (j != k)
                    elsewhere = fmin(elsewhere, r.link[j].bandwidth);
            demand += elsewhere;
            capacity = r.link[k].bandwidth;
        }
    }
    return demand > capacity * (1 + 1e-9);
}

/* Whether F shares with MINE a shared link (with UP_ONLY, one leaving a
 * GPU's side), and one that binds among CONCURRENT. */
static void shared_links(const topology* t, flow f, flow mine, const flow* concurrent, int n, int up_only,
                         int* shares, int* binding)
{
    route a, b;
    topology_route(t, f.src, f.dst, &a);
    topology_route(t, mine.src, mine.dst, &b);
    *shares = *binding = 0;
    for (int k = 0; k < a.count; k++)
        for (int j = 0; j < b.count; j++)
            if (a.link[k].shared && a.link[k].key == b.link[j].key && (!up_only || a.link[k].up)) {
                *shares = 1;
                *binding |= binds(t, concurrent, n, a.link[k].key);
            }
}

/* flows_sharing, which tallies demand on the links of MINE alone, keeps
 * exactly the flows of ALL that share with it a link binding among every
 * concurrent flow, in ALL's order, MINE first; both sides of UP_ONLY. The
 * cases have flows that share a link with MINE that does not bind (a GPU
 * per NIC, a fat tree's uplink), which must be left out. Returns through
 * BOUND and LEFT how many flows each case kept and left out. */
static void check_sharers(const topology* t, const flow* all, int n, const flow* concurrent, int m, int* bound,
                          int* left)
{
    for (int up_only = 0; up_only < 2; up_only++)
        for (int i = 0; i < n; i += 3) {
            int count;
            flow* out = flows_sharing(t, &all[i], 1, all, n, concurrent, m, up_only, &count);
            ck_assert(out[0].src == all[i].src && out[0].dst == all[i].dst);
            int k = 1;
            for (int j = 0; j < n; j++) {
                int shares, binding;
                shared_links(t, all[j], all[i], concurrent, m, up_only, &shares, &binding);
                *left += j != i && shares && !binding;
                if (j == i || !binding)
                    continue;
                ck_assert_int_lt(k, count);
                ck_assert(out[k].src == all[j].src && out[k].dst == all[j].dst);
                k++;
            }
            ck_assert_int_eq(k, count);
            *bound += count - 1;
            free(out);
        }
}

START_TEST(sharers_are_those_of_a_binding_link_found_directly)
{
    void (*clusters[])(topology*) = {islands, fat_tree};
    int bound = 0, left = 0;
    for (size_t c = 0; c < 2; c++) {
        topology t;
        clusters[c](&t);
        flow all[256], concurrent[512];
        for (int skip = 1; skip <= 2; skip++) {   /* every GPU, or one per NIC */
            int n = flows_from(0, 8, skip, 64, all);
            int m = flows_from(0, 4, skip, 32, concurrent);   /* more traffic out of nodes 0-3 */
            memcpy(concurrent + m, all, (size_t)n * sizeof *all);
            check_sharers(&t, all, n, concurrent, m + n, &bound, &left);
            check_sharers(&t, all, n, all, n, &bound, &left);
        }
    }
    ck_assert_int_gt(bound, 0);   /* the cases have binding links to find */
    ck_assert_int_gt(left, 0);    /* and shared links that do not bind */
}
END_TEST

/* link_usage_add_on counts the added flows on the links already counted
 * and on no other: a flow's time is the one counting every flow gives. */
START_TEST(usage_added_on_counted_links_gives_the_same_times)
{
    topology t;
    islands(&t);
    flow sends[128], all[384];
    int n = flows_from(0, 8, 1, 64, sends);
    int hops = flows_from(0, 16, 1, 8, all + n);   /* rings inside and across nodes */
    memcpy(all, sends, (size_t)n * sizeof *sends);
    link_usage u;
    link_usage_build(&t, sends, n, 0, &u);
    size_t counted = u.used;
    link_usage_add_on(&t, all + n, hops, &u);
    ck_assert_uint_eq(u.used, counted);
    for (int i = 0; i < n; i++)
        ck_assert_double_eq_tol(flow_time(&t, sends[i], 1e8, &u), time_among(&t, sends[i], all, n + hops, 1e8),
                                1e-12);
    link_tally_free(&u);
}
END_TEST

Suite* link_share_suite(void)
{
    Suite* s = suite_create("link_share");
    TCase* tc = tcase_create("tally");
    tcase_add_test(tc, tally_work_grows_linearly_with_links);
    tcase_add_test(tc, tally_sums_survive_growth);
    tcase_add_test(tc, slowest_flow_counts_the_candidates_links_as_all_flows_do);
    tcase_add_test(tc, sharers_are_those_of_a_binding_link_found_directly);
    tcase_add_test(tc, usage_added_on_counted_links_gives_the_same_times);
    suite_add_tcase(s, tc);
    return s;
}
