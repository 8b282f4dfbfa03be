/* json_tree: a strict JSON parser (RFC 8259) for tests that check the
 * structure of what trainsim writes (traces, reports): whatever does not
 * parse is refused with the byte offset where it went wrong. */
#ifndef TRAINSIM_TEST_JSON_TREE_H
#define TRAINSIM_TEST_JSON_TREE_H

#include <stddef.h>

typedef enum { JT_NULL, JT_BOOL, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT } jt_type;

typedef struct jt_node jt_node;
struct jt_node {
    jt_type   type;
    double    number;     /* JT_NUMBER; JT_BOOL: 0 or 1 */
    char*     string;     /* JT_STRING, unescaped (\u escapes above 0x7f kept as '?') */
    char**    keys;       /* JT_OBJECT: one per item */
    jt_node** items;      /* JT_ARRAY, JT_OBJECT */
    size_t    count;
};

/* Parses TEXT (LEN bytes). Returns the tree, or NULL with *ERROR_AT set to
 * the offset of the first byte that does not fit. */
jt_node* jt_parse(const char* text, size_t len, size_t* error_at);

/* The member KEY of object NODE, or NULL. */
const jt_node* jt_get(const jt_node* node, const char* key);

void jt_free(jt_node* node);

#endif
