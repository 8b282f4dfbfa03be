/* uncertain_keys: uncertain inputs and target bands, read against the keys
 * they name (see uncertain_keys.h). */
#include "input/uncertain_keys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys no sample may vary: the format's version, and the study itself. */
static const char* const fixed_keys[] = {"format", "uncertain", "targets", NULL};

#define DISTRIBUTIONS                                                                                  \
    "a distribution: {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {triangular: [lo, mode, hi]}, " \
    "{normal: [mean, sd]} or {choice: [v1, v2, ...], weights: [w1, w2, ...]}"

/* ---- the key an input varies -------------------------------------------- */

static int is_fixed(const char* key)
{
    size_t first = strcspn(key, ".[");
    for (int i = 0; fixed_keys[i]; i++)
        if (strlen(fixed_keys[i]) == first && !strncmp(key, fixed_keys[i], first))
            return 1;
    return 0;
}

static draw_kind draw_of(const key_rule* r, int item)
{
    if (item)
        return DRAW_OTHER;
    switch (r->type) {
    case K_INT:
    case K_INT64:
        return DRAW_INTEGER;
    case K_NUMBER:
        return DRAW_NUMBER;
    case K_QTY:
        return DRAW_QUANTITY;
    case K_BOOL:
    case K_STRING:
    case K_ENUM:
    case K_SECTION:
    case K_CUSTOM:
    case KEY_TYPE_COUNT:
        break;
    }
    return DRAW_OTHER;
}

/* KEY (the node K) names a key of the format that leads somewhere in the
 * document: its rule, or NULL after a message. */
static const key_rule* varied_rule(loader* L, const yt_node* k, const char* path, int* item)
{
    char found[320];
    if (is_fixed(k->text)) {
        snprintf(found, sizeof found, "%s", k->text);
        diag_expected_in(L->d, k->file, k->line, k->col, path,
                         "a key the samples can vary (any but format, uncertain and targets)", found);
        return NULL;
    }
    const key_rule* r = key_rule_at(L->document, k->text, item);
    if (!r) {
        snprintf(found, sizeof found, "\"%s\", which is not a key of the scenario format", k->text);
        diag_expected_in(L->d, k->file, k->line, k->col, path,
                         "a dotted key of the scenario (parallelism.tp, failures.components[0].mtbf)", found);
        return NULL;
    }
    yt_node* copy = yt_copy(L->root, NULL);
    int unreachable = yt_put_path(copy, k->text, yt_new_map(k->line, k->col, NULL));
    yt_free(copy);
    if (unreachable) {
        diag_expected_in(L->d, k->file, k->line, k->col, path,
                         "a path through the scenario's mappings (and lists, as name[i], within their length)",
                         "one that does not lead to a value there");
        return NULL;
    }
    return r;
}

/* ---- its distribution ------------------------------------------------- */

static int prior_named(const char* name)
{
    for (int p = 0; p < PRIOR_COUNT; p++)
        if (!strcmp(name, prior_names[p]))
            return p;
    return -1;
}

/* The distribution's name node and its values, and the weights node if
 * any, in the mapping V. Returns 0, or -1 after a message. */
static int split_distribution(loader* L, const yt_node* v, const char* path, const yt_node** name,
                              const yt_node** values, const yt_node** weights)
{
    *name = *values = *weights = NULL;
    if (v->kind != YT_MAP || v->count == 0)
        return key_fail(L, v, path, DISTRIBUTIONS);
    for (size_t i = 0; i < v->count; i++) {
        const yt_node* k = v->keys[i];
        char found[160];
        if (!strcmp(k->text, "weights")) {
            *weights = v->values[i];
            continue;
        }
        if (prior_named(k->text) < 0 || *name) {
            snprintf(found, sizeof found, *name ? "a second distribution, %s" : "the unknown distribution \"%s\"",
                     k->text);
            diag_expected_in(L->d, k->file, k->line, k->col, path, DISTRIBUTIONS, found);
            return -1;
        }
        *name = k;
        *values = v->values[i];
    }
    if (!*name)
        return key_fail(L, v, path, DISTRIBUTIONS);
    return 0;
}

/* The list of COUNT values of the distribution NAME at PATH, or -1 after a
 * message. */
static int check_arity(loader* L, const yt_node* values, const char* path, int count, const char* form)
{
    if (values->kind == YT_SEQ && values->count == (size_t)count)
        return 0;
    char expected[160], found[96];
    snprintf(expected, sizeof expected, "a list of %d values, %s", count, form);
    if (values->kind == YT_SEQ)
        snprintf(found, sizeof found, "a list of %zu", values->count);
    else
        yt_describe(values, found, sizeof found);
    diag_expected_in(L->d, values->file, values->line, values->col, path, expected, found);
    return -1;
}

/* The normal's spread: a positive number in the key's unit (a plain number
 * for an integer key). */
