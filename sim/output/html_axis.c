/* html_axis: round ticks for the HTML page's charts (see html_axis.h). */
#include "output/html_axis.h"

#include <math.h>
#include <stdio.h>

axis_unit html_unit_seconds(double max)
{
    return max < 2e-3 ? (axis_unit){1e-6, "us"} : max < 2.0 ? (axis_unit){1e-3, "ms"}
         : max < 7200.0 ? (axis_unit){1, "s"} : max < 4 * 86400.0 ? (axis_unit){3600, "h"}
         : (axis_unit){86400, "days"};
}

axis_unit html_unit_bytes(double max)
{
    return max < 1048576.0 ? (axis_unit){1024, "KiB"} : max < 1073741824.0 ? (axis_unit){1048576.0, "MiB"}
         : max < 1099511627776.0 ? (axis_unit){1073741824.0, "GiB"} : (axis_unit){1099511627776.0, "TiB"};
}

axis_unit html_unit_watts(double max)
{
    return max < 1e3 ? (axis_unit){1, "W"} : max < 1e6 ? (axis_unit){1e3, "kW"} : (axis_unit){1e6, "MW"};
}

axis_unit html_unit_days(void)
{
    return (axis_unit){86400, "days"};
}

axis_unit html_unit_count(void)
{
    return (axis_unit){1, ""};
}

double html_tick_step(double span, axis_unit u, int room)
{
    double raw = span / u.scale / (room > 0 ? room : 1);
    if (!(raw > 0) || !isfinite(raw))
        return u.scale;
    double power = pow(10, floor(log10(raw))), f = raw / power;
    double round = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    if (u.name[0] == '\0' && round * power < 1)
        return u.scale;   /* a count ticks at whole numbers */
    return round * power * u.scale;
}

const char* html_tick_label(double v, axis_unit u, char* buf, int size)
{
    double x = v / u.scale;
    if (fabs(x) < 1e-9)
        x = 0;   /* no "-0" or 1e-17 from the steps' sums */
    snprintf(buf, (size_t)size, u.name[0] ? "%.4g %s" : "%.4g", x, u.name);
    return buf;
}

void html_x_axis(strbuf* out, double x0, double px, double y, double top, double max, axis_unit u, int room)
{
    double step = html_tick_step(max, u, room);
    char label[32];
    strbuf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x0, y,
                  x0 + max * px, y);
    for (int k = 0; k * step <= max * (1 + 1e-9); k++) {
        double x = x0 + k * step * px;
        strbuf_printf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" "
                           "stroke-width=\"0.5\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                      x, top, x, y + 4, x, y + 15, html_tick_label(k * step, u, label, sizeof label));
    }
}

void html_y_axis(strbuf* out, double x, double right, double base, double px, double lo, double hi, axis_unit u,
                 int room)
{
    double step = html_tick_step(hi - lo, u, room);
    char label[32];
    strbuf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x, base, x,
                  base - (hi - lo) * px);
    for (long k = (long)ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * fabs(hi); k++) {
        double v = k * step, y = base - (v - lo) * px;
        strbuf_printf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" "
                           "stroke-width=\"0.5\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                      x - 4, y, right, y, x - 6, y + 4, html_tick_label(v, u, label, sizeof label));
    }
}
