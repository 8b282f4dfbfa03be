/* yaml_tree: libyaml events to a positioned node tree (see yaml_tree.h). */
#include "input/yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static unsigned long long key_comparisons;   /* yt_key_comparisons */

unsigned long long yt_key_comparisons(void)
{
    return key_comparisons;
}

/* A mapping's keys by hash, for the duplicate-key check: open addressing
 * with linear probing, at most half full, so that N keys cost O(N)
 * comparisons on average instead of N^2 / 2 (a 40,000-key mapping took 7 s
 * by a linear scan). Each slot holds a key node of the mapping, or NULL. */
typedef struct {
    const yt_node** slots;
    size_t          cap, used;   /* cap: 0 or a power of two */
} key_index;

typedef struct {
    yt_node*  node;
    yt_node*  pending_key;   /* YT_MAP: key read, value not yet */
    char      label[64];     /* how the path names this collection: its key, or [index] */
    key_index keys;          /* YT_MAP: the keys given so far */
} frame;

typedef struct {
    yaml_parser_t parser;
    const char*   text;
    size_t        len;
    diag*         d;
    frame         stack[YT_MAX_DEPTH + 1];
    int           depth;
    yt_node*      root;
    int           documents;
} builder;

static yt_node* new_node(yt_kind kind, yaml_mark_t mark)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = (int)mark.line + 1;
    n->col = (int)mark.column + 1;
    return n;
}

void yt_free(yt_node* node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->count; i++) {
        if (node->keys)
            yt_free(node->keys[i]);
        yt_free(node->values[i]);
    }
    free(node->keys);
    free(node->values);
    free(node->text);
    free(node);
}

static void append_child(yt_node* parent, yt_node* key, yt_node* value)
{
    parent->values = xrealloc(parent->values, (parent->count + 1) * sizeof *parent->values);
    if (parent->kind == YT_MAP) {
        parent->keys = xrealloc(parent->keys, (parent->count + 1) * sizeof *parent->keys);
        parent->keys[parent->count] = key;
    }
    parent->values[parent->count++] = value;
}

/* The dotted path of the node being read, for messages: "model.moe.top_k". */
static void current_path(const builder* b, const char* last, char* buf, size_t size)
{
    strbuf sb = {0};
    for (int i = 1; i < b->depth; i++) {
        const char* label = b->stack[i].label;
        if (sb.len && label[0] != '[')
            strbuf_append(&sb, ".");
        strbuf_append(&sb, label);
    }
    const frame* top = b->depth ? &b->stack[b->depth - 1] : NULL;
    if (!last && top && top->node->kind == YT_MAP && top->pending_key)
        last = top->pending_key->text;
    if (last) {
        if (sb.len)
            strbuf_append(&sb, ".");
        strbuf_append(&sb, last);
    } else if (top && top->node->kind == YT_SEQ) {
        strbuf_printf(&sb, "[%zu]", top->node->count);
    }
    snprintf(buf, size, "%s", sb.len ? strbuf_text(&sb) : "(document)");
    strbuf_free(&sb);
}

/* How a collection about to be attached is named in paths. */
static void label_of_next_child(const builder* b, char* label, size_t size)
{
    label[0] = '\0';
    if (b->depth == 0)
        return;
    const frame* top = &b->stack[b->depth - 1];
    if (top->node->kind == YT_SEQ)
        snprintf(label, size, "[%zu]", top->node->count);
    else if (top->pending_key)
        snprintf(label, size, "%s", top->pending_key->text);
}

/* FNV-1a (Fowler, Noll and Vo), 64 bits. */
static size_t hash_text(const char* text)
{
    unsigned long long h = 1469598103934665603ull;
    for (const unsigned char* p = (const unsigned char*)text; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)h;
}

/* The slot of TEXT in INDEX: where it is, or the empty one where it would go. */
static size_t slot_of(const key_index* index, const char* text)
{
    size_t mask = index->cap - 1, i = hash_text(text) & mask;
    while (index->slots[i] && (key_comparisons++, strcmp(index->slots[i]->text, text) != 0))
        i = (i + 1) & mask;
    return i;
}

static void index_grow(key_index* index)
{
    key_index bigger = {xcalloc(index->cap ? 2 * index->cap : 16, sizeof *bigger.slots),
                        index->cap ? 2 * index->cap : 16, index->used};
    for (size_t i = 0; i < index->cap; i++)
        if (index->slots[i]) {   /* the keys differ: no comparison needed to place them */
            size_t j = hash_text(index->slots[i]->text) & (bigger.cap - 1);
            while (bigger.slots[j])
                j = (j + 1) & (bigger.cap - 1);
            bigger.slots[j] = index->slots[i];
        }
    free(index->slots);
    *index = bigger;
}

