/* inverse_cdf: the inverse cumulative distribution functions that turn a
 * point of the unit interval into a draw of a distribution (inversion:
 * Devroye 1986, "Non-Uniform Random Variate Generation", Sec. II.2.1), so
 * that a stratified design of the unit cube (latin_hypercube.h) stays
 * stratified in each input's own distribution.
 *
 * U is in (0, 1); each function is increasing in U. */
#ifndef TRAINSIM_INVERSE_CDF_H
#define TRAINSIM_INVERSE_CDF_H

/* Uniform on [LO, HI]: LO + U (HI - LO). */
double inverse_uniform(double lo, double hi, double u);

/* Log-uniform on [LO, HI], 0 < LO: LO (HI / LO)^U, uniform in log x. */
double inverse_loguniform(double lo, double hi, double u);

/* Triangular on [LO, HI] with its peak at MODE (Kotz and van Dorp 2004,
 * "Beyond Beta", Ch. 1): F(MODE) = (MODE - LO) / (HI - LO); below it
 * LO + sqrt(U (HI - LO)(MODE - LO)), above it HI - sqrt((1 - U)(HI - LO)(HI - MODE)). */
double inverse_triangular(double lo, double mode, double hi, double u);

/* The standard normal's CDF, 0.5 erfc(-x / sqrt 2), and its quantile:
 * Acklam's rational approximation (P. J. Acklam 2003, "An algorithm for
 * computing the inverse normal cumulative distribution function"; relative
 * error below 1.15e-9) refined by one step of Halley's method on erfc, as
 * Acklam's note gives it, to full double precision. */
double normal_cdf(double x);
double normal_quantile(double p);

/* The normal of MEAN and SD truncated to [A, B] (A may be -HUGE_VAL, B
 * HUGE_VAL): the quantile at Phi(alpha) + U (Phi(beta) - Phi(alpha)),
 * alpha and beta A and B in standard units (Johnson, Kotz and Balakrishnan
 * 1994, "Continuous Univariate Distributions" 1, Ch. 13). When the range
 * lies above the mean it works with the upper tail, 1 - Phi, so that a range
 * far out in either tail keeps its precision. The result is clamped to [A, B]. */
double inverse_truncated_normal(double mean, double sd, double a, double b, double u);

/* A discrete draw of N outcomes of non-negative WEIGHTS (not all zero): the
 * first K whose cumulative weight exceeds U times the total. */
int inverse_discrete(const double* weights, int n, double u);

#endif
