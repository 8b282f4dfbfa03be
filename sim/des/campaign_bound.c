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

double campaign_failures_from_shape(const campaign_input* in)
{
    if (in->distribution != DIST_WEIBULL)
        return 0;
    double excess = 0;
    for (int i = 0; i < in->class_count; i++)
        if (in->classes[i].mtbf > 0)
            excess += campaign_shape_excess(in->shape);
    return excess;
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

double campaign_expected_failures(const campaign_input* in)
{
    double rate = campaign_failure_rate(in);
    if (rate <= 0)
        return 0;
    return rate * campaign_expected_wall_with_waits(in) + campaign_failures_from_shape(in);
}
