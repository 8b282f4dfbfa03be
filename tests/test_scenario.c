/* test_scenario: loading, defaults, and the exact message of each kind of
 * bad input: unknown key, wrong type, bad unit, out of range, missing key,
 * and the cross-field checks. */
#include <math.h>
#include <string.h>

#include <stdio.h>

#include "helpers.h"
#include "input/scenario_load.h"

static void expect_message(const char* text, const char* message)
{
    scenario sc;
    diag d;
    ck_assert_str_eq(load_error(text, &d, &sc), message);
    diag_free(&d);
    scenario_free(&sc);
}

/* The tiny scenario with extra lines appended to one section. */
/* The tiny scenario with OLD replaced by NEW. */
static void expect_edited_tiny_message(const char* old, const char* new_text, const char* message)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, old, new_text);
    expect_message(strbuf_text(&text), message);
    strbuf_free(&text);
}

static void expect_tiny_message(const char* model, const char* cluster, const char* parallel,
                                const char* training, const char* message)
{
    strbuf text = {0};
    tiny_scenario(&text, model, cluster, parallel, training);
    expect_message(strbuf_text(&text), message);
    strbuf_free(&text);
}

START_TEST(loads_tiny_with_defaults)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_str_eq(sc.name, "test");
    ck_assert_int_eq(sc.model.kv_heads, 16);
    ck_assert_int_eq(sc.model.ffn_hidden, 4096);
    ck_assert_int_eq(sc.cluster.gpus_per_node, 8);
    ck_assert_double_eq(sc.cluster.nvlink.bandwidth, 300e9);   /* from the GPU catalog */
    ck_assert_double_eq(sc.cluster.nic.bandwidth, 25e9);
    ck_assert_int_eq(sc.par.dp, 4);
    ck_assert_int_eq(sc.par.schedule, SCHED_1F1B);
    ck_assert_int_eq(sc.train.precision, PREC_BF16);
    ck_assert_int_eq(sc.output.replications, 20);
    ck_assert_int_eq(sc.failures.enabled, 0);
    ck_assert_double_eq(sc.power.gpu_busy, 400.0);   /* the A100's TDP; idle and communicating from H100 shares */
    ck_assert_double_eq_tol(sc.power.gpu_idle, 400.0 * 122.7 / 700.0, 1e-9);
    ck_assert_double_eq_tol(sc.power.gpu_comm, sc.power.gpu_idle + (400.0 - sc.power.gpu_idle) * 53.0 / 569.5, 1e-9);
    ck_assert_int_eq(scenario_world_size(&sc), 16);
    ck_assert_int_eq(scenario_micro_batches(&sc), 8);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

START_TEST(dp_auto_takes_whole_replicas)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, "  gpus_per_node: 7\n", NULL, NULL);
    /* 14 GPUs / (tp 2 x pp 2) = 3 whole replicas. */
    replace_once(&text, "dp: 4", "dp: auto");
    replace_once(&text, "global_batch: 32", "global_batch: 36");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.par.dp, 3);
    ck_assert_int_eq(sc.par.dp_auto, 1);
    ck_assert_int_eq(scenario_world_size(&sc), 12);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

START_TEST(reference_scenarios_load)
{
    const char* files[] = {"scenarios/tiny.yaml", "scenarios/gpt3-175b-1024.yaml",
                           "scenarios/gpt4-a100-25k.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        scenario sc;
        diag d;
        diag_init(&d, files[i]);
        int status = scenario_load_file(files[i], &sc, &d);
        ck_assert_msg(status == 0, "%s: %s", files[i], strbuf_text(&d.message));
        diag_free(&d);
        scenario_free(&sc);
    }
}
END_TEST

START_TEST(gpu_inline_map_overrides_base)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "gpu: a100-sxm4-80gb",
                 "gpu: {efficiency: 0.5, fp8_efficiency: 0.4, hbm: 96GiB, base: h100-sxm5-80gb}");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_str_eq(sc.gpu.name, "h100-sxm5-80gb");
    ck_assert_double_eq(sc.gpu.efficiency, 0.5);
    ck_assert_double_eq(sc.gpu.fp8_efficiency, 0.4);
    ck_assert_double_eq(sc.gpu.hbm_bytes, 96.0 * 1073741824.0);
    ck_assert_double_eq(sc.gpu.peak_flops[PREC_BF16], 989.4e12);
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

/* docs/scenario.md: an integer may be written in any notation whose value
 * is whole; a fraction is refused. */
