/* rowfile: plain or gzip row files, flushed per row (see rowfile.h). */
#include "core/rowfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/diag.h"
#include "core/strbuf.h"

static int is_gzip_name(const char* path)
{
    size_t n = strlen(path);
    return n > 3 && !strcmp(path + n - 3, ".gz");
}

int rowfile_create(rowfile* f, const char* path, output_mode mode, const char* what)
{
    memset(f, 0, sizeof *f);
    f->error = -1;
    f->out.fd = -1;
    if (!path || !strcmp(path, "-")) {
        f->plain = stdout;
        f->is_stdout = 1;
        return 0;
    }
    int fd = output_file_open(&f->out, path, mode, what);
    if (fd < 0) {
        output_file_end(&f->out);
        return -1;
    }
    if (is_gzip_name(path))
        f->gz = gzdopen(fd, "wb6");
    else
        f->plain = fdopen(fd, "wb");
    if (!f->gz && !f->plain) {
        output_file_say_failed(path, what, errno);
        output_file_end(&f->out);
        return -1;
    }
    f->out.fd = -1;   /* the stream closes it */
    return 0;
}

int rowfile_write(rowfile* f, const char* text, size_t len)
{
    int ok;
    errno = 0;
    if (f->gz)
        ok = gzwrite(f->gz, text, (unsigned)len) == (int)len && gzflush(f->gz, Z_SYNC_FLUSH) == Z_OK;
    else
        ok = fwrite(text, 1, len, f->plain) == len && fflush(f->plain) == 0;
    if (!ok && f->error < 0)
        f->error = errno;
    return ok ? 0 : -1;
}

int rowfile_place(rowfile* f)
{
    return output_file_place(&f->out);
}

/* Closes the stream: 0, or -1 with errno set. */
static int close_stream(rowfile* f)
{
    errno = 0;
    if (f->gz)
        return gzclose(f->gz) == Z_OK ? 0 : -1;
    if (f->plain && !f->is_stdout)
        return fclose(f->plain) ? -1 : 0;
    if (f->plain)
        return fflush(f->plain) ? -1 : 0;
    return 0;
}

int rowfile_close(rowfile* f)
{
    int bad = close_stream(f) != 0;
    int error = f->error >= 0 ? f->error : errno;
    bad |= f->error >= 0;
    if (!bad && output_file_place(&f->out)) {
        bad = 1;
        error = errno;
    }
    output_file_end(&f->out);   /* the temporary file, when not placed */
    memset(f, 0, sizeof *f);
    f->out.fd = -1;
    errno = bad ? (error ? error : EIO) : 0;
    return bad ? -1 : 0;
}

/* Where reading has got to: the callback, and the line the next record
 * starts on. */
typedef struct {
    int        quoted;   /* CSV: a newline inside double quotes is inside its record */
    long long  line;
    void     (*on_record)(const char* record, long long line, void* arg);
    void*      arg;
} record_reader;

/* Hands over the complete records in TEXT and keeps an unfinished tail. A
 * CSV record ends at a newline outside quotes (RFC 4180 section 2: a quoted
 * field may hold line breaks; a doubled quote inside it toggles twice). */
static void split_records(strbuf* text, record_reader* rd)
{
    size_t start = 0;
    int in_quotes = 0;
    long long newlines = 0;   /* inside the current record */
    for (size_t i = 0; i < text->len; i++) {
        char c = text->data[i];
        if (rd->quoted && c == '"')
            in_quotes = !in_quotes;
        else if (c == '\n' && in_quotes)
            newlines++;
        else if (c == '\n') {
            text->data[i] = '\0';
            rd->on_record(text->data + start, rd->line, rd->arg);
            rd->line += newlines + 1;
            newlines = 0;
            start = i + 1;
        }
    }
    strbuf rest = {0};
    strbuf_append_n(&rest, text->data ? text->data + start : "", text->len - start);
    strbuf_free(text);
    *text = rest;
}

int rowfile_read_records(const char* path, int quoted, void (*on_record)(const char* record, long long line, void* arg),
                         void* arg)
{
    FILE* probe = fopen(path, "rb");
    if (!probe)
        return errno == ENOENT ? 1 : -1;
    fclose(probe);
    gzFile in = gzopen(path, "rb");   /* reads plain files as they are, too */
    if (!in)
        return -1;
    record_reader rd = {quoted, 1, on_record, arg};
    strbuf text = {0};
    char chunk[65536];
    int n;
    while ((n = gzread(in, chunk, sizeof chunk)) > 0) {   /* < 0: a truncated end, the rest is kept */
        strbuf_append_n(&text, chunk, (size_t)n);
        split_records(&text, &rd);
    }
    strbuf_free(&text);
    gzclose(in);
    return 0;
}

typedef struct {
    void (*on_line)(const char* line, void* arg);
    void* arg;
} line_reader;

static void pass_line(const char* line, long long line_no, void* arg)
{
    (void)line_no;
    const line_reader* lr = arg;
    lr->on_line(line, lr->arg);
}

int rowfile_read_lines(const char* path, void (*on_line)(const char* line, void* arg), void* arg)
{
    line_reader lr = {on_line, arg};
    return rowfile_read_records(path, 0, pass_line, &lr);
}

int rowfile_write_whole(const char* path, const char* data, size_t len, const char* what)
{
    rowfile f;
    if (rowfile_create(&f, path, OUTPUT_REPLACED, what))
        return EXIT_INPUT;
    int bad = rowfile_write(&f, data, len);
    bad |= rowfile_close(&f);
    if (bad)
        output_file_say_failed(path, what, errno);
    return bad ? EXIT_SYSTEM : 0;
}
