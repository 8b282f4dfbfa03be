/* test_param_gather: parallelism.param_gather_overlap. On one node (ZeRO 1,
 * DP 8, 24 layers, nothing else on NVLink during the forward pass) the
 * exposed weight-gather time with the key equals the closed form of
 * docs/model.md ("param_gather_overlap"): the first bucket's gather plus
 * each later bucket's excess over the forward compute of the bucket before
 * it; the step falls by what the key hides; written false it changes no
 * byte; with ZeRO 0 and 3 it changes nothing. And with fp8 primary weights
 * the gather moves the layers' weights in fp8. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "input/gpu_catalog.h"

static const char* one_node =
    "format: 1\n"
    "name: one-node\n"
    "model: {layers: 24, hidden: 2048, heads: 16, vocab: 32000, seq_len: 2048}\n"
    "gpu: h100-sxm5-80gb\n"
    "cluster: {nodes: 1, gpus_per_node: 8, nic: {count: 8, bandwidth: 400Gbps, latency: 2us}, nvlink: %s}\n"
    "parallelism: {tp: 1, pp: 1, dp: 8, micro_batch: 1, zero: %d, dp_overlap: false%s}\n"
    "training: {global_batch: 16, tokens: 1e9}\n";

static void one_node_text(const char* nvlink, int zero, const char* extra, strbuf* out)
{
    strbuf_printf(out, one_node, nvlink, zero, extra);
}

static void json_of(const char* text, strbuf* out)
{
    char path[64];
    temp_path(path, sizeof path, ".yaml");
    run_json_text(path, text, NULL, out);
}

/* A fast NVLink (each bucket's gather shorter than a bucket's forward: only
 * the first shows) and a slow one (every gather outlasts the layers beside
 * it: the excess shows too). */
static const char* const links[] = {"{bandwidth: 450GBps, latency: 1us}", "{bandwidth: 20GBps, latency: 5us}"};

/* Megatron-Core's default bucket for DP 8: max(40e6, 1e6 x 8) parameters,
 * filled from the last parameter back (the remainder comes first). */
#define BUCKET_PARAMS 40e6

/* Tolerance: the gathers are the only flows on NVLink while they run, and
 * SimGrid's CM02 model without cross-traffic gives a lone ring's closed form
 * exactly (docs/design.md); what is left is the rounding of the simulated
 * clock over some thirty buckets, far below 1e-9 of the step. */
#define TOLERANCE 1e-9

START_TEST(exposed_weight_gather_is_the_closed_form)
{
    strbuf off_text = {0}, on_text = {0}, off = {0}, on = {0};
    one_node_text(links[_i], 1, "", &off_text);
    one_node_text(links[_i], 1, ", param_gather_overlap: true", &on_text);
    json_of(strbuf_text(&off_text), &off);
    json_of(strbuf_text(&on_text), &on);
    const char *a = strbuf_text(&off), *b = strbuf_text(&on);

    /* The ring's alpha and 1/B from the plan's lone-ring times: the gradients
     * (fp32) reduce-scatter twice the bytes the weights (bf16) gather, over
     * the same n - 1 = 7 steps: R = 7 alpha + 2 X, G = 7 alpha + X. */
    double gather = number_in(a, "collectives.dp_gather.predicted_s.ring");
    double reduce = number_in(a, "collectives.dp_reduce.predicted_s.ring");
    ck_assert_double_eq_tol(number_in(a, "collectives.dp_reduce.bytes"),
                            2 * number_in(a, "collectives.dp_gather.bytes"), 1);
    double latency = 2 * gather - reduce, transfer = reduce - gather;

    scenario sc;
    workload w;
    load_scenario(strbuf_text(&on_text), &sc);
    workload_build(&sc, &w);
    const stage_work* chunk = workload_chunk(&w, 0, 0);
    double params = chunk->dense_params;
    int buckets = (int)ceil(params / BUCKET_PARAMS);
    ck_assert_int_ge(buckets, 20);   /* many buckets: the test is about their chain */
    double exposed = 0, previous_forward = 0;
    for (int k = 0; k < buckets; k++) {
        double share = (k == 0 ? params - (buckets - 1) * BUCKET_PARAMS : BUCKET_PARAMS) / params;
        double g = latency + transfer * share;
        exposed += k == 0 ? g : fmax(0, g - previous_forward);
        previous_forward = chunk->fwd_seconds * share;
    }

    double off_dp = number_in(a, "step_breakdown_s.dp_comm_exposed");
    double on_dp = number_in(b, "step_breakdown_s.dp_comm_exposed");
    double expected = off_dp - gather + exposed;   /* the reduce-scatter stays at the step's end */
    ck_assert_msg(fabs(on_dp - expected) <= TOLERANCE * number_in(a, "step_time_s"),
                  "%s: simulated DP exposed %.12g s, closed form %.12g s (gather %.9g s, exposed part %.9g s)",
                  links[_i], on_dp, expected, gather, exposed);
    ck_assert_msg(exposed < gather, "the key must hide some of the gather");
    double step_off = number_in(a, "step_time_s"), step_on = number_in(b, "step_time_s");
    ck_assert_msg(fabs(step_off - step_on - (gather - exposed)) <= TOLERANCE * step_off,
                  "the step falls by %.9g s, the closed form hides %.9g s", step_off - step_on, gather - exposed);
    workload_free(&w);
    scenario_free(&sc);
    strbuf_free(&off_text);
    strbuf_free(&on_text);
    strbuf_free(&off);
    strbuf_free(&on);
}
END_TEST

