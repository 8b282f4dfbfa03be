/* test_memory: activations against the equations of Korthikanti et al. 2022
 * (Table 2) and their fp8 form, micro-batches in flight by schedule, model
 * states by ZeRO stage and optimizer precision, fp8 weight copies, the
 * workspace (CUDA context, NCCL buffers, userbuffers) against hand counts,
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
        ck_assert_rel(g->total, tensors + g->workspace, 1e-12);   /* no fragmentation allowance */
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

/* GPT-3 175B on H100s, which train in fp8 too: PARALLEL and the training
 * section's extra keys TRAINING. */
static void gpt3_h100(const char* parallel, const char* training, scenario* sc, workload* w, memory_report* m)
{
    char text[1024];
    snprintf(text, sizeof text,
             "format: 1\nmodel: {layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048, dropout: 0}\n"
             "gpu: h100-sxm5-80gb\ncluster: {nodes: 128}\nparallelism: %s\n"
             "training: {global_batch: 1536, tokens: 1e9, %s}\n",
             parallel, training);
    load_scenario(text, sc);
    workload_build(sc, w);
    memory_estimate(sc, w, m);
}

static void release(scenario* sc, workload* w, memory_report* m)
{
    memory_report_free(m);
    workload_free(w);
    scenario_free(sc);
}

/* Adam's state per parameter: 12 bytes in fp32 (master weights, momentum,
 * variance); with bf16 moments 4 bytes when the weights are bf16 (they are
 * the master copy, as in NeMo's distributed Adam with optim.dtype bf16), 6
 * when they are fp16 or fp8 (a bf16 master copy besides); ZeRO 1 over dp 8.
 * The optimizer step reads and writes that state: 2S + 2 + 2G bytes a
 * parameter, 2 more to read the weights without a master copy. */
START_TEST(optimizer_precision_sets_adam_state)
{
    const struct {
        const char* training;
        double state, step_bytes;
    } cases[] = {
        {"precision: bf16", 12, 2 * 12 + 2 + 2 * 4},
        {"precision: bf16, optimizer_precision: fp32", 12, 2 * 12 + 2 + 2 * 4},
        {"precision: bf16, optimizer_precision: bf16", 4, 2 * 4 + 2 + 2 * 4 + 2},
        {"precision: fp16, optimizer_precision: bf16", 6, 2 * 6 + 2 + 2 * 2},
        {"precision: fp8, optimizer_precision: bf16", 4, 2 * 4 + 2 + 2 * 4 + 2},
        {"precision: fp8, optimizer_precision: bf16, fp8_weights: primary", 6, 2 * 6 + 2 + 2 * 4},
    };
    double step_seconds_per_byte = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario sc;
        workload w;
        memory_report m;
        gpt3_h100("{tp: 8, pp: 16, dp: 8, zero: 1}", cases[i].training, &sc, &w, &m);
        double P = w.rank[3].dense_params;
        ck_assert_msg(fabs(m.rank[3].optimizer - cases[i].state * P / 8) <= 1e-12 * m.rank[3].optimizer,
                      "%s: %.6g bytes, expected %.6g", cases[i].training, m.rank[3].optimizer,
                      cases[i].state * P / 8);
        double per_byte = w.rank[3].optimizer_seconds / (cases[i].step_bytes * P / 8);
        if (i == 0)
            step_seconds_per_byte = per_byte;
        ck_assert_msg(fabs(per_byte - step_seconds_per_byte) <= 1e-9 * per_byte,
                      "%s: the optimizer step moves other than %.0f bytes a parameter", cases[i].training,
                      cases[i].step_bytes);
        release(&sc, &w, &m);
    }
}
END_TEST

/* Training in fp8 with cached weights (Transformer Engine), every GEMM weight
 * has an fp8 copy and its transpose besides its bf16 self: 2 bytes a
 * parameter of the transformer layers, not of the embedding (rank 0) nor
 * the LM head (rank 15; tied, a copy of the embedding). Primary fp8 weights
 * and per-GEMM casts keep none; bf16 training keeps none whatever the key. */
START_TEST(fp8_weight_copies)
{
    const char* plan = "{tp: 8, pp: 16, dp: 8, zero: 1}";
    scenario sc;
    workload w;
    memory_report m;
    gpt3_h100(plan, "precision: fp8, fp8_weights: per_gemm", &sc, &w, &m);
    double plain[16], vocab = 51200.0 * 12288 / 8;
    for (int r = 0; r < 16; r++)
        plain[r] = m.rank[r].weights;
    double middle = w.rank[3].dense_params, first = w.rank[0].dense_params - vocab;
    release(&sc, &w, &m);

    gpt3_h100(plan, "precision: fp8", &sc, &w, &m);
    ck_assert_rel(m.rank[3].weights - plain[3], 2 * middle, 1e-12);
    ck_assert_rel(m.rank[0].weights - plain[0], 2 * first, 1e-12);
    ck_assert_rel(m.rank[15].weights - plain[15], 2 * (w.rank[15].dense_params - vocab), 1e-12);
    ck_assert_rel(m.rank[3].fp8_weights, 2 * middle, 1e-12);
    release(&sc, &w, &m);

    const char* none[] = {"precision: fp8, fp8_weights: primary", "precision: bf16, fp8_weights: cached"};
    for (int i = 0; i < 2; i++) {
        gpt3_h100(plan, none[i], &sc, &w, &m);
        ck_assert_double_eq(m.rank[3].fp8_weights, 0);
        ck_assert_rel(m.rank[3].weights, plain[3], 1e-12);
        release(&sc, &w, &m);
    }
}
END_TEST

