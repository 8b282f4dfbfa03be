/* test_workload: FLOP and parameter formulas against hand-computed values,
 * the stage split, recompute, TP collective counts and model-state memory. */
#include <math.h>

#include <stdio.h>

#include "helpers.h"
#include "workload.h"

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
        workload_stage_layers(&sc, s, &f, &c);
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
    ck_assert_rel(w.stage[0].fwd_seconds, w.stage[0].fwd_flops / (312e12 * 267.9 / 312.0), 1e-12);
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

START_TEST(model_states_by_zero_stage)
{
    const char* model = "{layers: 4, hidden: 1024, heads: 16, vocab: 1000, seq_len: 512}";
    for (int zero = 0; zero <= 3; zero++) {
        char plan[96];
        snprintf(plan, sizeof plan, "{tp: 2, pp: 1, dp: 8, zero: %d}", zero);
        scenario sc;
        workload w;
        scenario_with(model, plan, NULL, &sc);
        workload_build(&sc, &w);
        /* 4 layers of 12h^2 + 4h, plus embedding and its tied head copy on the
         * single stage, split by TP 2; bf16 weights, fp32 gradients, 12-byte Adam. */
        double h = 1024;
        double P = (4 * (12 * h * h + 4 * h) + 2 * 1000 * h) / 2;
        const stage_work* st = &w.stage[0];
        ck_assert_rel(st->dense_params, P, 1e-12);
        ck_assert_rel(st->weight_bytes, 2 * P / (zero >= 3 ? 8 : 1), 1e-12);
        ck_assert_rel(st->grad_bytes, 4 * P / (zero >= 2 ? 8 : 1), 1e-12);
        ck_assert_rel(st->optimizer_bytes, 12 * P / (zero >= 1 ? 8 : 1), 1e-12);
        workload_free(&w);
        scenario_free(&sc);
    }
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
    tcase_add_test(tc, uneven_layers_go_to_early_stages);
    tcase_add_test(tc, recompute_adds_executed_flops);
    tcase_add_test(tc, stage_compute_time_and_split);
    tcase_add_test(tc, full_recompute_repeats_forward_collectives);
    tcase_add_test(tc, model_states_by_zero_stage);
    tcase_add_test(tc, gradient_precision);
    suite_add_tcase(s, tc);
    return s;
}
