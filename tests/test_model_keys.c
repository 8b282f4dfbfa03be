/* test_model_keys: the model keys that name what current training stacks do
 * (model.tie_embeddings, model.head_dim, model.moe.expert_ffn_hidden,
 * shared_experts and first_dense). Each test moves one key on a small case and
 * checks the change in parameters, FLOPs per token, memory and step compute
 * against its closed form (docs/model.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "model/memory.h"
#include "model/workload.h"
#include "run/run.h"

/* A scenario from a model mapping and a parallelism mapping, on 8 8-GPU A100 nodes. */
static void scenario_with(const char* model, const char* parallel, scenario* sc)
{
    strbuf text = {0};
    strbuf_printf(&text,
                  "format: 1\nmodel: %s\ngpu: a100-sxm4-80gb\ncluster: {nodes: 8}\n"
                  "parallelism: %s\ntraining: {global_batch: 64, tokens: 1e9}\n",
                  model, parallel);
    load_scenario(strbuf_text(&text), sc);
    strbuf_free(&text);
}

/* The workload and memory of the scenario MODEL, PARALLEL. */
typedef struct {
    scenario      sc;
    workload      w;
    memory_report m;
} built;

static void build(const char* model, const char* parallel, built* b)
{
    scenario_with(model, parallel, &b->sc);
    workload_build(&b->sc, &b->w);
    memory_estimate(&b->sc, &b->w, &b->m);
}

static void unbuild(built* b)
{
    memory_report_free(&b->m);
    workload_free(&b->w);
    scenario_free(&b->sc);
}

/* Model states per GPU on pipeline rank RANK. */
static double model_states(const built* b, int rank)
{
    const gpu_memory* g = &b->m.rank[rank];
    return g->weights + g->gradients + g->optimizer;
}

/* ---- model.tie_embeddings ------------------------------------------------ */

#define TIED_MODEL "{layers: 4, hidden: 256, heads: 4, vocab: 1000, seq_len: 64%s}"

static void build_tied(int tied, const char* parallel, built* b)
{
    char model[256];
    snprintf(model, sizeof model, TIED_MODEL, tied ? ", tie_embeddings: true" : ", tie_embeddings: false");
    build(model, parallel, b);
}

/* The default is tied: a file without the key reads as tie_embeddings: true. */
START_TEST(embeddings_are_tied_by_default)
{
    built absent, tied;
    char model[256];
    snprintf(model, sizeof model, TIED_MODEL, "");
    build(model, "{tp: 2, pp: 2, dp: 1}", &absent);
    build_tied(1, "{tp: 2, pp: 2, dp: 1}", &tied);
    ck_assert_int_eq(absent.sc.model.tie_embeddings, 1);
    ck_assert_double_eq(absent.w.params_total, tied.w.params_total);
    ck_assert_double_eq(absent.w.rank[1].dense_params, tied.w.rank[1].dense_params);
    unbuild(&absent);
    unbuild(&tied);
}
END_TEST

/* Untying adds the LM head's own V x h table to the model (total and active
 * parameters, so the checkpoint's 14 bytes per parameter), not to its FLOPs
 * (the head GEMM is 2hV per token either way). With pp = 2 each end stage
 * holds one table either way: the tied model's last stage keeps a copy. */
START_TEST(untied_embeddings_add_a_head_table)
{
    built tied, untied;
    build_tied(1, "{tp: 2, pp: 2, dp: 1}", &tied);
    build_tied(0, "{tp: 2, pp: 2, dp: 1}", &untied);
    double table = 1000.0 * 256;
    ck_assert_rel(untied.w.params_total - tied.w.params_total, table, 1e-12);
    ck_assert_rel(untied.w.params_active - tied.w.params_active, table, 1e-12);
    ck_assert_double_eq(untied.w.model_flops_per_token, tied.w.model_flops_per_token);
    for (int s = 0; s < 2; s++) {
        ck_assert_double_eq(untied.w.rank[s].dense_params, tied.w.rank[s].dense_params);
        ck_assert_double_eq(untied.w.stage[s].fwd_seconds, tied.w.stage[s].fwd_seconds);
        ck_assert_double_eq(model_states(&untied, s), model_states(&tied, s));
    }
    /* Each end rank: two layers of 12h^2 + 4h and one table, over TP 2. */
    double h = 256, layers = 2 * (12 * h * h + 4 * h);
    ck_assert_rel(tied.w.rank[0].dense_params, (layers + table) / 2, 1e-12);
    ck_assert_rel(tied.w.rank[1].dense_params, (layers + table) / 2, 1e-12);
    unbuild(&tied);
    unbuild(&untied);
}
END_TEST

