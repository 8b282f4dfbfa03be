/* import_rules: values derived from several settings, defaults and
 * placeholders (see import_rules.h). Megatron-LM's derivations are those of
 * megatron/training/arguments.py (validate_args) and
 * megatron/training/tokenizer (_vocab_size_with_padding). */
#include "input/import_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/gpu_catalog.h"
#include "input/scenario.h"

#define MAX_PATTERN 100000

static const import_setting* given(const importer* imp, foreign_rule r)
{
    return imp->by_rule[r];
}

/* KEY's value as a whole number, or FALLBACK when unset. -1 when set and not one. */
static long long whole_or(const importer* imp, const char* key, long long fallback)
{
    long long v;
    if (!import_get(imp, key))
        return fallback;
    return import_get_whole(imp, key, &v) ? -1 : v;
}

static void set_number(importer* imp, const char* key, long long value, const char* why)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    import_set(imp, key, text, why);
}

/* S as written, then the explanation FMT. */
static void set_explained(importer* imp, const char* key, const char* value, const import_setting* s,
                          const char* fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_explained(importer* imp, const char* key, const char* value, const import_setting* s,
                          const char* fmt, ...)
{
    strbuf why = {0};
    import_describe(s, &why);
    strbuf_append(&why, ": ");
    va_list ap;
    va_start(ap, fmt);
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    strbuf_append(&why, text);
    import_set(imp, key, value, strbuf_text(&why));
    strbuf_free(&why);
}

static int whole_value(importer* imp, const import_setting* s, long long min, long long* out)
{
    if (import_whole(s->value, out) || *out < min)
        return import_fail(imp, s, min > 0 ? "a positive whole number" : "a whole number");
    return 0;
}

/* ---- the model --------------------------------------------------------- */

static int rule_query_groups(importer* imp)
{
    const import_setting* s = given(imp, RULE_QUERY_GROUPS);
    long long groups;
    if (!s)
        return 0;
    if (whole_value(imp, s, 1, &groups))
        return -1;
    if (imp->in->source == IMPORT_MEGATRON && !given(imp, RULE_GROUP_QUERY)) {
        import_list(&imp->no_effect, s,
                    "no effect without --group-query-attention: Megatron then gives each head its own K and V");
        return 0;
    }
    import_set_from(imp, "model.kv_heads", s->value, s);
    return 0;
}

static int rule_dropout(importer* imp)
{
    const import_setting* h = given(imp, RULE_HIDDEN_DROPOUT);
    const import_setting* a = given(imp, RULE_ATTENTION_DROPOUT);
    double hv = 0, av = 0;
    if ((h && import_number(h->value, &hv)) || (a && import_number(a->value, &av)))
        return import_fail(imp, h && import_number(h->value, NULL) ? h : a, "a number");
    if (!h && !a)
        return 0;
    const import_setting* s = h ? h : a;
    strbuf why = {0};
    import_describe(s, &why);
    if (h && a && hv == av)
        strbuf_printf(&why, ", %s %s: one dropout for both", a->name, a->value);
    else if (h && a)
        strbuf_printf(&why, "; %s differs: trainsim has one dropout for both, the hidden one taken", a->name);
    else
        strbuf_append(&why, "; the other is 0.1 by default: trainsim has one dropout for both");
    import_set(imp, "model.dropout", s->value, strbuf_text(&why));
    strbuf_free(&why);
    return 0;
}

static int rule_vocab(importer* imp)
{
    long long divisor = 128, tp = whole_or(imp, "parallelism.tp", 1), v;
    const import_setting* d = given(imp, RULE_VOCAB_DIVISOR);
    if (d && whole_value(imp, d, 1, &divisor))
        return -1;
    long long multiple = import_times(divisor, tp > 0 ? tp : 1);
    if (multiple < 0)
        return import_fail(imp, d ? d : given(imp, RULE_VOCAB) ? given(imp, RULE_VOCAB) : given(imp, RULE_TOKENIZER),
                           "a divisor that times tp stays below 10^18");
    char why[256];
    const import_setting* s;
    if ((s = given(imp, RULE_PADDED_VOCAB))) {
        if (whole_value(imp, s, 1, &v))
            return -1;
        import_set_from(imp, "model.vocab", s->value, s);
    } else if ((s = given(imp, RULE_VOCAB))) {
        if (whole_value(imp, s, 1, &v))
            return -1;
        if (v > 1000000000000000000LL - multiple)
            return import_fail(imp, s, "a vocabulary below 10^18");
        char padded[32];
        snprintf(padded, sizeof padded, "%lld", (v + multiple - 1) / multiple * multiple);
        set_explained(imp, "model.vocab", padded, s, "padded to a multiple of %lld (divisible-by %lld x tp), as "
                      "Megatron pads it", multiple, divisor);
    } else if ((s = given(imp, RULE_TOKENIZER))) {
        strbuf text = {0};
        import_describe(s, &text);
        snprintf(why, sizeof why, "the vocabulary of %.120s is not in the configuration: set it, padded to a "
                 "multiple of %lld as Megatron pads it", strbuf_text(&text), multiple);
        import_placeholder(imp, "model.vocab", why);
        strbuf_free(&text);
    } else {
        snprintf(why, sizeof why, "not in the configuration: the tokenizer's vocabulary, padded to a multiple of "
                 "%lld as Megatron pads it", multiple);
        import_placeholder(imp, "model.vocab", why);
    }
    return 0;
}

/* ---- --moe-layer-freq -------------------------------------------------- */

typedef struct {
    const char* s;
    int*        out;
    int         n, max, bad, depth;
} pattern_reader;

/* Whether the next character is C, taken if so. */
static int expect(pattern_reader* r, char c)
{
    if (*r->s != c)
        return 0;
    r->s++;
    return 1;
}

static void skip_blanks(pattern_reader* r)
{
    while (*r->s == ' ')
        r->s++;
}

static void read_pattern_sum(pattern_reader* r);

/* '(' sum ')' or '[' 0/1, ... ']', either optionally '*' count. */
static void read_pattern_term(pattern_reader* r)
{
    int from = r->n;
    skip_blanks(r);
    if (*r->s == '(' && r->depth < 32) {
        r->s++;
        r->depth++;
        read_pattern_sum(r);
        r->depth--;
        skip_blanks(r);
        r->bad |= !expect(r, ')');
    } else if (*r->s == '[') {
        do {
            r->s++;
            skip_blanks(r);
            if ((*r->s != '0' && *r->s != '1') || r->n >= r->max) {
                r->bad = 1;
                return;
            }
            r->out[r->n++] = *r->s++ - '0';
            skip_blanks(r);
        } while (*r->s == ',');
        r->bad |= !expect(r, ']');
    } else {
        r->bad = 1;
    }
    skip_blanks(r);
    if (!r->bad && *r->s == '*') {
        char* end;
        r->s++;
        long times = strtol(r->s, &end, 10);
        int length = r->n - from;
        r->bad |= end == r->s || times < 1 || times > r->max || (long)r->n + length * (times - 1) > r->max;
        r->s = end;
        for (long t = 1; !r->bad && t < times; t++)
            for (int i = from; i < from + length; i++)
                r->out[r->n++] = r->out[i];
    }
}

static void read_pattern_sum(pattern_reader* r)
{
    read_pattern_term(r);
    skip_blanks(r);
    while (!r->bad && *r->s == '+') {
        r->s++;
        read_pattern_term(r);
        skip_blanks(r);
    }
}

/* The first_dense F and every N for which trainsim's MoE layers are the
 * 1s of PATTERN: layer i (from 0) is MoE when i >= F and (i - F + 1) is a
 * multiple of N. Returns 0, or -1 when none. */
static int pattern_spacing(const int* pattern, int n, int* first_dense, int* every)
{
    int first = 0;
    while (first < n && !pattern[first])
        first++;
    for (int N = 1; N <= n && first < n; N++) {
        int F = first - (N - 1), fits = F >= 0;
        for (int i = 0; fits && i < n; i++)
            fits = pattern[i] == (i >= F && (i - F + 1) % N == 0);
        if (fits) {
            *first_dense = F;
            *every = N;
            return 0;
        }
    }
    return -1;
}

static int rule_moe_layer_freq(importer* imp)
{
    const import_setting* s = given(imp, RULE_MOE_LAYER_FREQ);
    long long layers, freq;
    if (!s)
        return 0;
    if (import_get_whole(imp, "model.layers", &layers) || layers > MAX_PATTERN) {
        import_not_understood(imp, s, "needs the number of layers");
        return 0;
    }
    int* pattern = xcalloc((size_t)layers, sizeof *pattern);
    int n = 0, F, N, bad = 0;
    if (!import_whole(s->value, &freq) && freq >= 1) {   /* Megatron: layer i is MoE when i % freq == 0 */
        for (n = 0; n < layers; n++)
            pattern[n] = n % freq == 0;
    } else {
        pattern_reader r = {s->value, pattern, 0, (int)layers, 0, 0};
        read_pattern_sum(&r);
        n = r.n;
        if (r.bad || *r.s || n != layers) {
            char expected[160];
            snprintf(expected, sizeof expected, "a whole number or a list of %lld 0s and 1s ([0]*3+[1]*29)",
                     layers);
            bad = import_fail(imp, s, expected);
        }
    }
    if (!bad && !pattern_spacing(pattern, n, &F, &N)) {
        char every[32];
        snprintf(every, sizeof every, "%d", N);
        set_explained(imp, "model.moe.every", every, s, "MoE layers %d, %d, ... (from 1)", F + N, F + 2 * N);
        if (F)
            set_number(imp, "model.moe.first_dense", F, "the dense layers before the first MoE layer");
    } else if (!bad && !import_whole(s->value, &freq)) {
        set_explained(imp, "model.moe.every", s->value, s, "Megatron's MoE layers are 1, %lld, ... (from 1), "
                      "trainsim's %lld, %lld, ...: as many when %lld divides the layers", freq + 1, freq,
                      2 * freq, freq);
    } else if (!bad) {
        import_not_understood(imp, s, "trainsim's MoE layers are every N-th after the first_dense ones");
    }
    free(pattern);
    return bad;
}

static int rule_shared_expert(importer* imp)
{
    const import_setting* s = given(imp, RULE_SHARED_EXPERT);
    long long size, width = whole_or(imp, "model.moe.expert_ffn_hidden", 0);
    if (!s)
        return 0;
    if (whole_value(imp, s, 0, &size))
        return -1;
    if (width == 0)
        width = whole_or(imp, "model.ffn_hidden", 0);
    if (width <= 0) {
        import_not_understood(imp, s, "needs the experts' width (--moe-ffn-hidden-size or --ffn-hidden-size)");
        return 0;
    }
    long long k = (size + width / 2) / width;
    char count[32];
    snprintf(count, sizeof count, "%lld", k < 1 && size > 0 ? 1 : k);
    set_explained(imp, "model.moe.shared_experts", count, s, "%s / the experts' width %lld: trainsim's shared "
                  "experts are as wide as the routed ones", size % width ? "about" : "exactly", width);
    return 0;
}

/* ---- parallelism and training ----------------------------------------- */

static int rule_virtual_stages(importer* imp)
{
    const import_setting* per = given(imp, RULE_LAYERS_PER_VSTAGE);
    const import_setting* v = given(imp, RULE_VSTAGES);
    long long stages, n, layers, pp = whole_or(imp, "parallelism.pp", 1);
    if (per) {
        if (whole_value(imp, per, 1, &n))
            return -1;
        if (import_get_whole(imp, "model.layers", &layers) || pp < 1) {
            import_not_understood(imp, per, "needs --num-layers and --pipeline-model-parallel-size as numbers");
            return 0;
        }
        if (import_times(pp, n) < 1 || layers % import_times(pp, n)) {
            char expected[160];
            snprintf(expected, sizeof expected, "a divisor of the %lld layers of each of the %lld pipeline stages",
                     layers / pp, pp);   /* layers / (pp n) virtual stages, as Megatron-LM divides them */
            return import_fail(imp, per, expected);
        }
        stages = layers / (pp * n);
        char text[32];
        snprintf(text, sizeof text, "%lld", stages);
        set_explained(imp, "parallelism.virtual_stages", text, per, "%lld layers / (pp %lld x %lld)", layers, pp,
                      n);
    } else if (v) {
        if (whole_value(imp, v, 1, &stages))
            return -1;
        import_set_from(imp, "parallelism.virtual_stages", v->value, v);
    } else {
        return 0;
    }
    if (stages > 1)
        import_set(imp, "parallelism.schedule", schedule_names[SCHED_INTERLEAVED],
                   "virtual stages: Megatron-Core's interleaved 1F1B");
    return 0;
}

static int rule_train_samples(importer* imp)
{
    const import_setting* s = given(imp, RULE_TRAIN_SAMPLES);
    long long samples, seq;
    if (!s)
        return 0;
    if (whole_value(imp, s, 1, &samples))
        return -1;
    if (import_get(imp, "training.iterations"))
        return import_fail(imp, s, "either --train-iters or --train-samples, as Megatron-LM requires");
    if (import_get_whole(imp, "model.seq_len", &seq)) {
        import_not_understood(imp, s, "needs --seq-length as a number");
        return 0;
    }
    if (import_times(samples, seq) < 0)
        return import_fail(imp, s, "a number of samples whose tokens stay below 10^18");
    char tokens[32];
    snprintf(tokens, sizeof tokens, "%lld", import_times(samples, seq));
    set_explained(imp, "training.tokens", tokens, s, "x seq_len %lld", seq);
    return 0;
}

static int rule_world_size(importer* imp)
{
    const import_setting* s = given(imp, RULE_WORLD_SIZE);
    long long world, model = import_times(import_times(whole_or(imp, "parallelism.tp", 1),
                                                        whole_or(imp, "parallelism.pp", 1)),
                                           whole_or(imp, "parallelism.cp", 1));
    if (!s)
        return 0;
    if (whole_value(imp, s, 1, &world))
        return -1;
    if (model <= 0 || world % model) {
        import_not_understood(imp, s, "not a multiple of tp x pp x cp");
        return 0;
    }
    char dp[32];
    snprintf(dp, sizeof dp, "%lld", world / model);
    set_explained(imp, "parallelism.dp", dp, s, "/ (tp x pp x cp = %lld)", model);
    return 0;
}

static int rule_batch_ramp(importer* imp)
{
    const import_setting* s = given(imp, RULE_BATCH_RAMP);
    if (s)
        import_list(&imp->no_effect, s, "not simulated: write the ramp's phases in training.batch_ramp "
                    "(docs/scenario.md; at most 16)");
    return 0;
}

/* ---- values written in another framework's words ----------------------- */

static int rule_attention_backend(importer* imp)
{
    const import_setting* s = given(imp, RULE_ATTENTION_BACKEND);
    static const struct { const char* backend; const char* flash; } backends[] = {
        {"flash", "true"}, {"fused", "true"}, {"auto", "true"}, {"unfused", "false"}, {"local", "false"},
    };
    if (!s)
        return 0;
    for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
        if (!strcmp(s->value, backends[i].backend)) {
            import_set_from(imp, "parallelism.flash_attention", backends[i].flash, s);
            return 0;
        }
    return import_fail(imp, s, "flash, fused, unfused, local or auto");
}

static int rule_precision(importer* imp)
{
    static const struct { const char* written; int precision; } nemo[] = {
        {"bf16", PREC_BF16}, {"bf16-mixed", PREC_BF16}, {"16", PREC_FP16}, {"16-mixed", PREC_FP16},
        {"32", PREC_COUNT}, {"32-true", PREC_COUNT},
    };
    const import_setting* s = given(imp, RULE_NEMO_PRECISION);
    if (s) {
        size_t i = 0;
        while (i < sizeof nemo / sizeof *nemo && strcmp(s->value, nemo[i].written))
            i++;
        if (i == sizeof nemo / sizeof *nemo)
            return import_fail(imp, s, "bf16, bf16-mixed, 16, 16-mixed or 32");
        if (nemo[i].precision != PREC_COUNT)
            import_set_from(imp, "training.precision", precision_names[nemo[i].precision], s);
    }
    if ((s = given(imp, RULE_FP8_FORMAT))) {
        if (strcmp(s->value, "e4m3") && strcmp(s->value, "hybrid"))
            return import_fail(imp, s, "e4m3 or hybrid");
        import_set_from(imp, "training.precision", precision_names[PREC_FP8], s);
    }
    if ((s = given(imp, RULE_NEMO_FP8))) {
        if (strcmp(s->value, "true") && strcmp(s->value, "True") && strcmp(s->value, "false") &&
            strcmp(s->value, "False"))
            return import_fail(imp, s, "true or false");
        if (s->value[0] != 'f' && s->value[0] != 'F')
            import_set_from(imp, "training.precision", precision_names[PREC_FP8], s);
    }
    return 0;
}

static int rule_activation(importer* imp)
{
    static const struct { const char* written; int ffn; } activations[] = {
        {"swiglu", FFN_SWIGLU},
        {"fast-swiglu", FFN_SWIGLU},
        {"gelu", FFN_GELU},
        {"fast-gelu", FFN_GELU},
    };
    const import_setting* s = given(imp, RULE_NEMO_ACTIVATION);
    if (!s)
        return 0;
    for (size_t i = 0; i < sizeof activations / sizeof *activations; i++)
        if (!strcmp(s->value, activations[i].written)) {
            import_set_from(imp, "model.ffn_kind", ffn_names[activations[i].ffn], s);
            return 0;
        }
    import_not_understood(imp, s, "trainsim's MLPs are GeLU (2 GEMMs) or SwiGLU (3 GEMMs)");
    return 0;
}

static int rule_optimizer(importer* imp)
{
    const import_setting* s = given(imp, RULE_NEMO_OPTIMIZER);
    if (!s)
        return 0;
    int distributed = !strcmp(s->value, "distributed_fused_adam") || !strcmp(s->value, "mcore_distributed_optim");
    set_explained(imp, "parallelism.zero", distributed ? "1" : "0", s, "%s", distributed ?
                  "the distributed optimizer shards the optimizer state (ZeRO 1)" :
                  "every rank keeps the whole optimizer state");
    return 0;
}

int import_apply_rules(importer* imp)
{
    int (*const rules[])(importer*) = {
        rule_query_groups, rule_dropout,   rule_vocab,      rule_virtual_stages, rule_train_samples,
        rule_attention_backend, rule_precision, rule_activation, rule_optimizer, rule_moe_layer_freq,
        rule_shared_expert, rule_world_size, rule_batch_ramp,
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (rules[i](imp))
            return -1;
    return 0;
}
