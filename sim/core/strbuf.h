/* strbuf: a growable, always NUL-terminated character buffer.
 *
 * Used wherever trainsim builds text whose size it cannot know in advance:
 * the generated platform XML, JSON reports, error messages. Allocation
 * failure is fatal (the process cannot report anything sensible without
 * memory), so callers never check return values. */
#ifndef TRAINSIM_STRBUF_H
#define TRAINSIM_STRBUF_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char*  data;   /* NUL-terminated; NULL until the first append */
    size_t len;    /* bytes used, excluding the NUL */
    size_t cap;    /* bytes allocated */
} strbuf;

void strbuf_append(strbuf* sb, const char* text);
void strbuf_append_n(strbuf* sb, const char* text, size_t n);
void strbuf_printf(strbuf* sb, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends what F holds, stopping once more than MAX bytes are in SB (the
 * caller then sees len > MAX). Returns 0, or -1 on a read error (errno). */
int  strbuf_read_stream(strbuf* sb, FILE* f, size_t max);
const char* strbuf_text(const strbuf* sb);   /* "" when empty */
void strbuf_clear(strbuf* sb);
void strbuf_free(strbuf* sb);

/* UTF-8, the only encoding of trainsim's text (messages quote the user's,
 * and JSON must be UTF-8: RFC 8259, 8.1). */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD, for a byte of no character */
/* The bytes of the character at S (1 to 4), or 0 when S does not start a
 * whole, valid, shortest-form character (a cut one, a lone continuation
 * byte, a surrogate, Latin-1). */
size_t utf8_char_length(const char* s);
/* The encoding other than UTF-8 that a byte order mark at the start of
 * TEXT (LEN bytes) announces, "UTF-16" or "UTF-32", or NULL. YAML 1.2
 * (5.2) allows UTF-16 and UTF-32 streams, which libyaml decodes; the
 * scenario format is UTF-8 only, so readers refuse them by name. UTF-8's
 * own mark (EF BB BF) is not foreign. */
const char* utf8_foreign_encoding(const char* text, size_t len);
/* Appends TEXT with every byte of an invalid sequence as U+FFFD: what is
 * appended is UTF-8 whatever TEXT holds. */
void strbuf_append_utf8(strbuf* sb, const char* text);

/* Allocation helpers that exit with a message instead of returning NULL. */
void* xmalloc(size_t n);
void* xcalloc(size_t count, size_t size);
void* xrealloc(void* p, size_t n);
char* xstrdup(const char* s);

/* PATH as seen from the directory of FILE: PATH itself when absolute or when
 * FILE has no directory part. A new string. */
char* path_beside(const char* file, const char* path);

#endif
