/* diag: first-error reporting with file, line and column (see diag.h). */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_init(diag* d, const char* file)
{
    d->file = file;
    d->message = (strbuf){0};
    d->failed = 0;
}

void diag_free(diag* d)
{
    strbuf_free(&d->message);
}

/* Every message is UTF-8, whatever the text it quotes: a byte of no
 * character (a value cut to fit a buffer, a file name in Latin-1) shows as
 * U+FFFD. */
static void append_text(diag* d, const char* text)
{
    strbuf_append_utf8(&d->message, text);
}

static int begin_message(diag* d, const char* file, int line, int col)
{
    if (d->failed)
        return 0;
    d->failed = 1;
    if (!file)
        file = d->file;
    append_text(d, file);
    if (line > 0)
        strbuf_printf(&d->message, ":%d:%d: ", line, col);
    else
        strbuf_append(&d->message, ": ");
    return 1;
}

static void append_formatted(diag* d, const char* fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char* text = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(text, n > 0 ? (size_t)n + 1 : 1, fmt, again);
    va_end(again);
    append_text(d, text);
    free(text);
}

void diag_expected_in(diag* d, const char* file, int line, int col, const char* key,
                      const char* expected, const char* found)
{
    if (begin_message(d, file, line, col)) {
        append_text(d, key);
        append_text(d, ": expected ");
        append_text(d, expected);
        append_text(d, ", found ");
        append_text(d, found);
    }
}

void diag_expected(diag* d, int line, int col, const char* key,
                   const char* expected, const char* found)
{
    diag_expected_in(d, NULL, line, col, key, expected, found);
}

void diag_problem_in(diag* d, const char* file, int line, int col, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (begin_message(d, file, line, col))
        append_formatted(d, fmt, ap);
    va_end(ap);
}

void diag_problem(diag* d, int line, int col, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (begin_message(d, NULL, line, col))
        append_formatted(d, fmt, ap);
    va_end(ap);
}

void diag_file_problem(diag* d, const char* fmt, ...)
{
    if (!begin_message(d, NULL, 0, 0))
        return;
    va_list ap;
    va_start(ap, fmt);
    append_formatted(d, fmt, ap);
    va_end(ap);
}
