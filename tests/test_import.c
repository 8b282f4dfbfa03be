/* test_import: `trainsim import megatron|nemo`. The launch arguments of
 * three published runs (tests/import/) and a NeMo recipe become scenarios
 * that load and run once the GPU, the nodes and the vocabulary are filled
 * in; each mapped flag sets its key to the value Megatron-LM would use
 * (derived values computed here from Megatron's own formulas); flags not
 * understood are listed; malformed input exits 2 at its line and column;
 * Megatron's and NeMo's names in a scenario get "did you mean". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "input/foreign_names.h"
#include "input/import_megatron.h"
#include "input/import_nemo.h"
#include "input/import_scenario.h"
#include "input/key_reader.h"
#include "input/scenario_schema.h"
#include "input/yaml_tree.h"

/* ---- helpers ------------------------------------------------------------ */

/* The scenario TEXT imports to, from Megatron-LM arguments, into OUT. */
static void import_args(const char* text, strbuf* out)
{
    import_input in = {.source = IMPORT_MEGATRON, .file = "args"};
    diag d;
    diag_init(&d, "args");
    strbuf notes = {0};
    int bad = import_megatron_text(text, &in, &d) || import_scenario(&in, "t", out, &notes, &d);
    ck_assert_msg(!bad, "%s: %s", text, strbuf_text(&d.message));
    strbuf_free(&notes);
    diag_free(&d);
    import_input_free(&in);
}

/* The text of the scalar at dotted PATH of YAML, or NULL when absent. */
static char* scalar_at(const char* yaml, const char* path)
{
    diag d;
    diag_init(&d, "imported");
    yt_node* root = yt_load_text(yaml, strlen(yaml), &d);
    ck_assert_msg(root != NULL, "the output does not parse: %s\n%s", strbuf_text(&d.message), yaml);
    const yt_node* node = root;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char* name = strtok(buf, "."); name && node; name = strtok(NULL, "."))
        node = node->kind == YT_MAP ? yt_map_get(node, name) : NULL;
    char* text = node && node->kind == YT_SCALAR ? strdup(node->text) : NULL;
    yt_free(root);
    diag_free(&d);
    return text;
}

/* Replaces the whole line of TEXT that starts with PREFIX by LINE. */
static void replace_line(strbuf* text, const char* prefix, const char* line)
{
    const char* s = strbuf_text(text);
    const char* at = strstr(s, prefix);
    ck_assert_msg(at != NULL, "no line %s in\n%s", prefix, s);
    const char* end = strchr(at, '\n');
    strbuf out = {0};
    strbuf_append_n(&out, s, (size_t)(at - s));
    strbuf_append(&out, line);
    strbuf_append(&out, end ? end : "");
    strbuf_free(text);
    *text = out;
}

/* ---- three published runs ---------------------------------------------- */

typedef struct {
    const char* file;
    const char* vocab, *nodes;     /* what the user fills in */
    const char* key[4], *value[4]; /* what the import must say */
} published_run;

static const published_run runs[] = {
    /* Narayanan et al. 2021: 128 nodes; GPT-2's vocabulary, 50257, padded to 51200 by tp 8 x 128 */
    {"tests/import/gpt3-175b-narayanan2021.args", "51200", "128",
     {"parallelism.pp", "parallelism.recompute", "training.tokens", "training.precision"},
     {"16", "full", "300000000000", "fp16"}},   /* 146484375 samples x 2048 tokens */
    {"tests/import/llama2-70b.args", "32000", NULL,
     {"parallelism.virtual_stages", "parallelism.dp", "model.kv_heads", "training.precision"},
     {"20", "4", "8", "fp8"}},                  /* 80 / (4 x 1); 8 x 8 / (4 x 4) */
    {"tests/import/mixtral-8x7b.args", "32000", "8",
     {"model.moe.experts", "parallelism.ep", "model.moe.dispatcher", "parallelism.zero"},
     {"8", "8", "alltoall", "1"}},
};

