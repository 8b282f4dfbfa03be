/* html_axis: the axes of the HTML page's charts (html.h): ticks at round
 * values (1, 2 or 5 times a power of ten of the axis's unit), each with its
 * label and a faint grid line, so that a reader can read a value off a bar
 * or a time off the step. */
#ifndef TRAINSIM_HTML_AXIS_H
#define TRAINSIM_HTML_AXIS_H

#include "core/strbuf.h"

/* The unit an axis is labelled in: a value v shows as v / SCALE NAME. */
typedef struct {
    double      scale;
    const char* name;
} axis_unit;

/* The unit of an axis up to MAX: seconds (us, ms, s, h, days), bytes
 * (binary: KiB to TiB), watts (W, kW, MW), days, or a plain count. */
axis_unit html_unit_seconds(double max);
axis_unit html_unit_bytes(double max);
axis_unit html_unit_watts(double max);
axis_unit html_unit_days(void);
axis_unit html_unit_count(void);

/* The round step between ticks that puts at most ROOM of them over a span
 * of SPAN (in base units) in unit U; in base units. */
double html_tick_step(double span, axis_unit u, int room);

/* A tick's label: V in U, to 4 significant digits ("2.5 ms", "40 GiB"). */
const char* html_tick_label(double v, axis_unit u, char* buf, int size);

/* An x axis of values 0 to MAX drawn from X0 at PX pixels per base unit:
 * a baseline at Y, at most ROOM ticks below it, grid lines up to TOP. */
void html_x_axis(strbuf* out, double x0, double px, double y, double top, double max, axis_unit u, int room);

/* A y axis of values LO to HI at X, the value LO at pixel BASE, PX pixels
 * per base unit upwards, at most ROOM ticks, grid lines across to RIGHT. */
void html_y_axis(strbuf* out, double x, double right, double base, double px, double lo, double hi, axis_unit u,
                 int room);

#endif
