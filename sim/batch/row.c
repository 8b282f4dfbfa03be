/* row: sweep result rows from the JSON report (see row.h). */
#include "batch/row.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "core/json.h"
#include "input/scenario.h"

/* The results every row carries, as flattened JSON keys (docs/output.md):
 * these, then failures.KIND for every failure kind (result_column). */
static const char* const result_columns[] = {
    "gpus", "parallelism.tp", "parallelism.pp", "parallelism.dp", "parallelism.ep", "parallelism.micro_batch",
    "parallelism.micro_batches", "parallelism.schedule", "parallelism.recompute", "parallelism.zero",
    "mfu", "hfu", "step_time_s", "tokens_per_s", "tflops_per_gpu", "steps",
    "wall_clock_days.mean", "wall_clock_days.p10", "wall_clock_days.p90", "goodput", "run_mfu",
    "gpu_hours", "gpu_hours_lost", "cost", "energy_mwh", "energy_cost",
    "power_mw.average", "power_mw.peak", "power_mw.trough", "memory_per_gpu_bytes.total",
    "checkpoint.interval_s",
    "breakdown.compute.fraction", "breakdown.bubble.fraction", "breakdown.tp_comm.fraction",
    "breakdown.pp_comm.fraction", "breakdown.dp_comm_exposed.fraction", "breakdown.optimizer.fraction",
    "breakdown.ep_comm.fraction", "breakdown.failure_lost_work.fraction", "breakdown.restart.fraction",
    "breakdown.spare_wait.fraction", "breakdown.checkpoint.fraction", NULL};

#define FIXED_COLUMNS ((int)(sizeof result_columns / sizeof *result_columns) - 1)

const char* const row_status_names[ROW_STATUS_COUNT] = {"ok", "infeasible", "invalid", "error"};

/* Result column C into BUF: the fixed ones, then one per failure kind;
 * NULL past the last. */
static const char* result_column(int c, char* buf, size_t size)
{
    if (c < FIXED_COLUMNS)
        return result_columns[c];
    if (c - FIXED_COLUMNS >= FAILURE_KIND_COUNT)
        return NULL;
    snprintf(buf, size, "failures.%s", failure_kind_name((failure_kind)(c - FIXED_COLUMNS)));
    return buf;
}

/* A result column the sweep varies is its axis's column, not a second one. */
static int is_axis(const sweep* sw, const char* column)
{
    for (size_t a = 0; a < sw->axis_count; a++)
        if (!strcmp(sw->axes[a].key, column))
            return 1;
    return 0;
}

/* ---- flattening the report's JSON ----------------------------------------- */

typedef struct {
    char* path;
    char* text;     /* a string unescaped, a number or literal as written */
    int   string;
} flat_value;

typedef struct {
    flat_value* values;
    size_t      count;
    const char* p;   /* the parser's position */
} flat;

