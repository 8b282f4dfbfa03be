/* test_nccl: NCCL's own cost model (sim/model/nccl_cost.c) against
 * NCCL's tables (src/graph/tuning.cc at v2.21.5-1) worked by hand; the
 * protocol its tuner picks on both sides of each switch point; the
 * simulated collectives on lone groups against their closed forms with
 * those latencies and protocols (ring, tree and hierarchy; small and large
 * messages, at a switch point); what `collective: auto` picks; and fp8's
 * amax all-reduces (model/amax_reduction.h) added to a step by their
 * closed form. The expected values come from tests/helpers.c's own copy of
 * NCCL's formulas, not from the model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "model/amax_reduction.h"
#include "model/nccl_cost.h"

#define US 1e-6

static nccl_call ring(collective_op op, int n, int nodes)
{
    return (nccl_call){COLL_RING, op, n, nodes, 0, 0};
}

static nccl_call tree(int n, int nodes)
{
    return (nccl_call){COLL_TREE, ALL_REDUCE, n, nodes, 0, 0};
}

/* ---- the model against NCCL's tables ----------------------------------- */

/* Each figure worked from tuning.cc's baseLat and hwLat: base + (steps -
 * inter-node steps) x max(NVLink's, the network's launch) + inter-node
 * steps x the network's; x 1.4 for a Simple ring all-reduce across nodes. */
START_TEST(ring_latencies_are_tunings_tables)
{
    nccl_call c = ring(ALL_REDUCE, 16, 2);   /* 30 steps, 4 of them across nodes */
    ck_assert_rel(nccl_latency(&c, NCCL_LL), (6.6 + 26 * 1.0 + 4 * 2.7) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_LL128), (14 + 26 * 1.9 + 4 * 4.0) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), 1.4 * (8.4 + 26 * 3.4 + 4 * 14) * US, 1e-12);
    c = ring(REDUCE_SCATTER, 8, 1);          /* 7 steps over NVLink */
    ck_assert_rel(nccl_latency(&c, NCCL_LL), (6.6 + 7 * 0.6) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_LL128), (14 + 7 * 1.9) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), (8.4 + 7 * 3.4) * US, 1e-12);
    c.intra_floor = 5 * US;                  /* links slower than NCCL's figures set the pace */
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), (8.4 + 7 * 5) * US, 1e-12);
    c = ring(ALL_GATHER, 64, 64);            /* one rank a node: 63 network steps, no plateau */
    ck_assert_rel(nccl_latency(&c, NCCL_LL), (6.6 + 63 * 2.7) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), (8.4 + 63 * 14) * US, 1e-12);
    c = ring(ALL_REDUCE, 4, 4);              /* 6 steps, 8 counted across nodes: NCCL's -2 intra steps */
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), 1.4 * (8.4 - 2 * 3.4 + 8 * 14) * US, 1e-12);
    c.inter_floor = 20 * US;
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), 1.4 * (8.4 - 2 * 3.4 + 8 * 20) * US, 1e-12);
    for (int p = 0; p < NCCL_PROTOCOL_COUNT; p++)
        ck_assert_rel(nccl_latency(&c, p), expected_ring_latency(1, 4, 4, p, 0, 20 * US), 1e-12);
}
END_TEST

/* The tree: base + 2 ((ranks a node - 1) x NVLink's + log2(nodes) x the
 * network's). */
START_TEST(tree_latencies_are_tunings_tables)
{
    nccl_call c = tree(16, 2);
    ck_assert_rel(nccl_latency(&c, NCCL_LL), (6.8 + 2 * (7 * 0.6 + 1 * 5.0)) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_LL128), (14 + 2 * (7 * 1.25 + 1 * 8.5)) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), 2 * (7 * 28 + 1 * 28) * US, 1e-12);
    c = tree(64, 64);
    ck_assert_rel(nccl_latency(&c, NCCL_LL), (6.8 + 2 * 6 * 5.0) * US, 1e-12);
    ck_assert_rel(nccl_latency(&c, NCCL_SIMPLE), 2 * 6 * 28 * US, 1e-12);
    c = tree(6, 3);   /* log2i(3) = 1 */
    for (int p = 0; p < NCCL_PROTOCOL_COUNT; p++)
        ck_assert_rel(nccl_latency(&c, p), expected_tree_latency(6, 3, p, 0, 0), 1e-12);
}
END_TEST

