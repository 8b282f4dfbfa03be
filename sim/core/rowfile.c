/* rowfile: plain or gzip row files, flushed per row (see rowfile.h). */
#include "core/rowfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"

static int is_gzip_name(const char* path)
{
    size_t n = strlen(path);
    return n > 3 && !strcmp(path + n - 3, ".gz");
}

int rowfile_create(rowfile* f, const char* path)
{
    return rowfile_create_for(f, path, path);
}

int rowfile_create_for(rowfile* f, const char* path, const char* named)
{
    memset(f, 0, sizeof *f);
    if (!path || !strcmp(path, "-")) {
        f->plain = stdout;
        f->is_stdout = 1;
        return 0;
    }
    if (is_gzip_name(named)) {
        f->gz = gzopen(path, "wb6");
        return f->gz ? 0 : -1;
    }
    f->plain = fopen(path, "wb");
    return f->plain ? 0 : -1;
}

int rowfile_write(rowfile* f, const char* text, size_t len)
{
    if (f->gz)
        return gzwrite(f->gz, text, (unsigned)len) == (int)len && gzflush(f->gz, Z_SYNC_FLUSH) == Z_OK ? 0 : -1;
    return fwrite(text, 1, len, f->plain) == len && fflush(f->plain) == 0 ? 0 : -1;
}

int rowfile_close(rowfile* f)
{
    int status = 0;
    if (f->gz)
        status = gzclose(f->gz) == Z_OK ? 0 : -1;
    else if (f->plain && !f->is_stdout)
        status = fclose(f->plain) ? -1 : 0;
    else if (f->plain)
        status = fflush(f->plain) ? -1 : 0;
    memset(f, 0, sizeof *f);
    return status;
}

/* Hands over the complete lines in TEXT and keeps an unfinished tail. */
static void split_lines(strbuf* text, void (*on_line)(const char*, void*), void* arg)
{
    size_t start = 0;
    for (size_t i = 0; i < text->len; i++)
        if (text->data[i] == '\n') {
            text->data[i] = '\0';
            on_line(text->data + start, arg);
            start = i + 1;
        }
    strbuf rest = {0};
    strbuf_append_n(&rest, text->data ? text->data + start : "", text->len - start);
    strbuf_free(text);
    *text = rest;
}

int rowfile_read_lines(const char* path, void (*on_line)(const char* line, void* arg), void* arg)
{
    FILE* probe = fopen(path, "rb");
    if (!probe)
        return errno == ENOENT ? 1 : -1;
    fclose(probe);
    gzFile in = gzopen(path, "rb");   /* reads plain files as they are, too */
    if (!in)
        return -1;
    strbuf text = {0};
    char chunk[65536];
    int n;
    while ((n = gzread(in, chunk, sizeof chunk)) > 0) {   /* < 0: a truncated end, the rest is kept */
        strbuf_append_n(&text, chunk, (size_t)n);
        split_lines(&text, on_line, arg);
    }
    strbuf_free(&text);
    gzclose(in);
    return 0;
}

int rowfile_write_whole(const char* path, const char* data, size_t len, const char* what)
{
    strbuf tmp = {0};
    strbuf_printf(&tmp, "%s.partial", path);
    rowfile f;
    int bad = rowfile_create_for(&f, strbuf_text(&tmp), path);
    if (!bad) {
        bad = rowfile_write(&f, data, len);
        bad |= rowfile_close(&f);
        bad = bad || rename(strbuf_text(&tmp), path);
    }
    if (bad) {
        fprintf(stderr, "trainsim: cannot write the %s %s: %s\n", what, path, strerror(errno));
        remove(strbuf_text(&tmp));
    }
    strbuf_free(&tmp);
    return bad ? -1 : 0;
}