/* With one pipeline rank a tied model holds one table, an untied one two:
 * untying adds V h / t parameters to the rank, and 2 + G + 12/dp bytes of
 * model states each under ZeRO 1 (dp 4), and the optimizer step's traffic. */
START_TEST(one_rank_holds_one_tied_table)
{
    built tied, untied;
    build_tied(1, "{tp: 2, pp: 1, dp: 4}", &tied);
    build_tied(0, "{tp: 2, pp: 1, dp: 4}", &untied);
    double h = 256, table = 1000.0 * h, layers = 4 * (12 * h * h + 4 * h);
    ck_assert_rel(tied.w.rank[0].dense_params, (layers + table) / 2, 1e-12);
    ck_assert_rel(untied.w.rank[0].dense_params, (layers + 2 * table) / 2, 1e-12);
    double G = tied.w.grad_element_bytes;
    ck_assert_rel(model_states(&untied, 0) - model_states(&tied, 0), (2 + G + 12.0 / 4) * table / 2, 1e-9);
    ck_assert(untied.w.rank[0].optimizer_seconds > tied.w.rank[0].optimizer_seconds);
    ck_assert_double_eq(untied.w.stage[0].fwd_seconds, tied.w.stage[0].fwd_seconds);
    unbuild(&tied);
    unbuild(&untied);
}
END_TEST

/* ---- model.head_dim ------------------------------------------------------ */

/* h 256 with 4 heads of 128 (attention width 512 = 2h, as Qwen3's 4096 with
 * 64 heads of 128) against the default 256 / 4 = 64, GQA with 2 KV heads,
 * TP 2, s 128, micro-batch 2, no recompute. */
#define WIDE_MODEL "{layers: 2, hidden: 256, heads: 4, kv_heads: 2, vocab: 1000, seq_len: 128%s}"
#define WIDE_PARALLEL "{tp: 2, pp: 1, dp: 1, micro_batch: 2, recompute: none, sequence_parallel: false%s}"

static void build_wide(int head_dim, int flash, built* b)
{
    char model[256], parallel[256], key[64] = "";
    if (head_dim)
        snprintf(key, sizeof key, ", head_dim: %d", head_dim);
    snprintf(model, sizeof model, WIDE_MODEL, key);
    snprintf(parallel, sizeof parallel, WIDE_PARALLEL, flash ? ", flash_attention: true" : "");
    build(model, parallel, b);
}

static const layer_kernel* kernel_named(const layer_cost* c, const char* name)
{
    for (int i = 0; i < c->count; i++)
        if (!strcmp(c->kernel[i].name, name))
            return &c->kernel[i];
    ck_abort_msg("no kernel %s", name);
    return NULL;
}

/* The default is hidden / heads; written out it changes nothing. */
START_TEST(head_dim_defaults_to_hidden_over_heads)
{
    built absent, given;
    build_wide(0, 0, &absent);
    build_wide(64, 0, &given);
    ck_assert_int_eq(absent.sc.model.head_dim, 64);
    ck_assert_double_eq(absent.w.params_total, given.w.params_total);
    ck_assert_double_eq(absent.w.model_flops_per_token, given.w.model_flops_per_token);
    ck_assert_double_eq(absent.w.stage[0].fwd_seconds, given.w.stage[0].fwd_seconds);
    ck_assert_double_eq(absent.m.rank[0].total, given.m.rank[0].total);
    unbuild(&absent);
    unbuild(&given);
}
END_TEST

/* Per layer and token: QKV 2h(ad + 2kd), core 4sad, projection 2adh; the
 * attention parameters h(ad + 2kd) + adh. d 64 -> 128 doubles each. */