/* In fp8 the GEMMs keep their inputs in fp8 for the backward pass: on GPT-3's
 * layer (f = 4h, no GQA, no dropout) with sequence parallelism the QKV and
 * fc1 inputs lose sbh/t each and the fc2 input 4sbh/t; the projection's
 * input gains an fp8 copy (sbh/t) beside FlashAttention's bf16 output, or
 * without FlashAttention the copy replaces the bf16 input (-sbh/t). Full
 * recompute keeps the layer input only, in bf16. */
START_TEST(fp8_keeps_gemm_inputs_in_one_byte)
{
    const struct {
        const char* parallel;
        double sbh_over_t;   /* fp8 minus bf16, in sbh/t */
    } cases[] = {
        {"{tp: 8, pp: 16, dp: 8, sequence_parallel: true, recompute: selective, flash_attention: true}", -1 - 1 - 4 + 1},
        {"{tp: 8, pp: 16, dp: 8, sequence_parallel: true, recompute: selective, flash_attention: false}",
         -1 - 1 - 4 - 1},
        {"{tp: 8, pp: 16, dp: 8, sequence_parallel: true, recompute: none, flash_attention: true}", -1 - 1 - 4 + 1},
        {"{tp: 8, pp: 16, dp: 8, sequence_parallel: true, recompute: full}", 0},
    };
    double sbh_t = 2048.0 * 1 * 12288 / 8;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario sc;
        workload w;
        memory_report m;
        gpt3_h100(cases[i].parallel, "precision: bf16", &sc, &w, &m);
        double bf16 = memory_layer_activations(&sc, 0);
        release(&sc, &w, &m);
        gpt3_h100(cases[i].parallel, "precision: fp8", &sc, &w, &m);
        double fp8 = memory_layer_activations(&sc, 0);
        release(&sc, &w, &m);
        ck_assert_msg(fabs(fp8 - bf16 - cases[i].sbh_over_t * sbh_t) <= 1e-9 * bf16,
                      "%s: fp8 - bf16 = %.6g sbh/t, expected %.0f", cases[i].parallel, (fp8 - bf16) / sbh_t,
                      cases[i].sbh_over_t);
    }
}
END_TEST

/* The workspace against a hand count. NCCL's buffers of one connection:
 * LL 524,288 + LL128 4,915,200 + Simple 4,194,304 bytes; a collective ring
 * holds one set on each of 32 channels; a point-to-point peer one set per
 * channel, 32 over NVLink, 2 over the network. GPT-3 on 8-GPU nodes with tp
 * 8, pp 16, dp 8: every rank has the TP ring and the DP ring (its dp
 * replicas are 8 ranks apart, in other nodes: a ring all the same); pipeline
 * neighbours are 64 ranks apart, over the network: rank 3 has two, rank 0
 * one, plus the tied embedding's ring with the last rank. */
