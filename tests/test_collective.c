/* test_collective: the collective algorithms in the simulation against their
 * closed forms, step by step and aggregated: rings of point-to-point sends
 * (2(n-1)(alpha + S/(n B)), Patarasuk and Yuan 2009) alone and sharing
 * links; NCCL's double binary tree and the hierarchical all-reduce and
 * reduce-scatter with NCCL's latencies and protocols; the shapes
 * themselves; the plan builder's choice of the slowest hop on real
 * topologies and what `collective: auto` picks. test_nccl.c checks NCCL's
 * cost model itself. Each SimGrid test runs in its own process. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "helpers.h"
#include "output/report.h"
#include "run/run.h"

static double ring_closed_form(int n, double payload, double alpha, double bandwidth)
{
    return 2.0 * (n - 1) * (alpha + payload / (n * bandwidth));
}

/* A plan that only reduces gradients over the ring hops FLOWS, as
 * point-to-point sends (no NCCL call: each step its route's latency). */
static void dp_only_plan(iteration_plan* p, int n, double payload, const flow* flows, int flow_count,
                         int* gpus, int gpu_count)
{
    empty_plan(p, gpus, gpu_count);
    p->stage[0].gpu = flows[0].src;
    collective_plan* r = &p->stage[0].dp_reduce;
    collective_shape_of(COLL_RING, ALL_REDUCE, n, 1, payload, &r->shape);
    r->payload_bytes = payload;
    r->repeat = 1;
    r->phase[0].steps = 2 * (n - 1);
    r->phase[0].chunk_bytes = payload / n;
    r->phase[0].flow_count = flow_count;
    r->phase[0].flows = malloc((size_t)flow_count * sizeof *flows);
    memcpy(r->phase[0].flows, flows, (size_t)flow_count * sizeof *flows);
}

static void check_ring(int stepwise, int n, double payload, double bandwidth, double latency)
{
    topology t;
    simple_topology(&t, 2, 1, bandwidth, latency);
    flow hop = {0, 1};
    int gpus[] = {0, 1};
    iteration_plan p;
    dp_only_plan(&p, n, payload, &hop, 1, gpus, 2);
    step_profile prof;
    simulate_plan(&t, &p, stepwise, &prof);
    /* The route crosses two NIC links of LATENCY/2 each. SimGrid's CM02
     * reproduces the alpha-beta form exactly: far tighter than the 0.5 % asked. */
    ck_assert_rel(prof.step_time, ring_closed_form(n, payload, latency, bandwidth), 1e-6);
    ck_assert_rel(prof.dp_comm_exposed, prof.step_time, 1e-12);
    step_profile_free(&prof);
    plan_free(&p);
}

START_TEST(ring_without_latency_stepwise)
{
    check_ring(1, 8, 1e9, 25e9, 0);
}
END_TEST

START_TEST(ring_without_latency_aggregated)
{
    check_ring(0, 8, 1e9, 25e9, 0);
}
END_TEST

START_TEST(ring_with_latency_stepwise)
{
    check_ring(1, 16, 64e6, 12.5e9, 5e-6);
}
END_TEST

START_TEST(ring_with_latency_aggregated)
{
    check_ring(0, 64, 64e6, 12.5e9, 5e-6);
}
END_TEST

/* Two rings whose hops leave through one NIC: each gets half of it. */
static void check_shared_ring(int stepwise)
{
    topology t;
    simple_topology(&t, 2, 2, 25e9, 2e-6);
    flow hops[] = {{0, 2}, {1, 3}};
    int gpus[] = {0, 1, 2, 3};
    iteration_plan p;
    dp_only_plan(&p, 4, 256e6, hops, 2, gpus, 4);
    step_profile prof;
    simulate_plan(&t, &p, stepwise, &prof);
    ck_assert_rel(prof.step_time, ring_closed_form(4, 256e6, 2e-6, 25e9 / 2), 1e-6);
    step_profile_free(&prof);
    plan_free(&p);
}

START_TEST(rings_sharing_a_nic_stepwise)
{
    check_shared_ring(1);
}
END_TEST