/* The protocols' shares of the bus bandwidth (tuning.cc:180-185 and the
 * tree's correction by size, 433-434). */
START_TEST(protocol_efficiencies_are_tunings)
{
    nccl_call c = ring(ALL_REDUCE, 16, 2);
    ck_assert_double_eq(nccl_efficiency(&c, NCCL_LL, 1e6), 0.5);
    ck_assert_double_eq(nccl_efficiency(&c, NCCL_LL128, 1e6), 0.92);
    ck_assert_double_eq(nccl_efficiency(&c, NCCL_SIMPLE, 1e6), 1.0);
    c = ring(ALL_REDUCE, 8, 8);   /* one rank a node */
    ck_assert_double_eq(nccl_efficiency(&c, NCCL_LL128, 1e6), 0.7);
    c = tree(16, 2);              /* 1 MiB: log2(2^20 / 64) = 14 */
    ck_assert_rel(nccl_efficiency(&c, NCCL_LL, 1048576), 0.92 / 3.8 * 0.5, 1e-12);
    ck_assert_rel(nccl_efficiency(&c, NCCL_LL128, 1048576), 0.92 * 120 / 128 * 0.6, 1e-12);
    ck_assert_rel(nccl_efficiency(&c, NCCL_SIMPLE, 1048576), 0.92 * 0.5, 1e-12);
    c = tree(8, 8);               /* 256 MiB: 22; one rank a node: x 0.85 */
    ck_assert_rel(nccl_efficiency(&c, NCCL_SIMPLE, 256.0 * 1048576), 0.92 * 0.85 * 0.9, 1e-12);
    ck_assert_rel(nccl_efficiency(&c, NCCL_SIMPLE, 1e9), 0.92 * 0.85, 1e-12);   /* past the table */
    c = tree(8, 1);
    ck_assert_rel(nccl_efficiency(&c, NCCL_LL128, 1e9), 0.92 * 7 / 9, 1e-12);
    for (int p = 0; p < NCCL_PROTOCOL_COUNT; p++)
        ck_assert_rel(nccl_efficiency(&c, p, 3e5), expected_tree_efficiency(8, 1, p, 3e5), 1e-12);
}
END_TEST

/* A ring all-reduce of 8 ranks in a node at 370 GB/s: LL (15 us) until
 * LL128 (40.6 us) catches up at S1 = 25.6 us / (1.75/B (1/0.5 - 1/0.92)),
 * LL128 until Simple (56 us) does at S2 = 15.4 us / (1.75/B (1/0.92 - 1)). */
START_TEST(the_tuner_switches_protocols_where_their_times_cross)
{
    nccl_call c = ring(ALL_REDUCE, 8, 1);
    double b = 370e9, k = 1.75 / b;
    double s1 = (40.6 - 15.0) * US / (k * (1 / 0.5 - 1 / 0.92));
    double s2 = (56.0 - 40.6) * US / (k * (1 / 0.92 - 1));
    const struct {
        double bytes;
        nccl_protocol expected;
    } cases[] = {{1e3, NCCL_LL}, {0.99 * s1, NCCL_LL}, {1.01 * s1, NCCL_LL128}, {0.99 * s2, NCCL_LL128},
                 {1.01 * s2, NCCL_SIMPLE}, {1e9, NCCL_SIMPLE}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nccl_choice x = nccl_choose(&c, cases[i].bytes, k * cases[i].bytes);
        ck_assert_int_eq(x.protocol, cases[i].expected);
        int p;
        double expected = expected_ring_time(1, 8, 1, cases[i].bytes, 0, 0, b, &p);
        ck_assert_int_eq(p, cases[i].expected);
        ck_assert_rel(x.seconds, expected, 1e-12);
    }
    nccl_call none = {0};   /* point-to-point sends: no latency, the whole bandwidth */
    nccl_choice x = nccl_choose(&none, 1e6, 1e-3);
    ck_assert_double_eq(x.latency, 0);
    ck_assert_double_eq(x.efficiency, 1);
}
END_TEST

/* ---- the simulation against the closed forms ---------------------------- */

