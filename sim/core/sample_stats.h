/* sample_stats: what a set of samples says about the quantity they sample:
 * quantiles of sorted samples, and the standard error of their mean (how far
 * the mean of N replications scatters around the expectation). */
#ifndef TRAINSIM_SAMPLE_STATS_H
#define TRAINSIM_SAMPLE_STATS_H

/* qsort's comparison of two doubles, ascending. */
int sample_compare(const void* a, const void* b);

/* The P-quantile of sorted X[0..N), interpolating between order statistics. */
double sample_quantile(const double* x, int n, double p);

/* The standard error of the mean of X[0..N): the sample standard deviation
 * (Bessel's n - 1) over sqrt(N). 0 for fewer than two samples. */
double sample_standard_error(const double* x, int n);

#endif
