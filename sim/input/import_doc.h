/* import_doc: what `trainsim import` knows while it reads another
 * framework's configuration: the settings a front end read (import_megatron,
 * import_nemo), and the scenario being written from them, a value and the
 * comment that says where it came from for each key the importer can write,
 * with the lists of settings that have no effect, are ignored or are not
 * understood. import_rules fills it, import_scenario writes it out. */
#ifndef TRAINSIM_IMPORT_DOC_H
#define TRAINSIM_IMPORT_DOC_H

#include <stddef.h>

#include "core/diag.h"
#include "core/strbuf.h"
#include "input/foreign_names.h"

typedef enum { IMPORT_MEGATRON, IMPORT_NEMO, IMPORT_SOURCE_COUNT } import_source;
extern const char* const import_source_names[IMPORT_SOURCE_COUNT];

/* What a value still to be set reads as in the output. */
#define IMPORT_PLACEHOLDER "SET-ME"

typedef struct {
    char* name;                  /* as written: "--num-layers", "model.num_layers" */
    char* value;                 /* NULL: a Megatron switch, given */
    int   line, col;             /* of the name */
    int   value_line, value_col; /* of the value */
    const foreign_name* row;     /* its row, or NULL: not understood */
} import_setting;

typedef struct {
    import_source   source;
    const char*     file;        /* the name messages give it */
    import_setting* settings;
    size_t          count, cap;
    strbuf          skipped;     /* words of a launcher (torchrun ...) passed over, for the output's comment */
} import_input;

/* Appends a setting (NAME and VALUE copied; VALUE may be NULL). */
void import_add(import_input* in, const char* name, const char* value, int line, int col, int value_line,
                int value_col, const foreign_name* row);
void import_input_free(import_input* in);

/* The keys the importer writes, in the order the output has them. */
extern const char* const import_keys[];
extern const size_t import_key_count;

typedef struct {
    const import_input*   in;
    diag*                 d;
    strbuf*               notes;          /* lines for stderr */
    char**                value;          /* per import_keys entry: its value, or NULL */
    char**                why;            /* ... and its comment, or NULL */
    const import_setting* by_rule[RULE_COUNT];   /* the last setting read by each rule */
    strbuf not_understood, no_effect, ignored;   /* the output's lists, a "#   ..." line each */
    strbuf placeholders;                         /* " key, key" of the values marked SET-ME */
} importer;

void importer_init(importer* imp, const import_input* in, strbuf* notes, diag* d);
void importer_free(importer* imp);

/* Writes KEY (one of import_keys) as VALUE with the comment WHY (may be NULL). */
void import_set(importer* imp, const char* key, const char* value, const char* why);
/* The same, its comment the setting S as written. */
void import_set_from(importer* imp, const char* key, const char* value, const import_setting* s);
/* KEY as SET-ME, with WHY, named on stderr. */
void import_placeholder(importer* imp, const char* key, const char* why);
/* KEY's value, or NULL. */
const char* import_get(const importer* imp, const char* key);
/* KEY's value as a whole number into OUT: 0, or -1 when unset or not one. */
int import_get_whole(const importer* imp, const char* key, long long* out);

/* TEXT as a whole number (digits only) or as a number into OUT (may be
 * NULL): 0, or -1. */
int import_whole(const char* text, long long* out);
/* A x B for counts read by import_whole; -1 when either is negative or the
 * product passes 10^18 (hostile input must not overflow). */
long long import_times(long long a, long long b);
int import_number(const char* text, double* out);

/* "FILE:LINE:COL: NAME: expected EXPECTED, found VALUE" at S's value in D; returns -1. */
int import_fail(importer* imp, const import_setting* s, const char* expected);

/* S as written: "--num-layers 96", "model.num_layers: 96", "--swiglu". */
void import_describe(const import_setting* s, strbuf* out);
/* Appends "#   S: WHY  (line N)" to LIST. */
void import_list(strbuf* list, const import_setting* s, const char* why);
/* S in the not-understood list and on stderr, with WHY (may be NULL). */
void import_not_understood(importer* imp, const import_setting* s, const char* why);

#endif
