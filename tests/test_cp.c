/* test_cp: context parallelism's K,V exchange (model/cp_exchange.h). On one
 * node (CP 8, nothing else on NVLink during the passes) the simulated
 * exposed CP time equals the closed form of docs/model.md ("Context
 * parallelism"), worked out here from the K,V chunk's bytes, the NVLink's
 * rate and the layer's attention times, for every cp_comm method on a fast
 * NVLink (p2p hides it all behind the attention) and a slow one (each step
 * shows its transfer's excess over its attention); step by step and
 * aggregated agree; cp = 1 changes no byte whatever cp_comm says; the
 * exchange's buffers count in the memory. Collapsed against full: in
 * test_detail.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "model/cp_exchange.h"
#include "model/memory.h"

/* Llama-3-8B-like layers (32 heads, 8 KV heads of 128) on 32k tokens over
 * CP 8: 4,096 tokens per rank, two micro-batches, nothing else in the
 * passes (TP 1, PP 1, no overlapped reduction). */
static const char* one_node =
    "format: 1\n"
    "name: one-node-cp\n"
    "model: {layers: 2, hidden: 4096, heads: 32, kv_heads: 8, ffn_hidden: 14336, ffn_kind: swiglu, vocab: 32000,"
    " seq_len: 32768, dropout: 0}\n"
    "gpu: h100-sxm5-80gb\n"
    "cluster: {nodes: 1, gpus_per_node: 8, nic: {count: 8, bandwidth: 400Gbps, latency: 2us}, nvlink: %s}\n"
    "parallelism: {tp: 1, pp: 1, dp: 1, cp: 8, micro_batch: 1, zero: 1, recompute: %s, dp_overlap: false,"
    " flash_attention: true, cp_comm: %s}\n"
    "training: {global_batch: 2, tokens: 1e9}\n";

#define CP 8
#define LAYERS 2
#define MICRO_BATCHES 2

/* NVLink at full speed and at a crawl (5 GB/s), each 1 us one way. */
static const char* const links[] = {"{bandwidth: 450GBps, latency: 1us}", "{bandwidth: 5GBps, latency: 1us}"};
static const double link_rate[] = {450e9, 5e9};
#define LATENCY 1e-6

static const char* const methods[] = {"p2p", "all_gather", "torch_all_gather"};

static void one_node_text(int link, const char* method, const char* recompute, strbuf* out)
{
    strbuf_printf(out, one_node, links[link], recompute, method);
}

static void json_of(const char* text, const char* arg, strbuf* out)
{
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    run_json_text(path, text, arg, out);
}

/* One send of BYTES to the next GPU of the node: one NVLink hop each way
 * (the latency split between the two ends), at the line rate times NCCL's
 * share of it (the catalog's nvlink_efficiency). */
static double send_seconds(double bytes, double rate, double efficiency)
{
    return LATENCY + bytes / (rate * efficiency);
}

/* The closed form, per step (m micro-batches x layers x each section's
 * n max(0, x - C)): sections written out from docs/model.md for METHOD,
 * with C_f and C_b the forward and backward attention of one of the c
 * steps and K the K,V chunk. FULL_RECOMPUTE (full or selective
 * recompute) adds the forward's again. */
static double expected_exposed(const char* method, int full_recompute, double kv, double c_f, double c_b,
                               double rate, double efficiency)
{
    double x1 = send_seconds(kv, rate, efficiency), x2 = send_seconds(2 * kv, rate, efficiency);
    double fwd, bwd;
    if (!strcmp(method, "p2p")) {
        fwd = (CP - 1) * fmax(0, x1 - c_f);
        bwd = 2 * fmax(0, x1 - c_b) + (CP - 2) * fmax(0, x2 - c_b);
    } else if (!strcmp(method, "all_gather")) {
        fwd = (CP - 1) * x1;
        bwd = 2 * (CP - 1) * x1;
    } else {
        fwd = fmax(0, (CP - 1) * x1 - c_f);
        bwd = fmax(0, (CP - 1) * x1 - c_b) + (CP - 1) * fmax(0, x2 - c_b) + x2;
    }
    if (full_recompute)
        bwd += fwd;
    return MICRO_BATCHES * LAYERS * (fwd + bwd);
}