START_TEST(integers_in_any_whole_notation)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "  tp: 2\n", "  tp: 2.0\n");
    replace_once(&text, "global_batch: 32", "global_batch: 3.2e1");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.par.tp, 2);
    ck_assert_int_eq(sc.train.global_batch, 32);
    scenario_free(&sc);
    strbuf_free(&text);
    expect_tiny_message(NULL, NULL, "  micro_batch: 1.5\n", NULL,
                        "test.yaml:16:16: parallelism.micro_batch: expected a positive integer no larger than 1000000, "
                        "found \"1.5\"");
}
END_TEST

START_TEST(unknown_key_suggests_the_nearest)
{
    expect_tiny_message("  layer: 4\n", NULL, NULL, NULL,
                        "test.yaml:8:3: model.layer: expected a key of model (layers, hidden, heads, "
                        "kv_heads, head_dim, ffn_hidden, ffn_kind, vocab, seq_len, dropout, tie_embeddings, moe), "
                        "found the unknown key \"layer\" (did you mean layers?)");
    expect_message("format: 1\nmodle: {}\n",
                   "test.yaml:2:1: modle: expected a key of the scenario (format, name, description, "
                   "seed, model, gpu, cluster, parallelism, training, failures, checkpoint, cost, "
                   "power, output, uncertain, targets), found the unknown key \"modle\" (did you mean model?)");
}
END_TEST

START_TEST(wrong_types)
{
    expect_tiny_message(NULL, NULL, "  sequence_parallel: yes\n", NULL,
                        "test.yaml:16:22: parallelism.sequence_parallel: expected true or false, found \"yes\"");
    expect_tiny_message(NULL, NULL, NULL, "  precision: bf17\n",
                        "test.yaml:19:14: training.precision: expected one of bf16, fp16, fp8, found \"bf17\"");
    expect_tiny_message(NULL, NULL, "  micro_batch: \"2\"\n", NULL,
                        "test.yaml:16:16: parallelism.micro_batch: expected a positive integer no larger "
                        "than 1000000, found \"2\"");
    expect_tiny_message(NULL, "  nvlink: 300GBps\n", NULL, NULL,
                        "test.yaml:11:11: cluster.nvlink: expected a mapping, found \"300GBps\"");
}
END_TEST

START_TEST(bad_units)
{
    expect_tiny_message(NULL, "  nic: {bandwidth: 200Gb}\n", NULL, NULL,
                        "test.yaml:11:20: cluster.nic.bandwidth: expected a bandwidth with a unit "
                        "(e.g. 200Gbps, 25GBps), found \"200Gb\"");
    expect_tiny_message(NULL, "  nvlink: {latency: 5}\n", NULL, NULL,
                        "test.yaml:11:21: cluster.nvlink.latency: expected a duration with a unit "
                        "(e.g. 1.5us, 5min, 3h), found \"5\"");
}
END_TEST

START_TEST(out_of_range_values)
{
    expect_tiny_message(NULL, "  nic: {bandwidth: 0Gbps}\n", NULL, NULL,
                        "test.yaml:11:20: cluster.nic.bandwidth: expected a bandwidth from 125000Bps to 1e+15Bps, found \"0Gbps\"");
    expect_tiny_message(NULL, NULL, "  zero: 4\n", NULL,
                        "test.yaml:16:9: parallelism.zero: expected a non-negative integer no larger "
                        "than 3, found \"4\"");
    expect_tiny_message("  ffn_hidden: 0\n", NULL, NULL, NULL,
                        "test.yaml:8:15: model.ffn_hidden: expected a positive integer no larger than "
                        "100000000, found \"0\"");
    expect_tiny_message(NULL, "  nvlink: {bandwidth: .nanGBps}\n", NULL, NULL,
                        "test.yaml:11:23: cluster.nvlink.bandwidth: expected a bandwidth with a unit "
                        "(e.g. 200Gbps, 25GBps), found \".nanGBps\"");
    expect_message("format: 2\n", "test.yaml:1:9: format: expected 1 (the scenario format version), found \"2\"");
}
END_TEST

START_TEST(nan_and_huge_values)
{
    const char* base = "format: 1\nmodel: {layers: %s, hidden: 64, heads: 4, vocab: 10, seq_len: 8}\n";
    char text[256];
    snprintf(text, sizeof text, base, ".nan");
    expect_message(text, "test.yaml:2:17: model.layers: expected a positive integer no larger than 100000, found \".nan\"");
    snprintf(text, sizeof text, base, "1e12");
    expect_message(text, "test.yaml:2:17: model.layers: expected a positive integer no larger than 100000, found \"1e12\"");
    snprintf(text, sizeof text, base, "-3");
    expect_message(text, "test.yaml:2:17: model.layers: expected a positive integer no larger than 100000, found \"-3\"");
}
END_TEST

