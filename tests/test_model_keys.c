/* test_model_keys: the model keys that name what current training stacks do
 * (model.tie_embeddings, model.head_dim, model.moe.expert_ffn_hidden,
 * shared_experts and first_dense). Each test moves one key on a small case and
 * checks the change in parameters, FLOPs per token, memory and step compute
 * against its closed form (docs/model.md). */
#include <math.h>
#include <stdio.h>

#include "helpers.h"
#include "model/memory.h"
#include "model/workload.h"

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

Suite* model_keys_suite(void)
{
    Suite* s = suite_create("model_keys");
    TCase* tie = tcase_create("tie_embeddings");
    tcase_add_test(tie, embeddings_are_tied_by_default);
    tcase_add_test(tie, untied_embeddings_add_a_head_table);
    suite_add_tcase(s, tie);
    return s;
}