/* Tolerance: the exchange runs alone on NVLink, so the simulation's
 * aggregated transfers take exactly n (alpha + S/B); only the rounding of
 * the simulated clock separates the two sides. */
#define TOLERANCE 1e-9

/* Loop index: method x link x recompute (none, full, selective: both
 * rerun the attention core's forward, so its sections). */
static const char* const recomputes[] = {"none", "full", "selective"};

START_TEST(one_node_exposed_cp_time_is_the_closed_form)
{
    const char* method = methods[_i / 6];
    int link = _i / 3 % 2, full = _i % 3 != 0;
    strbuf text = {0}, json = {0};
    one_node_text(link, method, recomputes[_i % 3], &text);
    json_of(strbuf_text(&text), NULL, &json);
    double simulated = number_in(strbuf_text(&json), "step_breakdown_s.cp_comm");
    scenario sc;
    workload w;
    load_scenario(strbuf_text(&text), &sc);
    workload_build(&sc, &w);
    /* K and V of 4,096 tokens x 8 KV heads x 128, 2 bytes each */
    double kv = 2.0 * 4096 * 8 * 128 * 2;
    ck_assert_double_eq(cp_kv_bytes(&sc), kv);
    double c_f = w.dense_layer.core_seconds / CP, c_b = w.dense_layer.core_bwd_seconds / CP;
    double expected = expected_exposed(method, full, kv, c_f, c_b, link_rate[link], sc.gpu.nvlink_efficiency);
    ck_assert_msg(fabs(simulated - expected) <= TOLERANCE * fmax(expected, 1e-3),
                  "%s on %s, recompute %s: simulated %.12g s, closed form %.12g s", method, links[link], recomputes[_i % 3],
                  simulated, expected);
    if (link == 0 && !strcmp(method, "p2p"))
        ck_assert_msg(simulated == 0, "p2p on the fast link hides every transfer: %.9g s", simulated);
    if (link == 1)
        ck_assert_msg(simulated > 0, "%s on the slow link shows its transfers", method);
    /* the breakdown still adds up to the step */
    const char* j = strbuf_text(&json);
    double parts = number_in(j, "step_breakdown_s.compute") + number_in(j, "step_breakdown_s.bubble")
                 + number_in(j, "step_breakdown_s.dp_comm_exposed") + number_in(j, "step_breakdown_s.optimizer")
                 + simulated;
    ck_assert_rel(parts, number_in(j, "step_time_s"), 1e-9);
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
    strbuf_free(&json);
}
END_TEST

/* The exchange moves time only between the exposed CP part and nothing
 * else: the compute of every method and link is the same. */
START_TEST(the_exchange_leaves_the_compute_alone)
{
    double compute[2 * 3];
    for (int i = 0; i < 6; i++) {
        strbuf text = {0}, json = {0};
        one_node_text(i % 2, methods[i / 2], "none", &text);
        json_of(strbuf_text(&text), NULL, &json);
        compute[i] = number_in(strbuf_text(&json), "step_breakdown_s.compute");
        strbuf_free(&text);
        strbuf_free(&json);
    }
    for (int i = 1; i < 6; i++)
        ck_assert_rel(compute[i], compute[0], 1e-12);
}
END_TEST

/* --stepwise-collectives runs every send beside its own step of attention;
 * aggregated, a section is one transfer beside all its steps: the same
 * exposed time, since a section's steps are equal. */
