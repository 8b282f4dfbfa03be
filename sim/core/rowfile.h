/* rowfile: the file a sweep's rows go to, plain or gzip-compressed.
 *
 * A name ending in .gz is written through zlib. Every row is written whole
 * and flushed at once (gzip: a sync flush), so a sweep killed at any moment
 * leaves a file whose complete lines are every row it finished; reading
 * stops quietly at a truncated end. Rows are read back by their format's
 * rules: a CSV row may span lines inside a quoted field. */
#ifndef TRAINSIM_ROWFILE_H
#define TRAINSIM_ROWFILE_H

#include <stdio.h>
#include <zlib.h>

#include "core/output_file.h"

typedef struct {
    FILE*       plain;    /* a plain file, or stdout */
    gzFile      gz;
    int         is_stdout;
    int         error;    /* the errno of the first failed write, or -1 */
    output_file out;      /* where it goes (core/output_file.h) */
} rowfile;

/* Opens PATH, the run's WHAT ("rows"), or stdout when PATH is NULL or "-",
 * through output_file_open with MODE. Returns 0, or -1 after a message. */
int rowfile_create(rowfile* f, const char* path, output_mode mode, const char* what);

/* Writes TEXT (whole lines) and flushes it. Returns 0, or -1. */
int rowfile_write(rowfile* f, const char* text, size_t len);

/* An OUTPUT_REPLACED file: renames it over its target now, writing may go
 * on. Returns 0, or -1 with errno set. */
int rowfile_place(rowfile* f);

/* Closes F. An OUTPUT_REPLACED file not yet placed is placed when every
 * write succeeded, else its temporary file is removed. Returns 0, or -1
 * with errno set if a write, the close or the rename failed. */
int rowfile_close(rowfile* f);

/* Writes LEN bytes of DATA, the run's WHAT, as the whole of PATH (stdout
 * when "-"; gzip-compressed when it ends in .gz), as OUTPUT_REPLACED, so
 * that a failed write leaves nothing. Returns 0, or the exit status after a
 * message: EXIT_INPUT when PATH cannot be written (refused, or cannot be
 * created), EXIT_SYSTEM when a write fails (a full disk). */
int rowfile_write_whole(const char* path, const char* data, size_t len, const char* what);

/* Calls ON_LINE with each complete line of PATH (without its newline),
 * decompressing a .gz name. Returns 0, 1 when PATH does not exist, -1 when
 * it cannot be read. */
int rowfile_read_lines(const char* path, void (*on_line)(const char* line, void* arg), void* arg);

/* Calls ON_RECORD with each complete record of PATH (without its final
 * newline) and the line it starts on, decompressing a .gz name. QUOTED: CSV,
 * where a newline inside double quotes belongs to its record (RFC 4180);
 * else a record is a line. An unfinished last record (a killed writer) is
 * not handed over. Returns 0, 1 when PATH does not exist, -1 when it cannot
 * be read. */
int rowfile_read_records(const char* path, int quoted, void (*on_record)(const char* record, long long line, void* arg),
                         void* arg);

#endif