static int read_spread(loader* L, const key_rule* r, const yt_node* v, const char* path, double* sd)
{
    key_rule spread = *r;
    if (r->type != K_QTY)
        spread.type = K_NUMBER;
    spread.min = 0;
    spread.positive = 1;
    spread.max = KEY_UNBOUNDED;
    return key_read_scalar(L, &spread, v, path, sd);
}

/* "a b, found c" checks of a distribution's values: lo <= hi, lo <= mode <= hi, lo > 0. */
static int check_order(loader* L, const yt_node* values, const char* path, const uncertain_input* in)
{
    const double* x = in->param;
    const char* u = in->draw == DRAW_QUANTITY ? units_base_symbol((unit_kind)in->unit) : "";   /* base units */
    char found[200];
    const char* expected = NULL;
    if (in->prior == PRIOR_TRIANGULAR && !(x[0] <= x[1] && x[1] <= x[2])) {
        expected = "lo <= mode <= hi";
        snprintf(found, sizeof found, "%.15g%s, %.15g%s, %.15g%s", x[0], u, x[1], u, x[2], u);
    } else if (in->prior != PRIOR_TRIANGULAR && in->prior != PRIOR_NORMAL && x[0] > x[1]) {
        expected = "lo <= hi";
        snprintf(found, sizeof found, "%.15g%s > %.15g%s", x[0], u, x[1], u);
    } else if (in->prior == PRIOR_LOGUNIFORM && !(x[0] > 0)) {
        expected = "a positive lo: a log-uniform lives above zero";
        snprintf(found, sizeof found, "%.15g%s", x[0], u);
    }
    if (!expected)
        return 0;
    diag_expected_in(L->d, values->file, values->line, values->col, path, expected, found);
    return -1;
}

/* uniform, loguniform, triangular, normal: the values, read as the key's. */
static int read_numeric(loader* L, const key_rule* r, const yt_node* name, const yt_node* values,
                        const char* path, uncertain_input* in)
{
    static const char* const forms[PRIOR_COUNT] = {"[lo, hi]", "[lo, hi]", "[lo, mode, hi]", "[mean, sd]", ""};
    char at[640];
    snprintf(at, sizeof at, "%s.%s", path, name->text);
    if (in->draw == DRAW_OTHER) {
        char found[160];
        snprintf(found, sizeof found, "%s (the key's values are not numbers)", name->text);
        diag_expected_in(L->d, name->file, name->line, name->col, path, "choice", found);
        return -1;
    }
    int count = in->prior == PRIOR_TRIANGULAR ? 3 : 2;
    if (check_arity(L, values, at, count, forms[in->prior]))
        return -1;
    for (int i = 0; i < count; i++) {
        char item[700];
        snprintf(item, sizeof item, "%s[%d]", at, i);
        int spread = in->prior == PRIOR_NORMAL && i == 1;
        if (spread ? read_spread(L, r, values->values[i], item, &in->param[i])
                   : key_read_scalar(L, r, values->values[i], item, &in->param[i]))
            return -1;
    }
    return check_order(L, values, at, in);
}

static int read_weights(loader* L, const yt_node* weights, const char* path, uncertain_input* in)
{
    char at[640];
    snprintf(at, sizeof at, "%s.weights", path);
    in->weight = xcalloc((size_t)in->choices, sizeof *in->weight);
    if (!weights) {
        for (int i = 0; i < in->choices; i++)
            in->weight[i] = 1;
        return 0;
    }
    char form[96];
    snprintf(form, sizeof form, "one weight per choice");
    if (check_arity(L, weights, at, in->choices, form))
        return -1;
    const key_rule weight = {.name = "weights", .type = K_NUMBER, .min = 0, .max = KEY_UNBOUNDED};
    double total = 0;
    for (int i = 0; i < in->choices; i++) {
        char item[700];
        snprintf(item, sizeof item, "%s[%d]", at, i);
        if (key_read_scalar(L, &weight, weights->values[i], item, &in->weight[i]))
            return -1;
        total += in->weight[i];
    }
    if (total > 0)
        return 0;
    diag_expected_in(L->d, weights->file, weights->line, weights->col, at, "weights that are not all zero",
                     "weights that sum to 0");
    return -1;
}

/* choice: each value checked as the key's (numbers, enums, booleans). */
static int read_choice(loader* L, const key_rule* r, const yt_node* values, const yt_node* weights,
                       const char* path, uncertain_input* in)
{
    char at[640];
    snprintf(at, sizeof at, "%s.choice", path);
    if (values->kind == YT_SEQ && values->count == 0) {
        diag_expected_in(L->d, values->file, values->line, values->col, at, "a non-empty list of the key's values",
                         "an empty list");
        return -1;
    }
    if (values->kind != YT_SEQ)
        return key_fail(L, values, at, "a non-empty list of the key's values");
    in->choices = (int)values->count;
    in->choice_value = xcalloc(values->count, sizeof *in->choice_value);
    in->choice_text = xcalloc(values->count, sizeof *in->choice_text);
    for (size_t i = 0; i < values->count; i++) {
        strbuf text = {0};
        yt_flow_text(values->values[i], &text);
        in->choice_text[i] = xstrdup(strbuf_text(&text));
        strbuf_free(&text);
        char item[700];
        double x = NAN;
        snprintf(item, sizeof item, "%s[%zu]", at, i);
        if (key_read_scalar(L, r, values->values[i], item, &x))   /* NaN, unchecked, for other keys */
            return -1;
        in->choice_value[i] = in->draw == DRAW_OTHER ? (double)i : x;
    }
    return read_weights(L, weights, path, in);
}