START_TEST(published_runs_load_and_run)
{
    const published_run* p = &runs[_i];
    command_result r;
    run_trainsim_ok((const char*[]){"import", "megatron", p->file, NULL}, &r);
    strbuf yaml = {0};
    strbuf_append(&yaml, strbuf_text(&r.out));
    for (int k = 0; k < 4; k++) {
        char* v = scalar_at(strbuf_text(&yaml), p->key[k]);
        ck_assert_msg(v && !strcmp(v, p->value[k]), "%s: %s is %s, expected %s", p->file, p->key[k], v,
                      p->value[k]);
        free(v);
    }
    /* As imported, it does not load: the GPU and the vocabulary are left to the user. */
    char path[256], vocab[64], nodes[64];
    temp_path(path, sizeof path, ".yaml");
    write_text(path, strbuf_text(&yaml));
    command_result c;
    run_trainsim((const char*[]){"check", path, NULL}, &c);
    ck_assert_int_eq(c.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&c.err), "found \"SET-ME\""));
    command_result_free(&c);
    replace_line(&yaml, "gpu: SET-ME", "gpu: h100-sxm5-80gb");
    snprintf(vocab, sizeof vocab, "  vocab: %s", p->vocab);
    replace_line(&yaml, "  vocab: SET-ME", vocab);
    if (p->nodes) {
        snprintf(nodes, sizeof nodes, "  nodes: %s", p->nodes);
        replace_line(&yaml, "  nodes: ", nodes);
    }
    write_text(path, strbuf_text(&yaml));
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &c);
    json_error_t error;
    json_t* report = json_loads(strbuf_text(&c.out), 0, &error);
    ck_assert_msg(report != NULL, "%s: %s", p->file, error.text);
    json_decref(report);
    command_result_free(&c);
    unlink(path);
    strbuf_free(&yaml);
    command_result_free(&r);
}
END_TEST

/* ---- each flag, its key ------------------------------------------------- */

/* A small model on tp 2 x pp 2; no vocabulary, no length: those are SET-ME. */
static const char base_args[] =
    "--num-layers 8 --hidden-size 512 --num-attention-heads 8 --seq-length 1024 --micro-batch-size 1 \\\n"
    "  --global-batch-size 16 --bf16 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n";

typedef struct {
    const char* args;       /* added after base_args */
    const char* key;
    const char* value;      /* with them; NULL: absent */
    const char* base;       /* with base_args alone; NULL: absent */
} flag_case;