START_TEST(workspace_matches_hand_count)
{
    const double set = 524288.0 + 4915200.0 + 4194304.0, context = 287047680.0 + 33554432.0;
    scenario sc;
    workload w;
    memory_report m;
    gpt3_h100("{tp: 8, pp: 16, dp: 8}", "precision: bf16", &sc, &w, &m);
    ck_assert_rel(m.rank[3].workspace, context + (32 + 32 + 2 * 2) * set, 1e-12);
    ck_assert_rel(m.rank[0].workspace, context + (32 + 32 + 1 * 2 + 32) * set, 1e-12);
    ck_assert_rel(m.rank[3].workspace_parts.nccl, (32 + 32 + 2 * 2) * set, 1e-12);
    release(&sc, &w, &m);

    /* Interleaving wraps the pipeline around: rank 0 has two neighbours. */
    gpt3_h100("{tp: 8, pp: 16, dp: 8, schedule: interleaved, virtual_stages: 2}", "precision: bf16", &sc, &w, &m);
    ck_assert_rel(m.rank[0].workspace_parts.nccl, (32 + 32 + 2 * 2 + 32) * set, 1e-12);
    release(&sc, &w, &m);

    /* Context parallel 2 inside a node: one NVLink peer; no TP ring at tp 1;
     * the DP ring spans dp x cp. */
    gpt3_h100("{tp: 1, pp: 16, dp: 4, cp: 2}", "precision: bf16", &sc, &w, &m);
    ck_assert_rel(m.rank[3].workspace_parts.nccl, (32 + 32 + 2 * 2) * set, 1e-12);
    release(&sc, &w, &m);

    /* Transformer Engine's userbuffers: ten buffers of s x b x h, the six
     * all-gather ones in fp8 under fp8. */
    const double sbh = 2048.0 * 2 * 12288;
    gpt3_h100("{tp: 8, pp: 16, dp: 8, micro_batch: 2, tp_comm_overlap: true}", "precision: bf16", &sc, &w, &m);
    ck_assert_rel(m.rank[3].workspace_parts.userbuffers, 10 * 2 * sbh, 1e-12);
    release(&sc, &w, &m);
    gpt3_h100("{tp: 8, pp: 16, dp: 8, micro_batch: 2, tp_comm_overlap: true}", "precision: fp8", &sc, &w, &m);
    ck_assert_rel(m.rank[3].workspace_parts.userbuffers, (6 * 1 + 4 * 2) * sbh, 1e-12);
    ck_assert_rel(m.rank[3].workspace, context + (32 + 32 + 2 * 2) * set + (6 * 1 + 4 * 2) * sbh, 1e-12);
    release(&sc, &w, &m);
}
END_TEST

/* An MoE layer's all-to-all opens every other expert-parallel rank: with tp 1
 * on 8-GPU nodes, ep 8 keeps the group in a node (7 NVLink peers, 32
 * channels each), ep 16 sends to 8 more over the network (2 channels each);
 * the experts' own data-parallel ring (dp/ep > 1) comes on top. */
START_TEST(expert_all_to_all_buffers)
{
    const double set = 524288.0 + 4915200.0 + 4194304.0;
    const struct {
        int ep, dp;
        double channel_sets;   /* the rank's, but for pipeline neighbours and the dense DP ring */
    } cases[] = {
        {8, 16, 7 * 32 + 32},
        {16, 16, 7 * 32 + 8 * 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "format: 1\nmodel: {layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024, "
                 "tie_embeddings: false, moe: {experts: 16, top_k: 2}}\ngpu: h100-sxm5-80gb\ncluster: {nodes: 4}\n"
                 "parallelism: {tp: 1, pp: 2, dp: %d, ep: %d}\ntraining: {global_batch: 256, tokens: 1e9}\n",
                 cases[i].dp, cases[i].ep);
        scenario sc;
        workload w;
        memory_report m;
        load_scenario(text, &sc);
        workload_build(&sc, &w);
        memory_estimate(&sc, &w, &m);
        /* the DP ring (32) and one pipeline peer 16 ranks away, over the network (2) */
        ck_assert_rel(m.rank[0].workspace_parts.nccl, (cases[i].channel_sets + 32 + 2) * set, 1e-12);
        release(&sc, &w, &m);
    }
}
END_TEST

/* A checkpoint holds the weights (2 bytes a parameter) and Adam's state:
 * 2 + 12 in fp32, 2 + 4 with bf16 moments and no master copy. Each run is
 * its own process (one SimGrid engine per process). */
START_TEST(checkpoint_holds_weights_and_adam_state)
{
    const struct {
        const char* optimizer;
        double bytes_per_parameter;
    } cases[] = {{"fp32", 14}, {"bf16", 6}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf text = {0}, training = {0};
        strbuf_printf(&training, "  optimizer_precision: %s\ncheckpoint:\n  interval: 100\n", cases[i].optimizer);
        tiny_scenario(&text, NULL, NULL, NULL, strbuf_text(&training));
        char path[256];
        temp_path(path, sizeof path, ".yaml");
        FILE* f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(strbuf_text(&text), f);
        fclose(f);
        command_result r;
        run_trainsim_ok((const char*[]){"run", "--json", path, NULL}, &r);
        double bytes = number_in(strbuf_text(&r.out), "checkpoint.bytes");
        double params = number_in(strbuf_text(&r.out), "model.parameters");
        ck_assert_rel(bytes, cases[i].bytes_per_parameter * params, 1e-12);
        command_result_free(&r);
        remove(path);
        strbuf_free(&training);
        strbuf_free(&text);
    }
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
    tcase_add_test(tc, optimizer_precision_sets_adam_state);
    tcase_add_test(tc, fp8_weight_copies);
    tcase_add_test(tc, fp8_keeps_gemm_inputs_in_one_byte);
    tcase_add_test(tc, workspace_matches_hand_count);
    tcase_add_test(tc, expert_all_to_all_buffers);
    tcase_add_test(tc, checkpoint_holds_weights_and_adam_state);
    tcase_add_test(tc, gpt3_on_64_a100_40gb_is_infeasible);
    suite_add_tcase(s, tc);
    return s;
}
