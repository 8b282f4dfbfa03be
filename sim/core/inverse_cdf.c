/* inverse_cdf: inversion of the scenario's distributions (see
 * inverse_cdf.h). */
#include "core/inverse_cdf.h"

#include <math.h>

double inverse_uniform(double lo, double hi, double u)
{
    return lo + u * (hi - lo);
}

double inverse_loguniform(double lo, double hi, double u)
{
    return lo * exp(u * log(hi / lo));
}

double inverse_triangular(double lo, double mode, double hi, double u)
{
    double width = hi - lo;
    if (width <= 0)
        return lo;
    if (u * width < mode - lo)   /* U below F(MODE) = (MODE - LO) / WIDTH */
        return lo + sqrt(u * width * (mode - lo));
    return hi - sqrt((1 - u) * width * (hi - mode));
}

double normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* Acklam's coefficients: the central region's rational function in q =
 * p - 1/2 (A over B), the tails' in q = sqrt(-2 log p) (C over D). */
static const double acklam_a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                  1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
static const double acklam_b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                  6.680131188771972e+01,  -1.328068155288572e+01};
static const double acklam_c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                  -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
static const double acklam_d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                  3.754408661907416e+00};
#define ACKLAM_LOW 0.02425   /* below it (and above 1 - it) the tail's function */

/* The lower tail's approximation at P < ACKLAM_LOW. */
static double acklam_tail(double p)
{
    const double* c = acklam_c;
    const double* d = acklam_d;
    double q = sqrt(-2 * log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
}

static double acklam(double p)
{
    const double* a = acklam_a;
    const double* b = acklam_b;
    if (p < ACKLAM_LOW)
        return acklam_tail(p);
    if (p > 1 - ACKLAM_LOW)
        return -acklam_tail(1 - p);
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double normal_quantile(double p)
{
    if (p <= 0)
        return -HUGE_VAL;
    if (p >= 1)
        return HUGE_VAL;
    double x = acklam(p);
    /* One step of Halley's method on f(x) = Phi(x) - p. */
    double e = normal_cdf(x) - p;
    double step = e * 2.5066282746310002 * exp(x * x / 2);   /* e sqrt(2 pi) e^{x^2/2} */
    return x - step / (1 + x * step / 2);
}

double inverse_truncated_normal(double mean, double sd, double a, double b, double u)
{
    double alpha = (a - mean) / sd, beta = (b - mean) / sd, z;
    if (alpha > 0) {   /* the range lies above the mean: the upper tails Q = 1 - Phi keep the precision */
        double qa = normal_cdf(-alpha), qb = normal_cdf(-beta);
        z = -normal_quantile(qb + (1 - u) * (qa - qb));
    } else {
        double pa = normal_cdf(alpha), pb = normal_cdf(beta);
        z = normal_quantile(pa + u * (pb - pa));
    }
    double x = mean + sd * z;
    return x < a ? a : x > b ? b : x;
}

int inverse_discrete(const double* weights, int n, double u)
{
    double total = 0;
    for (int k = 0; k < n; k++)
        total += weights[k];
    double target = u * total, sum = 0;
    for (int k = 0; k < n; k++) {
        sum += weights[k];
        if (target < sum)
            return k;
    }
    for (int k = n; k-- > 0;)   /* rounding left U at the very top: the last outcome with weight */
        if (weights[k] > 0)
            return k;
    return n - 1;
}