static const flag_case flag_cases[] = {
    {"--num-layers 16", "model.layers", "16", "8"},
    {"--hidden-size 1024", "model.hidden", "1024", "512"},
    {"--ffn-hidden-size 3000", "model.ffn_hidden", "3000", NULL},
    {"--num-attention-heads 16", "model.heads", "16", "8"},
    {"--group-query-attention --num-query-groups 2", "model.kv_heads", "2", NULL},
    {"--num-query-groups 2", "model.kv_heads", NULL, NULL},   /* Megatron needs --group-query-attention */
    {"--kv-channels 128", "model.head_dim", "128", NULL},
    {"--seq-length 2048", "model.seq_len", "2048", "1024"},
    {"--padded-vocab-size 32000", "model.vocab", "32000", "SET-ME"},
    /* Megatron pads to a multiple of 128 x tp: ceil(50257 / 256) x 256 */
    {"--vocab-size 50257", "model.vocab", "50432", "SET-ME"},
    /* ... of 64 x tp: ceil(50257 / 128) x 128 */
    {"--vocab-size 50257 --make-vocab-size-divisible-by 64", "model.vocab", "50304", "SET-ME"},
    {"--swiglu", "model.ffn_kind", "swiglu", NULL},
    /* int(4 x 512 x 2/3 / 64) x 64 = 21 x 64 */
    {"--swiglu", "model.ffn_hidden", "1344", NULL},
    {"--untie-embeddings-and-output-weights", "model.tie_embeddings", "false", NULL},
    {"--hidden-dropout 0.2", "model.dropout", "0.2", NULL},
    {"--attention-dropout 0.0 --hidden-dropout 0.0", "model.dropout", "0.0", NULL},
    /* 8 layers / (pp 2 x 2 a virtual stage) */
    {"--num-layers-per-virtual-pipeline-stage 2", "parallelism.virtual_stages", "2", NULL},
    {"--num-layers-per-virtual-pipeline-stage 2", "parallelism.schedule", "interleaved", NULL},
    {"--virtual-pipeline-model-parallel-size 4", "parallelism.virtual_stages", "4", NULL},
    {"--context-parallel-size 2", "parallelism.cp", "2", NULL},
    {"--expert-model-parallel-size 2", "parallelism.ep", "2", NULL},
    {"--expert-tensor-parallel-size 1", "parallelism.etp", "1", NULL},
    {"--sequence-parallel", "parallelism.sequence_parallel", "true", "false"},
    {"--use-distributed-optimizer", "parallelism.zero", "1", "0"},
    {"--overlap-grad-reduce", "parallelism.dp_overlap", "true", "false"},
    {"--overlap-param-gather", "parallelism.param_gather_overlap", "true", NULL},
    {"--tp-comm-overlap", "parallelism.tp_comm_overlap", "true", NULL},
    {"--recompute-granularity full", "parallelism.recompute", "full", "none"},
    {"--recompute-granularity selective --recompute-method uniform", "parallelism.recompute", "selective", "none"},
    {"--recompute-activations", "parallelism.recompute", "selective", "none"},
    {"--use-flash-attn", "parallelism.flash_attention", "true", "true"},
    {"--attention-backend flash", "parallelism.flash_attention", "true", "true"},
    {"--attention-backend unfused", "parallelism.flash_attention", "false", "true"},
    {"--attention-backend local", "parallelism.flash_attention", "false", "true"},
    {"--micro-batch-size 2", "parallelism.micro_batch", "2", "1"},
    {"--global-batch-size 32", "training.global_batch", "32", "16"},
    {"--train-iters 20", "training.iterations", "20", "SET-ME"},
    {"--train-samples 100", "training.tokens", "102400", NULL},   /* 100 x 1024 */
    {"--fp16", "training.precision", "fp16", "bf16"},
    {"--fp8-format hybrid", "training.precision", "fp8", "bf16"},
    {"--fp8-format e4m3 --fp8-param-gather", "training.fp8_weights", "primary", NULL},
    {"--grad-reduce-in-bf16", "training.grad_precision", "bf16", NULL},
    {"--num-experts 4", "model.moe.experts", "4", NULL},
    {"--num-experts 4", "model.moe.top_k", "2", NULL},              /* Megatron-Core's default */
    {"--num-experts 4", "model.moe.dispatcher", "allgather", NULL}, /* Megatron-Core's default */
    {"--num-experts 4 --moe-router-topk 1", "model.moe.top_k", "1", NULL},
    {"--num-experts 4 --moe-ffn-hidden-size 256", "model.moe.expert_ffn_hidden", "256", NULL},
    /* one shared MLP of 512 = two experts of 256 */
    {"--num-experts 4 --moe-ffn-hidden-size 256 --moe-shared-expert-intermediate-size 512",
     "model.moe.shared_experts", "2", NULL},
    {"--num-experts 4 --moe-layer-freq 2", "model.moe.every", "2", NULL},
    {"--num-experts 4 --moe-layer-freq '[0,1]*4'", "model.moe.every", "2", NULL},
    {"--num-experts 4 --moe-layer-freq '([0]*2+[1]*6)'", "model.moe.first_dense", "2", NULL},
    {"--num-experts 4 --moe-layer-freq '([0]*2+[1]*6)'", "model.moe.every", "1", NULL},
    {"--num-experts 4 --moe-token-dispatcher-type alltoall", "model.moe.dispatcher", "alltoall", NULL},
    {"--num-experts 4 --moe-enable-deepep", "model.moe.dispatcher", "flex", NULL},
    {"--num-experts 4 --moe-expert-capacity-factor 1.25", "model.moe.capacity_factor", "1.25", NULL},
    {"--world-size 16", "parallelism.dp", "4", "auto"},   /* 16 / (tp 2 x pp 2) */
    {"--global-batch-size $GBS", "training.global_batch", "$GBS", "16"},
};

START_TEST(each_flag_sets_its_key)
{
    const flag_case* c = &flag_cases[_i];
    strbuf with = {0}, without = {0}, args = {0};
    strbuf_printf(&args, "%s%s\n", base_args, c->args);
    import_args(strbuf_text(&args), &with);
    import_args(base_args, &without);
    char* got = scalar_at(strbuf_text(&with), c->key);
    char* base = scalar_at(strbuf_text(&without), c->key);
    ck_assert_msg(c->value ? got && !strcmp(got, c->value) : !got, "%s: %s is %s, expected %s", c->args, c->key,
                  got ? got : "absent", c->value ? c->value : "absent");
    ck_assert_msg(c->base ? base && !strcmp(base, c->base) : !base, "base: %s is %s, expected %s", c->key,
                  base ? base : "absent", c->base ? c->base : "absent");
    free(got);
    free(base);
    strbuf_free(&with);
    strbuf_free(&without);
    strbuf_free(&args);
}
END_TEST