/* Written false, and with ZeRO 0 (no weight gather) or ZeRO 3 (its gathers
 * are prefetched already), the key changes no byte of the report. */
static void assert_same_report(int zero, const char* value)
{
    strbuf plain = {0}, written = {0};
    char extra[64];
    snprintf(extra, sizeof extra, ", param_gather_overlap: %s", value);
    one_node_text(links[1], zero, "", &plain);
    one_node_text(links[1], zero, extra, &written);
    assert_same_json_report(strbuf_text(&plain), strbuf_text(&written), NULL);
    strbuf_free(&plain);
    strbuf_free(&written);
}

START_TEST(written_false_changes_no_byte)
{
    assert_same_report(1, "false");
}
END_TEST

START_TEST(zero_0_and_3_are_unchanged)
{
    assert_same_report(0, "true");
    assert_same_report(3, "true");
}
END_TEST

/* Training in fp8 with fp8 primary weights (training.fp8_weights: primary;
 * Megatron-Core's --fp8-param-gather), the distributed optimizer gathers the
 * layers' weights in fp8, one byte a parameter; the vocabulary table stays
 * bf16. Counted by hand for the 24-layer model on one pipeline rank: a layer
 * holds 4h^2 of attention, 8h^2 of MLP (GELU, f = 4h) and 4h of norms, and
 * the tied table V x h. */
START_TEST(fp8_primary_weights_gather_one_byte_a_layer_parameter)
{
    const double h = 2048, layers = 24 * (12 * h * h + 4 * h), table = 32000 * h;
    const char* text = "format: 1\nname: fp8-gather\n"
                       "model: {layers: 24, hidden: 2048, heads: 16, vocab: 32000, seq_len: 2048}\n"
                       "gpu: h100-sxm5-80gb\ncluster: {nodes: 1, gpus_per_node: 8}\n"
                       "parallelism: {tp: 1, pp: 1, dp: 8, micro_batch: 1, zero: 1}\n"
                       "training: {global_batch: 16, tokens: 1e9, precision: fp8, fp8_weights: %s}\n";
    const char* kinds[] = {"cached", "primary"};
    double bytes[2];
    for (int i = 0; i < 2; i++) {
        strbuf scenario_text = {0}, json = {0};
        strbuf_printf(&scenario_text, text, kinds[i]);
        json_of(strbuf_text(&scenario_text), &json);
        bytes[i] = number_in(strbuf_text(&json), "collectives.dp_gather.bytes");
        strbuf_free(&scenario_text);
        strbuf_free(&json);
    }
    ck_assert_double_eq(bytes[0], 2 * (layers + table));
    ck_assert_double_eq(bytes[1], layers + 2 * table);
}
END_TEST

/* ---- interleaving: a chunk at a time ------------------------------------
 * With interleaving the data-parallel collectives go a model chunk at a
 * time, where Megatron-Core's interleaved schedule hands them over
 * (docs/model.md, "Communication sizes"): pipeline rank 0, which runs the
 * step's last backward, has reduced every chunk's gradients but chunk 0's
 * by then, so its tail is chunk 0's reduce-scatter (and the weights'
 * all-gather unless param_gather_overlap moved it), each alone on its
 * NVLink ring; with param_gather_overlap it waits, before its first
 * forward, for chunk 0's weights alone, while rank 1 has its own by the
 * time its first activation arrives. */
static const char* interleaved_node =
    "format: 1\n"
    "name: interleaved-chunks\n"
    "model: {layers: 8, hidden: 2048, heads: 16, vocab: 32000, seq_len: 4096}\n"
    "gpu: h100-sxm5-80gb\n"
    "cluster: {nodes: 1, gpus_per_node: 8, nic: {count: 8, bandwidth: 400Gbps, latency: 2us},"
    " nvlink: {bandwidth: 450GBps, latency: 1us}}\n"
    "parallelism: {tp: 1, pp: 2, dp: 4, schedule: interleaved, virtual_stages: 2, micro_batch: 1, zero: 1,"
    " collective: ring, dp_overlap: %s, param_gather_overlap: %s}\n"
    "training: {global_batch: 16, tokens: 1e9}\n";

#define DP 4
#define NVLINK_LATENCY 1e-6