START_TEST(step_by_step_agrees_with_aggregated)
{
    strbuf text = {0}, one = {0}, each = {0};
    one_node_text(1, methods[_i], "none", &text);
    json_of(strbuf_text(&text), NULL, &one);
    json_of(strbuf_text(&text), "--stepwise-collectives", &each);
    ck_assert_rel(number_in(strbuf_text(&each), "step_breakdown_s.cp_comm"),
                  number_in(strbuf_text(&one), "step_breakdown_s.cp_comm"), 1e-9);
    ck_assert_rel(number_in(strbuf_text(&each), "step_time_s"), number_in(strbuf_text(&one), "step_time_s"), 1e-9);
    strbuf_free(&text);
    strbuf_free(&one);
    strbuf_free(&each);
}
END_TEST

/* Without context parallelism cp_comm has nothing to choose: the report
 * is the same to the byte. */
START_TEST(cp_1_changes_no_byte)
{
    strbuf text = {0}, written = {0}, plain = {0};
    read_file("scenarios/teach/tp8.yaml", &text);
    strbuf_append(&written, strbuf_text(&text));
    replace_once(&written, "recompute: selective}", "recompute: selective, cp: 1, cp_comm: torch_all_gather}");
    assert_same_json_report(strbuf_text(&text), strbuf_text(&written), &plain);
    ck_assert_double_eq(number_in(strbuf_text(&plain), "step_breakdown_s.cp_comm"), 0);
    strbuf_free(&text);
    strbuf_free(&written);
    strbuf_free(&plain);
}
END_TEST

/* The K,V chunk per TP rank: its KV heads, at least one (with more TP
 * ranks than KV heads each holds a copy of one). */
START_TEST(kv_chunk_counts_the_kv_heads_of_a_tp_rank)
{
    strbuf text = {0};
    one_node_text(0, "p2p", "none", &text);
    replace_once(&text, "tp: 1, pp: 1, dp: 1, cp: 8", "tp: 2, pp: 1, dp: 1, cp: 4");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_double_eq(cp_kv_bytes(&sc), 2.0 * 8192 * 4 * 128 * 2);   /* 8 KV heads over TP 2 */
    sc.par.tp = 16;
    ck_assert_double_eq(cp_kv_bytes(&sc), 2.0 * 8192 * 1 * 128 * 2);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* The exchange's buffers of one layer count once on top of the peak
 * activations: max(c, 4) chunks for p2p, 2c for all_gather, c + 6 for
 * PyTorch's (model/cp_exchange.h). */
START_TEST(exchange_buffers_count_in_the_activations)
{
    const double chunks[] = {CP > 4 ? CP : 4, 2 * CP, CP + 6};
    double activations[3];
    double kv = 2.0 * 4096 * 8 * 128 * 2;
    for (int i = 0; i < 3; i++) {
        strbuf text = {0};
        one_node_text(0, methods[i], "none", &text);
        scenario sc;
        workload w;
        memory_report m;
        load_scenario(strbuf_text(&text), &sc);
        workload_build(&sc, &w);
        memory_estimate(&sc, &w, &m);
        activations[i] = m.rank[0].activations;
        ck_assert_double_eq(cp_buffer_bytes(&sc), chunks[i] * kv);
        memory_report_free(&m);
        workload_free(&w);
        scenario_free(&sc);
        strbuf_free(&text);
    }
    ck_assert_rel(activations[1] - activations[0], (chunks[1] - chunks[0]) * kv, 1e-12);
    ck_assert_rel(activations[2] - activations[0], (chunks[2] - chunks[0]) * kv, 1e-12);
}
END_TEST

Suite* cp_suite(void)
{
    Suite* s = suite_create("cp");
    TCase* tc = tcase_create("closed form");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, one_node_exposed_cp_time_is_the_closed_form, 0, 18);
    tcase_add_test(tc, the_exchange_leaves_the_compute_alone);
    tcase_add_loop_test(tc, step_by_step_agrees_with_aggregated, 0, 3);
    tcase_add_test(tc, cp_1_changes_no_byte);
    tcase_add_test(tc, kv_chunk_counts_the_kv_heads_of_a_tp_rank);
    tcase_add_test(tc, exchange_buffers_count_in_the_activations);
    suite_add_tcase(s, tc);
    return s;
}
