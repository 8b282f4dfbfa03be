/* row: sweep result rows from the JSON report (see row.h). */
#include "batch/row.h"

#include <jansson.h>
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
    "mfu", "hfu", "step_time_s", "tokens_per_s", "tflops_per_gpu", "steps", /* not enum names: JSON keys */
    "wall_clock_days.mean", "wall_clock_days.p10", "wall_clock_days.p90", "goodput", "run_mfu", /* not enum names */
    "gpu_hours", "gpu_hours_lost", "cost", "energy_mwh", "energy_cost", /* not enum names */
    "power_mw.average", "power_mw.peak", "power_mw.trough", "memory_per_gpu_bytes.total",
    "checkpoint.interval_s",
    "breakdown.compute.fraction", "breakdown.bubble.fraction", "breakdown.tp_comm.fraction",
    "breakdown.pp_comm.fraction", "breakdown.dp_comm_exposed.fraction", "breakdown.optimizer.fraction",
    "breakdown.ep_comm.fraction", "breakdown.cp_comm.fraction", "breakdown.failure_lost_work.fraction", "breakdown.restart.fraction",
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

/* Whether COLUMN is one of the results every row carries. */
static int is_result_column(const char* column)
{
    char buf[64];
    const char* c;
    for (int i = 0; (c = result_column(i, buf, sizeof buf)); i++)
        if (!strcmp(c, column))
            return 1;
    return 0;
}

/* A result column the sweep varies is its axis's column, not a second one. */
static int is_axis(const sweep* sw, const char* column)
{
    for (size_t a = 0; a < sw->axis_count; a++)
        if (!strcmp(sw->axes[a].key, column))
            return 1;
    return 0;
}

/* ---- reading the report's JSON (jansson) ---------------------------------- */

/* TEXT as JSON, or NULL when it is none or not JSON (then a row has no
 * results rather than half of them). */
static json_t* parse(const char* text)
{
    json_error_t error;
    return text ? json_loads(text, 0, &error) : NULL;
}

static json_t* member_at(json_t* v, const char* path);

/* What REST names below V: V itself when REST is empty (a number, string
 * or literal; a list or object is not a value of a column), else what
 * follows its dot. */
static json_t* rest_at(json_t* v, const char* rest)
{
    if (!*rest)
        return json_is_object(v) || json_is_array(v) ? NULL : v;
    return *rest == '.' ? member_at(v, rest + 1) : NULL;
}

/* What PATH names below MEMBER when PATH starts with the member's NAME. */
static json_t* below(json_t* member, const char* name, const char* path)
{
    size_t n = strlen(name);
    return strncmp(path, name, n) ? NULL : rest_at(member, path + n);
}

/* The value at PATH in V: keys and list indices joined by dots, as the row
 * columns name them ("wall_clock_days.mean", "batch_phases.0.tokens"); a
 * key with a dot in it ("parallelism.tp" in a JSON-lines row) matches as a
 * whole. The first match in the text's order, or NULL. */
static json_t* member_at(json_t* v, const char* path)
{
    const char* key;
    json_t*     member;
    size_t      i;
    if (json_is_object(v)) {
        json_object_foreach(v, key, member) {
            json_t* found = below(member, key, path);
            if (found)
                return found;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member) {
            char index[24];
            snprintf(index, sizeof index, "%zu", i);
            json_t* found = below(member, index, path);
            if (found)
                return found;
        }
    }
    return NULL;
}

/* V as a cell into OUT: a string unescaped (STRING set), a number as the
 * report prints it, true or false. Returns 0, or -1 when there is no value
 * (V NULL or null). */
