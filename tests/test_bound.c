/* test_bound: the run level's work predicted before it starts
 * (des/campaign_bound.h) against closed forms computed here and against
 * the simulation, on small cases. Each test runs in its own process (one
 * SimGrid engine per process). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "des/campaign.h"
#include "des/campaign_bound.h"
#include "helpers.h"

#define HOUR 3600.0

/* 100 h of work, checkpoints of 3 min every hour, recovery 12 min, 1,000
 * GPUs failing every 5,000 h each (the job every 5 h), spares never short. */
static void small_run(campaign_input* in)
{
    memset(in, 0, sizeof *in);
    in->work_seconds = 100 * HOUR;
    in->checkpoint_seconds = 0.05 * HOUR;
    in->load_seconds = 0.05 * HOUR;
    in->interval_seconds = 1 * HOUR;
    in->detect = 0.05 * HOUR;
    in->restart = 0.1 * HOUR;
    in->spares = -1;
    in->distribution = DIST_EXPONENTIAL;
    in->class_count = 1;
    in->classes[0] = (failure_class){FAIL_GPU, 1000, 5000 * HOUR, 24 * HOUR};
    in->seed = 11;
    in->replications = 400;
}

/* C(2n, n), the ratio Gamma(1 + 2/k) / Gamma(1 + 1/k)^2 at k = 1/n, by
 * its product. */
static double central_binomial(int n)
{
    double c = 1;
    for (int i = 1; i <= n; i++)
        c = c * (n + i) / i;
    return c;
}

/* Lorden's excess E[X^2]/mu^2 - 1 of Weibull gaps: Gamma(1+2/k)/Gamma(1+1/k)^2
 * - 1, C(2n, n) - 1 at k = 1/n; nothing for shapes of 1 and more. */
START_TEST(shape_excess_is_lordens_closed_form)
{
    ck_assert_double_eq_tol(campaign_shape_excess(0.5), 24.0 / 4 - 1, 1e-9);   /* 4! / (2!)^2 - 1 = 5 */
    ck_assert_double_eq_tol(campaign_shape_excess(1.0 / 3), 720.0 / 36 - 1, 1e-9);
    ck_assert_rel(campaign_shape_excess(0.05), central_binomial(20) - 1, 1e-9);
    ck_assert_rel(campaign_shape_excess(0.01), central_binomial(100) - 1, 1e-9);
    ck_assert(isinf(campaign_shape_excess(1e-4)));   /* beyond a double: refused as such */
    ck_assert_double_eq(campaign_shape_excess(1), 0);
    ck_assert_double_eq(campaign_shape_excess(3), 0);
    campaign_input in;
    small_run(&in);
    ck_assert_double_eq(campaign_failures_from_shape(&in), 0);   /* exponential gaps */
    in.distribution = DIST_WEIBULL;
    in.shape = 0.5;
    in.class_count = 2;
    in.classes[1] = in.classes[0];
    ck_assert_double_eq_tol(campaign_failures_from_shape(&in), 2 * 5.0, 1e-9);
}
END_TEST

/* Nodes in repair are Poisson of mean rho = rate x repair: the job runs
 * while at most `spares` are away. */
START_TEST(availability_is_poissons)
{
    campaign_input in;
    small_run(&in);
    ck_assert_double_eq(campaign_availability(&in), 1);   /* never short */
    in.classes[0].repair = 2.5 * HOUR;   /* rho = 0.5 */
    in.spares = 0;
    ck_assert_double_eq_tol(campaign_availability(&in), exp(-0.5), 1e-12);
    in.spares = 2;
    ck_assert_double_eq_tol(campaign_availability(&in), exp(-0.5) * (1 + 0.5 + 0.125), 1e-12);
    in.spares = 1000000;
    ck_assert_double_eq_tol(campaign_availability(&in), 1, 1e-12);
    in.classes[0].repair = 5000 * HOUR;   /* rho = 1000, e^-rho underflows: the sum is in logarithms */
    in.spares = 1000;
    /* P(Poisson(n) <= n) = 1/2 + (2/3) P(X = n) to O(1/n) (Ramanujan's theta = 1/3), P(X = n) about
     * 1/sqrt(2 pi n) (Stirling): 0.5084 at n = 1000. */
    double at_mean = 1 / sqrt(2 * 3.14159265358979 * 1000);
    ck_assert_double_eq_tol(campaign_availability(&in), 0.5 + 2 * at_mean / 3, 1e-4);
    ck_assert_rel(campaign_expected_wall_with_waits(&in), campaign_expected_wall(&in) / 0.5084, 2e-3);
}
END_TEST

