/* diag: first-error reporting with file, line and column (see diag.h). */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>

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

static int begin_message(diag* d, const char* file, int line, int col)
{
    if (d->failed)
        return 0;
    d->failed = 1;
    if (!file)
        file = d->file;
    if (line > 0)
        strbuf_printf(&d->message, "%s:%d:%d: ", file, line, col);
    else
        strbuf_printf(&d->message, "%s: ", file);
    return 1;
}

static void append_formatted(diag* d, const char* fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    strbuf_append(&d->message, text);
}

void diag_expected_in(diag* d, const char* file, int line, int col, const char* key,
                      const char* expected, const char* found)
{
    if (begin_message(d, file, line, col))
        strbuf_printf(&d->message, "%s: expected %s, found %s", key, expected, found);
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
