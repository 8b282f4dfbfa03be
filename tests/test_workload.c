/* test_workload: FLOP and parameter formulas against hand-computed values,
 * the stage split, recompute, TP collective counts and model-state memory. */
#include <math.h>

#include <stdio.h>

#include "helpers.h"
#include "model/workload.h"

/* A scenario from a model line and a parallelism line, on 64 8-GPU nodes. */
static void scenario_with(const char* model, const char* parallel, const char* training, scenario* sc)
{
    strbuf text = {0};
    strbuf_printf(&text,
                  "format: 1\nmodel: %s\ngpu: a100-sxm4-80gb\ncluster: {nodes: 64}\n"
                  "parallelism: %s\ntraining: %s\n",
                  model, parallel, training ? training : "{global_batch: 64, tokens: 1e9}");
    load_scenario(strbuf_text(&text), sc);
    strbuf_free(&text);
}

static const char* gpt3 = "{layers: 96, hidden: 12288, heads: 96, vocab: 51200, seq_len: 2048}";

START_TEST(gpt3_flops_match_narayanan_eq3)
{
    scenario sc;
    workload w;
    scenario_with(gpt3, "{tp: 8, pp: 8, dp: 1, recompute: none}", NULL, &sc);
    workload_build(&sc, &w);
    /* Narayanan et al. 2021: 72 B s l h^2 (1 + s/6h + V/12lh) model FLOPs per
     * step, i.e. per token 72 l h^2 (1 + s/6h + V/12lh). */
    double h = 12288, l = 96, s = 2048, V = 51200;
    double expected = 72 * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    ck_assert_rel(w.model_flops_per_token, expected, 1e-12);
    ck_assert_rel(w.model_flops_per_token, 1.0764e12, 1e-4);   /* by hand */
    ck_assert_rel(w.hardware_flops_per_token, expected, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(gpt3_has_174_6b_parameters)
{
    scenario sc;
    workload w;
    scenario_with(gpt3, "{tp: 8, pp: 8, dp: 1}", NULL, &sc);
    workload_build(&sc, &w);
    /* 12 l h^2 + 4 l h (norms) + V h, the paper's 174.6B. */
    ck_assert_rel(w.params_total, 12.0 * 96 * 12288.0 * 12288 + 4.0 * 96 * 12288 + 51200.0 * 12288, 1e-12);
    ck_assert_rel(w.params_total, 174.6e9, 1e-3);
    ck_assert_rel(w.params_active, w.params_total, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(layer_flops_by_part)
{
    scenario sc;
    scenario_with("{layers: 2, hidden: 1024, heads: 16, kv_heads: 4, ffn_hidden: 2816, ffn_kind: swiglu, "
                  "vocab: 1000, seq_len: 4096}",
                  "{tp: 1, pp: 1, dp: 1}", NULL, &sc);
    layer_flops f = workload_layer_flops(&sc, 0);
    /* GQA: K and V have kv_heads x head size = 4 x 64 = 256 columns each. */
    ck_assert_double_eq(f.qkv, 2.0 * 1024 * (1024 + 2 * 256));
    ck_assert_double_eq(f.attention_core, 4.0 * 4096 * 1024);
    ck_assert_double_eq(f.projection, 2.0 * 1024 * 1024);
    ck_assert_double_eq(f.mlp, 3 * 2.0 * 1024 * 2816);   /* SwiGLU: three GEMMs */
    ck_assert_double_eq(f.router, 0);
    scenario_free(&sc);
}
END_TEST

/* A capacity below 1 drops the routed slots past it: the model computes
 * capacity_factor x top_k experts a token (and the hardware the same
 * slots), so HFU stays at MFU or above; above 1 the padding is hardware
 * FLOPs only. */
START_TEST(moe_capacity_below_one_drops_slots)
{
    const double h = 512, f = 2048;
    const char* factors[] = {"0.5", "1.25"};
    const double routed[] = {0.5 * 2, 2};
    for (int i = 0; i < 2; i++) {
        char model[256];
        snprintf(model, sizeof model,
                 "{layers: 4, hidden: 512, heads: 8, vocab: 1000, seq_len: 256, "
                 "moe: {experts: 8, top_k: 2, every: 2, capacity_factor: %s}}",
                 factors[i]);
        scenario sc;
        workload w;
        scenario_with(model, "{tp: 1, pp: 1, dp: 8, ep: 4}", NULL, &sc);
        workload_build(&sc, &w);
        ck_assert_double_eq(workload_layer_flops(&sc, 1).mlp, routed[i] * 4.0 * h * f);
        ck_assert_msg(w.hardware_flops_per_token >= w.model_flops_per_token,
                      "capacity %s: hardware %g < model %g FLOPs per token", factors[i], w.hardware_flops_per_token,
                      w.model_flops_per_token);
        workload_free(&w);
        scenario_free(&sc);
    }
}
END_TEST

START_TEST(moe_counts_top_k_experts)
{
    scenario sc;
    workload w;
    scenario_with("{layers: 4, hidden: 512, heads: 8, vocab: 1000, seq_len: 256, "
                  "moe: {experts: 8, top_k: 2, every: 2}}",
                  "{tp: 1, pp: 1, dp: 8, ep: 4}", NULL, &sc);
    workload_build(&sc, &w);
    double h = 512, f = 2048, s = 256;
    ck_assert_int_eq(workload_is_moe_layer(&sc, 0), 0);
    ck_assert_int_eq(workload_is_moe_layer(&sc, 1), 1);
    layer_flops moe = workload_layer_flops(&sc, 1);
    ck_assert_double_eq(moe.mlp, 2 * 4.0 * h * f);
    ck_assert_double_eq(moe.router, 2.0 * h * 8);
    double dense_layer = 24 * h * h + 4 * s * h;
    double moe_layer = 8 * h * h + 4 * s * h + 2 * 4 * h * f + 2 * h * 8;
    ck_assert_rel(w.model_flops_per_token, 3 * (2 * dense_layer + 2 * moe_layer + 2 * h * 1000), 1e-12);
    /* Parameters: two dense layers, two MoE layers with 8 experts and a router. */
    double attn_norms = 4 * h * h + 4 * h;
    double total = 2 * (attn_norms + 2 * h * f) + 2 * (attn_norms + h * 8 + 8 * 2 * h * f) + 1000 * h;
    ck_assert_rel(w.params_total, total, 1e-12);
    double active = 2 * (attn_norms + 2 * h * f) + 2 * (attn_norms + h * 8 + 2 * 2 * h * f) + 1000 * h;
    ck_assert_rel(w.params_active, active, 1e-12);
    /* EP 4: each GPU holds 8 / 4 = 2 experts of each MoE layer. */
    ck_assert_rel(w.stage[0].expert_params, 2 * 2 * 2 * h * f, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(uneven_layers_go_to_early_stages)
{
    scenario sc;
    scenario_with("{layers: 10, hidden: 256, heads: 4, vocab: 100, seq_len: 64}", "{tp: 1, pp: 4, dp: 1}",
                  NULL, &sc);
    const int first[] = {0, 3, 6, 8}, count[] = {3, 3, 2, 2};
    for (int s = 0; s < 4; s++) {
        int f, c;
        workload_stage_layers(&sc, s, 4, &f, &c);
        ck_assert_int_eq(f, first[s]);
        ck_assert_int_eq(c, count[s]);
    }
    scenario_free(&sc);
}
END_TEST

START_TEST(recompute_adds_executed_flops)
{
    const char* model = "{layers: 8, hidden: 1024, heads: 16, vocab: 1000, seq_len: 2048}";
    double h = 1024, s = 2048, L = 8;
    double layer = 24 * h * h + 4 * s * h, head = 2 * h * 1000;
    const struct {
        const char* plan;
        double extra;
    } cases[] = {
        {"{tp: 1, pp: 1, dp: 1, recompute: none}", 0},
        {"{tp: 1, pp: 1, dp: 1, recompute: selective}", L * 4 * s * h},
        {"{tp: 1, pp: 1, dp: 1, recompute: full}", L * layer},
    };
    for (int i = 0; i < 3; i++) {
        scenario sc;
        workload w;
        scenario_with(model, cases[i].plan, NULL, &sc);
        workload_build(&sc, &w);
        ck_assert_rel(w.model_flops_per_token, 3 * (L * layer + head), 1e-12);
        ck_assert_rel(w.hardware_flops_per_token, 3 * (L * layer + head) + cases[i].extra, 1e-12);
        /* Backward = 2 x forward + recompute. */
        ck_assert_rel(w.stage[0].bwd_flops, 2 * w.stage[0].fwd_flops + 2048 * cases[i].extra, 1e-12);
        workload_free(&w);
        scenario_free(&sc);
    }
}
END_TEST

START_TEST(stage_compute_time_and_split)
{
    scenario sc;
    workload w;
    scenario_with("{layers: 8, hidden: 1024, heads: 16, vocab: 1000, seq_len: 2048}",
                  "{tp: 4, pp: 2, dp: 2, micro_batch: 2, recompute: none}", NULL, &sc);
    workload_build(&sc, &w);
    double h = 1024, s = 2048;
    double layer = 24 * h * h + 4 * s * h;
    double tokens = 2 * 2048;
    ck_assert_rel(w.stage[0].fwd_flops, tokens * 4 * layer / 4, 1e-12);
    ck_assert_rel(w.stage[1].fwd_flops, tokens * (4 * layer + 2 * h * 1000) / 4, 1e-12);
    /* Stage time = its layers' kernels + the embedding (first stage): word and
     * position lookup and dropout, 15 bytes per element at the achievable HBM
     * bandwidth. */
    double embedding = 15.0 * tokens * h / (2039e9 * 1.80 / 2.04);
    ck_assert_rel(w.stage[0].fwd_seconds, 4 * w.dense_layer.fwd_seconds + embedding, 1e-9);
    ck_assert_rel(w.stage[0].bwd_seconds - 4 * w.dense_layer.bwd_seconds, 10.0 * tokens * h / (2039e9 * 1.80 / 2.04),
                  1e-9);
    /* The last stage adds the final layer norm (4 bytes per element of its
     * T/t x h under sequence parallelism, 6 backward), the LM head's GEMM
     * over V/t = 250 columns and the fused
     * vocab-parallel cross-entropy over the T x V/t logits: forward the fp32
     * cast with its maximum (2 + 4 bytes), the exponentials and their sum in
     * place (4 + 4), the division in place (4 + 4); backward the gradient in
     * bf16 (4 + 2). */
    ck_assert(sc.par.sequence_parallel);
    double hbm = 2039e9 * 1.80 / 2.04, logits = tokens * 1000 / 4, norm = tokens / 4 * h;
    double head_gemm = kernel_half_gemm_seconds(&w.rates, tokens, 250, h, 1);
    double head_back = kernel_half_gemm_seconds(&w.rates, tokens, h, 250, 1) + kernel_half_gemm_seconds(&w.rates, h, 250, tokens, 1);
    ck_assert_rel(w.stage[1].fwd_seconds - 4 * w.dense_layer.fwd_seconds - head_gemm,
                  (4.0 * norm + (6 + 8 + 8) * logits) / hbm, 1e-9);
    ck_assert_rel(w.stage[1].bwd_seconds - 4 * w.dense_layer.bwd_seconds - head_back,
                  (6.0 * norm + 6 * logits) / hbm, 1e-9);
    ck_assert_double_eq(w.tp_message_bytes, tokens * h * 2);
    ck_assert_double_eq(w.pp_message_bytes, tokens * h * 2 / 4);
    /* Two all-reduces per layer each way, one more for the embedding (first
     * stage, forward) and for the LM head input (last stage, backward). */
    ck_assert_int_eq(w.stage[0].tp_fwd_allreduces, 9);
    ck_assert_int_eq(w.stage[0].tp_bwd_allreduces, 8);
    ck_assert_int_eq(w.stage[1].tp_fwd_allreduces, 8);
    ck_assert_int_eq(w.stage[1].tp_bwd_allreduces, 9);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(interleaving_splits_ranks_into_chunks)
{
    scenario sc;
    workload w;
    scenario_with("{layers: 12, hidden: 256, heads: 4, vocab: 100, seq_len: 64}",
                  "{tp: 1, pp: 2, dp: 1, schedule: interleaved, virtual_stages: 3}",
                  "{global_batch: 4, tokens: 1e6}", &sc);
    workload_build(&sc, &w);
    ck_assert_int_eq(w.stages, 6);
    /* Chunk c of rank s is virtual stage c * p + s: rank 1 holds layers
     * 2-3, 6-7 and 10-11, the last with the LM head. */
    ck_assert_int_eq(workload_chunk(&w, 1, 0)->first_layer, 2);
    ck_assert_int_eq(workload_chunk(&w, 1, 1)->first_layer, 6);
    ck_assert_int_eq(workload_chunk(&w, 1, 2)->first_layer, 10);
    ck_assert_int_eq(workload_chunk(&w, 1, 2)->has_head, 1);
    ck_assert_int_eq(workload_chunk(&w, 0, 0)->has_embedding, 1);
    ck_assert_rel(w.rank[1].dense_params,
                  6 * (12.0 * 256 * 256 + 4 * 256) + 100 * 256, 1e-12);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(full_recompute_repeats_forward_collectives)
{
    scenario sc;
    workload w;
    scenario_with("{layers: 8, hidden: 1024, heads: 16, vocab: 1000, seq_len: 2048}",
                  "{tp: 4, pp: 2, dp: 2, recompute: full}", NULL, &sc);
    workload_build(&sc, &w);
    ck_assert_int_eq(w.stage[0].tp_bwd_allreduces, 16);
    ck_assert_int_eq(w.stage[1].tp_bwd_allreduces, 17);
    workload_free(&w);
    scenario_free(&sc);
}
END_TEST

START_TEST(gradient_precision)
{
    const char* model = "{layers: 2, hidden: 256, heads: 4, vocab: 100, seq_len: 64}";
    const struct {
        const char* training;
        double bytes;
    } cases[] = {
        {"{global_batch: 8, tokens: 1e6, precision: bf16}", 4},
        {"{global_batch: 8, tokens: 1e6, precision: fp16}", 2},
        {"{global_batch: 8, tokens: 1e6, precision: bf16, grad_precision: bf16}", 2},
        {"{global_batch: 8, tokens: 1e6, precision: fp16, grad_precision: fp32}", 4},
    };
    for (int i = 0; i < 4; i++) {
        scenario sc;
        workload w;
        scenario_with(model, "{tp: 1, pp: 1, dp: 8}", cases[i].training, &sc);
        workload_build(&sc, &w);
        ck_assert_double_eq(w.grad_element_bytes, cases[i].bytes);
        workload_free(&w);
        scenario_free(&sc);
    }
}
END_TEST

Suite* workload_suite(void)
{
    Suite* s = suite_create("workload");
    TCase* tc = tcase_create("formulas");
    tcase_add_test(tc, gpt3_flops_match_narayanan_eq3);
    tcase_add_test(tc, gpt3_has_174_6b_parameters);
    tcase_add_test(tc, layer_flops_by_part);
    tcase_add_test(tc, moe_counts_top_k_experts);
    tcase_add_test(tc, moe_capacity_below_one_drops_slots);
    tcase_add_test(tc, uneven_layers_go_to_early_stages);
    tcase_add_test(tc, recompute_adds_executed_flops);
    tcase_add_test(tc, stage_compute_time_and_split);
    tcase_add_test(tc, full_recompute_repeats_forward_collectives);
    tcase_add_test(tc, interleaving_splits_ranks_into_chunks);
    tcase_add_test(tc, gradient_precision);
    suite_add_tcase(s, tc);
    return s;
}