/* One simulated collective per test (SimGrid runs once a process). */
typedef struct {
    collective_kind algorithm;
    int             n, per_node;
    double          payload;
    int             protocol;   /* the one the tuner must pick (the ring's, the tree's) */
    int             stepwise;
} sim_case;

/* A lone ring of N GPUs, PER_NODE to a node, all-reducing PAYLOAD: NCCL's
 * latency plus 2(n-1) S/(n B e) for the protocol its tuner picks. */
static double ring_expected(const sim_case* c, double bandwidth, double alpha)
{
    int p;
    double expected = expected_ring_time(1, c->n, c->n / c->per_node, c->payload, alpha, alpha, bandwidth, &p);
    ck_assert_int_eq(p, c->protocol);
    return expected;
}

/* The double tree over N one-GPU nodes: NCCL's tree latency plus k + 2d - 1
 * rounds of fan-out x chunk / (B e), e the tree's share for the size. */
static double tree_expected(const sim_case* c, double bandwidth, double alpha)
{
    int n = c->n;
    double half = c->payload / 2, slot = 4.0 * 1048576 / 8;
    int k = (int)ceil(half / slot), rounds = k + 2 * collective_tree_depth(n) - 1;
    double bytes = rounds * collective_tree_fan_out(n) * half / k, best = INFINITY;
    int winner = -1;
    for (int p = 0; p < 3; p++) {
        double time = expected_tree_latency(n, n, p, alpha, alpha)
                    + bytes / (bandwidth * expected_tree_efficiency(n, n, p, c->payload));
        if (time < best)
            best = time, winner = p;
    }
    ck_assert_int_eq(winner, c->protocol);
    return best;
}

/* Inside one node (8 GPUs, hops of 2 us at 25 GB/s) the LL128 / Simple
 * switch is at S2 = (L_Simple - L_LL128) / (1.75/B (1/0.92 - 1)), the
 * latencies floored at the links' 2 us. */
#define SIMPLE_SWITCH (((8.4 + 14 * 3.4) - (14 + 14 * 2.0)) * US / (1.75 / 25e9 * (1 / 0.92 - 1)))

static const sim_case sim_cases[] = {
    {COLL_RING, 8, 1, 4096, NCCL_LL, 0},                    /* small: LL */
    {COLL_RING, 8, 1, 4096, NCCL_LL, 1},
    {COLL_RING, 8, 1, 256e6, NCCL_SIMPLE, 0},               /* large: Simple */
    {COLL_RING, 8, 1, 256e6, NCCL_SIMPLE, 1},
    {COLL_RING, 8, 8, 0.98 * SIMPLE_SWITCH, NCCL_LL128, 0}, /* either side of the switch */
    {COLL_RING, 8, 8, 1.02 * SIMPLE_SWITCH, NCCL_SIMPLE, 0},
    {COLL_RING, 8, 8, 1.02 * SIMPLE_SWITCH, NCCL_SIMPLE, 1},
    {COLL_RING, 8, 2, 64e3, NCCL_LL, 0},                    /* 4 nodes of 2: 8 of 14 steps cross nodes */
    {COLL_RING, 8, 2, 64e6, NCCL_SIMPLE, 0},
    {COLL_TREE, 16, 1, 8192, NCCL_LL, 0},                   /* the tree */
    {COLL_TREE, 16, 1, 8192, NCCL_LL, 1},
    {COLL_TREE, 8, 1, 512e6, NCCL_LL128, 0},               /* the correction favours LL128 at 512 MB */
    {COLL_TREE, 8, 1, 2e9, NCCL_SIMPLE, 0},
};
enum { SIM_CASES = sizeof sim_cases / sizeof *sim_cases };

START_TEST(simulated_collective_is_its_closed_form)
{
    const sim_case* c = &sim_cases[_i];
    double bandwidth = 25e9, alpha = 2e-6;
    topology t;
    simple_topology(&t, c->n / c->per_node, c->per_node, bandwidth, alpha);
    double expected = c->algorithm == COLL_TREE ? tree_expected(c, bandwidth, alpha)
                                                : ring_expected(c, bandwidth, alpha);
    double seconds = simulated_collective(&t, c->algorithm, ALL_REDUCE, c->n, c->per_node, c->payload, c->stepwise);
    ck_assert_rel(seconds, expected, 1e-6);
}
END_TEST

