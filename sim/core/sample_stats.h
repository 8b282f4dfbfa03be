/* sample_stats: what a set of samples says about the quantity they sample:
 * quantiles of sorted samples, the standard error of their mean (how far
 * the mean of N replications scatters around the expectation), and how two
 * quantities sampled together move together (Spearman's rank correlation). */
#ifndef TRAINSIM_SAMPLE_STATS_H
#define TRAINSIM_SAMPLE_STATS_H

/* qsort's comparison of two doubles, ascending. */
int sample_compare(const void* a, const void* b);

/* The P-quantile of sorted X[0..N), interpolating between order statistics. */
double sample_quantile(const double* x, int n, double p);

/* The standard error of the mean of X[0..N): the sample standard deviation
 * (Bessel's n - 1) over sqrt(N). 0 for fewer than two samples. */
double sample_standard_error(const double* x, int n);

/* The ranks of X[0..N), 1 to N in ascending order, into RANK; equal values
 * share the mean of the ranks they span ("average ranks": Kendall and
 * Gibbons 1990, "Rank Correlation Methods", 5th ed., Ch. 3). */
void sample_ranks(const double* x, int n, double* rank);

/* Spearman's rank correlation of X[0..N) and Y[0..N) (Spearman 1904, "The
 * proof and measurement of association between two things", Am. J.
 * Psychol. 15): Pearson's correlation of their average ranks, so that ties
 * are counted as the textbooks do. NaN when N < 2 or either is constant. */
double sample_spearman(const double* x, const double* y, int n);

/* The two-sided 95 % confidence z of the normal: Phi^-1(0.975). */
#define SAMPLE_Z95 1.959963984540054

/* The Wilson score interval of a proportion, K of N, at normal quantile Z
 * (Wilson 1927, "Probable inference, the law of succession, and
 * statistical inference", JASA 22: 209-212; Brown, Cai and DasGupta 2001,
 * "Interval estimation for a binomial proportion", Stat. Sci. 16, Eq. 4):
 * (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = K/N. Unlike
 * p -+ z sqrt(p(1-p)/n) it is not empty at K = 0: [0, z^2/(n + z^2)]. NaN
 * for N < 1. */
void sample_wilson_interval(int k, int n, double z, double* lo, double* hi);

#endif
