/* sample_stats: quantiles and standard errors of samples (see sample_stats.h). */
#include "core/sample_stats.h"

#include <math.h>
#include <stdlib.h>

#include "core/strbuf.h"

int sample_compare(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

double sample_quantile(const double* x, int n, double p)
{
    double at = p * (n - 1);
    int i = (int)floor(at);
    if (i + 1 >= n)
        return x[n - 1];
    return x[i] + (at - i) * (x[i + 1] - x[i]);
}

/* Two passes, the mean first: no cancellation between large sums. */
double sample_standard_error(const double* x, int n)
{
    if (n < 2)
        return 0;
    double mean = 0, squares = 0;
    for (int i = 0; i < n; i++)
        mean += x[i] / n;
    for (int i = 0; i < n; i++)
        squares += (x[i] - mean) * (x[i] - mean);
    return sqrt(squares / (n - 1) / n);
}

typedef struct {
    double value;
    int    index;
} ranked_value;

/* By value, then by position: a total order, so the sort is deterministic. */
static int by_value(const void* a, const void* b)
{
    const ranked_value* x = a;
    const ranked_value* y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

void sample_ranks(const double* x, int n, double* rank)
{
    ranked_value* v = xmalloc(((size_t)n + 1) * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = (ranked_value){x[i], i};
    qsort(v, (size_t)n, sizeof *v, by_value);
    for (int first = 0; first < n;) {
        int last = first;
        while (last + 1 < n && v[last + 1].value == v[first].value)
            last++;
        double shared = (first + last) / 2.0 + 1;   /* the mean of ranks first+1 .. last+1 */
        for (int i = first; i <= last; i++)
            rank[v[i].index] = shared;
        first = last + 1;
    }
    free(v);
}

/* Pearson's correlation of X and Y, the means taken first. */
static double pearson(const double* x, const double* y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i] / n;
        my += y[i] / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

double sample_spearman(const double* x, const double* y, int n)
{
    if (n < 2)
        return NAN;
    double* rx = xmalloc(2 * (size_t)n * sizeof *rx);
    double* ry = rx + n;
    sample_ranks(x, n, rx);
    sample_ranks(y, n, ry);
    double rho = pearson(rx, ry, n);
    free(rx);
    return rho;
}

void sample_wilson_interval(int k, int n, double z, double* lo, double* hi)
{
    if (n < 1) {
        *lo = *hi = NAN;
        return;
    }
    double p = (double)k / n, z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
    *lo = k == 0 ? 0 : fmax(0, centre - half);   /* exact at the ends, where rounding would leave 1e-17 */
    *hi = k == n ? 1 : fmin(1, centre + half);
}