START_TEST(head_dim_sets_attention_flops_and_parameters)
{
    built narrow, wide;
    build_wide(0, 0, &narrow);
    build_wide(128, 0, &wide);
    double h = 256, a = 4, k = 2, s = 128, V = 1000, L = 2;
    for (int i = 0; i < 2; i++) {
        double d = i ? 128 : 64;
        const built* b = i ? &wide : &narrow;
        layer_flops f = workload_layer_flops(&b->sc, 0);
        ck_assert_double_eq(f.qkv, 2 * h * (a * d + 2 * k * d));
        ck_assert_double_eq(f.attention_core, 4 * s * a * d);
        ck_assert_double_eq(f.projection, 2 * a * d * h);
        ck_assert_double_eq(f.mlp, 2 * 2 * h * 4 * h);   /* the MLP stays 4h wide */
        double layer = 2 * h * (a * d + 2 * k * d) + 4 * s * a * d + 2 * a * d * h + 16 * h * h;
        ck_assert_rel(b->w.model_flops_per_token, 3 * (L * layer + 2 * h * V), 1e-12);
        double params = L * (h * (a * d + 2 * k * d) + a * d * h + 4 * h + 8 * h * h) + V * h;
        ck_assert_rel(b->w.params_total, params, 1e-12);
    }
    /* The change alone: 3 L (2h(a + 2k) + 4sa + 2ah) x 64 FLOPs per token. */
    ck_assert_rel(wide.w.model_flops_per_token - narrow.w.model_flops_per_token,
                  3 * L * (2 * h * (a + 2 * k) + 4 * s * a + 2 * a * h) * 64, 1e-12);
    unbuild(&narrow);
    unbuild(&wide);
}
END_TEST

/* The GEMMs of a TP rank (a' = 2 heads, k' = 1, T = 256 tokens): QKV
 * T x (a' + 2k')d x h, output projection T x h x a'd, the core b a' of
 * (s x s x d); FlashAttention 4 b a' s s d / 2 (causal); the TP all-reduce stays T h 2
 * bytes (the projection's output is h wide). */
START_TEST(head_dim_sets_gemm_shapes_and_keeps_tp_messages)
{
    built narrow, wide, flash;
    build_wide(0, 0, &narrow);
    build_wide(128, 0, &wide);
    build_wide(128, 1, &flash);
    double h = 256, T = 256, s = 128, b = 2, d = 128;
    const layer_cost* c = &wide.w.dense_layer;
    ck_assert_double_eq(kernel_named(c, "QKV projection")->flops, 2 * T * (2 + 2 * 1) * d * h);
    ck_assert_double_eq(kernel_named(c, "attention output projection")->flops, 2 * T * h * 2 * d);
    ck_assert_double_eq(kernel_named(c, "attention scores QK^T")->flops, 2 * s * s * d * b * 2);
    ck_assert_double_eq(kernel_named(c, "attention x V")->flops, 2 * s * d * s * b * 2);
    ck_assert_double_eq(kernel_named(&flash.w.dense_layer, "flash attention")->flops, 4 * b * 2 * s * s * d);
    ck_assert_double_eq(wide.w.tp_message_bytes, T * h * 2);
    ck_assert_double_eq(wide.w.tp_message_bytes, narrow.w.tp_message_bytes);
    ck_assert(wide.w.dense_layer.fwd_seconds > narrow.w.dense_layer.fwd_seconds);
    unbuild(&narrow);
    unbuild(&wide);
    unbuild(&flash);
}
END_TEST

/* Activations (Korthikanti et al. 2022, Table 2, generalised): Q and the
 * projection input are 2 s b a d / t bytes each, K and V 2 s b k' d each;
 * without sequence parallelism nothing else depends on d. d 64 -> 128 adds
 * (4 s b a / t + 4 s b k') x 64 bytes per layer. */
START_TEST(head_dim_sets_activation_memory)
{
    built narrow, wide;
    build_wide(0, 0, &narrow);
    build_wide(128, 0, &wide);
    double s = 128, b = 2, a = 4, t = 2, kv = 1;
    double delta = (4 * s * b * a / t + 4 * s * b * kv) * 64;
    ck_assert_rel(memory_layer_activations(&wide.sc, 0) - memory_layer_activations(&narrow.sc, 0), delta, 1e-12);
    unbuild(&narrow);
    unbuild(&wide);
}
END_TEST

