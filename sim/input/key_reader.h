/* key_reader: reads a YAML mapping into a struct against a table of rules.
 *
 * Each section of the format is a table of key_rule: the key's name, its
 * type, where it lands in the struct, and its allowed range. One generic
 * reader walks a mapping against its table, so an unknown key, a wrong type,
 * a bad unit or a value out of range is reported the same way everywhere:
 *   FILE:LINE:COL: section.key: expected ..., found ...
 * Keys whose shape is not a plain value have custom readers (the schema's,
 * scenario_schema.c), built on the scalar readers below. */
#ifndef TRAINSIM_KEY_READER_H
#define TRAINSIM_KEY_READER_H

#include <stddef.h>

#include "core/diag.h"
#include "core/units.h"
#include "input/scenario.h"
#include "input/yaml_tree.h"

/* What every reader writes to: the scenario (for its key marks) and the
 * first problem. */
typedef struct {
    scenario* sc;
    diag*     d;
} loader;

/* How a key's value is read: a scalar of a type (K_QTY: a number with a
 * unit), a nested section of rules, or the rule's own custom reader. */
typedef enum {
    K_INT, K_INT64, K_NUMBER, K_BOOL, K_STRING, K_ENUM, K_QTY, K_SECTION, K_CUSTOM,
    KEY_TYPE_COUNT
} key_type;

typedef struct key_rule key_rule;
typedef int (*custom_reader)(loader* L, const yt_node* value, const char* path, char* target);

struct key_rule {
    const char*        name;
    key_type           type;
    size_t             offset;    /* of the field, from the section's struct */
    double             min, max;  /* inclusive range of numbers and quantities */
    int                positive;  /* min is excluded: the value must exceed it */
    unit_kind          unit;      /* K_QTY */
    const char* const* names;     /* K_ENUM: the enum's name table (scenario.h) ... */
    int                name_count;  /* ... of this many names */
    const key_rule*    rules;     /* K_SECTION, terminated by a rule without name */
    custom_reader      custom;    /* K_CUSTOM */
    int                required;
};

/* The max of a number or quantity without an upper bound. */
#define KEY_UNBOUNDED 1e300

/* Reads MAP, the section PATH ("" for the document), against RULES into the
 * struct at BASE, marking each key read in L->sc. Returns 0, or -1 with the
 * first problem in L->d: an unknown key, a bad value, a missing required key. */
int key_read_section(loader* L, const yt_node* map, const char* path, const key_rule* rules, char* base);

/* Reports "PATH: expected EXPECTED, found F" at AT, F being how AT reads
 * (yt_describe). Returns -1. */
int key_fail(loader* L, const yt_node* at, const char* path, const char* expected);

/* A scalar written without quotes that is not null: a number, true, auto. */
int key_is_plain_scalar(const yt_node* v);
/* A plain decimal number with an integral value, exactly representable
 * (|x| <= 2^53), in *OUT. Returns 0, or -1 for anything else. */
int key_scalar_integer(const yt_node* v, double* out);

#endif