/* The key of INDEX equal to KEY's text, or NULL after adding KEY. */
static const yt_node* index_add(key_index* index, const yt_node* key)
{
    if (2 * (index->used + 1) > index->cap)
        index_grow(index);
    size_t i = slot_of(index, key->text);
    if (index->slots[i])
        return index->slots[i];
    index->slots[i] = key;
    index->used++;
    return NULL;
}

static void index_free(key_index* index)
{
    free(index->slots);
    *index = (key_index){0};
}

/* Places NODE in the tree: as the root, a map key, a map value or a sequence item. */
static int attach(builder* b, yt_node* node)
{
    if (b->depth == 0) {
        b->root = node;
        return 0;
    }
    frame* top = &b->stack[b->depth - 1];
    if (top->node->kind == YT_SEQ) {
        append_child(top->node, NULL, node);
        return 0;
    }
    if (top->pending_key) {
        append_child(top->node, top->pending_key, node);
        top->pending_key = NULL;
        return 0;
    }
    char path[512];
    if (node->kind != YT_SCALAR) {
        current_path(b, NULL, path, sizeof path);
        diag_problem(b->d, node->line, node->col,
                     "%s: expected a plain key, found a %s used as a key", path,
                     node->kind == YT_MAP ? "mapping" : "sequence");
        yt_free(node);
        return -1;
    }
    const yt_node* previous = index_add(&top->keys, node);
    if (previous) {
        current_path(b, node->text, path, sizeof path);
        diag_problem(b->d, node->line, node->col, "%s: duplicate key (first given at line %d)",
                     path, previous->line);
        yt_free(node);
        return -1;
    }
    top->pending_key = node;
    return 0;
}

static int refuse_anchor_or_tag(builder* b, const yaml_event_t* ev, const yaml_char_t* anchor,
                                const yaml_char_t* tag, int implicit_tag)
{
    char path[512];
    if (anchor) {
        current_path(b, NULL, path, sizeof path);
        diag_problem(b->d, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                     "%s: anchors and aliases are not supported (found &%s); write the value out",
                     path, (const char*)anchor);
        return -1;
    }
    if (tag && !implicit_tag) {
        current_path(b, NULL, path, sizeof path);
        diag_problem(b->d, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                     "%s: explicit YAML tags are not supported (found %s)", path,
                     (const char*)tag);
        return -1;
    }
    return 0;
}

static int open_collection(builder* b, const yaml_event_t* ev, yt_kind kind)
{
    const yaml_char_t* anchor = kind == YT_MAP ? ev->data.mapping_start.anchor
                                               : ev->data.sequence_start.anchor;
    const yaml_char_t* tag = kind == YT_MAP ? ev->data.mapping_start.tag
                                            : ev->data.sequence_start.tag;
    int implicit = kind == YT_MAP ? ev->data.mapping_start.implicit
                                  : ev->data.sequence_start.implicit;
    if (refuse_anchor_or_tag(b, ev, anchor, tag, implicit))
        return -1;
    if (b->depth >= YT_MAX_DEPTH) {
        diag_problem(b->d, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                     "nesting deeper than %d levels is not supported", YT_MAX_DEPTH);
        return -1;
    }
    yt_node* node = new_node(kind, ev->start_mark);
    frame f = {node, NULL, "", {0}};
    label_of_next_child(b, f.label, sizeof f.label);
    if (attach(b, node))
        return -1;
    b->stack[b->depth++] = f;
    return 0;
}