/* With head_dim given, heads need not divide hidden. */
START_TEST(head_dim_frees_heads_from_dividing_hidden)
{
    built b;
    build("{layers: 2, hidden: 1000, heads: 16, head_dim: 64, vocab: 1000, seq_len: 128}", "{tp: 2, pp: 1, dp: 1}",
          &b);
    ck_assert_double_eq(workload_layer_flops(&b.sc, 0).projection, 2.0 * 16 * 64 * 1000);
    unbuild(&b);
}
END_TEST

/* ---- model.moe: expert_ffn_hidden, shared_experts, first_dense ------------ */

/* 4 layers, h 256, dense MLP f 1024 (GeLU), 8 experts of fe 128, top-2, one
 * shared expert, the first layer dense; TP 2 (ETP 2), EP 4 over DP 8, s 64,
 * micro-batch 1, no recompute, sequence parallelism (which Megatron-Core's
 * MoE layer needs with TP). */
#define MOE_MODEL "{layers: 4, hidden: 256, heads: 4, ffn_hidden: 1024, vocab: 1000, seq_len: 64, " \
                  "moe: {experts: 8, top_k: 2%s}}"
#define MOE_PARALLEL "{tp: 2, pp: 1, dp: 8, ep: 4, recompute: none}"

static void build_moe(const char* keys, built* b)
{
    char model[512];
    snprintf(model, sizeof model, MOE_MODEL, keys);
    build(model, MOE_PARALLEL, b);
}

/* Without the keys: experts as wide as ffn_hidden, no shared expert, every
 * layer MoE; written out with those values nothing changes. */
START_TEST(moe_keys_default_to_todays_model)
{
    built absent, given;
    build_moe("", &absent);
    build_moe(", expert_ffn_hidden: 1024, shared_experts: 0, first_dense: 0", &given);
    ck_assert_int_eq(absent.sc.model.moe.expert_ffn_hidden, 1024);
    for (int l = 0; l < 4; l++)
        ck_assert_int_eq(workload_is_moe_layer(&absent.sc, l), 1);
    ck_assert_double_eq(absent.w.params_total, given.w.params_total);
    ck_assert_double_eq(absent.w.model_flops_per_token, given.w.model_flops_per_token);
    ck_assert_double_eq(absent.w.stage[0].fwd_seconds, given.w.stage[0].fwd_seconds);
    ck_assert_double_eq(absent.m.rank[0].total, given.m.rank[0].total);
    unbuild(&absent);
    unbuild(&given);
}
END_TEST

/* Parameters and FLOPs per token, by hand: a dense layer 4h^2 + 4h + 2hf
 * and 8h^2 + 4sh + 4hf FLOPs; an MoE layer 4h^2 + 4h + hE + (S + E) 2h fe
 * parameters (K + S active experts) and 8h^2 + 4sh + (K + S) 4h fe + 2hE
 * FLOPs; the vocabulary V h and 2hV. */
START_TEST(moe_keys_set_parameters_and_flops)
{
    built b;
    build_moe(", expert_ffn_hidden: 128, shared_experts: 1, first_dense: 1", &b);
    double h = 256, f = 1024, fe = 128, E = 8, K = 2, S = 1, s = 64, V = 1000;
    ck_assert_int_eq(workload_is_moe_layer(&b.sc, 0), 0);
    for (int l = 1; l < 4; l++)
        ck_assert_int_eq(workload_is_moe_layer(&b.sc, l), 1);
    double attention = 4 * h * h + 4 * h;
    double dense = attention + 2 * h * f, moe_shared = attention + h * E + S * 2 * h * fe;
    ck_assert_rel(b.w.params_total, dense + 3 * (moe_shared + E * 2 * h * fe) + V * h, 1e-12);
    ck_assert_rel(b.w.params_active, dense + 3 * (moe_shared + K * 2 * h * fe) + V * h, 1e-12);
    double dense_flops = 8 * h * h + 4 * s * h + 4 * h * f;
    double moe_flops = 8 * h * h + 4 * s * h + (K + S) * 4 * h * fe + 2 * h * E;
    ck_assert_rel(b.w.model_flops_per_token, 3 * (dense_flops + 3 * moe_flops + 2 * h * V), 1e-12);
    /* Per GPU: E / ep = 2 experts of each of the 3 MoE layers over TP 2; the
     * shared expert with the dense weights. */
    ck_assert_int_eq(b.w.stage[0].moe_layers, 3);
    ck_assert_rel(b.w.rank[0].expert_params, 3 * 2 * 2 * h * fe / 2, 1e-12);
    ck_assert_rel(b.w.rank[0].dense_params, (dense + 3 * moe_shared + V * h) / 2, 1e-12);   /* tied, pp 1 */
    unbuild(&b);
}
END_TEST

