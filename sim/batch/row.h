/* row: one sweep point's result as a line of CSV or of JSON lines.
 *
 * Columns, in order: point (its number), hash (its stable identity), status
 * (ok, infeasible, invalid, error), reason (why it is not ok), the sweep's
 * keys with the point's values, then a fixed list of results named as the
 * report's JSON keys (docs/output.md) joined by dots: "mfu",
 * "wall_clock_days.mean", "breakdown.bubble.fraction", "failures.gpu", ...
 * A result the point does not have is empty in CSV and null in JSON lines;
 * one the sweep varies is only in its key's column, as the sweep set it.
 * Rows are built from the JSON report itself, so they say what `trainsim
 * run --json` says. */
#ifndef TRAINSIM_ROW_H
#define TRAINSIM_ROW_H

#include "core/strbuf.h"
#include "batch/sweep.h"

typedef enum { ROW_CSV, ROW_JSONL, ROW_FORMAT_COUNT } row_format;
typedef enum { ROW_OK, ROW_INFEASIBLE, ROW_INVALID, ROW_ERROR, ROW_STATUS_COUNT } row_status;

/* The status column's words: "ok", "infeasible", "invalid", "error". */
extern const char* const row_status_names[ROW_STATUS_COUNT];

/* The format a file name asks for: .jsonl (or .json), else CSV; a trailing
 * .gz is looked through. */
row_format row_format_of(const char* path);

/* The CSV header line, newline included; nothing for JSON lines. */
void row_header(const sweep* sw, row_format f, strbuf* out);

/* Point P's line, newline included. JSON is the point's `run --json`
 * report (NULL when it has none: invalid or error). */
void row_line(const sweep* sw, row_format f, long long p, row_status status, const char* reason,
              const char* json, strbuf* out);

/* COLUMN's value in a JSON-lines row LINE into BUF (a string unescaped, a
 * number as json_format_number prints it). Returns 0, or -1 when the row is
 * not JSON, has no such column or it is null. */
int row_value(const char* line, const char* column, char* buf, size_t size);

/* The number of columns of a CSV line HEADER (RFC 4180 quoting), or -1
 * when its quoting is broken. */
int row_columns(const char* header);

/* Whether LINE is a row as row_line writes it: CSV by RFC 4180 with
 * COLUMNS columns (0: any number), or a JSON-lines object; a point that is
 * a non-negative integer in canonical form, a hash of 16 lowercase hex
 * digits, a status word. Returns 0, or -1 with "expected ..., found ..."
 * appended to WHY (when not NULL). */
int row_check(row_format f, const char* line, int columns, strbuf* why);

/* The point number and hash at the start of LINE, as row_line writes them.
 * Returns 0, or -1 for a line that is not a row (row_check). */
int row_identity(row_format f, const char* line, long long* point, char hash[17]);

/* The status of the row LINE, as row_line writes it, or -1 for a line
 * that is not a row. */
int row_status_of(row_format f, const char* line);

#endif