START_TEST(missing_required_keys)
{
    expect_message("format: 1\nmodel: {layers: 2, hidden: 64, heads: 4, vocab: 10}\n",
                   "test.yaml:2:8: model.seq_len: expected a value (the key is required), found nothing");
    expect_message("name: x\n", "test.yaml:1:1: format: expected a value (the key is required), found nothing");
    expect_message("", "test.yaml:1:1: (document): expected a mapping with the scenario's keys, found an empty document");
    expect_message("- 1\n", "test.yaml:1:1: (document): expected a mapping, found a list");
}
END_TEST

START_TEST(tp_must_divide_heads)
{
    expect_tiny_message(NULL, NULL, "  tp: 3\n", NULL,
                        "test.yaml:16:3: parallelism.tp: duplicate key (first given at line 12)");
    expect_edited_tiny_message("tp: 2", "tp: 3",
                               "test.yaml:12:7: parallelism.tp: expected a divisor of model.heads (16), found 3");
}
END_TEST

START_TEST(world_must_fit_in_cluster)
{
    expect_edited_tiny_message("dp: 4", "dp: 8",
                               "test.yaml:14:7: parallelism.dp: expected at most 4 replicas (the cluster's 16 "
                               "GPUs / (tp x pp x cp = 4)), found 8 (32 GPUs)");
}
END_TEST

START_TEST(batch_must_split_into_micro_batches)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, "  micro_batch: 3\n", NULL);
    expect_message(strbuf_text(&text),
                   "test.yaml:18:17: training.global_batch: expected a multiple of dp x micro_batch "
                   "(4 x 3 = 12 sequences), found 32 (nearest: 24 or 36)");
    strbuf_free(&text);
}
END_TEST

START_TEST(layers_must_cover_stages)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "pp: 2", "pp: 8");
    replace_once(&text, "nodes: 2", "nodes: 8");
    expect_message(strbuf_text(&text),
                   "test.yaml:13:7: parallelism.pp: expected at most model.layers (4) pipeline stages, found 8");
    strbuf_free(&text);
}
END_TEST

START_TEST(cross_field_model_and_precision)
{
    expect_tiny_message("  kv_heads: 5\n", NULL, NULL, NULL,
                        "test.yaml:8:13: model.kv_heads: expected a divisor of model.heads (16), found 5");
    expect_tiny_message("  moe: {experts: 4, top_k: 8}\n", NULL, NULL, NULL,
                        "test.yaml:8:28: model.moe.top_k: expected at most model.moe.experts (4), found 8");
    expect_tiny_message(NULL, NULL, NULL, "  precision: fp8\n",
                        "test.yaml:19:14: training.precision: expected a precision that a100-sxm4-80gb "
                        "supports (bf16, fp16), found fp8");
    expect_tiny_message(NULL, NULL, "  ep: 2\n", NULL,
                        "test.yaml:16:7: parallelism.ep: expected 1 for a dense model (no model.moe "
                        "section), found 2");
    expect_tiny_message(NULL, NULL, "  schedule: interleaved\n", NULL,
                        "test.yaml:16:13: parallelism.virtual_stages: expected at least 2 model chunks per "
                        "rank with schedule: interleaved, found 1");
    expect_tiny_message(NULL, NULL, "  schedule: interleaved\n  virtual_stages: 3\n", NULL,
                        "test.yaml:17:19: parallelism.virtual_stages: expected a divisor of model.layers / "
                        "pp (4 layers over 2 stages) with schedule: interleaved, found 3");
}
END_TEST

START_TEST(custom_gpu_needs_an_nvlink_bandwidth)
{
    expect_edited_tiny_message("gpu: a100-sxm4-80gb",
                               "gpu: {name: mygpu, peak_bf16: 100TFLOPS, hbm: 32GiB, hbm_bandwidth: 1TBps, "
                               "efficiency: 0.7, sms: 100, hbm_efficiency: 0.9}",
                               "test.yaml:10:3: cluster.nvlink.bandwidth: expected a value (gpu has no "
                               "nvlink_bandwidth to default to), found nothing");
}
END_TEST

START_TEST(batch_and_length_given_once)
{
    expect_tiny_message(NULL, NULL, NULL, "  iterations: 10\n",
                        "test.yaml:19:15: training.iterations: expected either tokens or iterations, found both");
    expect_tiny_message(NULL, NULL, NULL, "  global_batch_tokens: 1e6\n",
                        "test.yaml:19:24: training.global_batch_tokens: expected either global_batch or "
                        "global_batch_tokens, found both");
}
END_TEST