/* The hierarchy is three NCCL calls, each with its own base latency and
 * protocol: a reduce-scatter in each node (g = 2), an all-reduce of S/g
 * over the rails (m = 4 nodes, one rank each), an all-gather in each node.
 * Loop: small or large payload, aggregated or step by step. */
START_TEST(hierarchy_is_three_nccl_calls)
{
    topology t;
    simple_topology(&t, 4, 2, 25e9, 4e-6);
    t.nvlink = (link_spec){250e9, 1e-6, 1.0};
    t.nic_links = 2;
    t.uplink_bandwidth = 2 * 25e9;
    double payload = _i / 2 ? 64e6 : 64e3;
    double node = expected_ring_time(0, 2, 1, payload, 1e-6, 4e-6, 250e9, NULL);
    double rails = expected_ring_time(1, 4, 4, payload / 2, 1e-6, 4e-6, 25e9, NULL);
    ck_assert_rel(simulated_collective(&t, COLL_HIERARCHICAL, ALL_REDUCE, 8, 2, payload, _i % 2), 2 * node + rails,
                  1e-6);
}
END_TEST

/* ---- collective: auto ----------------------------------------------------- */

/* Pure data parallelism over 64 one-GPU nodes with a tiny model: the tree's
 * 2 log2(64) network steps beat the ring's 126, as NCCL's tuner finds; the
 * predictions are the closed forms (the ring's here, computed apart), and
 * auto takes the least. */
START_TEST(auto_picks_what_the_closed_forms_say)
{
    const char* text =
        "format: 1\n"
        "model: {layers: 1, hidden: 32, heads: 4, vocab: 32, seq_len: 64}\n"
        "gpu: a100-sxm4-80gb\n"
        "cluster:\n  nodes: 64\n  gpus_per_node: 1\n"
        "  nic: {count: 1, bandwidth: 100Gbps, latency: 5us, efficiency: 1}\n"
        "parallelism: {tp: 1, pp: 1, dp: 64, zero: 0, dp_overlap: false, collective: auto}\n"
        "training: {global_batch: 64, iterations: 1}\n";
    scenario sc;
    run_result r;
    simulate_scenario(text, &sc, &r);
    const collective_plan* c = &r.plan.stage[0].dp_reduce;
    double payload = c->payload_bytes;
    ck_assert_rel(c->predicted[COLL_RING], expected_ring_time(1, 64, 64, payload, 0, 5e-6, 12.5e9, NULL), 1e-9);
    double tree_latency = INFINITY;
    for (int p = 0; p < 3; p++)
        tree_latency = fmin(tree_latency, expected_tree_latency(64, 64, p, 0, 5e-6));
    ck_assert(c->predicted[COLL_TREE] >= tree_latency);
    ck_assert(c->predicted[COLL_TREE] < c->predicted[COLL_RING]);
    ck_assert_int_eq(c->shape.algorithm, COLL_TREE);
    ck_assert_rel(r.profile.dp_comm_exposed, c->predicted[COLL_TREE], 0.01);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* ---- fp8's amax all-reduces ------------------------------------------------ */

/* Transformer Engine's buffer: 3 fp32 amaxes a GEMM forward, 2 backward,
 * 4 GEMMs a dense layer, 2 + 2 per local expert + 2 for the shared experts
 * in an MoE layer; none for torchao's per-GEMM scaling or bf16. */
START_TEST(amax_bytes_count_the_fp8_gemms)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, "", "", "  precision: fp8\n");
    replace_once(&text, "a100-sxm4-80gb", "h100-sxm5-80gb");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    workload w;
    workload_build(&sc, &w);
    int layers = 0;
    for (int c = 0; c < w.chunks; c++)
        layers += workload_chunk(&w, 0, c)->layers;
    ck_assert_double_eq(amax_reduction_bytes(&sc, &w, 0, 1), 4.0 * 3 * 4 * layers);
    ck_assert_double_eq(amax_reduction_bytes(&sc, &w, 0, 0), 4.0 * 2 * 4 * layers);
    sc.model.moe.experts = 16;
    sc.model.moe.shared_experts = 1;
    sc.par.ep = 4;
    ck_assert_int_eq(amax_gemms_per_layer(&sc, 1), 2 + 2 * 4 + 2);
    sc.train.fp8_weights = FP8W_PER_GEMM;
    ck_assert_double_eq(amax_reduction_bytes(&sc, &w, 0, 1), 0);
    sc.train.precision = PREC_BF16;
    ck_assert(!amax_reduction_applies(&sc));
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* TP 4 in one node, nothing else parallel: the only data-parallel time is
 * the amax all-reduces over the 4 GPUs, one at the end of every forward and
 * every backward pass, each a lone ring: NCCL's latency (LL: the bytes are
 * a few hundred) plus 6 S/4 / (B x 0.5). */