/* first_dense combines with every: after the dense lead, every N-th layer
 * counting from 1 (first_dense 1, every 2 on 5 layers: layers 2 and 4). */
START_TEST(first_dense_then_every)
{
    built b;
    build("{layers: 5, hidden: 256, heads: 4, vocab: 1000, seq_len: 64, "
          "moe: {experts: 8, top_k: 2, every: 2, first_dense: 1}}",
          MOE_PARALLEL, &b);
    const int moe[] = {0, 0, 1, 0, 1};
    for (int l = 0; l < 5; l++)
        ck_assert_int_eq(workload_is_moe_layer(&b.sc, l), moe[l]);
    ck_assert_int_eq(b.w.stage[0].moe_layers, 2);
    unbuild(&b);
}
END_TEST

/* The expert GEMMs of a TP rank (T = 64 tokens, T/t = 32 held with sequence
 * parallelism, routed to K = 2 experts each, capacity 1: 64 slots; the ETP
 * all-gather over etp = t = 2 gives the local experts R = 128): fc1 and fc2
 * of the 2 local experts move 2 R (fe/t) h FLOPs each; the shared expert's
 * fc1 and fc2 2 T (S fe/t) h over every token (gathered by TP). The step's
 * compute grows by the shared expert's kernels. */
START_TEST(moe_keys_set_expert_gemms)
{
    built plain, narrow, shared;
    build_moe("", &plain);
    build_moe(", expert_ffn_hidden: 128", &narrow);
    build_moe(", expert_ffn_hidden: 128, shared_experts: 2", &shared);
    double T = 64, R = 2 * T, h = 256, t = 2;
    ck_assert_double_eq(kernel_named(&narrow.w.moe_layer, "expert fc1")->flops, 2 * R * (128 / t) * h);
    ck_assert_double_eq(kernel_named(&narrow.w.moe_layer, "expert fc2")->flops, 2 * R * h * (128 / t));
    ck_assert_double_eq(kernel_named(&plain.w.moe_layer, "expert fc1")->flops, 2 * R * (1024 / t) * h);
    ck_assert_double_eq(kernel_named(&shared.w.moe_layer, "shared expert fc1")->flops, 2 * T * (2 * 128 / t) * h);
    ck_assert_double_eq(kernel_named(&shared.w.moe_layer, "shared expert fc2")->flops, 2 * T * h * (2 * 128 / t));
    double extra = 0;
    for (int i = 0; i < shared.w.moe_layer.count; i++)
        if (!strncmp(shared.w.moe_layer.kernel[i].name, "shared expert", 13))
            extra += shared.w.moe_layer.kernel[i].fwd_seconds;
    ck_assert(extra > 0);
    ck_assert_rel(shared.w.moe_layer.fwd_seconds - narrow.w.moe_layer.fwd_seconds, extra, 1e-12);
    ck_assert_rel(shared.w.stage[0].fwd_seconds - narrow.w.stage[0].fwd_seconds, 4 * extra, 1e-9);
    unbuild(&plain);
    unbuild(&narrow);
    unbuild(&shared);
}
END_TEST

/* Memory: routed experts' activation and fc2 inputs 2R fe/t + 2R fe/t bytes
 * (GeLU, R = 128 slots as above), the shared experts' 4 T S fe/t; model states follow the parameters
 * (2 + G + 12 bytes each with ZeRO 1 over dp 8: experts over dp/ep = 2). */
