/* units: SimGrid-style quantity strings ("200Gbps", "1.5us", "40GiB",
 * "312TFLOPS", "400W") to numbers in base units.
 *
 * Base units are bytes/s, seconds, bytes, FLOP/s and watts. A quantity
 * without a unit, or with a unit that does not fit its kind, is rejected:
 * the scenario format never guesses whether 200 means bits or bytes. */
#ifndef TRAINSIM_UNITS_H
#define TRAINSIM_UNITS_H

typedef enum {
    UNIT_BANDWIDTH,   /* bytes per second: Bps, bps with k M G T P / Ki Mi Gi Ti Pi */
    UNIT_TIME,        /* seconds: ps ns us ms s m min h d w */
    UNIT_SIZE,        /* bytes: B with k M G T P / Ki Mi Gi Ti Pi */
    UNIT_FLOPS,       /* FLOP/s: f, FLOPS or FLOP/s with k M G T P E */
    UNIT_POWER,       /* watts: W, kW, MW */
    UNIT_KIND_COUNT
} unit_kind;

/* Parses TEXT as a quantity of KIND into *VALUE (base units).
 * Returns 0 on success, -1 when TEXT is not a finite number followed by a
 * known unit of that kind. */
int units_parse(unit_kind kind, const char* text, double* value);

/* What a quantity of KIND looks like, for error messages:
 * "a bandwidth with a unit (e.g. 200Gbps, 25GBps)". */
const char* units_expected(unit_kind kind);

/* What a quantity of KIND is called in messages: "bandwidth", "duration". */
const char* units_noun(unit_kind kind);

/* The symbol of KIND's base unit as units_parse reads it: "Bps", "s", "B",
 * "FLOPS", "W". A number in base units followed by it reads back as that
 * number. */
const char* units_base_symbol(unit_kind kind);

/* Human-readable formatting into BUF (at least 32 bytes), for reports. */
const char* units_format_bytes(double bytes, char* buf, int size);
const char* units_format_seconds(double seconds, char* buf, int size);

#endif