static int add_scalar(builder* b, const yaml_event_t* ev)
{
    if (refuse_anchor_or_tag(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag,
                             ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit))
        return -1;
    yt_node* node = new_node(YT_SCALAR, ev->start_mark);
    node->text = xmalloc(ev->data.scalar.length + 1);
    memcpy(node->text, ev->data.scalar.value, ev->data.scalar.length);
    node->text[ev->data.scalar.length] = '\0';
    node->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (strlen(node->text) != ev->data.scalar.length) {
        diag_problem(b->d, node->line, node->col, "a scalar contains a NUL character");
        yt_free(node);
        return -1;
    }
    return attach(b, node);
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static void position_of_offset(const char* text, size_t len, size_t offset, int* line, int* col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void report_parser_error(builder* b)
{
    const yaml_parser_t* p = &b->parser;
    int line, col;
    if (p->error == YAML_READER_ERROR) {
        position_of_offset(b->text, b->len, p->problem_offset, &line, &col);
        diag_problem(b->d, line, col, "not valid UTF-8 text: %s",
                     p->problem ? p->problem : "unreadable byte");
        return;
    }
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
    if (p->context)
        diag_problem(b->d, line, col, "YAML syntax error: %s %s", p->problem ? p->problem : "",
                     p->context);
    else
        diag_problem(b->d, line, col, "YAML syntax error: %s", p->problem ? p->problem : "");
}

/* Handles one event; returns 1 at the end of the stream, -1 on error, 0 otherwise. */
static int handle_event(builder* b, const yaml_event_t* ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->documents++ > 0) {
            diag_problem(b->d, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                         "expected one YAML document, found a second one");
            return -1;
        }
        return 0;
    case YAML_MAPPING_START_EVENT:
        return open_collection(b, ev, YT_MAP);
    case YAML_SEQUENCE_START_EVENT:
        return open_collection(b, ev, YT_SEQ);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        index_free(&b->stack[--b->depth].keys);
        return 0;
    case YAML_SCALAR_EVENT:
        return add_scalar(b, ev);
    case YAML_ALIAS_EVENT: {
        char path[512];
        current_path(b, NULL, path, sizeof path);
        diag_problem(b->d, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                     "%s: anchors and aliases are not supported (found *%s); write the value out",
                     path, (const char*)ev->data.alias.anchor);
        return -1;
    }
    case YAML_STREAM_END_EVENT:
        return 1;
    default:
        return 0;
    }
}

yt_node* yt_load_text(const char* text, size_t len, diag* d)
{
    builder b = {.text = text, .len = len, .d = d};
    const char* encoding = utf8_foreign_encoding(text, len);   /* YAML 1.2 allows it; the format does not */
    if (encoding) {
        diag_problem(d, 1, 1, "the file is %s (its byte order mark says so): trainsim reads UTF-8 only "
                              "(convert it, e.g. iconv -f %s -t UTF-8)", encoding, encoding);
        return NULL;
    }
    if (len > YT_MAX_BYTES) {
        diag_file_problem(d, "file is %zu bytes, larger than the %u-byte limit for scenarios",
                          len, YT_MAX_BYTES);
        return NULL;
    }
    if (!yaml_parser_initialize(&b.parser)) {
        diag_file_problem(d, "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char*)text, len);
    int status = 0;
    while (status == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&b.parser, &ev)) {
            report_parser_error(&b);
            status = -1;
            break;
        }
        status = handle_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&b.parser);
    if (status < 0) {
        /* A key read without its value is owned by no node yet. */
        for (int i = 0; i < b.depth; i++) {
            yt_free(b.stack[i].pending_key);
            index_free(&b.stack[i].keys);
        }
        yt_free(b.root);
        return NULL;
    }
    return b.root;
}

yt_node* yt_load_file(const char* path, diag* d)
{
    FILE* f = fopen(path, "rb");
    if (!f) {
        diag_file_problem(d, "cannot open: %s", strerror(errno));
        return NULL;
    }
    strbuf content = {0};
    int read_error = strbuf_read_stream(&content, f, YT_MAX_BYTES);
    fclose(f);
    if (read_error) {
        diag_file_problem(d, "cannot read: %s", strerror(errno));
        strbuf_free(&content);
        return NULL;
    }
    yt_node* root = yt_load_text(strbuf_text(&content), content.len, d);
    strbuf_free(&content);
    return root;
}

/* ---- building and editing trees (sweeps) -------------------------------- */

yt_node* yt_copy(const yt_node* node, const char* file)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = node->kind;
    n->line = node->line;
    n->col = node->col;
    n->file = file;
    n->quoted = node->quoted;
    n->text = node->text ? xstrdup(node->text) : NULL;
    for (size_t i = 0; i < node->count; i++)
        append_child(n, node->keys ? yt_copy(node->keys[i], file) : NULL, yt_copy(node->values[i], file));
    return n;
}

yt_node* yt_new_map(int line, int col, const char* file)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = YT_MAP;
    n->line = line;
    n->col = col;
    n->file = file;
    return n;
}

void yt_map_put(yt_node* map, const char* key, yt_node* value)
{
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i]->text, key) == 0) {
            yt_free(map->values[i]);
            map->values[i] = value;
            return;
        }
    yt_node* k = xcalloc(1, sizeof *k);
    k->kind = YT_SCALAR;
    k->line = value->line;
    k->col = value->col;
    k->file = value->file;
    k->text = xstrdup(key);
    append_child(map, k, value);
}

/* MAP's value of KEY, for editing. */
static yt_node* child_of(yt_node* map, const char* key)
{
    for (size_t i = 0; i < map->count; i++)
        if (!strcmp(map->keys[i]->text, key))
            return map->values[i];
    return NULL;
}