/* With exponential gaps a run of mean length W counts rate x W failures
 * (Wald's identity), W from Daly: the simulated mean of 400 replications
 * is within four of its standard errors of the estimate. */
START_TEST(expected_failures_are_what_the_run_simulates)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    double expected = campaign_failure_rate(&in) * campaign_expected_wall(&in);
    ck_assert_double_eq_tol(campaign_expected_failures(&in), expected, 1e-9);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_msg(fabs(r.failures_total - expected) <= 4 * r.failures_total_se, "%g failures, expected %g +- 4 x %g",
                  r.failures_total, expected, r.failures_total_se);
}
END_TEST

/* Without spares the job waits for repairs: with rho = 0.5 it has its nodes
 * e^-0.5 = 61 % of the time, so it lasts 1 / 0.61 times longer and counts
 * that many more failures (within 5 %: the run starts with every node
 * healthy, so a little less). Without the waits the estimate is 39 % short. */
START_TEST(expected_failures_count_the_waits_for_repairs)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    in.classes[0].repair = 2.5 * HOUR;
    in.spares = 0;
    double expected = campaign_failure_rate(&in) * campaign_expected_wall(&in) / exp(-0.5);
    ck_assert_double_eq_tol(campaign_expected_failures(&in), expected, 1e-9);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_rel(r.failures_total, expected, 0.05);
}
END_TEST

/* Weibull gaps of shape 0.5 cluster: the estimate is an upper bound
 * (Lorden's), above the simulated mean, and above the exponential count
 * by 5 per class only. */
START_TEST(weibull_failures_stay_below_their_bound)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    in.distribution = DIST_WEIBULL;
    in.shape = 0.5;
    double bound = campaign_expected_failures(&in);
    ck_assert_double_eq_tol(bound, campaign_failure_rate(&in) * campaign_expected_wall(&in) + 5, 1e-9);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_msg(r.failures_total <= bound, "%g failures, bound %g", r.failures_total, bound);
}
END_TEST

/* In a sweep, a point beyond the bounds is an `invalid` row with the
 * estimate, and the other points run. */
START_TEST(a_sweep_point_beyond_the_bounds_is_an_invalid_row)
{
    char cwd[512], sweep_path[128], text[1024];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    temp_path(sweep_path, sizeof sweep_path, ".yaml");
    snprintf(text, sizeof text,
             "format: 1\nbase: %s/tests/bad/failures-too-many-per-run.yaml\ngrid:\n  training.tokens: [1e9, 1e18]\n",
             cwd);
    write_text(sweep_path, text);
    command_result r;
    run_trainsim_ok((const char*[]){"sweep", sweep_path, "-o", "-", NULL}, &r);
    const char* rows = strbuf_text(&r.out);
    ck_assert_msg(strstr(rows, "\n0,") && strstr(rows, ",ok,"), "%s", rows);
    ck_assert_msg(strstr(rows, ",invalid,") && strstr(rows, "more than the 1,000,000 trainsim simulates per run"),
                  "%s", rows);
    unlink(sweep_path);
    command_result_free(&r);
}
END_TEST

Suite* bound_suite(void)
{
    Suite* s = suite_create("bound");
    TCase* tc = tcase_create("run level");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shape_excess_is_lordens_closed_form);
    tcase_add_test(tc, availability_is_poissons);
    tcase_add_test(tc, expected_failures_are_what_the_run_simulates);
    tcase_add_test(tc, expected_failures_count_the_waits_for_repairs);
    tcase_add_test(tc, weibull_failures_stay_below_their_bound);
    tcase_add_test(tc, a_sweep_point_beyond_the_bounds_is_an_invalid_row);
    suite_add_tcase(s, tc);
    return s;
}