static int cell_text(const json_t* v, strbuf* out, int* string)
{
    char number[JSON_NUMBER_SIZE];
    *string = json_is_string(v);
    if (json_is_string(v))
        strbuf_append_n(out, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        strbuf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        strbuf_append(out, json_format_number(json_real_value(v), number));
    else if (json_is_boolean(v))
        strbuf_append(out, json_is_true(v) ? "true" : "false");
    else
        return -1;
    return 0;
}

/* ---- writing rows -------------------------------------------------------- */

/* A number as JSON writes it: -?digits(.digits)?([eE][+-]?digits)? */
static int is_json_number(const char* s)
{
    const char* p = s + (*s == '-');
    size_t n = strspn(p, "0123456789");
    if (n == 0 || (n > 1 && *p == '0'))   /* JSON has no leading zeros */
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
    json_t* report = parse(json);
    strbuf value = {0};
    for (size_t a = 0; a < sw->axis_count; a++) {
        const yt_node* v = sweep_value(sw, a, p);
        strbuf_clear(&value);
        int string = is_json_string(v);
        int resolved = is_result_column(sw->axes[a].key) && report   /* dp: auto gives its number */
                       && !cell_text(member_at(report, sw->axes[a].key), &value, &string);
        if (!resolved) {   /* as written: not a result, or the point has no report */
            strbuf_clear(&value);
            string = is_json_string(v);
            sweep_value_text(v, &value);
        }
        put(out, f, sw->axes[a].key, strbuf_text(&value), string);
    }
    strbuf_free(&value);
    strbuf  cell = {0};
    char buf[64];
    const char* column;
    for (int c = 0; (column = result_column(c, buf, sizeof buf)); c++) {
        if (is_axis(sw, column))
            continue;
        strbuf_clear(&cell);
        int string = 0;
        int known = report && !cell_text(member_at(report, column), &cell, &string);
        put(out, f, column, known ? strbuf_text(&cell) : NULL, string);
    }
    strbuf_free(&cell);
    json_decref(report);
    strbuf_append(out, f == ROW_CSV ? "\n" : "}\n");
}

int row_value(const char* line, const char* column, char* buf, size_t size)
{
    json_t* row = parse(line);
    strbuf  text = {0};
    int     string;
    int     status = row ? cell_text(member_at(row, column), &text, &string) : -1;
    if (!status)
        snprintf(buf, size, "%s", strbuf_text(&text));
    strbuf_free(&text);
    json_decref(row);
    return status;
}

/* ---- reading rows back ------------------------------------------------------ */

/* The next CSV field at *AT into FIELD (unquoted), *AT moved past its comma;
 * *LAST set at the record's end. RFC 4180 section 2: a field is quoted
 * whole or not at all, a quote inside a quoted one doubled. Returns 0, or
 * -1 for a stray quote. */
static int csv_next_field(const char** at, strbuf* field, int* last)
{
    const char* c = *at;
    strbuf_clear(field);
    if (*c == '"') {
        for (c++;; c++) {
            if (!*c)
                return -1;   /* no closing quote */
            if (*c == '"' && c[1] != '"')
                break;
            c += *c == '"';
            strbuf_append_n(field, c, 1);
        }
        c++;
        if (*c && *c != ',')
            return -1;   /* text after the closing quote */
    } else {
        size_t n = strcspn(c, ",\"");
        if (c[n] == '"')
            return -1;   /* a quote inside an unquoted field */
        strbuf_append_n(field, c, n);
        c += n;
    }
    *last = !*c;
    *at = *c ? c + 1 : c;
    return 0;
}

int row_columns(const char* header)
{
    strbuf field = {0};
    int last = 0, count = 0;
    const char* at = header;
    while (!last && count >= 0)
        count = csv_next_field(&at, &field, &last) ? -1 : count + 1;
    strbuf_free(&field);
    return count;
}

/* TEXT as a "found" phrase: quoted when short, else its length (a cut
 * could split a UTF-8 character). */
static void say_found(strbuf* why, const char* what, const char* text)
{
    if (strlen(text) <= 32)
        strbuf_printf(why, "%s, found \"%s\"", what, text);
    else
        strbuf_printf(why, "%s, found %zu bytes", what, strlen(text));
}

/* Point, hash and status as row_line writes them: a canonical non-negative
 * integer (no sign, no leading zero), 16 lowercase hex digits, a status
 * word. Returns 0, or -1 with WHY said. */
static int check_identity(const char* point, const char* hash, const char* status, strbuf* why)
{
    size_t digits = strspn(point, "0123456789");
    if (!digits || point[digits] || (point[0] == '0' && digits > 1) || digits > 18) {
        say_found(why, "point: expected a non-negative integer without leading zeros", point);
        return -1;
    }
    if (strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16) {
        say_found(why, "hash: expected 16 lowercase hex digits", hash);
        return -1;
    }
    for (int s = 0; s < ROW_STATUS_COUNT; s++)
        if (!strcmp(status, row_status_names[s]))
            return 0;
    say_found(why, "status: expected one of ok, infeasible, invalid, error", status);
    return -1;
}

/* A CSV row: its columns, then the first three checked. */
static int check_csv(const char* line, int columns, strbuf* why)
{
    strbuf field[3] = {{0}, {0}, {0}}, rest = {0};
    int last = 0, count = 0, bad = 0;
    for (const char* at = line; !last && !bad; count++)
        bad = csv_next_field(&at, count < 3 ? &field[count] : &rest, &last);
    if (bad)
        strbuf_printf(why, "expected a CSV row (RFC 4180 quoting), found a stray quote in column %d", count);
    else if (columns > 0 && count != columns)
        strbuf_printf(why, "expected a row of %d columns (the header's), found %d", columns, count);
    else if (count < 3) {
        strbuf_printf(why, "expected a row (point, hash, status, ...), found %d column%s", count, count == 1 ? "" : "s");
        bad = 1;
    } else
        bad = check_identity(strbuf_text(&field[0]), strbuf_text(&field[1]), strbuf_text(&field[2]), why);
    bad |= columns > 0 && count != columns;
    for (int i = 0; i < 3; i++)
        strbuf_free(&field[i]);
    strbuf_free(&rest);
    return bad ? -1 : 0;
}

/* A JSON-lines row: an object with the point, hash and status. */
static int check_jsonl(const char* line, strbuf* why)
{
    json_t*     row = parse(line);
    json_t*     p = json_object_get(row, "point");
    const char* h = json_string_value(json_object_get(row, "hash"));
    const char* s = json_string_value(json_object_get(row, "status"));
    int bad = 0;
    if (!json_is_object(row)) {
        strbuf_append(why, "expected a row (a JSON object on one line), found something else");
        bad = 1;
    } else if (!json_is_integer(p) || json_integer_value(p) < 0) {
        strbuf_append(why, "point: expected a non-negative integer, found something else");
        bad = 1;
    } else if (!h || !s) {
        strbuf_printf(why, "%s: expected a string, found something else", h ? "status" : "hash");
        bad = 1;
    } else {
        char point[32];
        snprintf(point, sizeof point, "%lld", (long long)json_integer_value(p));
        bad = check_identity(point, h, s, why);
    }
    json_decref(row);
    return bad ? -1 : 0;
}

int row_check(row_format f, const char* line, int columns, strbuf* why)
{
    strbuf ignored = {0};
    int bad = f == ROW_JSONL ? check_jsonl(line, why ? why : &ignored) : check_csv(line, columns, why ? why : &ignored);
    strbuf_free(&ignored);
    return bad;
}

int row_identity(row_format f, const char* line, long long* point, char hash[17])
{
    if (row_check(f, line, 0, NULL))
        return -1;
    if (f == ROW_JSONL) {
        json_t* row = parse(line);
        *point = json_integer_value(json_object_get(row, "point"));
        memcpy(hash, json_string_value(json_object_get(row, "hash")), 17);
        json_decref(row);
        return 0;
    }
    *point = strtoll(line, NULL, 10);   /* canonical digits, then a comma: checked */
    memcpy(hash, strchr(line, ',') + 1, 16);   /* a hash is never quoted: hex digits */
    hash[16] = '\0';
    return 0;
}

int row_status_of(row_format f, const char* line)
{
    char word[32];
    if (f == ROW_JSONL) {
        if (row_value(line, "status", word, sizeof word))
            return -1;
    } else {
        const char* p = strchr(line, ',');   /* point, hash, then the status */
        p = p ? strchr(p + 1, ',') : NULL;
        if (!p)
            return -1;
        size_t n = strcspn(p + 1, ",\n");
        if (n >= sizeof word)
            return -1;
        memcpy(word, p + 1, n);
        word[n] = '\0';
    }
    for (int s = 0; s < ROW_STATUS_COUNT; s++)
        if (!strcmp(word, row_status_names[s]))
            return s;
    return -1;
}
