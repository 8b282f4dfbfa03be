/* test_tp_overlap: parallelism.tp_comm_overlap. On one node (TP 8, nothing
 * else on NVLink) the simulated TP time with the key equals the closed form
 * of docs/model.md ("TP communication overlapped with the GEMMs"), worked
 * out here from the layer's GEMM times and the time of a ring exchange of
 * point-to-point sends (the run without the key, NCCL's all-gathers and
 * reduce-scatters, is checked against NCCL's closed form); the key moves the step down by what it
 * removes from the TP time and nothing else; written false it changes no
 * byte; the collapsed and full simulations agree with it (test_detail.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Transformer Engine's userbuffers defaults (docs/calibration.md): the
 * pipelined and bulk overlaps take 16 SMs from the GEMM, the pipelined one
 * runs in 4 chunks, the ring exchange in tp chunks on the copy engines. */
#define COMM_SMS 16.0
#define SPLITS   4.0

static const char* one_node =
    "format: 1\n"
    "name: one-node\n"
    "model: {layers: 4, hidden: 4096, heads: 32, vocab: 32000, seq_len: 2048}\n"
    "gpu: h100-sxm5-80gb\n"
    "cluster: {nodes: 1, gpus_per_node: 8, nic: {count: 8, bandwidth: 400Gbps, latency: 2us}, nvlink: %s}\n"
    "parallelism: {tp: 8, pp: 1, dp: 1, micro_batch: 1, zero: 1, recompute: selective%s}\n"
    "training: {global_batch: 8, tokens: 1e9}\n";

/* The one-node scenario's text on NVLINK, with tp_comm_overlap when OVERLAP. */
static void one_node_text(const char* nvlink, int overlap, strbuf* out)
{
    strbuf_printf(out, one_node, nvlink, overlap ? ", tp_comm_overlap: true" : "");
}


typedef struct {
    double step, compute, tp;
} step_parts;

static step_parts simulate_one_node(const char* nvlink, int overlap)
{
    strbuf text = {0}, json = {0};
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    one_node_text(nvlink, overlap, &text);
    run_json_text(path, strbuf_text(&text), NULL, &json);
    const char* j = strbuf_text(&json);
    step_parts p = {number_in(j, "step_time_s"), number_in(j, "step_breakdown_s.compute"),
                    number_in(j, "step_breakdown_s.tp_comm")};
    strbuf_free(&text);
    strbuf_free(&json);
    return p;
}

static const layer_kernel* kernel_named(const layer_cost* layer, const char* name)
{
    for (int i = 0; i < layer->count; i++)
        if (strcmp(layer->kernel[i].name, name) == 0)
            return &layer->kernel[i];
    ck_abort_msg("no kernel %s", name);
    return NULL;
}

/* What an all-gather of C seconds adds to its GEMM of G as a ring exchange
 * in T chunks; a reduce-scatter pipelined in SPLITS chunks on SMS - 16 SMs;
 * one beside an independent GEMM on SMS - 16 SMs. */
static double ring_exchange(double g, double c, int t)
{
    return fmax(g, c + g / t) - g;
}

static double pipelined(double g, double c, int sms)
{
    double slow = g * sms / (sms - COMM_SMS);
    return fmax(slow, c) + fmin(slow, c) / SPLITS - g;
}

static double bulk(double g, double c, int sms)
{
    return fmax(g * sms / (sms - COMM_SMS), c) - g;
}

/* The exposed TP seconds of one dense layer's forward and backward passes
 * with collectives of C seconds. */
static double layer_exposed(const layer_cost* layer, double c, int t, int sms)
{
    double exposed = 0;
    const char* column[] = {"QKV projection", "fc1"};
    const char* row[] = {"attention output projection", "fc2"};
    for (int i = 0; i < 2; i++) {
        const layer_kernel* col = kernel_named(layer, column[i]);
        const layer_kernel* out = kernel_named(layer, row[i]);
        exposed += ring_exchange(col->fwd_seconds, c, t) + pipelined(out->fwd_seconds, c, sms);
        exposed += ring_exchange(out->dgrad_seconds, c, t) + bulk(col->bwd_seconds - col->dgrad_seconds, c, sms);
    }
    return exposed;
}

