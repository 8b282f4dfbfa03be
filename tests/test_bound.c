/* test_bound: the run level's work predicted before it starts
 * (des/campaign_bound.h) against closed forms computed here and against
 * the simulation, on small cases. Each test runs in its own process (one
 * SimGrid engine per process). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/min_heap.h"
#include "core/random.h"
#include "des/campaign.h"
#include "des/campaign_bound.h"
#include "helpers.h"

#define HOUR 3600.0

static void small_run(campaign_input* in)
{
    renewal_campaign_input(in, 11, 400);   /* tests/helpers.h */
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
    /* Each class: its cut-gap bound over the run less its rate x T, a little under the limit 5. */
    double t = campaign_expected_wall_with_waits(&in), mean = 5000 * HOUR / 1000;
    double each = campaign_weibull_count_bound(mean, 0.5, t) - t / mean;
    ck_assert_double_eq_tol(campaign_failures_from_shape(&in), 2 * each, 1e-9);
    ck_assert(each > 4 && each < 5);
}
END_TEST

/* S(x) = exp(-(x/scale)^k) integrated against X^{power-1} up to T, by
 * Simpson's rule in u = x^k (where the integrand is smooth for 1/k whole):
 * E[(X^T)^p] = p * integral of x^{p-1} S(x) dx over [0, T]. */
static double truncated_moment(double mean, double k, double t, int p)
{
    double scale = mean / tgamma(1 + 1 / k), top = pow(t, k), sum = 0;
    int n = 200000;
    for (int i = 0; i <= n; i++) {
        double u = top * i / n, x = pow(u, 1 / k);
        double dx_du = i ? x / (k * u) : (k == 1 ? 1 : 0);
        double f = p * pow(x, p - 1) * exp(-u / pow(scale, k)) * dx_du;
        sum += f * (i == 0 || i == n ? 1 : i % 2 ? 4 : 2);
    }
    return sum * top / n / 3;
}

/* Lorden's bound with the gaps cut at T (N(T) does not change): T/m1 +
 * m2/m1^2 - 1 with m1, m2 the moments of min(X, T), here by quadrature. At
 * long T it tends to T/mean + the untruncated excess; at small shapes it is
 * finite where the untruncated one is astronomically loose. */
START_TEST(truncated_bound_is_lordens_with_cut_gaps)
{
    double cases[][3] = {{1.0, 0.5, 3.0}, {1.0, 0.5, 40.0}, {7.0, 0.25, 10.0}, {1.0, 1.0, 5.0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double mean = cases[i][0], k = cases[i][1], t = cases[i][2];
        double m1 = truncated_moment(mean, k, t, 1), m2 = truncated_moment(mean, k, t, 2);
        double n = campaign_weibull_count_bound(mean, k, t);
        ck_assert_rel(n, t / m1 + m2 / (m1 * m1) - 1, 1e-6);
    }
    /* Long runs: the renewal theorem's t/mean + Lorden's excess. */
    ck_assert_rel(campaign_weibull_count_bound(1, 0.5, 1e7), 1e7 + campaign_shape_excess(0.5), 1e-6);
    /* Shape 0.01 over a million means: finite, and far beyond the bounds. */
    double n = campaign_weibull_count_bound(1, 0.01, 1e6);
    ck_assert(isfinite(n) && n > 1e12 && n < campaign_shape_excess(0.01));
}
END_TEST

/* Weibull gaps of shape 0.1 cluster hard, yet draw few failures in a run
 * of 25 mean gaps: the estimate stays above the simulated mean but within
 * a factor of 20 of it (the untruncated excess, 184,755, was 3,000 times
 * too many and refused such runs). */
START_TEST(weibull_estimate_is_near_a_small_shapes_count)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    in.distribution = DIST_WEIBULL;
    in.shape = 0.1;
    in.replications = 200;
    double estimate = campaign_expected_failures(&in);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_msg(r.failures_total <= estimate && estimate <= 20 * r.failures_total, "%g failures, estimate %g",
                  r.failures_total, estimate);
}
END_TEST

static int by_value(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

/* The heap gives back what was pushed, least first (qsort's order), with
 * ties and pops between pushes, in O(log n) steps each. */
START_TEST(min_heap_pops_in_order)
{
    enum { N = 5000 };
    static double pushed[N];
    uint64_t state = 42;
    min_heap h = {0};
    for (int i = 0; i < N; i++) {
        pushed[i] = floor(random_unit_closed(&state) * 1000);   /* many ties */
        min_heap_push(&h, pushed[i]);
    }
    ck_assert(h.steps <= (unsigned long long)N * 14);   /* log2(5000) < 13 levels each */
    qsort(pushed, N, sizeof *pushed, by_value);
    for (int i = 0; i < N; i++) {
        ck_assert_double_eq(min_heap_top(&h), pushed[i]);
        min_heap_pop(&h);
    }
    ck_assert_int_eq(h.count, 0);
    min_heap_push(&h, 3);
    min_heap_push(&h, 1);
    min_heap_pop(&h);
    min_heap_push(&h, 2);
    ck_assert_double_eq(min_heap_top(&h), 2);
    min_heap_free(&h);
}
END_TEST

/* Weibull gaps of shape 0.05 bring failures by the thousand at almost one
 * instant, each sending a node to a day's repair: the run level's cost must
 * stay linear in its failures (issue 20: 1,901 failures per run took 2.7 s,
 * the nodes in repair scanned whole at every spare taken). At most 40
 * bookkeeping steps per failure (a heap: about log2 of the nodes in repair). */
START_TEST(clustered_failures_cost_linear_work)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    in.distribution = DIST_WEIBULL;
    in.shape = 0.05;
    in.spares = 1;
    in.replications = 20;
    unsigned long long before = campaign_repair_steps();
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    double steps = (double)(campaign_repair_steps() - before), failures = r.failures_total * in.replications;
    ck_assert_msg(steps <= 40 * failures, "%.0f steps for %.0f failures", steps, failures);
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
 * by less than 5 per class. */
START_TEST(weibull_failures_stay_below_their_bound)
{
    load_two_gpu_platform();
    campaign_input in;
    small_run(&in);
    in.distribution = DIST_WEIBULL;
    in.shape = 0.5;
    double bound = campaign_expected_failures(&in);
    double exponential = campaign_failure_rate(&in) * campaign_expected_wall(&in);
    ck_assert(bound > exponential + 4 && bound < exponential + 5);
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
    tcase_add_test(tc, truncated_bound_is_lordens_with_cut_gaps);
    tcase_add_test(tc, weibull_estimate_is_near_a_small_shapes_count);
    tcase_add_test(tc, min_heap_pops_in_order);
    tcase_add_test(tc, clustered_failures_cost_linear_work);
    tcase_add_test(tc, availability_is_poissons);
    tcase_add_test(tc, expected_failures_are_what_the_run_simulates);
    tcase_add_test(tc, expected_failures_count_the_waits_for_repairs);
    tcase_add_test(tc, weibull_failures_stay_below_their_bound);
    tcase_add_test(tc, a_sweep_point_beyond_the_bounds_is_an_invalid_row);
    suite_add_tcase(s, tc);
    return s;
}
