/* rowfile: the file a sweep's rows go to, plain or gzip-compressed.
 *
 * A name ending in .gz is written through zlib. Every row is written whole
 * and flushed at once (gzip: a sync flush), so a sweep killed at any moment
 * leaves a file whose complete lines are every row it finished; reading
 * stops quietly at a truncated end. */
#ifndef TRAINSIM_ROWFILE_H
#define TRAINSIM_ROWFILE_H

#include <stdio.h>
#include <zlib.h>

typedef struct {
    FILE*  plain;   /* a plain file, or stdout */
    gzFile gz;
    int    is_stdout;
} rowfile;

/* Creates (truncates) PATH, or writes to stdout when PATH is NULL or "-".
 * Returns 0, or -1 with errno set. */
int rowfile_create(rowfile* f, const char* path);

/* As rowfile_create, compressed when NAMED ends in .gz: PATH is a temporary
 * file that will be renamed to NAMED. */
int rowfile_create_for(rowfile* f, const char* path, const char* named);

/* Writes TEXT (whole lines) and flushes it. Returns 0, or -1. */
int rowfile_write(rowfile* f, const char* text, size_t len);

/* Returns 0, or -1 if the last writes failed. */
int rowfile_close(rowfile* f);

/* Writes LEN bytes of DATA as the whole of PATH (gzip-compressed when it
 * ends in .gz), through PATH.partial renamed into place, so that a failed
 * write leaves nothing. Returns 0, or -1 after a message naming WHAT. */
int rowfile_write_whole(const char* path, const char* data, size_t len, const char* what);

/* Calls ON_LINE with each complete line of PATH (without its newline),
 * decompressing a .gz name. Returns 0, 1 when PATH does not exist, -1 when
 * it cannot be read. */
int rowfile_read_lines(const char* path, void (*on_line)(const char* line, void* arg), void* arg);

#endif