/* A ring reduce-scatter or all-gather of BYTES per member over the DP 4
 * GPUs of a pipeline rank, an NCCL call: its latency plus n - 1 steps of
 * BYTES / n over one NVLink hop each, at the line rate times NCCL's share
 * of it (the catalog's) times its protocol's. */
static double ring_seconds(double bytes)
{
    double rate = 450e9 * gpu_catalog_find("h100-sxm5-80gb")->nvlink_efficiency;
    return expected_ring_time(0, DP, 1, bytes, NVLINK_LATENCY, NVLINK_LATENCY, rate, NULL);
}

typedef struct {
    double tail;     /* rank 0: end - pipeline end - optimizer */
    double waits;    /* rank 0's waits for weights during the pipeline */
    double waits_1;  /* rank 1's */
    double params;   /* rank 0's dense parameters */
    double share;    /* chunk 0's share of them */
    double grad_bytes;
    double step;
} interleaved_case;

static void simulate_interleaved(const char* dp_overlap, const char* gather, interleaved_case* out)
{
    strbuf text = {0};
    strbuf_printf(&text, interleaved_node, dp_overlap, gather);
    scenario sc;
    run_result r;
    simulate_scenario(strbuf_text(&text), &sc, &r);
    ck_assert_int_eq(r.micro_batches, 4);   /* < 3p: simulated, not extrapolated */
    const stage_timing* t = &r.profile.stage[0];
    out->tail = t->end - t->pipeline_end - t->optimizer;
    out->waits = t->dp_inline;
    out->waits_1 = r.profile.stage[1].dp_inline;
    out->params = r.work.rank[0].dense_params;
    out->share = workload_chunk(&r.work, 0, 0)->dense_params / out->params;
    out->grad_bytes = r.work.grad_element_bytes;
    out->step = r.profile.step_time;
    ck_assert_double_eq_tol(r.profile.pipeline_time, t->pipeline_end, 1e-12);   /* rank 0 ends the pipeline */
    run_result_free(&r);
    scenario_free(&sc);
    strbuf_free(&text);
}

/* Loop index 0: dp_overlap (chunk 1's reduction hides in the cool-down),
 * 1: without (the whole reduction after the pipeline). One simulation per
 * test: SimGrid runs once per process. */
START_TEST(interleaved_gradients_reduce_a_chunk_at_a_time)
{
    interleaved_case c;
    simulate_interleaved(_i == 0 ? "true" : "false", "false", &c);
    double gather = ring_seconds(2.0 * c.params);
    double reduce = ring_seconds(c.grad_bytes * c.params * (_i == 0 ? c.share : 1.0));
    ck_assert_msg(fabs(c.tail - (reduce + gather)) <= TOLERANCE * c.step,
                  "dp_overlap %s: rank 0's tail %.12g s, closed form %.12g s (reduce-scatter %.9g s, "
                  "the weights' all-gather %.9g s)", _i == 0 ? "true" : "false", c.tail, reduce + gather, reduce,
                  gather);
    ck_assert_msg(c.waits == 0, "rank 0 waited %.9g s for a reduction during the pipeline", c.waits);
    ck_assert(c.share > 0.3 && c.share < 0.7);   /* chunk 1's reduction is a real part of the whole */
}
END_TEST

START_TEST(interleaved_weights_gather_a_chunk_at_a_time)
{
    interleaved_case c;
    simulate_interleaved("true", "true", &c);
    double chunk0_weights = ring_seconds(2.0 * c.params * c.share);
    double chunk0_gradients = ring_seconds(c.grad_bytes * c.params * c.share);
    ck_assert_msg(fabs(c.waits - chunk0_weights) <= TOLERANCE * c.step,
                  "rank 0 waits %.12g s for weights, closed form (chunk 0's all-gather) %.12g s", c.waits,
                  chunk0_weights);
    ck_assert_msg(c.waits_1 <= TOLERANCE * c.step, "rank 1 waits %.9g s for weights", c.waits_1);
    ck_assert_msg(fabs(c.tail - chunk0_gradients) <= TOLERANCE * c.step,
                  "rank 0's tail %.12g s, closed form (chunk 0's reduce-scatter) %.12g s", c.tail, chunk0_gradients);
}
END_TEST

Suite* param_gather_suite(void)
{
    Suite* s = suite_create("param_gather");
    TCase* tc = tcase_create("closed form");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, exposed_weight_gather_is_the_closed_form, 0, 2);
    tcase_add_test(tc, written_false_changes_no_byte);
    tcase_add_test(tc, zero_0_and_3_are_unchanged);
    tcase_add_test(tc, fp8_primary_weights_gather_one_byte_a_layer_parameter);
    tcase_add_loop_test(tc, interleaved_gradients_reduce_a_chunk_at_a_time, 0, 2);
    tcase_add_test(tc, interleaved_weights_gather_a_chunk_at_a_time);
    suite_add_tcase(s, tc);
    return s;
}
