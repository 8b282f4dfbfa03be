/* key_reader: a mapping against its table of key_rule, key by key, and the
 * one way every key's problem is described (see key_reader.h). */
#include "input/key_reader.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/foreign_names.h"
#include "input/scenario_check.h"

/* ---- describing what a key expects ------------------------------------ */

/* X as a bound of rule R's values: a quantity's in its base unit, so that
 * the bound reads back as written ("1e+12FLOPS"). */
static void describe_bound(const key_rule* r, double x, char* buf, size_t size)
{
    if (r->type == K_QTY)
        snprintf(buf, size, "%.6g%s", x, units_base_symbol(r->unit));
    else
        snprintf(buf, size, "%.15g", x);
}

/* "a positive integer", "a number from 0 to 1", "a non-negative duration",
 * "0 (none) or a compute rate from 1e+12FLOPS to 1e+18FLOPS". */
void key_describe_range(const key_rule* r, const char* noun, char* buf, size_t size)
{
    char limit[64] = "", lo[40], hi[40], none[16] = "";
    describe_bound(r, r->min, lo, sizeof lo);
    describe_bound(r, r->max, hi, sizeof hi);
    if (r->max < KEY_UNBOUNDED)
        snprintf(limit, sizeof limit, " no larger than %s", hi);
    if (r->or_zero)
        snprintf(none, sizeof none, "0 (none) or ");
    const char* article = noun[0] == 'i' ? "an" : "a";
    if (r->min == 0 && r->positive)
        snprintf(buf, size, "%sa positive %s%s", none, noun, limit);
    else if (r->min == 1 && !r->positive && strcmp(noun, "integer") == 0)
        snprintf(buf, size, "%sa positive %s%s", none, noun, limit);
    else if (r->min == 0)
        snprintf(buf, size, "%sa non-negative %s%s", none, noun, limit);
    else if (r->max < KEY_UNBOUNDED)
        snprintf(buf, size, "%s%s %s from %s to %s", none, article, noun, lo, hi);
    else
        snprintf(buf, size, "%s%s %s of at least %s", none, article, noun, lo);
}

static void describe_enum(const key_rule* r, char* buf, size_t size)
{
    const char* const* names = r->names;
    strbuf sb = {0};
    strbuf_append(&sb, "one of ");
    for (int i = 0; i < r->name_count; i++)
        strbuf_printf(&sb, "%s%s", i ? ", " : "", names[i]);
    snprintf(buf, size, "%s", strbuf_text(&sb));
    strbuf_free(&sb);
}

int key_fail(loader* L, const yt_node* at, const char* path, const char* expected)
{
    char found[96];
    diag_expected_in(L->d, at->file, at->line, at->col, path, expected, yt_describe(at, found, sizeof found));
    return -1;
}

/* ---- scalars ----------------------------------------------------------- */

int key_is_plain_scalar(const yt_node* v)
{
    return v && v->kind == YT_SCALAR && !v->quoted && !yt_is_null(v);
}