/* NVLink at full speed (the GEMMs hide almost every collective: what shows
 * is mostly their slowdown and the pipelines' fill) and at a crawl (the
 * collectives outlast their GEMMs: what shows is mostly the excess). */
static const char* const links[] = {"{bandwidth: 450GBps, latency: 1us}", "{bandwidth: 5GBps, latency: 1us}"};

/* Tolerance: on one node the TP collectives are alone on NVLink, so both
 * runs take them in closed form inside the compute activity; only the
 * floating-point rounding of the simulated clock separates the two sides. */
#define TOLERANCE 1e-9

START_TEST(one_node_exposed_tp_time_is_the_closed_form)
{
    step_parts off = simulate_one_node(links[_i], 0), on = simulate_one_node(links[_i], 1);
    strbuf text = {0};
    one_node_text(links[_i], 1, &text);
    scenario sc;
    workload w;
    load_scenario(strbuf_text(&text), &sc);
    workload_build(&sc, &w);
    const stage_work* st = &w.stage[0];
    int t = 8, m = 8, sms = w.rates.sms, layers = sc.model.layers;
    ck_assert_int_eq(st->tp_fwd_allreduces + st->tp_bwd_allreduces, 4 * layers + 2);
    /* without the key: m x all-reduces x (an all-gather + a reduce-scatter), NCCL calls with NCCL's
     * latency; with it, userbuffers' ring exchanges of point-to-point sends, (t-1)(alpha + S/(t B)) */
    double bandwidth = sc.cluster.nvlink.bandwidth * sc.cluster.nvlink.efficiency, alpha = 1e-6;
    double nccl = expected_ring_time(0, t, 1, w.tp_message_bytes, alpha, alpha, bandwidth, NULL);
    ck_assert_msg(fabs(off.tp - m * (4.0 * layers + 2) * 2 * nccl) <= 1e-6 * off.tp, "%s: blocking %.12g s",
                  links[_i], off.tp);
    double collective = (t - 1) * (alpha + w.tp_message_bytes / (t * bandwidth));
    double expected = m * (layers * layer_exposed(&w.dense_layer, collective, t, sms) + 4 * collective);
    ck_assert_msg(fabs(on.tp - expected) <= TOLERANCE * expected, "%s: simulated %.12g s, closed form %.12g s",
                  links[_i], on.tp, expected);
    ck_assert_msg(on.tp < off.tp, "overlap must show less TP time");
    /* the slowdown counts as TP time: the compute stays the kernels' own */
    ck_assert_double_eq_tol(on.compute, off.compute, TOLERANCE * off.compute);
    double saved = off.tp - on.tp;
    ck_assert_msg(fabs(off.step - on.step - saved) <= TOLERANCE * off.step,
                  "the step falls by %.9g s, the TP time by %.9g s", off.step - on.step, saved);
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* The fast link hides most of it; the slow one leaves the excess over the
 * GEMMs: with 5 GB/s the collectives outlast every GEMM. */
START_TEST(the_faster_link_hides_more)
{
    ck_assert(simulate_one_node(links[0], 1).tp < simulate_one_node(links[1], 1).tp);
}
END_TEST

START_TEST(written_false_changes_no_byte)
{
    strbuf text = {0}, written = {0};
    read_file("scenarios/teach/tp8.yaml", &text);
    strbuf_append(&written, strbuf_text(&text));
    replace_once(&written, "recompute: selective}", "recompute: selective, tp_comm_overlap: false}");
    assert_same_json_report(strbuf_text(&text), strbuf_text(&written), NULL);
    strbuf_free(&text);
    strbuf_free(&written);
}
END_TEST

Suite* tp_overlap_suite(void)
{
    Suite* s = suite_create("tp_overlap");
    TCase* tc = tcase_create("closed form");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, one_node_exposed_tp_time_is_the_closed_form, 0, 2);
    tcase_add_test(tc, the_faster_link_hides_more);
    tcase_add_test(tc, written_false_changes_no_byte);
    suite_add_tcase(s, tc);
    return s;
}