static int read_input(loader* L, const yt_node* k, const yt_node* v, const char* path, uncertain_input* in)
{
    int item;
    const key_rule* r = varied_rule(L, k, path, &item);
    if (!r)
        return -1;
    in->line = v->line;
    in->col = v->col;
    in->draw = draw_of(r, item);
    in->unit = (int)r->unit;
    in->min = r->min;
    in->max = r->max;
    in->min_open = r->positive;
    const yt_node *name, *values, *weights;
    if (split_distribution(L, v, path, &name, &values, &weights))
        return -1;
    in->prior = (prior_kind)prior_named(name->text);
    if (weights && in->prior != PRIOR_CHOICE) {
        char found[160];
        snprintf(found, sizeof found, "weights with %s", name->text);
        diag_expected_in(L->d, weights->file, weights->line, weights->col, path, "weights only with choice", found);
        return -1;
    }
    if (in->prior == PRIOR_CHOICE)
        return read_choice(L, r, values, weights, path, in);
    return read_numeric(L, r, name, values, path, in);
}

int uncertain_read_inputs(loader* L, const yt_node* v, const char* path, char* field)
{
    uncertainty_spec* u = (uncertainty_spec*)field;
    if (yt_is_null(v))
        return 0;
    if (v->kind != YT_MAP)
        return key_fail(L, v, path, "a mapping of dotted keys to distributions");
    u->inputs = xcalloc(v->count + 1, sizeof *u->inputs);
    for (size_t i = 0; i < v->count; i++) {
        uncertain_input* in = &u->inputs[i];
        char at[600];
        snprintf(at, sizeof at, "%s.%s", path, v->keys[i]->text);
        in->key = xstrdup(v->keys[i]->text);
        u->input_count = (int)i + 1;
        if (read_input(L, v->keys[i], v->values[i], at, in))
            return -1;
    }
    return 0;
}

/* ---- targets --------------------------------------------------------------- */

static int outcome_named(const char* name)
{
    for (int o = 0; o < OUTCOME_COUNT; o++)
        if (!strcmp(name, outcome_names[o]))
            return o;
    return -1;
}

static int unknown_outcome(loader* L, const yt_node* k, const char* path)
{
    strbuf expected = {0};
    strbuf_append(&expected, "an outcome of the run (");
    for (int o = 0; o < OUTCOME_COUNT; o++)
        strbuf_printf(&expected, "%s%s", o ? ", " : "", outcome_names[o]);
    strbuf_append(&expected, ")");
    char found[160];
    snprintf(found, sizeof found, "the unknown outcome \"%s\"", k->text);
    diag_expected_in(L->d, k->file, k->line, k->col, path, strbuf_text(&expected), found);
    strbuf_free(&expected);
    return -1;
}

static int read_band(loader* L, const yt_node* v, const char* path, target_band* t)
{
    if (check_arity(L, v, path, 2, "[lo, hi]"))
        return -1;
    double x[2];
    for (int i = 0; i < 2; i++) {
        char item[640];
        snprintf(item, sizeof item, "%s[%d]", path, i);
        if (key_scalar_number(v->values[i], &x[i]))
            return key_fail(L, v->values[i], item,
                            "a plain number in the outcome's unit (days, a share from 0 to 1, MWh, ...)");
    }
    if (x[0] > x[1]) {
        char found[96];
        snprintf(found, sizeof found, "%.15g > %.15g", x[0], x[1]);
        diag_expected_in(L->d, v->file, v->line, v->col, path, "lo <= hi", found);
        return -1;
    }
    t->lo = x[0];
    t->hi = x[1];
    return 0;
}

int uncertain_read_targets(loader* L, const yt_node* v, const char* path, char* field)
{
    uncertainty_spec* u = (uncertainty_spec*)field;
    u->targets_line = v->line;
    u->targets_col = v->col;
    if (yt_is_null(v))
        return 0;
    if (v->kind != YT_MAP)
        return key_fail(L, v, path, "a mapping of outcomes to bands [lo, hi]");
    u->targets = xcalloc(v->count + 1, sizeof *u->targets);
    for (size_t i = 0; i < v->count; i++) {
        const yt_node* k = v->keys[i];
        char at[600];
        snprintf(at, sizeof at, "%s.%s", path, k->text);
        int o = outcome_named(k->text);
        if (o < 0)
            return unknown_outcome(L, k, at);
        target_band* t = &u->targets[u->target_count++];
        *t = (target_band){(outcome_kind)o, 0, 0, v->values[i]->line, v->values[i]->col};
        if (read_band(L, v->values[i], at, t))
            return -1;
    }
    return 0;
}
