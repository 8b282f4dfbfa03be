/* json_tree: a strict recursive-descent JSON parser (see json_tree.h). */
#include "json_tree.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

typedef struct {
    const char* p;
    const char* end;
    int         depth;
} cursor;

static void skip_space(cursor* c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

static int literal(cursor* c, const char* word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
        return 0;
    c->p += n;
    return 1;
}

static int is_digit(cursor* c)
{
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int read_number(cursor* c, double* out)
{
    const char* start = c->p;
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (!is_digit(c))
        return -1;
    if (*c->p == '0')
        c->p++;
    else
        while (is_digit(c))
            c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!is_digit(c))
            return -1;
        while (is_digit(c))
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!is_digit(c))
            return -1;
        while (is_digit(c))
            c->p++;
    }
    char buf[64];
    size_t n = (size_t)(c->p - start);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return 0;
}

/* The four hex digits at P as a number, or -1. */
static int hex4(const char* p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        const char* digits = "0123456789abcdef";
        char h = p[i] >= 'A' && p[i] <= 'F' ? (char)(p[i] - 'A' + 'a') : p[i];
        const char* d = h ? strchr(digits, h) : NULL;
        if (!d)
            return -1;
        v = v * 16 + (int)(d - digits);
    }
    return v;
}

static int read_string(cursor* c, char** out)
{
    if (c->p >= c->end || *c->p != '"')
        return -1;
    strbuf s = {0};
    for (c->p++; c->p < c->end && *c->p != '"'; c->p++) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch < 0x20)
            goto bad;
        if (ch != '\\') {
            strbuf_append_n(&s, c->p, 1);
            continue;
        }
        if (++c->p >= c->end)
            goto bad;
        const char* plain = strchr("\"\\/", *c->p);
        const char* escapes = "bfnrt", *controls = "\b\f\n\r\t";
        const char* e = *c->p ? strchr(escapes, *c->p) : NULL;
        if (plain && *c->p) {
            strbuf_append_n(&s, c->p, 1);
        } else if (e) {
            strbuf_append_n(&s, controls + (e - escapes), 1);
        } else if (*c->p == 'u' && c->end - c->p >= 5 && hex4(c->p + 1) >= 0) {
            int code = hex4(c->p + 1);
            char ch8 = code < 0x80 ? (char)code : '?';
            strbuf_append_n(&s, &ch8, 1);
            c->p += 4;
        } else {
            goto bad;
        }
    }
    if (c->p >= c->end)
        goto bad;
    c->p++;
    *out = xstrdup(strbuf_text(&s));
    strbuf_free(&s);
    return 0;
bad:
    strbuf_free(&s);
    return -1;
}

static jt_node* read_value(cursor* c);

static void add_item(jt_node* n, char* key, jt_node* item)
{
    n->items = xrealloc(n->items, (n->count + 1) * sizeof *n->items);
    n->items[n->count] = item;
    if (n->type == JT_OBJECT) {
        n->keys = xrealloc(n->keys, (n->count + 1) * sizeof *n->keys);
        n->keys[n->count] = key;
    }
    n->count++;
}

static jt_node* read_container(cursor* c, jt_node* n)
{
    char close = n->type == JT_OBJECT ? '}' : ']';
    c->p++;
    skip_space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return n;
    }
    for (;;) {
        char* key = NULL;
        if (n->type == JT_OBJECT) {
            skip_space(c);
            if (read_string(c, &key))
                return NULL;
            skip_space(c);
            if (c->p >= c->end || *c->p != ':') {
                free(key);
                return NULL;
            }
            c->p++;
        }
        jt_node* item = read_value(c);
        if (!item) {
            free(key);
            return NULL;
        }
        add_item(n, key, item);
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return n;
        }
        return NULL;
    }
}

static jt_node* read_value(cursor* c)
{
    skip_space(c);
    if (c->p >= c->end || ++c->depth > 64)
        return NULL;
    jt_node* n = xcalloc(1, sizeof *n);
    jt_node* done = n;
    if (*c->p == '{' || *c->p == '[') {
        n->type = *c->p == '{' ? JT_OBJECT : JT_ARRAY;
        done = read_container(c, n);
    } else if (*c->p == '"') {
        n->type = JT_STRING;
        done = read_string(c, &n->string) ? NULL : n;
    } else if (literal(c, "true")) {
        n->type = JT_BOOL;
        n->number = 1;
    } else if (literal(c, "false")) {
        n->type = JT_BOOL;
    } else if (literal(c, "null")) {
        n->type = JT_NULL;
    } else {
        n->type = JT_NUMBER;
        done = read_number(c, &n->number) ? NULL : n;
    }
    c->depth--;
    if (!done)
        jt_free(n);
    return done;
}

jt_node* jt_parse(const char* text, size_t len, size_t* error_at)
{
    cursor c = {text, text + len, 0};
    jt_node* n = read_value(&c);
    skip_space(&c);
    if (n && c.p != c.end) {
        jt_free(n);
        n = NULL;
    }
    if (!n)
        *error_at = (size_t)(c.p - text);
    return n;
}

const jt_node* jt_get(const jt_node* node, const char* key)
{
    if (!node || node->type != JT_OBJECT)
        return NULL;
    for (size_t i = 0; i < node->count; i++)
        if (!strcmp(node->keys[i], key))
            return node->items[i];
    return NULL;
}

void jt_free(jt_node* node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->count; i++) {
        jt_free(node->items[i]);
        if (node->keys)
            free(node->keys[i]);
    }
    free(node->items);
    free(node->keys);
    free(node->string);
    free(node);
}
