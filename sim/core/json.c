/* json: streaming JSON writer with two-space indentation (see json.h). */
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* 2^53: below it in magnitude, every integer is a double, exactly. */
#define EXACT_INTEGERS 9007199254740992.0

void json_start(json_writer* j, strbuf* out)
{
    j->out = out;
    j->depth = 0;
    j->count[0] = 0;
}

/* Whether VALUE prints as the integer it is. */
static int is_exact_integer(double value)
{
    return fabs(value) < EXACT_INTEGERS && value == trunc(value);
}

const char* json_format_number(double value, char buf[JSON_NUMBER_SIZE])
{
    if (!isfinite(value))
        snprintf(buf, JSON_NUMBER_SIZE, "null");
    else if (is_exact_integer(value))
        snprintf(buf, JSON_NUMBER_SIZE, "%lld", (long long)value);
    else
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, JSON_NUMBER_SIZE, "%.*g", digits, value);
            if (strtod(buf, NULL) == value)
                break;
        }
    return buf;
}

void json_quote(strbuf* out, const char* s)
{
    strbuf_append(out, "\"");
    for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
        switch (*p) {
        case '"':  strbuf_append(out, "\\\""); break;
        case '\\': strbuf_append(out, "\\\\"); break;
        case '\n': strbuf_append(out, "\\n"); break;
        case '\t': strbuf_append(out, "\\t"); break;
        case '\r': strbuf_append(out, "\\r"); break;
        default:
            if (*p < 0x20) {
                strbuf_printf(out, "\\u%04x", *p);
            } else {   /* a whole character, or U+FFFD for a byte of none: JSON is UTF-8 */
                size_t n = utf8_char_length((const char*)p);
                strbuf_append_n(out, n ? (const char*)p : UTF8_REPLACEMENT, n ? n : 3);
                p += n ? n - 1 : 0;
            }
        }
    }
    strbuf_append(out, "\"");
}

/* Comma, newline and indentation before a value, then its key. */
static void begin_value(json_writer* j, const char* key)
{
    if (j->depth > 0) {
        strbuf_append(j->out, j->count[j->depth] ? ",\n" : "\n");
        for (int i = 0; i < j->depth; i++)
            strbuf_append(j->out, "  ");
    }
    j->count[j->depth]++;
    if (key) {
        json_quote(j->out, key);
        strbuf_append(j->out, ": ");
    }
}

static void open_container(json_writer* j, const char* key, const char* bracket)
{
    begin_value(j, key);
    strbuf_append(j->out, bracket);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->count[j->depth] = 0;
}

static void close_container(json_writer* j, const char* bracket)
{
    int had_values = j->count[j->depth] > 0;
    j->depth--;
    if (had_values) {
        strbuf_append(j->out, "\n");
        for (int i = 0; i < j->depth; i++)
            strbuf_append(j->out, "  ");
    }
    strbuf_append(j->out, bracket);
    if (j->depth == 0)
        strbuf_append(j->out, "\n");
}

void json_open_object(json_writer* j, const char* key) { open_container(j, key, "{"); }
void json_close_object(json_writer* j) { close_container(j, "}"); }
void json_open_array(json_writer* j, const char* key) { open_container(j, key, "["); }
void json_close_array(json_writer* j) { close_container(j, "]"); }

void json_write_number(json_writer* j, const char* key, double value)
{
    char text[JSON_NUMBER_SIZE];
    begin_value(j, key);
    strbuf_append(j->out, json_format_number(value, text));
}

void json_write_integer(json_writer* j, const char* key, long long value)
{
    begin_value(j, key);
    strbuf_printf(j->out, "%lld", value);
}

void json_write_string(json_writer* j, const char* key, const char* value)
{
    begin_value(j, key);
    json_quote(j->out, value);
}

void json_write_bool(json_writer* j, const char* key, int value)
{
    begin_value(j, key);
    strbuf_append(j->out, value ? "true" : "false");
}

void json_write_null(json_writer* j, const char* key)
{
    begin_value(j, key);
    strbuf_append(j->out, "null");
}
