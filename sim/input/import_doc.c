/* import_doc: the settings read and the scenario being written (see
 * import_doc.h). */
#include "input/import_doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char* const import_source_names[IMPORT_SOURCE_COUNT] = {"megatron", "nemo"};

const char* const import_keys[] = {
    "model.layers", "model.hidden", "model.heads", "model.kv_heads", "model.head_dim", "model.ffn_hidden",
    "model.ffn_kind", "model.vocab", "model.seq_len", "model.dropout", "model.tie_embeddings",
    "model.moe.experts", "model.moe.top_k", "model.moe.capacity_factor", "model.moe.every",
    "model.moe.first_dense", "model.moe.expert_ffn_hidden", "model.moe.shared_experts", "model.moe.dispatcher",
    "gpu",
    "cluster.nodes", "cluster.gpus_per_node",
    "parallelism.tp", "parallelism.pp", "parallelism.dp", "parallelism.cp", "parallelism.ep", "parallelism.etp",
    "parallelism.sequence_parallel", "parallelism.schedule", "parallelism.virtual_stages",
    "parallelism.micro_batch", "parallelism.zero", "parallelism.recompute", "parallelism.dp_overlap",
    "parallelism.tp_comm_overlap", "parallelism.param_gather_overlap", "parallelism.flash_attention",
    "training.global_batch", "training.tokens", "training.iterations", "training.precision",
    "training.grad_precision", "training.fp8_weights",
};
const size_t import_key_count = sizeof import_keys / sizeof *import_keys;

void import_add(import_input* in, const char* name, const char* value, int line, int col, int value_line,
                int value_col, const foreign_name* row)
{
    if (in->count == in->cap) {
        in->cap = in->cap ? 2 * in->cap : 32;
        in->settings = xrealloc(in->settings, in->cap * sizeof *in->settings);
    }
    in->settings[in->count++] = (import_setting){xstrdup(name), value ? xstrdup(value) : NULL, line, col,
                                                 value_line, value_col, row};
}

void import_input_free(import_input* in)
{
    for (size_t i = 0; i < in->count; i++) {
        free(in->settings[i].name);
        free(in->settings[i].value);
    }
    free(in->settings);
    strbuf_free(&in->skipped);
    memset(in, 0, sizeof *in);
}

void importer_init(importer* imp, const import_input* in, strbuf* notes, diag* d)
{
    memset(imp, 0, sizeof *imp);
    imp->in = in;
    imp->notes = notes;
    imp->d = d;
    imp->value = xcalloc(import_key_count, sizeof *imp->value);
    imp->why = xcalloc(import_key_count, sizeof *imp->why);
}

void importer_free(importer* imp)
{
    for (size_t i = 0; i < import_key_count; i++) {
        free(imp->value[i]);
        free(imp->why[i]);
    }
    free(imp->value);
    free(imp->why);
    strbuf_free(&imp->not_understood);
    strbuf_free(&imp->no_effect);
    strbuf_free(&imp->ignored);
    strbuf_free(&imp->placeholders);
}

static size_t key_index(const char* key)
{
    for (size_t i = 0; i < import_key_count; i++)
        if (!strcmp(import_keys[i], key))
            return i;
    abort();   /* a row of foreign_names.c names a key import_keys lacks: tests/test_import.c fails on it */
}

void import_set(importer* imp, const char* key, const char* value, const char* why)
{
    size_t i = key_index(key);
    free(imp->value[i]);
    free(imp->why[i]);
    imp->value[i] = xstrdup(value);
    imp->why[i] = why ? xstrdup(why) : NULL;
}

void import_set_from(importer* imp, const char* key, const char* value, const import_setting* s)
{
    strbuf why = {0};
    import_describe(s, &why);
    import_set(imp, key, value, strbuf_text(&why));
    strbuf_free(&why);
}

void import_placeholder(importer* imp, const char* key, const char* why)
{
    import_set(imp, key, IMPORT_PLACEHOLDER, why);
    strbuf_printf(&imp->placeholders, "%s %s", imp->placeholders.len ? "," : "", key);
}

const char* import_get(const importer* imp, const char* key)
{
    return imp->value[key_index(key)];
}

int import_get_whole(const importer* imp, const char* key, long long* out)
{
    const char* v = import_get(imp, key);
    return v ? import_whole(v, out) : -1;
}

int import_whole(const char* text, long long* out)
{
    if (!text || !*text || strlen(text) > 15)
        return -1;
    for (const char* c = text; *c; c++)
        if (*c < '0' || *c > '9')
            return -1;
    if (out)
        *out = strtoll(text, NULL, 10);
    return 0;
}

long long import_times(long long a, long long b)
{
    if (a < 0 || b < 0 || (a && b > 1000000000000000000LL / a))
        return -1;
    return a * b;
}

int import_number(const char* text, double* out)
{
    char* end = NULL;
    if (!text || !*text)
        return -1;
    errno = 0;
    double x = strtod(text, &end);
    if (*end || errno || !isfinite(x))
        return -1;
    if (out)
        *out = x;
    return 0;
}

int import_fail(importer* imp, const import_setting* s, const char* expected)
{
    strbuf found = {0};
    if (s->value && strlen(s->value) > 80)   /* a long value shown by its start */
        strbuf_printf(&found, "\"%.72s...\"", s->value);
    else if (s->value)
        strbuf_printf(&found, "\"%s\"", s->value);
    else
        strbuf_append(&found, "nothing");
    diag_expected(imp->d, s->value ? s->value_line : s->line, s->value ? s->value_col : s->col, s->name, expected,
                  strbuf_text(&found));
    strbuf_free(&found);
    return -1;
}

void import_describe(const import_setting* s, strbuf* out)
{
    int nemo = s->name[0] != '-';
    strbuf_printf(out, "%s%s%s", s->name, s->value ? (nemo ? ": " : " ") : "", s->value ? s->value : "");
}

void import_list(strbuf* list, const import_setting* s, const char* why)
{
    strbuf_append(list, "#   ");
    import_describe(s, list);
    if (why)
        strbuf_printf(list, ": %s", why);
    strbuf_printf(list, "  (line %d)\n", s->line);
}

void import_not_understood(importer* imp, const import_setting* s, const char* why)
{
    import_list(&imp->not_understood, s, why);
    strbuf_append(imp->notes, "trainsim import: not understood: ");
    import_describe(s, imp->notes);
    strbuf_printf(imp->notes, " (%s:%d:%d)%s%s\n", imp->in->file, s->line, s->col, why ? ": " : "",
                  why ? why : "");
}
