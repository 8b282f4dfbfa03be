/* explain_term: how a term of the explanation prints (see explain_term.h). */
#include "output/explain_term.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/strbuf.h"
#include "core/units.h"

void explain_ring_links(const explain_ctx* x, const int* g, int n, double* alpha, double* bandwidth)
{
    *alpha = 0;
    *bandwidth = INFINITY;
    for (int i = 0; i < n; i++) {
        route rt;
        topology_route(&x->r->topo, g[i], g[(i + 1) % n], &rt);
        *alpha = fmax(*alpha, route_latency(&rt));
        for (int k = 0; k < rt.count; k++)
            *bandwidth = fmin(*bandwidth, rt.link[k].bandwidth);
    }
}

void explain_hop(const explain_ctx* x, int a, int b, double* alpha, double* bandwidth)
{
    int g[2] = {a, b};
    explain_ring_links(x, g, 2, alpha, bandwidth);
}

void explain_family_links(const explain_ctx* x, group_family f, double* alpha, double* bandwidth)
{
    int* g = xmalloc((size_t)f.n * sizeof *g);
    for (int j = 0; j < f.n; j++)
        g[j] = j * f.stride;
    explain_ring_links(x, g, f.n, alpha, bandwidth);
    free(g);
}

int explain_nodes(const explain_ctx* x, const int* g, int n)
{
    const topology* t = &x->r->topo;
    int nodes = 0;
    char* seen = xcalloc((size_t)t->nodes + 1, 1);
    for (int i = 0; i < n; i++) {
        int node = topology_node_of(t, g[i]);
        if (node >= 0 && node < t->nodes && !seen[node]++)
            nodes++;
    }
    free(seen);
    return nodes > 0 ? nodes : 1;
}

int explain_family_nodes(const explain_ctx* x, group_family f)
{
    int* g = xmalloc((size_t)f.n * sizeof *g);
    for (int j = 0; j < f.n; j++)
        g[j] = j * f.stride;
    int nodes = explain_nodes(x, g, f.n);
    free(g);
    return nodes;
}

/* Within 2 % (or both below a microsecond) they agree. */
static int within_two_percent(const explain_term* t)
{
    double scale = fmax(fabs(t->formula), fabs(t->simulated));
    return fabs(t->simulated - t->formula) <= 0.02 * scale || scale < (t->unit == IN_SECONDS ? 1e-6 : 0.5);
}

/* A mean over replications scatters around its expectation: within 2
 * standard errors of it, the formula is where the mean says it may be. */
static int within_two_standard_errors(const explain_term* t)
{
    return t->standard_error > 0 && fabs(t->simulated - t->formula) <= 2 * t->standard_error;
}

static int agrees(const explain_term* t)
{
    return within_two_percent(t) || within_two_standard_errors(t);
}

static const char* amount(const explain_term* t, double v, char* buf, int size)
{
    if (t->unit == IN_BYTES)
        return units_format_bytes(v, buf, size);
    if (t->unit == IN_SECONDS)
        return units_format_seconds(v, buf, size);
    snprintf(buf, (size_t)size, "%.4g", v);
    return buf;
}

void explain_print_term(explain_term* t, strbuf* out)
{
    char a[32], b[32];
    strbuf_printf(out, "\n%s: %s %s", t->name, amount(t, t->simulated, a, sizeof a), t->per);
    if (t->share >= 0)
        strbuf_printf(out, " (%.1f %%)", 100 * t->share);
    strbuf_printf(out, "\n  formula    %s\n", strbuf_text(&t->text));
    if (isnan(t->formula)) {
        strbuf_printf(out, "  why        %s\n", t->why);
        strbuf_free(&t->text);
        return;
    }
    strbuf_printf(out, "  gives      %s", amount(t, t->formula, b, sizeof b));
    if (t->formula > 0 && !agrees(t))
        strbuf_printf(out, "; simulated %+.1f %%", 100 * (t->simulated / t->formula - 1));
    if (t->standard_error > 0 && !agrees(t))
        strbuf_printf(out, ", %.1f standard errors", fabs(t->simulated - t->formula) / t->standard_error);
    strbuf_append(out, "\n");
    if (!agrees(t) && t->why[0])
        strbuf_printf(out, "  why        %s\n", t->why);
    else if (within_two_standard_errors(t))
        strbuf_printf(out, "  why        they agree within 2 standard errors of the mean over %d replications "
                           "(2 x %s)\n",
                      t->replications, amount(t, t->standard_error, b, sizeof b));
    else if (agrees(t))
        strbuf_append(out, "  why        they agree within 2 %\n");
    strbuf_free(&t->text);
}