START_TEST(rings_sharing_a_nic_aggregated)
{
    check_shared_ring(0);
}
END_TEST

/* dp_overlap: the reduction runs during the (long) backward pass, all but
 * the last bucket, which follows it: step = t_f + t_b + ring(bucket). */
START_TEST(overlapped_reduction_leaves_the_last_bucket)
{
    topology t;
    simple_topology(&t, 2, 1, 25e9, 2e-6);
    flow hop = {0, 1};
    int gpus[] = {0, 1};
    iteration_plan p;
    dp_only_plan(&p, 2, 400e6, &hop, 1, gpus, 2);
    p.stage[0].chunk[0].fwd_seconds = 0.01;
    p.stage[0].chunk[0].bwd_seconds = 0.05;
    p.stage[0].dp_bucket_bytes = PLAN_DP_BUCKET_BYTES;
    step_profile prof;
    simulate_plan(&t, &p, 0, &prof);
    double bucket = ring_closed_form(2, PLAN_DP_BUCKET_BYTES, 2e-6, 25e9);
    ck_assert(ring_closed_form(2, 400e6, 2e-6, 25e9) < 0.05);   /* fits behind the backward */
    ck_assert_rel(prof.step_time, 0.06 + bucket, 1e-6);
    ck_assert_rel(prof.dp_comm_exposed, bucket, 1e-6);
    step_profile_free(&prof);
    plan_free(&p);
}
END_TEST

/* ---- shapes, tree and hierarchy ------------------------------------------ */

/* Every member sends to as many peers as it hears from, the two trees span
 * all members (each has exactly one root), and a tree edge goes both ways. */
START_TEST(double_tree_is_two_spanning_trees)
{
    for (int n = 2; n <= 40; n++) {
        collective_shape s;
        collective_shape_of(COLL_TREE, ALL_REDUCE, n, 1, 64e6, &s);
        ck_assert_int_eq(s.phase_count, 1);
        int sent[40] = {0}, heard[40] = {0};
        for (int i = 0; i < n; i++) {
            int peers[COLLECTIVE_MAX_PEERS], m = collective_peers(&s, 0, i, peers);
            ck_assert(m >= 1 && m <= COLLECTIVE_MAX_PEERS);
            sent[i] = m;
            for (int q = 0; q < m; q++) {
                ck_assert(peers[q] >= 0 && peers[q] < n && peers[q] != i);
                heard[peers[q]]++;
            }
        }
        int edges = 0;
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(sent[i], heard[i]);
            edges += sent[i];
        }
        /* Two trees of n - 1 edges, each edge used both ways. */
        ck_assert_int_eq(edges, 4 * (n - 1));
        ck_assert_int_le(collective_tree_fan_out(n), COLLECTIVE_MAX_PEERS);
    }
    ck_assert_int_eq(collective_tree_depth(1), 0);
    ck_assert_int_eq(collective_tree_depth(7), 2);
    ck_assert_int_eq(collective_tree_depth(8), 3);
}
END_TEST

/* What does not apply runs as a ring: the tree for anything but an
 * all-reduce, the hierarchy with one member per node or one node. */
START_TEST(inapplicable_algorithms_fall_back_to_the_ring)
{
    collective_shape s;
    collective_shape_of(COLL_TREE, REDUCE_SCATTER, 8, 1, 1e6, &s);
    ck_assert_int_eq(s.algorithm, COLL_RING);
    ck_assert_int_eq(s.phase[0].steps, 7);
    collective_shape_of(COLL_HIERARCHICAL, ALL_REDUCE, 8, 1, 1e6, &s);
    ck_assert_int_eq(s.algorithm, COLL_RING);
    collective_shape_of(COLL_HIERARCHICAL, ALL_REDUCE, 4, 4, 1e6, &s);
    ck_assert_int_eq(s.algorithm, COLL_RING);
    collective_shape_of(COLL_HIERARCHICAL, ALL_GATHER, 8, 2, 1e6, &s);
    ck_assert_int_eq(s.algorithm, COLL_HIERARCHICAL);
    ck_assert_int_eq(s.phase_count, 2);
    ck_assert_int_eq(s.phase[0].pattern, PATTERN_RAIL_RINGS);
    ck_assert_int_eq(s.phase[1].pattern, PATTERN_NODE_RINGS);
}
END_TEST