static void skip_space(flat* f)
{
    while (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t')
        f->p++;
}

/* A JSON string at f->p (report_json's escapes only), unescaped. */
static int read_string(flat* f, strbuf* out)
{
    if (*f->p != '"')
        return -1;
    for (f->p++; *f->p && *f->p != '"'; f->p++) {
        if (*f->p != '\\') {
            strbuf_append_n(out, f->p, 1);
            continue;
        }
        f->p++;
        const char* plain = strchr("\"\\/", *f->p);
        if (plain && *f->p)
            strbuf_append_n(out, f->p, 1);
        else if (*f->p == 'n' || *f->p == 't' || *f->p == 'r')
            strbuf_append(out, *f->p == 'n' ? "\n" : *f->p == 't' ? "\t" : "\r");
        else if (*f->p == 'u' && strlen(f->p) >= 5) {
            char code = (char)strtol((char[]){f->p[1], f->p[2], f->p[3], f->p[4], 0}, NULL, 16);
            strbuf_append_n(out, &code, 1);
            f->p += 4;
        } else
            return -1;
    }
    if (*f->p != '"')
        return -1;
    f->p++;
    return 0;
}

static void add_value(flat* f, const strbuf* path, const char* text, size_t len, int string)
{
    f->values = xrealloc(f->values, (f->count + 1) * sizeof *f->values);
    char* copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    f->values[f->count++] = (flat_value){xstrdup(strbuf_text(path)), copy, string};
}

static int read_value(flat* f, strbuf* path);

/* The members of an object or the items of an array, each under PATH. */
static int read_members(flat* f, strbuf* path, int object)
{
    size_t base = path->len;
    char close = object ? '}' : ']';
    f->p++;
    skip_space(f);
    for (int i = 0; *f->p != close; i++) {
        if (i) {
            if (*f->p != ',')
                return -1;
            f->p++;
            skip_space(f);
        }
        if (base)
            strbuf_append(path, ".");
        if (object) {
            if (read_string(f, path))
                return -1;
            skip_space(f);
            if (*f->p != ':')
                return -1;
            f->p++;
        } else
            strbuf_printf(path, "%d", i);
        if (read_value(f, path))
            return -1;
        path->len = base;
        if (path->data)
            path->data[base] = '\0';
        skip_space(f);
    }
    f->p++;
    return 0;
}

static int read_value(flat* f, strbuf* path)
{
    skip_space(f);
    if (*f->p == '{' || *f->p == '[')
        return read_members(f, path, *f->p == '{');
    if (*f->p == '"') {
        strbuf text = {0};
        int bad = read_string(f, &text);
        if (!bad)
            add_value(f, path, strbuf_text(&text), text.len, 1);
        strbuf_free(&text);
        return bad;
    }
    size_t n = strcspn(f->p, ",}] \n\r\t");
    if (n == 0)
        return -1;
    add_value(f, path, f->p, n, 0);
    f->p += n;
    return 0;
}

static const flat_value* find(const flat* f, const char* path)
{
    for (size_t i = 0; i < f->count; i++)
        if (!strcmp(f->values[i].path, path))
            return &f->values[i];
    return NULL;
}

static void free_flat(flat* f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->values[i].path);
        free(f->values[i].text);
    }
    free(f->values);
}

/* ---- writing rows -------------------------------------------------------- */

/* A number as JSON writes it: -?digits(.digits)?([eE][+-]?digits)? */
static int is_json_number(const char* s)
{
    const char* p = s + (*s == '-');
    size_t n = strspn(p, "0123456789");
    if (n == 0)
        return 0;
    p += n;
    if (*p == '.') {
        n = strspn(++p, "0123456789");
        if (n == 0)
            return 0;
        p += n;
    }
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        n = strspn(p, "0123456789");
        if (n == 0)
            return 0;
        p += n;
    }
    return *p == '\0';
}

/* Whether a sweep value goes into JSON as a string: anything but a plain
 * number or boolean. */
static int is_json_string(const yt_node* v)
{
    if (v->kind != YT_SCALAR || v->quoted)
        return 1;
    return !is_json_number(v->text) && strcmp(v->text, "true") && strcmp(v->text, "false");
}

row_format row_format_of(const char* path)
{
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".gz"))
        n -= 3;
    if ((n > 6 && !strncmp(path + n - 6, ".jsonl", 6)) || (n > 5 && !strncmp(path + n - 5, ".json", 5)))
        return ROW_JSONL;
    return ROW_CSV;
}

static void csv_field(strbuf* out, const char* text)
{
    if (!text[strcspn(text, ",\"\n\r")]) {
        strbuf_append(out, text);
        return;
    }
    strbuf_append(out, "\"");
    for (const char* c = text; *c; c++)
        strbuf_append(out, *c == '"' ? "\"\"" : (char[]){*c, 0});
    strbuf_append(out, "\"");
}