START_TEST(global_batch_in_tokens_rounds_to_sequences)
{
    const char* text =
        "format: 1\n"
        "model: {layers: 4, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024}\n"
        "gpu: a100-sxm4-80gb\n"
        "cluster: {nodes: 1}\n"
        "parallelism: {tp: 2, pp: 2, dp: 2}\n"
        "training: {global_batch_tokens: 16384, iterations: 5}\n";
    scenario sc;
    load_scenario(text, &sc);
    ck_assert_int_eq(sc.train.global_batch, 16);
    ck_assert_int_eq(sc.train.iterations, 5);
    scenario_free(&sc);
}
END_TEST

START_TEST(failures_checkpoint_and_lists)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, "  batch_ramp: [{tokens: 1e8, global_batch: 8}, {tokens: 2e8, global_batch: 16}]\n");
    strbuf_append(&text, "failures:\n  distribution: weibull\n  shape: 0.7\n  components:\n"
                         "    - {kind: gpu, mtbf: 50000h, repair: 24h}\n"
                         "    - {kind: link, mtbf: 500000h, repair: 2h}\n"
                         "checkpoint: {interval: 3h, async: true, size: 2.5TB}\n"
                         "power: {gpu_busy: 380W}\n");
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    ck_assert_int_eq(sc.train.ramp_count, 2);
    ck_assert_int_eq(sc.train.ramp[1].global_batch, 16);
    ck_assert_int_eq(sc.failures.enabled, 1);
    ck_assert_int_eq(sc.failures.distribution, DIST_WEIBULL);
    ck_assert_uint_eq(sc.failures.component_count, 2);
    ck_assert_int_eq(sc.failures.components[1].kind, FAIL_LINK);
    ck_assert_double_eq(sc.failures.components[0].mtbf, 50000 * 3600.0);
    ck_assert_int_eq(sc.checkpoint.interval_auto, 0);
    ck_assert_double_eq(sc.checkpoint.interval_seconds, 3 * 3600.0);
    ck_assert_double_eq(sc.checkpoint.size_bytes, 2.5e12);
    ck_assert_double_eq(sc.power.gpu_busy, 380.0);
    ck_assert_double_eq_tol(sc.power.gpu_comm, sc.power.gpu_idle + (380.0 - sc.power.gpu_idle) * 53.0 / 569.5, 1e-9);
    ck_assert_double_eq(sc.power.pue, 1.2);
    scenario_free(&sc);
    strbuf_free(&text);

    expect_message("format: 1\nfailures:\n  components:\n    - {kind: cpu, mtbf: 1h, repair: 1h}\n",
                   "test.yaml:4:14: failures.components[0].kind: expected one of gpu, hbm, host, nic, "
                   "switch, link, software, found \"cpu\"");
}
END_TEST

START_TEST(marks_point_at_keys)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    scenario sc;
    load_scenario(strbuf_text(&text), &sc);
    const key_mark* m = scenario_find_mark(&sc, "parallelism.pp");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->line, 13);
    ck_assert_int_eq(m->col, 7);
    ck_assert_ptr_null(scenario_find_mark(&sc, "parallelism.cp"));
    scenario_free(&sc);
    strbuf_free(&text);
}
END_TEST

Suite* scenario_suite(void)
{
    Suite* s = suite_create("scenario");
    TCase* ok = tcase_create("valid");
    tcase_add_test(ok, loads_tiny_with_defaults);
    tcase_add_test(ok, dp_auto_takes_whole_replicas);
    tcase_add_test(ok, reference_scenarios_load);
    tcase_add_test(ok, gpu_inline_map_overrides_base);
    tcase_add_test(ok, integers_in_any_whole_notation);
    tcase_add_test(ok, global_batch_in_tokens_rounds_to_sequences);
    tcase_add_test(ok, failures_checkpoint_and_lists);
    tcase_add_test(ok, marks_point_at_keys);
    suite_add_tcase(s, ok);
    TCase* bad = tcase_create("errors");
    tcase_add_test(bad, unknown_key_suggests_the_nearest);
    tcase_add_test(bad, wrong_types);
    tcase_add_test(bad, bad_units);
    tcase_add_test(bad, out_of_range_values);
    tcase_add_test(bad, nan_and_huge_values);
    tcase_add_test(bad, missing_required_keys);
    tcase_add_test(bad, tp_must_divide_heads);
    tcase_add_test(bad, world_must_fit_in_cluster);
    tcase_add_test(bad, batch_must_split_into_micro_batches);
    tcase_add_test(bad, layers_must_cover_stages);
    tcase_add_test(bad, cross_field_model_and_precision);
    tcase_add_test(bad, batch_and_length_given_once);
    tcase_add_test(bad, custom_gpu_needs_an_nvlink_bandwidth);
    suite_add_tcase(s, bad);
    return s;
}