/* Eight nodes of one GPU: 8 MiB pipelined in 512 KiB chunks per tree,
 * with NCCL's tree latency and protocol (test_nccl.c checks the form). */
static void check_tree(int stepwise)
{
    double payload = 8.0 * 1048576, bandwidth = 25e9, latency = 3e-6;
    topology t;
    simple_topology(&t, 8, 1, bandwidth, latency);
    double seconds = simulated_collective(&t, COLL_TREE, ALL_REDUCE, 8, 1, payload, stepwise);
    ck_assert_rel(seconds, collective_tree_time(8, 8, payload, latency, bandwidth), 1e-6);
}

START_TEST(tree_stepwise)
{
    check_tree(1);
}
END_TEST

START_TEST(tree_aggregated)
{
    check_tree(0);
}
END_TEST

/* Four nodes of two GPUs, each GPU on its own rail: NVLink 10x the NIC. */
static void rail_topology(topology* t)
{
    simple_topology(t, 4, 2, 25e9, 4e-6);
    t->nvlink = (link_spec){250e9, 1e-6, 1.0};
    t->nic_links = 2;
    t->uplink_bandwidth = 2 * 25e9;
}

static void check_hierarchical(collective_op op, int stepwise)
{
    double payload = 64e6;
    topology t;
    rail_topology(&t);
    double seconds = simulated_collective(&t, COLL_HIERARCHICAL, op, 8, 2, payload, stepwise);
    if (op == ALL_REDUCE) {
        ck_assert_rel(seconds, collective_hierarchical_time(8, 2, payload, 1e-6, 250e9, 4e-6, 25e9), 1e-6);
    } else {
        /* Two NCCL calls: a reduce-scatter ring in each node of g = 2, then
         * on the rails (m = 4 nodes) of S/g: each L + (k-1) S'/(k B e). */
        double expected = expected_ring_time(0, 2, 1, payload, 1e-6, 1e-6, 250e9, NULL)
                        + expected_ring_time(0, 4, 4, payload / 2, 1e-6, 4e-6, 25e9, NULL);
        ck_assert_rel(seconds, expected, 1e-6);
    }
}

START_TEST(hierarchical_all_reduce_stepwise)
{
    check_hierarchical(ALL_REDUCE, 1);
}
END_TEST

START_TEST(hierarchical_all_reduce_aggregated)
{
    check_hierarchical(ALL_REDUCE, 0);
}
END_TEST

START_TEST(hierarchical_reduce_scatter_stepwise)
{
    check_hierarchical(REDUCE_SCATTER, 1);
}
END_TEST

START_TEST(hierarchical_reduce_scatter_aggregated)
{
    check_hierarchical(REDUCE_SCATTER, 0);
}
END_TEST

/* On the rails the hierarchy moves every GPU's NIC, the flat ring one per
 * node: the simulated flat ring is paced by its NIC hops and takes about
 * twice the hierarchy (whose simulation the tests above pin to its form). */
START_TEST(hierarchy_beats_the_flat_ring_on_rails)
{
    topology t;
    rail_topology(&t);
    double ring = simulated_collective(&t, COLL_RING, ALL_REDUCE, 8, 2, 64e6, 0);
    ck_assert_rel(ring, expected_ring_time(1, 8, 4, 64e6, 1e-6, 4e-6, 25e9, NULL), 1e-6);
    ck_assert(collective_hierarchical_time(8, 2, 64e6, 1e-6, 250e9, 4e-6, 25e9) < 0.6 * ring);
}
END_TEST

/* Scenario-level: pure data parallelism, one GPU per node, no pipeline. */
static const char* dp_scenario =
    "format: 1\n"
    "model: {layers: 2, hidden: 1024, heads: 16, vocab: 1000, seq_len: 256}\n"
    "gpu: a100-sxm4-80gb\n"
    "cluster:\n  nodes: 8\n  gpus_per_node: 1\n  nic: {count: 1, bandwidth: 100Gbps, latency: 4us, efficiency: 1}\n"
    "parallelism: {tp: 1, pp: 1, dp: 8, zero: 0, dp_overlap: false, collective: ring}\n"
    "training: {global_batch: 8, iterations: 1}\n";

