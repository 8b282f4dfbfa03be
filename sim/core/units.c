/* units: parsing and printing of quantities with units (see units.h). */
#include "core/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char* text;
    double      factor;
} unit_name;

static const unit_name decimal_prefixes[] = {
    {"", 1.0}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
    {NULL, 0}
};
static const unit_name binary_prefixes[] = {
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
    {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0},
    {NULL, 0}
};
static const unit_name time_units[] = {
    {"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0},
    {"m", 60.0}, {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}, {"w", 604800.0},
    {NULL, 0}
};

/* Base unit names of each kind; bits are an eighth of a byte. */
static const unit_name bandwidth_bases[] = {{"Bps", 1.0}, {"bps", 0.125}, {NULL, 0}};
static const unit_name size_bases[] = {{"B", 1.0}, {NULL, 0}};
static const unit_name flops_bases[] = {{"f", 1.0}, {"FLOPS", 1.0}, {"FLOP/s", 1.0}, {NULL, 0}};
static const unit_name power_bases[] = {{"W", 1.0}, {NULL, 0}};

/* Finds a prefix from PREFIXES followed by a base from BASES that spells SUFFIX. */
static int match_prefixed(const char* suffix, const unit_name* prefixes,
                          const unit_name* bases, double* factor)
{
    for (const unit_name* p = prefixes; p->text; p++) {
        size_t plen = strlen(p->text);
        if (strncmp(suffix, p->text, plen) != 0)
            continue;
        for (const unit_name* b = bases; b->text; b++) {
            if (strcmp(suffix + plen, b->text) == 0) {
                *factor = p->factor * b->factor;
                return 1;
            }
        }
    }
    return 0;
}

static int match_unit(unit_kind kind, const char* suffix, double* factor)
{
    switch (kind) {
    case UNIT_BANDWIDTH:
        return match_prefixed(suffix, decimal_prefixes, bandwidth_bases, factor)
            || match_prefixed(suffix, binary_prefixes, bandwidth_bases, factor);
    case UNIT_SIZE:
        return match_prefixed(suffix, decimal_prefixes, size_bases, factor)
            || match_prefixed(suffix, binary_prefixes, size_bases, factor);
    case UNIT_FLOPS:
        return match_prefixed(suffix, decimal_prefixes, flops_bases, factor);
    case UNIT_POWER:
        return match_prefixed(suffix, decimal_prefixes, power_bases, factor);
    case UNIT_TIME:
        return match_prefixed(suffix, (const unit_name[]){{"", 1.0}, {NULL, 0}}, time_units, factor);
    case UNIT_KIND_COUNT:
        break;
    }
    return 0;
}

/* A plain decimal number: sign, digits, optional fraction and exponent.
 * strtod alone would also take "inf", "nan" and hexadecimal. */
static int looks_decimal(const char* s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return 0;
    return isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]));
}

int units_parse(unit_kind kind, const char* text, double* value)
{
    if (!text || !looks_decimal(text))
        return -1;
    char* end = NULL;
    double number = strtod(text, &end);
    if (end == text || !isfinite(number))
        return -1;
    while (*end == ' ')
        end++;
    double factor = 0;
    if (!match_unit(kind, end, &factor))
        return -1;
    *value = number * factor;
    return isfinite(*value) ? 0 : -1;
}

/* What each kind is called in messages, and what one looks like. */
static const char* const unit_kind_names[UNIT_KIND_COUNT] = {"bandwidth", "duration", "size", "compute rate", "power"};
static const char* const unit_kind_expected[UNIT_KIND_COUNT] = {
    "a bandwidth with a unit (e.g. 200Gbps, 25GBps)",
    "a duration with a unit (e.g. 1.5us, 5min, 3h)",
    "a size with a unit (e.g. 40GiB, 512MB)",
    "a compute rate with a unit (e.g. 312TFLOPS, 989Tf)",
    "a power with a unit (e.g. 400W, 1.5kW)"};

const char* units_base_symbol(unit_kind kind)
{
    static const char* const symbols[UNIT_KIND_COUNT] = {"Bps", "s", "B", "FLOPS", "W"};
    return kind >= 0 && kind < UNIT_KIND_COUNT ? symbols[kind] : "";
}

const char* units_noun(unit_kind kind)
{
    return kind >= 0 && kind < UNIT_KIND_COUNT ? unit_kind_names[kind] : "quantity";
}

const char* units_expected(unit_kind kind)
{
    return kind >= 0 && kind < UNIT_KIND_COUNT ? unit_kind_expected[kind] : "a quantity with a unit";
}

const char* units_format_bytes(double bytes, char* buf, int size)
{
    static const char* const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int i = 0;
    while (fabs(bytes) >= 1024.0 && i < (int)(sizeof names / sizeof *names) - 1) {
        bytes /= 1024.0;
        i++;
    }
    snprintf(buf, (size_t)size, i ? "%.2f %s" : "%.0f %s", bytes, names[i]);
    return buf;
}

const char* units_format_seconds(double seconds, char* buf, int size)
{
    double a = fabs(seconds);
    if (a == 0)
        snprintf(buf, (size_t)size, "0 s");
    else if (a < 1e-3)
        snprintf(buf, (size_t)size, "%.2f us", seconds * 1e6);
    else if (a < 1.0)
        snprintf(buf, (size_t)size, "%.2f ms", seconds * 1e3);
    else if (a < 3600.0)
        snprintf(buf, (size_t)size, "%.3f s", seconds);
    else if (a < 86400.0 * 2)
        snprintf(buf, (size_t)size, "%.2f h", seconds / 3600.0);
    else if (a < 86400.0 * 1e6)
        snprintf(buf, (size_t)size, "%.2f days", seconds / 86400.0);
    else   /* a million days and more: short enough to keep its unit in BUF */
        snprintf(buf, (size_t)size, "%.3g days", seconds / 86400.0);
    return buf;
}
