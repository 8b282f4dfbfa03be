/* json: a small streaming JSON writer into a strbuf.
 *
 * Objects and arrays nest; keys are given with each value (NULL inside
 * arrays). Numbers are printed with 10 significant digits, so the same
 * result always prints the same bytes; non-finite numbers print as null. */
#ifndef TRAINSIM_JSON_H
#define TRAINSIM_JSON_H

#include "core/strbuf.h"

#define JSON_MAX_DEPTH 32

typedef struct {
    strbuf* out;
    int     depth;
    int     count[JSON_MAX_DEPTH];   /* values written at each level */
} json_writer;

void json_start(json_writer* j, strbuf* out);
void json_open_object(json_writer* j, const char* key);
void json_close_object(json_writer* j);
void json_open_array(json_writer* j, const char* key);
void json_close_array(json_writer* j);
void json_write_number(json_writer* j, const char* key, double value);
void json_write_integer(json_writer* j, const char* key, long long value);
void json_write_string(json_writer* j, const char* key, const char* value);
void json_write_bool(json_writer* j, const char* key, int value);
void json_write_null(json_writer* j, const char* key);

/* S as a JSON string, quotes included. */
void json_quote(strbuf* out, const char* s);

#endif
