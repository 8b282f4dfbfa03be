/* strbuf: growable text buffer and allocation helpers (see strbuf.h). */
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "trainsim: out of memory (allocating %zu bytes)\n", n);
    exit(3);
}

void* xmalloc(size_t n)
{
    void* p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void* xcalloc(size_t count, size_t size)
{
    void* p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void* xrealloc(void* p, size_t n)
{
    void* q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char* xstrdup(const char* s)
{
    size_t n = strlen(s) + 1;
    char* copy = xmalloc(n);
    memcpy(copy, s, n);
    return copy;
}

static void reserve(strbuf* sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
}

void strbuf_append_n(strbuf* sb, const char* text, size_t n)
{
    reserve(sb, n);
    memcpy(sb->data + sb->len, text, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_append(strbuf* sb, const char* text)
{
    strbuf_append_n(sb, text, strlen(text));
}

void strbuf_printf(strbuf* sb, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

const char* strbuf_text(const strbuf* sb)
{
    return sb->data ? sb->data : "";
}

void strbuf_clear(strbuf* sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

void strbuf_free(strbuf* sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

char* path_beside(const char* file, const char* path)
{
    const char* slash = strrchr(file, '/');
    if (path[0] == '/' || !slash)
        return xstrdup(path);
    strbuf full = {0};
    strbuf_printf(&full, "%.*s/%s", (int)(slash - file), file, path);
    char* out = xstrdup(strbuf_text(&full));
    strbuf_free(&full);
    return out;
}

int strbuf_read_stream(strbuf* sb, FILE* f, size_t max)
{
    char chunk[65536];
    size_t n;
    while (sb->len <= max && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append_n(sb, chunk, n);
    return ferror(f) ? -1 : 0;
}

/* The range of the second byte after lead byte C (Unicode 15, table 3-7),
 * which rules out overlong forms and surrogates; the others are 80..BF. */
static int second_byte_fits(unsigned char c, unsigned char b)
{
    if (c == 0xe0)
        return b >= 0xa0 && b <= 0xbf;
    if (c == 0xed)
        return b >= 0x80 && b <= 0x9f;
    if (c == 0xf0)
        return b >= 0x90 && b <= 0xbf;
    if (c == 0xf4)
        return b >= 0x80 && b <= 0x8f;
    return (b & 0xc0) == 0x80;
}

size_t utf8_char_length(const char* s)
{
    const unsigned char* u = (const unsigned char*)s;
    size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xc2 && u[0] <= 0xdf ? 2 : u[0] >= 0xe0 && u[0] <= 0xef ? 3
             : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : 0;
    if (n <= 1)
        return n;
    if (!second_byte_fits(u[0], u[1]))
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((u[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void strbuf_append_utf8(strbuf* sb, const char* text)
{
    while (*text) {
        size_t n = utf8_char_length(text);
        if (n)
            strbuf_append_n(sb, text, n);
        else
            strbuf_append(sb, UTF8_REPLACEMENT);
        text += n ? n : 1;
    }
}

const char* utf8_foreign_encoding(const char* text, size_t len)
{
    const unsigned char* u = (const unsigned char*)text;
    if (len >= 4 && ((u[0] == 0xff && u[1] == 0xfe && u[2] == 0 && u[3] == 0) ||
                     (u[0] == 0 && u[1] == 0 && u[2] == 0xfe && u[3] == 0xff)))
        return "UTF-32";
    if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
        return "UTF-16";
    return NULL;
}
