/* campaign_bound: the run level's expected failures, from its inputs alone
 * (see campaign_bound.h). */
#include "des/campaign_bound.h"

#include <math.h>

double campaign_shape_excess(double shape)
{
    if (!(shape > 0) || shape >= 1)
        return 0;
    /* Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 in logarithms: at k = 0.01 it is
     * C(200, 100), about 9e58, beyond what Gamma itself can hold for
     * smaller k. exp overflows to infinity, which is what it is then. */
    double log_ratio = lgamma(1 + 2 / shape) - 2 * lgamma(1 + 1 / shape);
    return exp(log_ratio) - 1;
}

/* ln P(s, x), P the regularized lower incomplete gamma function: its series
 * for x < s + 1, else 1 - Q with Q's continued fraction (modified Lentz;
 * Press et al., Numerical Recipes, 2nd ed., Sec. 6.2). Logarithms keep
 * P's tiny values, e^-x x^s / Gamma(s) for s in the thousands. */
static double log_lower_gamma_p(double s, double x)
{
    if (x <= 0)
        return -INFINITY;
    double log_front = -x + s * log(x) - lgamma(s);
    if (x < s + 1) {
        double term = 1 / s, sum = term;
        for (int n = 1; n < 100000 && term > sum * 1e-16; n++) {
            term *= x / (s + n);
            sum += term;
        }
        return log_front + log(sum);
    }
    double tiny = 1e-300, b = x + 1 - s, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - s);
        b += 2;
        d = an * d + b;
        d = fabs(d) < tiny ? tiny : d;
        c = b + an / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < 1e-16)
            break;
    }
    return log1p(-exp(log_front) * h);
}

double campaign_weibull_count_bound(double mean, double shape, double t)
{
    /* X = scale E^{1/k}, scale = mean / Gamma(1 + 1/k); with x = (T/scale)^k,
     * E[min(X,T)] = mean P(1 + 1/k, x) + T e^-x and
     * E[min(X,T)^2] = mean^2 Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 P(1 + 2/k, x) + T^2 e^-x. */
    double k = shape, g1 = lgamma(1 + 1 / k);
    double x = exp(k * (log(t) - log(mean) + g1));
    double tail = exp(-x);
    double m1 = mean * exp(log_lower_gamma_p(1 + 1 / k, x)) + t * tail;
    double m2 = exp(2 * log(mean) + lgamma(1 + 2 / k) - 2 * g1 + log_lower_gamma_p(1 + 2 / k, x)) + t * t * tail;
    return t / m1 + m2 / (m1 * m1) - 1;
}

double campaign_availability(const campaign_input* in)
{
    if (in->spares < 0)
        return 1;
    double rho = 0;
    for (int i = 0; i < in->class_count; i++)
        if (in->classes[i].mtbf > 0)
            rho += in->classes[i].instances / in->classes[i].mtbf * in->classes[i].repair;
    if (rho <= 0)
        return 1;
    /* P(Poisson(rho) <= spares), each term in logarithms (e^-rho underflows
     * for rho over about 745); past the mode the terms only shrink. */
    double p = 0;
    for (int j = 0; j <= in->spares; j++) {
        double term = exp(-rho + j * log(rho) - lgamma(j + 1.0));
        p += term;
        if (j > rho && term < 1e-17 * p)
            break;
    }
    return fmin(p, 1);
}

double campaign_expected_wall_with_waits(const campaign_input* in)
{
    return campaign_expected_wall(in) / campaign_availability(in);
}

double campaign_failures_from_shape(const campaign_input* in)
{
    if (in->distribution != DIST_WEIBULL || !(in->shape < 1))
        return 0;
    double t = campaign_expected_wall_with_waits(in), excess = 0;
    for (int i = 0; i < in->class_count; i++) {
        const failure_class* c = &in->classes[i];
        if (c->mtbf > 0)
            excess += fmax(0, campaign_weibull_count_bound(c->mtbf / c->instances, in->shape, t) -
                                  t * c->instances / c->mtbf);
    }
    return excess;
}

double campaign_expected_failures(const campaign_input* in)
{
    double rate = campaign_failure_rate(in);
    if (rate <= 0)
        return 0;
    return rate * campaign_expected_wall_with_waits(in) + campaign_failures_from_shape(in);
}
