/* test_memory: activations against the equations of Korthikanti et al. 2022
 * (Table 2), micro-batches in flight by schedule, model states by ZeRO stage,
 * and an infeasible plan. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "model/memory.h"
#include "run/run.h"

#define GIB 1073741824.0

/* GPT-3 175B's layer (s 2048, h 12288, a 96) with micro-batch B, TP 8. */
static void gpt3(const char* parallel, scenario* sc)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\nmodel: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048}\n"
             "gpu: a100-sxm4-80gb\ncluster: {nodes: 128}\nparallelism: %s\n"
             "training: {global_batch: 1536, tokens: 1e9}\n",
             parallel);
    load_scenario(text, sc);
}

/* Korthikanti et al. 2022, Table 2, bytes per layer: */
static double korthikanti(const char* variant, double s, double b, double h, double a, double t)
{
    double sbh = s * b * h;
    if (!strcmp(variant, "tensor parallel"))
        return sbh * (10 + 24 / t + 5 * a * s / (h * t));
    if (!strcmp(variant, "tensor + sequence parallel"))
        return sbh / t * (34 + 5 * a * s / h);
    if (!strcmp(variant, "tensor parallel + selective recompute"))
        return sbh * (10 + 24 / t);
    if (!strcmp(variant, "tensor + sequence parallel + selective recompute"))
        return sbh / t * 34;
    return 2 * sbh;   /* full recompute: the layer input */
}

