/* sweep_merge: the shards of one sweep joined into one file of rows, one per
 * point, in point order (see sweep_merge.h). */
#include "batch/sweep_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/row.h"
#include "core/diag.h"
#include "core/output_file.h"
#include "core/rowfile.h"
#include "core/strbuf.h"

typedef struct {
    long long point;
    char      hash[17];
    char*     line;
    long long order;   /* as read: keeps sorting stable */
} merged_row;

typedef struct {
    row_format  format;
    const char* file;
    char*       header;      /* the first input's */
    int         first, bad_header;
    int         columns;     /* the header's (CSV) */
    long long   bad_line;    /* the first malformed row's line in this file, or 0 */
    strbuf      why;         /* what is wrong with it */
    merged_row* rows;
    long long   count;
} merge_state;

static void merge_line(const char* line, long long line_no, void* arg)
{
    merge_state* m = arg;
    if (m->first && m->format == ROW_CSV) {
        m->first = 0;
        if (!m->header) {
            m->header = xstrdup(line);
            m->columns = row_columns(line);
            if (m->columns < 0) {
                strbuf_append(&m->why, "expected a CSV header (RFC 4180 quoting), found a stray quote");
                m->bad_line = line_no;
            }
        } else if (strcmp(m->header, line))
            m->bad_header = 1;
        return;
    }
    m->first = 0;
    if (m->bad_line || row_check(m->format, line, m->columns, &m->why)) {
        if (!m->bad_line)
            m->bad_line = line_no;
        return;
    }
    merged_row row = {.order = m->count};
    row_identity(m->format, line, &row.point, row.hash);
    row.line = xstrdup(line);
    m->rows = xrealloc(m->rows, (size_t)(m->count + 1) * sizeof *m->rows);
    m->rows[m->count++] = row;
}

static int by_point(const void* a, const void* b)
{
    const merged_row* x = a;
    const merged_row* y = b;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int write_merged(const char* out, const merge_state* m)
{
    strbuf text = {0};
    if (m->header)
        strbuf_printf(&text, "%s\n", m->header);
    for (long long i = 0; i < m->count; i++) {
        if (i > 0 && m->rows[i].point == m->rows[i - 1].point)
            continue;   /* the same row twice (checked by the caller) */
        strbuf_printf(&text, "%s\n", m->rows[i].line);
    }
    int status = rowfile_write_whole(out, strbuf_text(&text), text.len, "merged rows");
    strbuf_free(&text);
    return status;
}

/* Rows of one point must agree: the same hash (the same sweep and base). */
static int check_duplicates(const merge_state* m)
{
    for (long long i = 1; i < m->count; i++)
        if (m->rows[i].point == m->rows[i - 1].point && strcmp(m->rows[i].hash, m->rows[i - 1].hash)) {
            fprintf(stderr, "trainsim: point %lld has rows of two different sweeps (hashes %s and %s); "
                            "merge only the shards of one sweep\n",
                    m->rows[i].point, m->rows[i - 1].hash, m->rows[i].hash);
            return -1;
        }
    return 0;
}

int sweep_merge(const char* out, char* const* inputs, int count)
{
    merge_state m = {.format = row_format_of(out)};
    for (int i = 0; i < count; i++)
        output_file_note_input(inputs[i], "shard");
    int status = output_file_check(out, "merged rows") ? EXIT_INPUT : EXIT_DONE;
    for (int i = 0; i < count && status == EXIT_DONE; i++) {
        m.file = inputs[i];
        m.first = 1;
        m.bad_line = 0;
        if (row_format_of(inputs[i]) != m.format) {
            fprintf(stderr, "trainsim: %s: expected rows in %s's format (%s), found the other one\n", inputs[i],
                    out, m.format == ROW_CSV ? "CSV" : "JSON lines");
            status = EXIT_INPUT;
        } else if (rowfile_read_records(inputs[i], m.format == ROW_CSV, merge_line, &m)) {
            fprintf(stderr, "trainsim: cannot read %s: %s\n", inputs[i], strerror(errno ? errno : ENOENT));
            status = EXIT_INPUT;
        } else if (m.bad_header) {
            fprintf(stderr, "trainsim: %s: its header differs from %s's: not a shard of the same sweep\n",
                    inputs[i], inputs[0]);
            status = EXIT_INPUT;
        } else if (m.bad_line) {
            fprintf(stderr, "trainsim: %s:%lld: %s; merge reads only the rows a sweep wrote\n", inputs[i], m.bad_line,
                    strbuf_text(&m.why));
            status = EXIT_INPUT;
        }
    }
    if (status == EXIT_DONE) {
        if (m.count > 0)   /* no rows: nothing to sort (qsort of NULL is undefined even for 0) */
            qsort(m.rows, (size_t)m.count, sizeof *m.rows, by_point);
        status = check_duplicates(&m) ? EXIT_INPUT : write_merged(out, &m);
    }
    for (long long i = 0; i < m.count; i++)
        free(m.rows[i].line);
    free(m.rows);
    free(m.header);
    strbuf_free(&m.why);
    return status;
}
