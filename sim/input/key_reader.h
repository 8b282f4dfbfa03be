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

struct key_rule;

/* What every reader writes to: the scenario (for its key marks) and the
 * first problem; and what a reader of keys that name other keys (the
 * uncertain: section) looks them up in: the document's tree and its table
 * of rules. */
typedef struct {
    scenario*              sc;
    diag*                  d;
    const yt_node*         root;
    const struct key_rule* document;
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
    int                or_zero;   /* 0 is allowed too, meaning none (a peak the GPU lacks) */
    unit_kind          unit;      /* K_QTY */
    const char* const* names;     /* K_ENUM: the enum's name table (scenario.h) ... */
    int                name_count;  /* ... of this many names */
    const key_rule*    rules;     /* K_SECTION, terminated by a rule without name */
    custom_reader      custom;    /* K_CUSTOM; with RULES when its value is a mapping of keys (gpu, moe) ... */
    int                list;      /* ... or a list of such mappings (failures.components) */
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

/* The rule of the dotted KEY under RULES: keys joined by dots, an item of a
 * list as name[i] ("failures.components[0].mtbf"), walking sections and the
 * custom keys that give their rules. NULL when no key of the format has
 * that path. *ITEM is set when KEY ends at a list's item (a whole mapping). */
const key_rule* key_rule_at(const key_rule* rules, const char* key, int* item);

/* For a dotted KEY that key_rule_at does not find: the key with its first
 * unknown name replaced by the nearest name the format has there (at most
 * two edits away) into BUF ("parallelism.ppp" -> "parallelism.pp").
 * Returns 0, or -1 when no name is near (BUF then empty). */
int key_nearest(const key_rule* rules, const char* key, char* buf, size_t size);

/* Reads V as a value of rule R at PATH, as the section reader would, into
 * *NUMBER: a number or quantity its value in base units (range checked), an
 * enum its index, a boolean 0 or 1. Other kinds (strings, custom readers,
 * sections) are not read here: *NUMBER is NaN. Returns 0, or -1 with the
 * problem in L->d. */
int key_read_scalar(loader* L, const key_rule* r, const yt_node* v, const char* path, double* number);

/* "a positive integer no larger than 4096": what rule R's values are, in
 * its NOUN ("integer", "number", a unit's noun), into BUF. */
void key_describe_range(const key_rule* r, const char* noun, char* buf, size_t size);

/* A scalar written without quotes that is not null: a number, true, auto. */
int key_is_plain_scalar(const yt_node* v);
/* A plain decimal number (no inf, nan or hexadecimal) in *OUT. Returns 0,
 * or -1 for anything else. */
int key_scalar_number(const yt_node* v, double* out);
/* A plain decimal number with an integral value, exactly representable
 * (|x| <= 2^53), in *OUT. Returns 0, or -1 for anything else. */
int key_scalar_integer(const yt_node* v, double* out);

#endif