/* A path segment "name" or "name[i]": its name cut at the bracket, the
 * index in *INDEX (-1 without one). Returns 0, or -1 for a malformed one. */
static int split_segment(char* seg, long* index)
{
    char* bracket = strchr(seg, '[');
    *index = -1;
    if (!bracket)
        return seg[0] ? 0 : -1;
    char* end = NULL;
    *index = strtol(bracket + 1, &end, 10);
    if (end == bracket + 1 || *end != ']' || end[1] || *index < 0)
        return -1;
    *bracket = '\0';
    return seg[0] ? 0 : -1;
}

/* Puts VALUE at list item INDEX of the mapping AT's key SEG (LAST: the
 * item itself), or returns the item to go on from; NULL when there is no
 * such item (*PLACED set when VALUE went in). */
static yt_node* item_of(yt_node* at, const char* seg, long index, int last, yt_node* value, int* placed)
{
    yt_node* list = child_of(at, seg);
    if (!list || list->kind != YT_SEQ || (size_t)index >= list->count)
        return NULL;
    if (!last)
        return list->values[index];
    yt_free(list->values[index]);
    list->values[index] = value;
    *placed = 1;
    return NULL;
}

int yt_put_path(yt_node* root, const char* path, yt_node* value)
{
    char key[256];
    size_t len = strlen(path);
    int placed = 0;
    if (len == 0 || len >= sizeof key - 1 || path[0] == '.' || path[len - 1] == '.' || strstr(path, "..")) {
        yt_free(value);   /* strtok_r would skip the empty names */
        return -1;
    }
    snprintf(key, sizeof key, "%s", path);
    yt_node* at = root;
    char* save = NULL;
    for (char* seg = strtok_r(key, ".", &save); seg && at; seg = strtok_r(NULL, ".", &save)) {
        int last = save == NULL || *save == '\0';
        long index;
        if (split_segment(seg, &index) || at->kind != YT_MAP)
            break;
        if (index >= 0) {
            at = item_of(at, seg, index, last, value, &placed);
            continue;
        }
        if (last) {
            yt_map_put(at, seg, value);
            return 0;
        }
        yt_node* next = child_of(at, seg);
        if (!next) {
            next = yt_new_map(value->line, value->col, value->file);
            yt_map_put(at, seg, next);
        }
        at = next;
    }
    if (placed)
        return 0;
    yt_free(value);
    return -1;
}

void yt_flow_text(const yt_node* v, strbuf* out)
{
    if (v->kind == YT_SCALAR) {
        strbuf_append(out, v->text);
        return;
    }
    strbuf_append(out, v->kind == YT_MAP ? "{" : "[");
    for (size_t i = 0; i < v->count; i++) {
        if (i)
            strbuf_append(out, ", ");
        if (v->kind == YT_MAP)
            strbuf_printf(out, "%s: ", v->keys[i]->text);
        yt_flow_text(v->values[i], out);
    }
    strbuf_append(out, v->kind == YT_MAP ? "}" : "]");
}

const yt_node* yt_map_get(const yt_node* map, const char* key)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return map->values[i];
    return NULL;
}

int yt_is_null(const yt_node* node)
{
    if (!node)
        return 1;
    if (node->kind != YT_SCALAR || node->quoted)
        return 0;
    return node->text[0] == '\0' || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0;
}

const char* yt_describe(const yt_node* node, char* buf, size_t size)
{
    if (yt_is_null(node)) {
        snprintf(buf, size, "nothing");
    } else if (node->kind == YT_MAP) {
        snprintf(buf, size, "a mapping");
    } else if (node->kind == YT_SEQ) {
        snprintf(buf, size, "a list");
    } else {
        /* Quote the scalar, shortened and with control characters escaped. */
        size_t o = 0, character = 1;   /* where the character being copied began */
        const size_t limit = size > 48 ? 40 : size / 2;
        buf[o++] = '"';
        for (const unsigned char* s = (const unsigned char*)node->text; *s && o + 6 < size; s++) {
            if ((*s & 0xc0) != 0x80)
                character = o;
            if (o > limit) {   /* cut between characters, never inside one */
                o = (*s & 0xc0) == 0x80 ? character : o;
                o += (size_t)snprintf(buf + o, size - o, "...");
                break;
            }
            if (*s == '"' || *s == '\\')
                o += (size_t)snprintf(buf + o, size - o, "\\%c", *s);
            else if (*s < 0x20 || *s == 0x7f)
                o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *s);
            else
                buf[o++] = (char)*s;
        }
        if (o + 2 <= size) {
            buf[o++] = '"';
            buf[o] = '\0';
        } else {
            buf[size - 1] = '\0';
        }
    }
    return buf;
}