static const char* fp8_tp4 =
    "format: 1\n"
    "model: {layers: 2, hidden: 1024, heads: 16, vocab: 1000, seq_len: 512}\n"
    "gpu: h100-sxm5-80gb\n"
    "cluster: {nodes: 1, gpus_per_node: 4, nvlink: {bandwidth: 300GBps, latency: 1us, efficiency: 1}}\n"
    "parallelism: {tp: 4, pp: 1, dp: 1, micro_batch: 1, recompute: none, collective: ring}\n"
    "training: {global_batch: 3, iterations: 1, precision: fp8, fp8_weights: %s}\n";

static void simulate_fp8_tp4(const char* weights, scenario* sc, run_result* r)
{
    strbuf text = {0};
    strbuf_printf(&text, fp8_tp4, weights);
    simulate_scenario(strbuf_text(&text), sc, r);
    strbuf_free(&text);
}

START_TEST(amax_all_reduces_add_their_closed_form_to_the_step)
{
    scenario sc;
    run_result r;
    simulate_fp8_tp4("cached", &sc, &r);
    int m = r.plan.micro_batches;
    double fwd = r.plan.stage[0].amax_fwd.payload_bytes, bwd = r.plan.stage[0].amax_bwd.payload_bytes;
    ck_assert_int_eq(m, 3);
    ck_assert_double_eq(fwd, 4.0 * 3 * 4 * 2);
    ck_assert_double_eq(bwd, 4.0 * 2 * 4 * 2);
    int p;
    double one_fwd = expected_ring_time(1, 4, 1, fwd, 1e-6, 1e-6, 300e9, &p);
    ck_assert_int_eq(p, 0);
    double one_bwd = expected_ring_time(1, 4, 1, bwd, 1e-6, 1e-6, 300e9, NULL);
    ck_assert_rel(one_fwd, (6.6 + 6 * 1.0) * US + 6 * fwd / 4 / (300e9 * 0.5), 1e-12);
    ck_assert_rel(r.profile.dp_comm_exposed, m * (one_fwd + one_bwd), 1e-6);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(torchao_reduces_no_amax)
{
    scenario sc;
    run_result r;
    simulate_fp8_tp4("per_gemm", &sc, &r);
    ck_assert(!collective_has_flows(&r.plan.stage[0].amax_fwd));
    ck_assert_double_eq(r.profile.dp_comm_exposed, 0);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

Suite* nccl_suite(void)
{
    Suite* s = suite_create("nccl");
    TCase* tc = tcase_create("cost model");
    tcase_add_test(tc, ring_latencies_are_tunings_tables);
    tcase_add_test(tc, tree_latencies_are_tunings_tables);
    tcase_add_test(tc, protocol_efficiencies_are_tunings);
    tcase_add_test(tc, the_tuner_switches_protocols_where_their_times_cross);
    suite_add_tcase(s, tc);
    tc = tcase_create("simulated");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, simulated_collective_is_its_closed_form, 0, SIM_CASES);
    tcase_add_loop_test(tc, hierarchy_is_three_nccl_calls, 0, 4);
    tcase_add_test(tc, auto_picks_what_the_closed_forms_say);
    suite_add_tcase(s, tc);
    tc = tcase_create("amax");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, amax_bytes_count_the_fp8_gemms);
    tcase_add_test(tc, amax_all_reduces_add_their_closed_form_to_the_step);
    tcase_add_test(tc, torchao_reduces_no_amax);
    suite_add_tcase(s, tc);
    return s;
}
