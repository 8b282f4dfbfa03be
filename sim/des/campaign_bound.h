/* campaign_bound: how much work the run level will do, predicted before it
 * starts. Its cost is linear in the failures it simulates (each one wakes
 * the trainer and the failure actor) and in its replications, so the
 * expected number of failures per replication is what run/run_bound.c
 * holds against the bounds of docs/robustness.md. */
#ifndef TRAINSIM_CAMPAIGN_BOUND_H
#define TRAINSIM_CAMPAIGN_BOUND_H

#include "des/campaign.h"

/* What the Weibull shape can add to a class's expected count of failures in
 * a long time t beyond t / mean (the limit of campaign_weibull_count_bound): Lorden's bound on a renewal process,
 * E[N(t)] <= t/mu + E[X^2]/mu^2 - 1 (Lorden 1970), with
 * E[X^2]/mu^2 = Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 for Weibull gaps of shape k.
 * 0 for k >= 1 (and for exponential gaps): their gaps are new better than
 * used in expectation, and E[N(t)] <= t/mu (Barlow and Proschan 1965). */
double campaign_shape_excess(double shape);

/* The share of the time the job has the nodes it needs. Every failure
 * takes a node into repair, whether the job trains or not, so the nodes in
 * repair form an M/G/infinity queue: in steady state their number is
 * Poisson of mean rho = sum over classes of rate x repair, whatever the
 * repair times' distribution (Takacs 1962), and the job runs while at most
 * `spares` of them are away. 1 when spares never run short (spares < 0). */
double campaign_availability(const campaign_input* in);

/* The expected wall-clock, waits for spares included: Daly's
 * (campaign_expected_wall) over the availability. */
double campaign_expected_wall_with_waits(const campaign_input* in);

/* Lorden's bound on the failures in time T of a class whose gaps are
 * Weibull of MEAN and SHAPE < 1, with the gaps cut at T (min(X, T) leaves
 * N(T) as it is, and its moments are finite and small where X's are not):
 * T/m1 + m2/m1^2 - 1, m1 and m2 the moments of min(X, T) from the
 * regularized incomplete gamma function. */
double campaign_weibull_count_bound(double mean, double shape, double t);

/* The failures one replication is expected to simulate: the total failure
 * rate times the expected wall-clock with waits (Wald's identity, exact for
 * exponential gaps), plus campaign_failures_from_shape (with it, an upper
 * bound for Weibull gaps of shape < 1). 0 without failures. */
double campaign_expected_failures(const campaign_input* in);

/* What Weibull gaps of shape < 1 add to the failures of one replication
 * of expected length T (campaign_expected_wall_with_waits) beyond rate x T:
 * each class's campaign_weibull_count_bound less its rate x T (0 unless
 * Weibull of shape < 1). */
double campaign_failures_from_shape(const campaign_input* in);

#endif