START_TEST(activations_match_korthikanti_table_2)
{
    const struct {
        const char* parallel;
        const char* variant;
    } cases[] = {
        {"{tp: 8, pp: 16, micro_batch: 1, sequence_parallel: false, recompute: none}", "tensor parallel"},
        {"{tp: 8, pp: 16, micro_batch: 1, sequence_parallel: true, recompute: none}", "tensor + sequence parallel"},
        {"{tp: 8, pp: 16, micro_batch: 2, sequence_parallel: false, recompute: selective}",
         "tensor parallel + selective recompute"},
        {"{tp: 4, pp: 16, micro_batch: 1, sequence_parallel: true, recompute: selective}",
         "tensor + sequence parallel + selective recompute"},
        {"{tp: 8, pp: 16, micro_batch: 4, sequence_parallel: false, recompute: full}", "full recompute"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario sc;
        gpt3(cases[i].parallel, &sc);
        double expected = korthikanti(cases[i].variant, 2048, sc.par.micro_batch, 12288, 96, sc.par.tp);
        ck_assert_msg(fabs(memory_layer_activations(&sc, 0) - expected) <= 1e-12 * expected,
                      "%s: %.6g bytes, Korthikanti %.6g", cases[i].variant, memory_layer_activations(&sc, 0),
                      expected);
        scenario_free(&sc);
    }
}
END_TEST

/* Without dropout the two sbh masks and the attention dropout's mask and
 * output (3as^2b) go: sbh(8 + 24/t + 2as/(ht)). */
START_TEST(activations_without_dropout)
{
    scenario sc;
    load_scenario("format: 1\nmodel: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048, "
                  "dropout: 0}\ngpu: a100-sxm4-80gb\ncluster: {nodes: 128}\n"
                  "parallelism: {tp: 8, pp: 16, sequence_parallel: false, recompute: none}\n"
                  "training: {global_batch: 1536, tokens: 1e9}\n",
                  &sc);
    double sbh = 2048.0 * 12288;
    ck_assert_rel(memory_layer_activations(&sc, 0), sbh * (8 + 24.0 / 8 + 2 * 96 * 2048.0 / (12288 * 8)), 1e-12);
    scenario_free(&sc);
}
END_TEST

static void report_for(const char* parallel, scenario* sc, workload* w, memory_report* m)
{
    gpt3(parallel, sc);
    workload_build(sc, w);
    memory_estimate(sc, w, m);
}

/* 1F1B keeps p - s micro-batches on rank s; GPipe all m. */
START_TEST(in_flight_micro_batches_follow_the_schedule)
{
    scenario sc;
    workload w;
    memory_report m;
    report_for("{tp: 8, pp: 16, dp: 8, recompute: full}", &sc, &w, &m);
    ck_assert_double_eq(m.rank[0].in_flight, 16);
    ck_assert_double_eq(m.rank[15].in_flight, 1);
    ck_assert_int_eq(m.worst, 0);
    memory_report_free(&m);
    workload_free(&w);
    scenario_free(&sc);
    report_for("{tp: 8, pp: 16, dp: 8, recompute: full, schedule: gpipe}", &sc, &w, &m);
    ck_assert_double_eq(m.rank[5].in_flight, 1536 / 8);
    memory_report_free(&m);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

/* Interleaving keeps 2(p-s-1) + (v-1)p + 1 chunk-micro-batches on rank s,
 * against 1F1B's p - s whole micro-batches: on rank 5 of 16 with v = 2,
 * (20 + 16 + 1) / 2 = 18.5 micro-batches' worth, not 11 (a middle rank: its
 * chunks are equal, without embedding or head). */
START_TEST(interleaving_keeps_more_in_flight)
{
    scenario sc;
    workload w;
    memory_report m;
    report_for("{tp: 8, pp: 16, dp: 8, recompute: full, schedule: interleaved, virtual_stages: 2}", &sc, &w, &m);
    double chunk_mbs = 2 * (16 - 5 - 1) + (2 - 1) * 16 + 1;
    ck_assert_rel(m.rank[5].in_flight, chunk_mbs / 2, 1e-12);
    memory_report_free(&m);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(model_states_by_zero_stage)
{
    for (int zero = 0; zero <= 3; zero++) {
        char plan[128];
        snprintf(plan, sizeof plan, "{tp: 8, pp: 16, dp: 8, zero: %d}", zero);
        scenario sc;
        workload w;
        memory_report m;
        report_for(plan, &sc, &w, &m);
        /* bf16 weights, fp32 gradients (Megatron's default for bf16), 12-byte Adam. */
        double P = w.rank[3].dense_params;
        const gpu_memory* g = &m.rank[3];
        double gathered = zero == 3 ? 2.0 * 2.0 * P / 6 : 0;   /* two of its six layers */
        ck_assert_rel(g->weights, 2 * P / (zero >= 3 ? 8 : 1) + gathered, 1e-12);
        ck_assert_rel(g->gradients, 4 * P / (zero >= 2 ? 8 : 1), 1e-12);
        ck_assert_rel(g->optimizer, 12 * P / (zero >= 1 ? 8 : 1), 1e-12);
        double tensors = g->weights + g->gradients + g->optimizer + g->activations;
        ck_assert_rel(g->total, tensors + MEMORY_WORKSPACE_BYTES + MEMORY_FRAGMENTATION * tensors, 1e-12);
        memory_report_free(&m);
        workload_free(&w);
        scenario_free(&sc);
    }
}
END_TEST

/* Context-parallel ranks hold the same dense weights: ZeRO shards them over
 * dp x cp (Megatron-Core's distributed optimizer over the data-parallel group
 * with context parallel), not over dp alone. */
START_TEST(zero_shards_over_dp_times_cp)
{
    scenario sc;
    workload w;
    memory_report m;
    report_for("{tp: 8, pp: 16, dp: 4, cp: 2, zero: 2}", &sc, &w, &m);
    double P = w.rank[3].dense_params;
    const gpu_memory* g = &m.rank[3];
    ck_assert_rel(g->weights, 2 * P, 1e-12);
    ck_assert_rel(g->gradients, 4 * P / 8, 1e-12);
    ck_assert_rel(g->optimizer, 12 * P / 8, 1e-12);
    memory_report_free(&m);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

/* Issue 3's example: 175B on 64 A100-40GB without ZeRO cannot fit. */
START_TEST(gpt3_on_64_a100_40gb_is_infeasible)
{
    scenario sc;
    load_scenario("format: 1\nmodel: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048}\n"
                  "gpu: a100-sxm4-40gb\ncluster: {nodes: 8}\n"
                  "parallelism: {tp: 8, pp: 8, dp: 1, zero: 0, recompute: full}\n"
                  "training: {global_batch: 64, tokens: 1e9, precision: fp16}\n",
                  &sc);
    run_result r;
    ck_assert_int_eq(run_prepare(&sc, &r), 1);
    ck_assert_int_eq(r.feasible, 0);
    ck_assert_ptr_nonnull(strstr(r.infeasible_reason, "weights"));
    ck_assert_ptr_nonnull(strstr(r.infeasible_reason, "activations"));
    ck_assert_ptr_nonnull(strstr(r.infeasible_reason, "more than the 40.0 GiB of the a100-sxm4-40gb"));
    const gpu_memory* g = &r.memory.rank[r.memory.worst];
    ck_assert(g->weights + g->gradients + g->optimizer > 40 * GIB);
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

Suite* memory_suite(void)
{
    Suite* s = suite_create("memory");
    TCase* tc = tcase_create("per GPU");
    tcase_add_test(tc, activations_match_korthikanti_table_2);
    tcase_add_test(tc, activations_without_dropout);
    tcase_add_test(tc, in_flight_micro_batches_follow_the_schedule);
    tcase_add_test(tc, interleaving_keeps_more_in_flight);
    tcase_add_test(tc, model_states_by_zero_stage);
    tcase_add_test(tc, zero_shards_over_dp_times_cp);
    tcase_add_test(tc, gpt3_on_64_a100_40gb_is_infeasible);
    suite_add_tcase(s, tc);
    return s;
}