START_TEST(scenario_dp_reduction_matches_closed_form)
{
    scenario sc;
    run_result r;
    simulate_scenario(dp_scenario, &sc, &r);
    double payload = r.work.rank[0].dense_params * r.work.grad_element_bytes;
    ck_assert_int_eq(r.plan.stage[0].dp_reduce.phase[0].flow_count, 1);
    /* one GPU a node: no hop inside a node */
    ck_assert_rel(r.profile.dp_comm_exposed, expected_ring_time(1, 8, 8, payload, 0, 4e-6, 12.5e9, NULL), 0.005);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* Islands of one node: each DP hop leaves the island through the node's
 * inter-island link, which the 8 TP ranks' rings share. */
static const char* islands_scenario =
    "format: 1\n"
    "model: {layers: 2, hidden: 1024, heads: 16, vocab: 1000, seq_len: 256}\n"
    "gpu: a100-sxm4-80gb\n"
    "cluster:\n  nodes: 2\n  nic: {count: 8, bandwidth: 200Gbps, latency: 2us, efficiency: 1}\n"
    "  fabric: {topology: islands, island_nodes: 1, inter_island: {bandwidth: 400Gbps, latency: 6us}}\n"
    "parallelism: {tp: 8, pp: 1, dp: 2, zero: 0, dp_overlap: false}\n"
    "training: {global_batch: 2, iterations: 1}\n";

START_TEST(island_hop_carries_every_tp_rank)
{
    scenario sc;
    run_result r;
    simulate_scenario(islands_scenario, &sc, &r);
    const collective_plan* dp = &r.plan.stage[0].dp_reduce;
    ck_assert_int_eq(dp->shape.algorithm, COLL_RING);
    ck_assert_int_eq(dp->phase[0].flow_count, 8);
    double payload = r.work.rank[0].dense_params * r.work.grad_element_bytes;
    ck_assert_rel(r.profile.dp_comm_exposed, expected_ring_time(1, 2, 2, payload, 0, 8e-6, 50e9 / 8, NULL), 0.005);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* TP inside one node: per micro-batch, forward and backward all-reduces of
 * b*s*h*2 bytes over NVLink, exposed; with sequence parallelism (the
 * default) each an all-gather and a reduce-scatter, two NCCL calls. */
START_TEST(scenario_tp_allreduces_match_closed_form)
{
    const char* text =
        "format: 1\n"
        "model: {layers: 2, hidden: 1024, heads: 16, vocab: 1000, seq_len: 512}\n"
        "gpu: a100-sxm4-80gb\n"
        "cluster: {nodes: 1, nvlink: {bandwidth: 300GBps, latency: 2us, efficiency: 1}}\n"
        "parallelism: {tp: 8, pp: 1, dp: 1, micro_batch: 2, recompute: none}\n"
        "training: {global_batch: 4, iterations: 1}\n";
    scenario sc;
    run_result r;
    simulate_scenario(text, &sc, &r);
    const stage_work* st = &r.work.stage[0];
    int per_micro_batch = st->tp_fwd_allreduces + st->tp_bwd_allreduces;
    ck_assert_int_eq(per_micro_batch, 2 * 2 + 1 + 2 * 2 + 1);
    double one = 2 * expected_ring_time(0, 8, 1, 2.0 * 512 * 1024 * 2, 2e-6, 2e-6, 300e9, NULL);
    ck_assert_rel(r.profile.tp_comm, 2 * per_micro_batch * one, 0.005);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* Four nodes of one GPU exchange 3 x 16 MB with each other: every GPU's NIC
 * carries its three flows at once. */
static void check_alltoall(int stepwise)
{
    double pair = 16e6, bandwidth = 25e9, latency = 3e-6;
    int gpus[] = {0, 1, 2, 3};
    topology t;
    simple_topology(&t, 4, 1, bandwidth, latency);
    iteration_plan p;
    empty_plan(&p, gpus, 4);
    alltoall_plan* a = &p.stage[0].chunk[0].ep_fwd;
    a->bytes = pair;
    a->repeat = 3;
    a->flows = malloc(12 * sizeof *a->flows);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (i != j)
                a->flows[a->flow_count++] = (flow){i, j};
    step_profile prof;
    simulate_plan(&t, &p, stepwise, &prof);
    ck_assert_rel(prof.step_time, 3 * collective_alltoall_time(4, pair, latency, bandwidth), 1e-6);
    ck_assert_rel(prof.ep_comm, prof.step_time, 1e-12);
    step_profile_free(&prof);
    plan_free(&p);
}

START_TEST(alltoall_stepwise)
{
    check_alltoall(1);
}
END_TEST

START_TEST(alltoall_aggregated)
{
    check_alltoall(0);
}
END_TEST

/* ---- collective: auto ------------------------------------------------------ */

/* Pure data parallelism over DP nodes of one GPU, ZeRO 0, with MODEL. */
static void dp_nodes_scenario(strbuf* out, const char* model, int dp, const char* collective)
{
    strbuf_printf(out,
                  "format: 1\n"
                  "model: %s\n"
                  "gpu: a100-sxm4-80gb\n"
                  "cluster:\n  nodes: %d\n  gpus_per_node: 1\n"
                  "  nic: {count: 1, bandwidth: 100Gbps, latency: 5us, efficiency: 1}\n"
                  "parallelism: {tp: 1, pp: 1, dp: %d, zero: 0, dp_overlap: false, collective: %s}\n"
                  "training: {global_batch: %d, iterations: 1}\n",
                  model, dp, dp, collective, dp);
}

static const char* small_model = "{layers: 1, hidden: 32, heads: 4, vocab: 32, seq_len: 64}";
static const char* large_model = "{layers: 4, hidden: 2048, heads: 16, vocab: 32000, seq_len: 256}";

/* Auto takes the cheapest prediction, and the prediction is what the
 * simulation then gives the collective alone. */
static const collective_plan* auto_choice(const char* model, int dp, run_result* r, scenario* sc)
{
    strbuf text = {0};
    dp_nodes_scenario(&text, model, dp, "auto");
    simulate_scenario(strbuf_text(&text), sc, r);
    strbuf_free(&text);
    const collective_plan* c = &r->plan.stage[0].dp_reduce;
    ck_assert_int_eq(c->requested, COLL_AUTO);
    ck_assert(c->predicted[COLL_RING] > 0 && c->predicted[COLL_TREE] > 0);
    ck_assert(c->predicted[COLL_HIERARCHICAL] == 0);   /* one GPU per node */
    for (int k = COLL_RING; k <= COLL_HIERARCHICAL; k++)
        ck_assert(c->predicted[k] == 0 || c->predicted[c->shape.algorithm] <= c->predicted[k]);
    ck_assert_rel(r->profile.dp_comm_exposed, c->predicted[c->shape.algorithm], 0.01);
    return c;
}

/* A few kilobytes over 64 nodes: the ring's 126 latencies dominate and the
 * tree's 2 log2(64) win, as NCCL finds for small messages at scale. */
START_TEST(auto_picks_the_tree_for_small_payloads_on_many_nodes)
{
    scenario sc;
    run_result r;
    const collective_plan* c = auto_choice(small_model, 64, &r, &sc);
    ck_assert_int_eq(c->shape.algorithm, COLL_TREE);
    ck_assert(c->predicted[COLL_TREE] < 0.5 * c->predicted[COLL_RING]);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* Hundreds of megabytes over 4 nodes: bandwidth dominates and the ring's
 * 2(n-1)/n bytes per GPU beat the tree's 2. */
START_TEST(auto_picks_the_ring_for_large_payloads)
{
    scenario sc;
    run_result r;
    const collective_plan* c = auto_choice(large_model, 4, &r, &sc);
    ck_assert_int_eq(c->shape.algorithm, COLL_RING);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* Two DP ranks per node and a NIC per GPU: the hierarchy uses twice the
 * NICs and wins; asked for explicitly, the tree does not apply to ZeRO 1's
 * reduce-scatter and the report says the ring ran. */
static const collective_plan* simulate_four_by_four(const char* collective, scenario* sc, run_result* r)
{
    char extra[64];
    snprintf(extra, sizeof extra, "  zero: 1\n  collective: %s\n", collective);
    strbuf text = {0};
    tiny_scenario(&text, NULL, "", extra, NULL);
    replace_once(&text, "  tp: 2\n  pp: 2\n", "  tp: 4\n  pp: 1\n");
    simulate_scenario(strbuf_text(&text), sc, r);
    strbuf_free(&text);
    return &r->plan.stage[0].dp_reduce;
}

START_TEST(auto_picks_the_hierarchy_with_ranks_sharing_a_node)
{
    scenario sc;
    run_result r;
    const collective_plan* c = simulate_four_by_four("auto", &sc, &r);
    ck_assert_int_eq(c->shape.per_node, 2);
    ck_assert_int_eq(c->shape.algorithm, COLL_HIERARCHICAL);
    ck_assert(c->predicted[COLL_HIERARCHICAL] < c->predicted[COLL_RING]);
    ck_assert(c->predicted[COLL_TREE] == 0);   /* a reduce-scatter */
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(tree_for_a_reduce_scatter_runs_a_ring_and_says_so)
{
    scenario sc;
    run_result r;
    const collective_plan* c = simulate_four_by_four("tree", &sc, &r);
    ck_assert_int_eq(c->requested, COLL_TREE);
    ck_assert_int_eq(c->shape.algorithm, COLL_RING);
    strbuf report = {0};
    report_text(&sc, &r, &report);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&report), "ring over 4 ranks (2 per node), "));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&report), "(tree does not apply)"));
    strbuf_free(&report);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

Suite* collective_suite(void)
{
    Suite* s = suite_create("collective");
    TCase* tc = tcase_create("ring");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ring_without_latency_stepwise);
    tcase_add_test(tc, ring_without_latency_aggregated);
    tcase_add_test(tc, ring_with_latency_stepwise);
    tcase_add_test(tc, ring_with_latency_aggregated);
    tcase_add_test(tc, rings_sharing_a_nic_stepwise);
    tcase_add_test(tc, rings_sharing_a_nic_aggregated);
    tcase_add_test(tc, overlapped_reduction_leaves_the_last_bucket);
    tcase_add_test(tc, scenario_dp_reduction_matches_closed_form);
    tcase_add_test(tc, island_hop_carries_every_tp_rank);
    tcase_add_test(tc, scenario_tp_allreduces_match_closed_form);
    suite_add_tcase(s, tc);
    tc = tcase_create("algorithms");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, double_tree_is_two_spanning_trees);
    tcase_add_test(tc, inapplicable_algorithms_fall_back_to_the_ring);
    tcase_add_test(tc, tree_stepwise);
    tcase_add_test(tc, tree_aggregated);
    tcase_add_test(tc, hierarchical_all_reduce_stepwise);
    tcase_add_test(tc, hierarchical_all_reduce_aggregated);
    tcase_add_test(tc, hierarchical_reduce_scatter_stepwise);
    tcase_add_test(tc, hierarchical_reduce_scatter_aggregated);
    tcase_add_test(tc, hierarchy_beats_the_flat_ring_on_rails);
    tcase_add_test(tc, alltoall_stepwise);
    tcase_add_test(tc, alltoall_aggregated);
    suite_add_tcase(s, tc);
    tc = tcase_create("auto");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, auto_picks_the_tree_for_small_payloads_on_many_nodes);
    tcase_add_test(tc, auto_picks_the_ring_for_large_payloads);
    tcase_add_test(tc, auto_picks_the_hierarchy_with_ranks_sharing_a_node);
    tcase_add_test(tc, tree_for_a_reduce_scatter_runs_a_ring_and_says_so);
    suite_add_tcase(s, tc);
    return s;
}
