/* yaml_tree: a strict YAML reader that turns one document into a tree of
 * mappings, sequences and scalars, each with its line and column.
 *
 * Strictness is deliberate: scenario files are a contract, so anything that
 * would make a file mean something surprising is an error with a position:
 * more than one document, anchors and aliases, explicit tags, keys that are
 * not scalars, duplicate keys, nesting deeper than YT_MAX_DEPTH, files larger
 * than YT_MAX_BYTES, and bytes that are not UTF-8. */
#ifndef TRAINSIM_YAML_TREE_H
#define TRAINSIM_YAML_TREE_H

#include <stddef.h>

#include "core/diag.h"

#define YT_MAX_DEPTH 32
#define YT_MAX_BYTES (4u << 20)

typedef enum { YT_SCALAR, YT_MAP, YT_SEQ, YT_KIND_COUNT } yt_kind;

typedef struct yt_node {
    yt_kind kind;
    int     line, col;            /* 1-based position of the node's first character */
    const char* file;             /* NULL: the document read; else the file the node came from */
    char*   text;                 /* YT_SCALAR: the scalar as written, unescaped */
    int     quoted;               /* YT_SCALAR: written in quotes or as a block */
    size_t  count;                /* YT_MAP: pairs; YT_SEQ: items */
    struct yt_node** keys;        /* YT_MAP: key scalars */
    struct yt_node** values;      /* YT_MAP: values; YT_SEQ: items */
} yt_node;

/* Reads PATH (or TEXT of LEN bytes, reported as NAME). Returns the root node,
 * or NULL with the reason in D. An empty document returns NULL without an
 * error in D: the caller says what it expected. */
yt_node* yt_load_file(const char* path, diag* d);
yt_node* yt_load_text(const char* text, size_t len, diag* d);
void yt_free(yt_node* node);

/* A deep copy of NODE whose nodes all say they come from FILE (not owned). */
yt_node* yt_copy(const yt_node* node, const char* file);

/* A new empty mapping at LINE:COL of FILE. */
yt_node* yt_new_map(int line, int col, const char* file);

/* Sets KEY in MAP to VALUE (taking it): replaces the old value, or appends
 * the pair with a key scalar placed where VALUE is. */
void yt_map_put(yt_node* map, const char* key, yt_node* value);

/* Puts VALUE (taken) at the dotted PATH under ROOT: names joined by dots,
 * an item of a list as name[i] ("failures.components[0].mtbf"). A mapping
 * the path names but ROOT lacks is added (at VALUE's position); a path that
 * runs through something other than a mapping, or a list index beyond the
 * list, is refused. Returns 0, or -1 (VALUE freed, ROOT unchanged but for
 * mappings added on the way). */
int yt_put_path(yt_node* root, const char* path, yt_node* value);

/* NODE as one line: a scalar's text, a mapping or list in flow style
 * ("{bandwidth: 400Gbps, latency: 5us}", "[1, 2]"). */
void yt_flow_text(const yt_node* node, strbuf* out);

/* The value of KEY in MAP, or NULL. */
const yt_node* yt_map_get(const yt_node* map, const char* key);

/* A plain scalar that YAML reads as null: empty, "~" or "null". */
int yt_is_null(const yt_node* node);

/* The key comparisons the duplicate-key check has made in this process, so
 * that tests can check its cost without timing it. */
unsigned long long yt_key_comparisons(void);

/* How a node reads in "found ..." messages: "\"abc\"", "a mapping", "nothing". */
const char* yt_describe(const yt_node* node, char* buf, size_t size);

#endif