/* torchrun's --nnodes and --nproc_per_node give the cluster, and dp. */
START_TEST(launcher_gives_the_cluster)
{
    strbuf out = {0};
    import_args("torchrun --nnodes 2 --nproc_per_node=4 --master_port 6000 pretrain_gpt.py \\\n"
                "  --num-layers 8 --hidden-size 512 --num-attention-heads 8 --seq-length 1024 \\\n"
                "  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n",
                &out);
    const char* keys[] = {"cluster.nodes", "cluster.gpus_per_node", "parallelism.dp", "training.global_batch"};
    const char* values[] = {"2", "4", "2", "2"};   /* dp = 2 x 4 / (2 x 2); batch = micro 1 x dp */
    for (int i = 0; i < 4; i++) {
        char* v = scalar_at(strbuf_text(&out), keys[i]);
        ck_assert_msg(v && !strcmp(v, values[i]), "%s is %s, expected %s", keys[i], v, values[i]);
        free(v);
    }
    ck_assert_ptr_nonnull(strstr(strbuf_text(&out), "# launcher, skipped: torchrun --master_port 6000"));
    strbuf_free(&out);
}
END_TEST

/* Every key the table writes is a key of the scenario format, and one the
 * importer can write. */
START_TEST(table_keys_are_scenario_keys)
{
    size_t n;
    const foreign_name* rows = foreign_names(&n);
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].key)
            continue;
        int item = 0;
        ck_assert_msg(key_rule_at(scenario_rules, rows[i].key, &item) != NULL, "%s", rows[i].key);
        size_t k = 0;
        while (k < import_key_count && strcmp(import_keys[k], rows[i].key))
            k++;
        ck_assert_msg(k < import_key_count, "%s is not in import_keys", rows[i].key);
    }
}
END_TEST

/* ---- what is not understood; malformed input ---------------------------- */

START_TEST(unknown_flags_are_listed)
{
    char path[256];
    temp_path(path, sizeof path, ".args");
    write_text(path, "--num-layers 8 --foo 3 \\\n  --bar --hidden-size 512 stray\n");
    command_result r;
    run_trainsim_ok((const char*[]){"import", "megatron", path, NULL}, &r);
    const char* out = strbuf_text(&r.out);
    ck_assert_ptr_nonnull(strstr(out, "# not understood (not in the scenario: check them yourself):\n"
                                      "#   --foo 3  (line 1)\n#   --bar  (line 2)\n#   stray  (line 2)\n"));
    char expected[1024];
    snprintf(expected, sizeof expected, "trainsim import: not understood: --foo 3 (%s:1:16)\n"
             "trainsim import: not understood: --bar (%s:2:3)\n", path, path);
    ck_assert_msg(strstr(strbuf_text(&r.err), expected), "%s", strbuf_text(&r.err));
    command_result_free(&r);
    unlink(path);
}
END_TEST

typedef struct {
    const char* text;
    const char* message;   /* after "FILE:" */
} malformed_case;

static const malformed_case malformed[] = {
    {"--hidden-size 512 \\\n  --num-layers\n", "2:3: --num-layers: expected a value, found the end of the arguments"},
    {"--num-layers --hidden-size 512\n", "1:1: --num-layers: expected a value, found the next flag --hidden-size"},
    {"--hidden-size 512 --num-layers abc\n", "1:32: --num-layers: expected a whole number, found \"abc\""},
    {"--num-layers 8\n--hidden-dropout x\n", "2:18: --hidden-dropout: expected a number, found \"x\""},
    {"--recompute-granularity some\n",
     "1:25: --recompute-granularity: expected one of none, selective, full, found \"some\""},
    {"--data-path 'a b\n", "1:13: a ' quote that is not closed"},
    {"--num-layers 4 --num-experts 2 --moe-layer-freq '(([0,1]'\n",
     "1:49: --moe-layer-freq: expected a whole number or a list of 4 0s and 1s ([0]*3+[1]*29), found \"(([0,1]\""},
    {"--seq-length 999999 --train-samples 999999999999999\n",
     "1:37: --train-samples: expected a number of samples whose tokens stay below 10^18, found \"999999999999999\""},
    {"--num-layers 8 --pipeline-model-parallel-size 2 --num-layers-per-virtual-pipeline-stage 3\n",
     "1:89: --num-layers-per-virtual-pipeline-stage: expected a divisor of the 4 layers of each of the 2 pipeline "
     "stages, found \"3\""},
};

