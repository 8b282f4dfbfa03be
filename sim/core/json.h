/* json: a small streaming JSON writer into a strbuf.
 *
 * Objects and arrays nest; keys are given with each value (NULL inside
 * arrays). Numbers round-trip: a reader gets back the very double that was
 * written (json_format_number); non-finite numbers print as null. */
#ifndef TRAINSIM_JSON_H
#define TRAINSIM_JSON_H

#include "core/strbuf.h"

#define JSON_MAX_DEPTH 32

/* Room for any number json_format_number prints, NUL included. */
#define JSON_NUMBER_SIZE 32

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

/* VALUE as a JSON number into BUF, which it returns: an integral value of
 * magnitude below 2^53 as an integer (no exponent, no ".0"; -0 as 0); any
 * other finite value with the fewest of 15, 16 or 17 significant digits
 * that strtod reads back as VALUE; NaN and infinities as null. Everything
 * that prints a JSON number prints it with this. */
const char* json_format_number(double value, char buf[JSON_NUMBER_SIZE]);

/* S as a JSON string, quotes included. */
void json_quote(strbuf* out, const char* s);

#endif
