/* sample_stats: quantiles and standard errors of samples (see sample_stats.h). */
#include "core/sample_stats.h"

#include <math.h>

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