/* A plain decimal number (no inf, nan or hexadecimal), wholly consumed. */
static int scalar_number(const yt_node* v, double* out)
{
    if (!key_is_plain_scalar(v))
        return -1;
    const char* s = v->text;
    const char* digits = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!(isdigit((unsigned char)digits[0]) || (digits[0] == '.' && isdigit((unsigned char)digits[1]))))
        return -1;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        return -1;
    char* end = NULL;
    double x = strtod(s, &end);
    if (*end != '\0' || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int key_scalar_number(const yt_node* v, double* out)
{
    return scalar_number(v, out);
}

/* A number with an integral value, exactly representable (|x| <= 2^53). */
int key_scalar_integer(const yt_node* v, double* out)
{
    double x;
    if (scalar_number(v, &x) || x != floor(x) || fabs(x) > 9007199254740992.0)
        return -1;
    *out = x;
    return 0;
}

static int in_range(const key_rule* r, double x)
{
    if (r->or_zero && x == 0)
        return 1;
    if (r->positive ? !(x > r->min) : !(x >= r->min))
        return 0;
    return x <= r->max;
}

static int read_integer(loader* L, const key_rule* r, const yt_node* v, const char* path, double* out)
{
    char expected[160];
    key_describe_range(r, "integer", expected, sizeof expected);
    if (key_scalar_integer(v, out) || !in_range(r, *out))
        return key_fail(L, v, path, expected);
    return 0;
}

static int read_enum(loader* L, const key_rule* r, const yt_node* v, const char* path, int* out)
{
    if (v->kind == YT_SCALAR && !yt_is_null(v)) {
        for (int i = 0; i < r->name_count; i++) {
            if (strcmp(v->text, r->names[i]) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    char expected[256];
    describe_enum(r, expected, sizeof expected);
    return key_fail(L, v, path, expected);
}

static int read_quantity(loader* L, const key_rule* r, const yt_node* v, const char* path, double* out)
{
    if (v->kind != YT_SCALAR || yt_is_null(v) || units_parse(r->unit, v->text, out))
        return key_fail(L, v, path, units_expected(r->unit));
    if (!in_range(r, *out)) {
        char expected[160];
        key_describe_range(r, units_noun(r->unit), expected, sizeof expected);
        return key_fail(L, v, path, expected);
    }
    return 0;
}

/* ---- sections ---------------------------------------------------------- */

/* Levenshtein distance, for "did you mean" hints on misspelt keys. */
static int edit_distance(const char* a, const char* b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diagonal = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int above = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diagonal + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

static int unknown_key(loader* L, const yt_node* key, const char* section, const char* path,
                       const key_rule* rules)
{
    strbuf expected = {0};
    strbuf_printf(&expected, "a key of %s (", section[0] ? section : "the scenario");
    const char* closest = NULL;
    int best = 3;
    for (const key_rule* r = rules; r->name; r++) {
        strbuf_printf(&expected, "%s%s", r == rules ? "" : ", ", r->name);
        int dist = edit_distance(key->text, r->name);
        if (dist < best) {
            best = dist;
            closest = r->name;
        }
    }
    strbuf_append(&expected, ")");
    char found[320];
    char described[96];
    yt_describe(key, described, sizeof described);
    const char* foreign = foreign_scenario_key(key->text);
    if (foreign)
        snprintf(found, sizeof found, "the unknown key %s (Megatron-LM's or NeMo's name: did you mean %s?)",
                 described, foreign);
    else if (closest)
        snprintf(found, sizeof found, "the unknown key %s (did you mean %s?)", described, closest);
    else
        snprintf(found, sizeof found, "the unknown key %s", described);
    diag_expected_in(L->d, key->file, key->line, key->col, path, strbuf_text(&expected), found);
    strbuf_free(&expected);
    return -1;
}

static void join_path(const char* section, const char* key, char* buf, size_t size)
{
    if (section[0])
        snprintf(buf, size, "%s.%s", section, key);
    else
        snprintf(buf, size, "%s", key);
}

static int read_value(loader* L, const key_rule* r, const yt_node* v, const char* path, char* field)
{
    double x;
    int index;
    switch (r->type) {
    case K_INT:
        if (read_integer(L, r, v, path, &x))
            return -1;
        *(int*)field = (int)x;
        return 0;
    case K_INT64:
        if (read_integer(L, r, v, path, &x))
            return -1;
        *(long long*)field = (long long)x;
        return 0;
    case K_NUMBER: {
        char expected[160];
        key_describe_range(r, "number", expected, sizeof expected);
        if (scalar_number(v, &x) || !in_range(r, x))
            return key_fail(L, v, path, expected);
        *(double*)field = x;
        return 0;
    }
    case K_BOOL:
        if (key_is_plain_scalar(v) && (strcmp(v->text, "true") == 0 || strcmp(v->text, "false") == 0)) {
            *(int*)field = v->text[0] == 't';
            return 0;
        }
        return key_fail(L, v, path, "true or false");
    case K_STRING:
        if (v->kind != YT_SCALAR)
            return key_fail(L, v, path, "a string");
        free(*(char**)field);
        *(char**)field = xstrdup(yt_is_null(v) ? "" : v->text);
        return 0;
    case K_ENUM:
        if (read_enum(L, r, v, path, &index))
            return -1;
        *(int*)field = index;
        return 0;
    case K_QTY:
        return read_quantity(L, r, v, path, (double*)field);
    case K_SECTION:
        return key_read_section(L, v, path, r->rules, field);
    case K_CUSTOM:
        return r->custom(L, v, path, field);
    case KEY_TYPE_COUNT:
        break;
    }
    return -1;
}

int key_read_section(loader* L, const yt_node* map, const char* path,
                     const key_rule* rules, char* base)
{
    if (map->kind != YT_MAP)
        return key_fail(L, map, path[0] ? path : "(document)", "a mapping");
    for (size_t i = 0; i < map->count; i++) {
        const yt_node* key = map->keys[i];
        char key_path[512];
        join_path(path, key->text, key_path, sizeof key_path);
        const key_rule* r = rules;
        while (r->name && strcmp(r->name, key->text) != 0)
            r++;
        if (!r->name)
            return unknown_key(L, key, path, key_path, rules);
        scenario_mark(L->sc, key_path, map->values[i]->file, map->values[i]->line, map->values[i]->col);
        if (read_value(L, r, map->values[i], key_path, base + r->offset))
            return -1;
    }
    for (const key_rule* r = rules; r->name; r++) {
        if (r->required && !yt_map_get(map, r->name)) {
            char key_path[512];
            join_path(path, r->name, key_path, sizeof key_path);
            diag_problem_in(L->d, map->file, map->line, map->col, "%s: expected a value (the key is required), found nothing",
                         key_path);
            return -1;
        }
    }
    return 0;
}

/* ---- keys named by other keys ------------------------------------------- */

const key_rule* key_rule_at(const key_rule* rules, const char* key, int* item)
{
    char path[512];
    size_t len = strlen(key);
    *item = 0;
    if (len == 0 || len >= sizeof path || key[0] == '.' || key[len - 1] == '.' || strstr(key, ".."))
        return NULL;   /* strtok_r would skip the empty names */
    snprintf(path, sizeof path, "%s", key);
    const key_rule* found = NULL;
    char* save = NULL;
    for (char* seg = strtok_r(path, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
        if (!rules)
            return NULL;   /* a name below a value that has no keys */
        char* bracket = strchr(seg, '[');
        if (bracket)
            *bracket = '\0';
        const key_rule* r = rules;
        while (r->name && strcmp(r->name, seg))
            r++;
        if (!r->name || (bracket && !r->list))
            return NULL;
        if (bracket) {
            char* end = NULL;
            long index = strtol(bracket + 1, &end, 10);
            if (end == bracket + 1 || *end != ']' || end[1] || index < 0)
                return NULL;
        }
        found = r;
        *item = bracket != NULL;
        rules = r->type == K_SECTION || r->type == K_CUSTOM ? r->rules : NULL;
        if (r->list && !bracket)
            rules = NULL;   /* a list's keys are its items' */
    }
    return found;
}

int key_nearest(const key_rule* rules, const char* key, char* buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s", key);
    buf[0] = '\0';
    size_t at = 0;
    for (char* seg = path; rules && *seg;) {
        char* dot = strchr(seg, '.');
        char* rest = dot ? dot + 1 : seg + strlen(seg);
        if (dot)
            *dot = '\0';
        size_t name_len = strcspn(seg, "[");
        const key_rule *r = rules, *closest = NULL;
        int best = 3;
        for (; r->name; r++) {
            if (strlen(r->name) == name_len && !strncmp(r->name, seg, name_len))
                break;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)name_len, seg);
            int dist = edit_distance(name, r->name);
            if (dist < best) {
                best = dist;
                closest = r;
            }
        }
        if (!r->name) {
            if (!closest)
                return -1;
            snprintf(buf, size, "%.*s%s%s%s%s", (int)at, key, closest->name, seg + name_len, dot ? "." : "",
                     rest);
            return 0;
        }
        at += (size_t)(rest - seg);
        rules = r->type == K_SECTION || r->type == K_CUSTOM ? r->rules : NULL;
        seg = rest;
    }
    return -1;
}

int key_read_scalar(loader* L, const key_rule* r, const yt_node* v, const char* path, double* number)
{
    int index;
    *number = NAN;
    switch (r->type) {
    case K_INT:
    case K_INT64:
        return read_integer(L, r, v, path, number);
    case K_NUMBER: {
        char expected[160];
        key_describe_range(r, "number", expected, sizeof expected);
        if (scalar_number(v, number) || !in_range(r, *number))
            return key_fail(L, v, path, expected);
        return 0;
    }
    case K_QTY:
        return read_quantity(L, r, v, path, number);
    case K_ENUM:
        if (read_enum(L, r, v, path, &index))
            return -1;
        *number = index;
        return 0;
    case K_BOOL:
        if (read_value(L, r, v, path, (char*)&index))
            return -1;
        *number = index;
        return 0;
    case K_STRING:
    case K_SECTION:
    case K_CUSTOM:
    case KEY_TYPE_COUNT:
        break;
    }
    return 0;
}