START_TEST(moe_keys_set_memory)
{
    built narrow, shared;
    build_moe(", expert_ffn_hidden: 128", &narrow);
    build_moe(", expert_ffn_hidden: 128, shared_experts: 2", &shared);
    double T = 64, R = 2 * T, t = 2, h = 256;
    built plain;
    build_moe("", &plain);
    ck_assert_rel(memory_layer_activations(&plain.sc, 1) - memory_layer_activations(&narrow.sc, 1),
                  4 * R * (1024 - 128) / t, 1e-12);
    ck_assert_rel(memory_layer_activations(&shared.sc, 1) - memory_layer_activations(&narrow.sc, 1),
                  4 * T * 2 * 128 / t, 1e-12);
    /* Two shared experts add 4 x 2 x 2h fe / t dense parameters to the rank. */
    double added = 4 * 2 * 2 * h * 128 / t;
    ck_assert_rel(shared.w.rank[0].dense_params - narrow.w.rank[0].dense_params, added, 1e-12);
    double G = shared.w.grad_element_bytes;
    ck_assert_rel(model_states(&shared, 0) - model_states(&narrow, 0), (2 + G + 12.0 / 8) * added, 1e-9);
    unbuild(&plain);
    unbuild(&narrow);
    unbuild(&shared);
}
END_TEST

/* The shared experts' TP all-gather and reduce-scatter are simulated, not
 * listed: an MoE layer has one TP all-reduce-equivalent a pass (its
 * attention's; its routed experts' tokens move by the dispatcher), one more
 * with shared experts, whose fc1 and fc2 run beside no overlapped
 * collective. 3 MoE layers and a dense one, the embedding's and the head's
 * all-reduces: 1 x 3 + 2 + 1 a pass without, 2 x 3 + 2 + 1 with. */
START_TEST(shared_experts_add_their_tp_collectives)
{
    built plain, shared;
    build_moe(", first_dense: 1", &plain);
    build_moe(", first_dense: 1, shared_experts: 1", &shared);
    ck_assert_int_eq(plain.w.moe_layer.tp_allreduces, 1);
    ck_assert_int_eq(shared.w.moe_layer.tp_allreduces, 2);
    ck_assert_int_eq(plain.w.stage[0].tp_fwd_allreduces, 3 + 2 + 1);
    ck_assert_int_eq(plain.w.stage[0].tp_bwd_allreduces, 3 + 2 + 1);
    ck_assert_int_eq(shared.w.stage[0].tp_fwd_allreduces, 6 + 2 + 1);
    scenario sc;
    run_result r;
    char model[512];
    snprintf(model, sizeof model, MOE_MODEL, ", shared_experts: 1");
    scenario_with(model, MOE_PARALLEL, &sc);
    run_prepare(&sc, &r);
    for (int i = 0; i < r.not_simulated_count; i++)
        ck_assert_msg(!strstr(r.not_simulated[i], "shared experts"), "listed: %s", r.not_simulated[i]);
    run_result_free(&r);
    scenario_free(&sc);
    unbuild(&plain);
    unbuild(&shared);
}
END_TEST

Suite* model_keys_suite(void)
{
    Suite* s = suite_create("model_keys");
    TCase* tie = tcase_create("tie_embeddings");
    tcase_add_test(tie, embeddings_are_tied_by_default);
    tcase_add_test(tie, untied_embeddings_add_a_head_table);
    tcase_add_test(tie, one_rank_holds_one_tied_table);
    suite_add_tcase(s, tie);
    TCase* head = tcase_create("head_dim");
    tcase_add_test(head, head_dim_defaults_to_hidden_over_heads);
    tcase_add_test(head, head_dim_sets_attention_flops_and_parameters);
    tcase_add_test(head, head_dim_sets_gemm_shapes_and_keeps_tp_messages);
    tcase_add_test(head, head_dim_sets_activation_memory);
    tcase_add_test(head, head_dim_frees_heads_from_dividing_hidden);
    suite_add_tcase(s, head);
    TCase* moe = tcase_create("moe");
    tcase_add_test(moe, moe_keys_default_to_todays_model);
    tcase_add_test(moe, moe_keys_set_parameters_and_flops);
    tcase_add_test(moe, first_dense_then_every);
    tcase_add_test(moe, moe_keys_set_expert_gemms);
    tcase_add_test(moe, moe_keys_set_memory);
    tcase_add_test(moe, shared_experts_add_their_tp_collectives);
    suite_add_tcase(s, moe);
    return s;
}