void row_header(const sweep* sw, row_format f, strbuf* out)
{
    if (f != ROW_CSV)
        return;
    strbuf_append(out, "point,hash,status,reason");
    for (size_t a = 0; a < sw->axis_count; a++) {
        strbuf_append(out, ",");
        csv_field(out, sw->axes[a].key);
    }
    char buf[64];
    const char* column;
    for (int c = 0; (column = result_column(c, buf, sizeof buf)); c++)
        if (!is_axis(sw, column))
            strbuf_printf(out, ",%s", column);
    strbuf_append(out, "\n");
}

/* One column: NAME and its TEXT (NULL: none), a string or not. */
static void put(strbuf* out, row_format f, const char* name, const char* text, int string)
{
    if (f == ROW_CSV) {
        strbuf_append(out, ",");
        if (text)
            csv_field(out, text);
        return;
    }
    strbuf_append(out, ", ");
    json_quote(out, name);
    strbuf_append(out, ": ");
    if (!text)
        strbuf_append(out, "null");
    else if (string)
        json_quote(out, text);
    else
        strbuf_append(out, text);
}

void row_line(const sweep* sw, row_format f, long long p, row_status status, const char* reason,
              const char* json, strbuf* out)
{
    char hash[17];
    sweep_point_hash(sw, p, hash);
    if (f == ROW_CSV)
        strbuf_printf(out, "%lld,%s,%s", p, hash, row_status_names[status]);
    else
        strbuf_printf(out, "{\"point\": %lld, \"hash\": \"%s\", \"status\": \"%s\"", p, hash, row_status_names[status]);
    put(out, f, "reason", reason && reason[0] ? reason : NULL, 1);
    strbuf value = {0};
    for (size_t a = 0; a < sw->axis_count; a++) {
        const yt_node* v = sweep_value(sw, a, p);
        strbuf_clear(&value);
        sweep_value_text(v, &value);
        put(out, f, sw->axes[a].key, strbuf_text(&value), is_json_string(v));
    }
    strbuf_free(&value);
    flat results = {0};
    results.p = json ? json : "";
    strbuf path = {0};
    if (json && read_value(&results, &path)) {   /* not JSON: no results rather than half of them */
        free_flat(&results);
        results = (flat){0};
    }
    strbuf_free(&path);
    char buf[64];
    const char* column;
    for (int c = 0; (column = result_column(c, buf, sizeof buf)); c++) {
        if (is_axis(sw, column))
            continue;
        const flat_value* v = find(&results, column);
        int null = !v || (!v->string && !strcmp(v->text, "null"));
        put(out, f, column, null ? NULL : v->text, v && v->string);
    }
    free_flat(&results);
    strbuf_append(out, f == ROW_CSV ? "\n" : "}\n");
}

int row_value(const char* line, const char* column, char* buf, size_t size)
{
    flat values = {.p = line};
    strbuf path = {0};
    int status = -1;
    if (!read_value(&values, &path)) {
        const flat_value* v = find(&values, column);
        if (v && (v->string || strcmp(v->text, "null"))) {
            snprintf(buf, size, "%s", v->text);
            status = 0;
        }
    }
    strbuf_free(&path);
    free_flat(&values);
    return status;
}

int row_identity(row_format f, const char* line, long long* point, char hash[17])
{
    const char* p = line;
    if (f == ROW_JSONL) {
        if (strncmp(p, "{\"point\": ", 10))
            return -1;
        p += 10;
    }
    char* end = NULL;
    long long n = strtoll(p, &end, 10);
    if (end == p || n < 0)
        return -1;
    p = end;
    const char* sep = f == ROW_CSV ? "," : ", \"hash\": \"";
    if (strncmp(p, sep, strlen(sep)))
        return -1;
    p += strlen(sep);
    if (strspn(p, "0123456789abcdef") != 16)
        return -1;
    memcpy(hash, p, 16);
    hash[16] = '\0';
    *point = n;
    return 0;
}