START_TEST(malformed_input_exits_2)
{
    const malformed_case* m = &malformed[_i];
    char path[256], expected[1024];
    temp_path(path, sizeof path, ".args");
    write_text(path, m->text);
    command_result r;
    run_trainsim((const char*[]){"import", "megatron", path, NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    snprintf(expected, sizeof expected, "%s:%s\n", path, m->message);
    ck_assert_str_eq(strbuf_text(&r.err), expected);
    command_result_free(&r);
    unlink(path);
}
END_TEST

START_TEST(nemo_malformed_input_exits_2)
{
    char path[256], expected[1024];
    temp_path(path, sizeof path, ".yaml");
    write_text(path, "trainer:\n  num_nodes: 2\nmodel:\n  num_layers: many\n");
    command_result r;
    run_trainsim((const char*[]){"import", "nemo", path, NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    snprintf(expected, sizeof expected, "%s:4:15: model.num_layers: expected a whole number, found \"many\"\n",
             path);
    ck_assert_str_eq(strbuf_text(&r.err), expected);
    command_result_free(&r);
    unlink(path);
}
END_TEST

/* ---- NeMo ---------------------------------------------------------------- */

START_TEST(nemo_recipe_loads_and_runs)
{
    command_result r;
    run_trainsim_ok((const char*[]){"import", "nemo", "tests/import/nemo-llama2-70b.yaml", NULL}, &r);
    strbuf yaml = {0};
    strbuf_append(&yaml, strbuf_text(&r.out));
    const char* keys[] = {"model.kv_heads", "model.ffn_kind", "model.tie_embeddings", "parallelism.virtual_stages",
                          "parallelism.zero", "parallelism.tp_comm_overlap", "parallelism.dp", "cluster.nodes",
                          "training.iterations", "training.precision"};
    const char* values[] = {"8", "swiglu", "false", "5", "1", "true", "64", "128", "300000", "bf16"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char* v = scalar_at(strbuf_text(&yaml), keys[i]);
        ck_assert_msg(v && !strcmp(v, values[i]), "%s is %s, expected %s", keys[i], v, values[i]);
        free(v);
    }
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "not understood: model.fp8_amax_history_len: 1"));
    /* 8 nodes instead of 128, the batch of the published 64-GPU row */
    replace_line(&yaml, "gpu: SET-ME", "gpu: h100-sxm5-80gb");
    replace_line(&yaml, "  vocab: SET-ME", "  vocab: 32000");
    replace_line(&yaml, "  nodes: 128", "  nodes: 8");
    replace_line(&yaml, "  dp: 64", "  dp: 4");
    replace_line(&yaml, "  global_batch: 2048", "  global_batch: 128");
    char path[256];
    temp_path(path, sizeof path, ".yaml");
    write_text(path, strbuf_text(&yaml));
    command_result c;
    run_trainsim_ok((const char*[]){"run", path, NULL}, &c);
    command_result_free(&c);
    unlink(path);
    strbuf_free(&yaml);
    command_result_free(&r);
}
END_TEST

typedef struct {
    const char* yaml;
    const char* key, *value;
} nemo_case;

static const nemo_case nemo_cases[] = {
    {"trainer:\n  precision: bf16-mixed\n", "training.precision", "bf16"},
    {"trainer:\n  precision: 16-mixed\n", "training.precision", "fp16"},
    {"trainer:\n  precision: bf16\nmodel:\n  fp8: true\n", "training.precision", "fp8"},
    {"model:\n  optim:\n    name: fused_adam\n", "parallelism.zero", "0"},
    {"model:\n  optim:\n    name: distributed_fused_adam\n", "parallelism.zero", "1"},
    {"model:\n  activation: gelu\n", "model.ffn_kind", "gelu"},
    {"model:\n  share_embeddings_and_output_weights: false\n", "model.tie_embeddings", "false"},
    {"model:\n  sequence_parallel: false\n", "parallelism.sequence_parallel", "false"},
    {"model:\n  activations_checkpoint_granularity: full\n", "parallelism.recompute", "full"},
    {"model:\n  activations_checkpoint_granularity: null\n", "parallelism.recompute", "none"},
    {"model:\n  num_moe_experts: 8\n  moe_router_topk: 2\n", "model.moe.experts", "8"},
    {"model:\n  encoder_seq_length: 4096\n", "model.seq_len", "4096"},
    {"trainer:\n  num_nodes: 4\n  devices: 8\nmodel:\n  tensor_model_parallel_size: 8\n", "parallelism.dp", "4"},
};

START_TEST(nemo_keys_set_their_keys)
{
    const nemo_case* c = &nemo_cases[_i];
    char path[256];
    temp_path(path, sizeof path, ".yaml");
    write_text(path, c->yaml);
    command_result r;
    run_trainsim_ok((const char*[]){"import", "nemo", path, NULL}, &r);
    char* v = scalar_at(strbuf_text(&r.out), c->key);
    ck_assert_msg(v && !strcmp(v, c->value), "%s: %s is %s, expected %s", c->yaml, c->key, v, c->value);
    free(v);
    command_result_free(&r);
    unlink(path);
}
END_TEST

/* ---- "did you mean" --------------------------------------------------- */

START_TEST(foreign_names_suggest_scenario_keys)
{
    const char* names[] = {"tensor_model_parallel_size", "num_layers", "global_batch_size", "micro_batch_size",
                           "num_query_groups", "hidden_size", "encoder_seq_length", "num_moe_experts"};
    const char* keys[] = {"parallelism.tp", "model.layers", "training.global_batch", "parallelism.micro_batch",
                          "model.kv_heads", "model.hidden", "model.seq_len", "model.moe.experts"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char* k = foreign_scenario_key(names[i]);
        ck_assert_msg(k && !strcmp(k, keys[i]), "%s: %s, expected %s", names[i], k, keys[i]);
    }
    ck_assert_ptr_null(foreign_scenario_key("layers"));
    ck_assert_ptr_null(foreign_scenario_key("lr"));   /* known, but no scenario key */
}
END_TEST

/* The same arguments give the same bytes, and -o writes them whole. */
START_TEST(output_file_has_the_same_bytes)
{
    char path[256];
    temp_path(path, sizeof path, ".yaml");
    command_result a, b;
    run_trainsim_ok((const char*[]){"import", "megatron", "tests/import/llama2-70b.args", NULL}, &a);
    run_trainsim_ok((const char*[]){"import", "megatron", "tests/import/llama2-70b.args", "-o", path, NULL}, &b);
    ck_assert_str_eq(strbuf_text(&b.out), "");
    strbuf written = {0};
    read_file(path, &written);
    ck_assert_str_eq(strbuf_text(&written), strbuf_text(&a.out));
    strbuf_free(&written);
    command_result_free(&a);
    command_result_free(&b);
    unlink(path);
}
END_TEST

/* Usage errors: exit 2 with the usage, nothing on stdout. */
START_TEST(usage_errors_exit_2)
{
    const char* const* cases[] = {
        (const char*[]){"import", NULL},
        (const char*[]){"import", "deepspeed", "x.args", NULL},
        (const char*[]){"import", "megatron", NULL},
        (const char*[]){"import", "nemo", "-", NULL},
        (const char*[]){"import", "megatron", "a.args", "b.args", NULL},
        (const char*[]){"import", "megatron", "a.args", "-o", NULL},
        (const char*[]){"import", "megatron", "a.args", "--json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_usage_error(cases[i]);
}
END_TEST

Suite* import_suite(void)
{
    Suite* s = suite_create("import");
    TCase* tc = tcase_create("import");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, published_runs_load_and_run, 0, (int)(sizeof runs / sizeof *runs));
    tcase_add_loop_test(tc, each_flag_sets_its_key, 0, (int)(sizeof flag_cases / sizeof *flag_cases));
    tcase_add_test(tc, launcher_gives_the_cluster);
    tcase_add_test(tc, table_keys_are_scenario_keys);
    tcase_add_test(tc, unknown_flags_are_listed);
    tcase_add_loop_test(tc, malformed_input_exits_2, 0, (int)(sizeof malformed / sizeof *malformed));
    tcase_add_test(tc, nemo_malformed_input_exits_2);
    tcase_add_test(tc, nemo_recipe_loads_and_runs);
    tcase_add_loop_test(tc, nemo_keys_set_their_keys, 0, (int)(sizeof nemo_cases / sizeof *nemo_cases));
    tcase_add_test(tc, foreign_names_suggest_scenario_keys);
    tcase_add_test(tc, output_file_has_the_same_bytes);
    tcase_add_test(tc, usage_errors_exit_2);
    suite_add_tcase(s, tc);
    return s;
}
