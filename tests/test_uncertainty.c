/* test_uncertainty: the pieces of an uncertainty study that are plain
 * arithmetic, against closed forms computed here: the Latin hypercube's
 * strata (McKay, Beckman and Conover 1979), each inverse CDF against its
 * CDF, the normal's quantile against tabulated values, Spearman's rho with
 * ties against a hand count, and the summary (percentiles, band shares,
 * rank correlations, target region) of a hand-made set of samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "core/inverse_cdf.h"
#include "core/latin_hypercube.h"
#include "core/sample_stats.h"
#include "run/uncertainty.h"

/* Each of the N strata of every dimension holds exactly one point. */
START_TEST(latin_hypercube_hits_each_stratum_once)
{
    enum { N = 37, K = 5 };
    double u[N * K], again[N * K], other[N * K];
    latin_hypercube(N, K, 3, u);
    latin_hypercube(N, K, 3, again);
    latin_hypercube(N, K, 4, other);
    for (int j = 0; j < K; j++) {
        int hits[N] = {0};
        for (int i = 0; i < N; i++) {
            double x = u[i * K + j];
            ck_assert(x > 0 && x < 1);
            hits[(int)floor(x * N)]++;
        }
        for (int s = 0; s < N; s++)
            ck_assert_msg(hits[s] == 1, "dimension %d, stratum %d: %d points", j, s, hits[s]);
    }
    ck_assert(!memcmp(u, again, sizeof u));   /* a function of the seed */
    ck_assert(memcmp(u, other, sizeof u));
    /* Adding a dimension leaves the others' values as they were. */
    double wider[N * (K + 1)];
    latin_hypercube(N, K + 1, 3, wider);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < K; j++)
            ck_assert(wider[i * (K + 1) + j] == u[i * K + j]);
}
END_TEST

/* F(F^-1(u)) = u, with each CDF written out here. */
START_TEST(inverse_cdfs_invert_their_cdfs)
{
    for (double u = 0.01; u < 1; u += 0.049) {
        double x = inverse_uniform(2, 10, u);
        ck_assert_double_eq_tol((x - 2) / 8, u, 1e-15);
        x = inverse_loguniform(1e9, 1e12, u);
        ck_assert_double_eq_tol(log(x / 1e9) / log(1e3), u, 1e-14);
        x = inverse_triangular(1, 3, 10, u);   /* F = (x-a)^2/((b-a)(c-a)) below c, 1 - (b-x)^2/((b-a)(b-c)) above */
        double f = x <= 3 ? (x - 1) * (x - 1) / (9.0 * 2) : 1 - (10 - x) * (10 - x) / (9.0 * 7);
        ck_assert_double_eq_tol(f, u, 1e-14);
    }
    ck_assert_double_eq(inverse_triangular(1, 1, 10, 0.5), 10 - sqrt(0.5 * 81));   /* the mode at lo */
}
END_TEST

/* The normal's quantile at tabulated points (Abramowitz and Stegun 1964,
 * Table 26.5), and Phi(Phi^-1(p)) = p down to the far tails. */
START_TEST(normal_quantile_is_exact_to_the_tails)
{
    ck_assert_double_eq_tol(normal_quantile(0.975), 1.959963984540054, 1e-14);
    ck_assert_double_eq_tol(normal_quantile(0.1), -1.2815515655446004, 1e-14);
    ck_assert_double_eq_tol(normal_quantile(0.5), 0, 1e-15);
    ck_assert_double_eq_tol(normal_quantile(1e-10), -6.361340902404056, 1e-12);
    for (double p = 1e-12; p < 0.5; p *= 3.7) {
        ck_assert_rel(normal_cdf(normal_quantile(p)), p, 1e-13);
        ck_assert_rel(normal_cdf(-normal_quantile(1 - p)), p, p > 1e-6 ? 1e-9 : 1e-3);   /* 1 - p loses digits */
    }
}
END_TEST

/* A normal truncated to [a, b] inverts its own CDF,
 * (Phi((x - mu)/sd) - Phi(alpha)) / (Phi(beta) - Phi(alpha)), even with the
 * range eight deviations above the mean. */
START_TEST(truncated_normal_stays_in_its_range)
{
    const double ranges[][2] = {{0, 10}, {-HUGE_VAL, 3}, {1, HUGE_VAL}, {4 + 8 * 0.5, 4 + 9 * 0.5}};
    for (int r = 0; r < 4; r++) {
        double a = ranges[r][0], b = ranges[r][1], mean = 4, sd = 0.5, last = -HUGE_VAL;
        double pa = normal_cdf((a - mean) / sd), pb = normal_cdf((b - mean) / sd);
        for (double u = 0.02; u < 1; u += 0.06) {
            double x = inverse_truncated_normal(mean, sd, a, b, u);
            ck_assert(x >= a && x <= b && x > last);
            last = x;
            if (r < 3)
                ck_assert_double_eq_tol((normal_cdf((x - mean) / sd) - pa) / (pb - pa), u, 1e-12);
        }
    }
}
END_TEST

START_TEST(discrete_draws_follow_their_weights)
{
    const double w[] = {1, 0, 3};   /* cumulative shares 1/4, 1/4, 1 */
    ck_assert_int_eq(inverse_discrete(w, 3, 0.01), 0);
    ck_assert_int_eq(inverse_discrete(w, 3, 0.2499), 0);
    ck_assert_int_eq(inverse_discrete(w, 3, 0.2501), 2);
    ck_assert_int_eq(inverse_discrete(w, 3, 0.9999999), 2);
}
END_TEST

/* x = 1 2 2 3 5 has average ranks 1 2.5 2.5 4 5, y = 2 1 4 4 6 has 2 1 3.5
 * 3.5 5; both means are 3, so rho = sum dx dy / sqrt(sum dx^2 sum dy^2) =
 * 7.25 / 9.5. */
START_TEST(spearman_counts_ties_by_average_ranks)
{
    const double x[] = {1, 2, 2, 3, 5}, y[] = {2, 1, 4, 4, 6};
    double rank[5];
    sample_ranks(x, 5, rank);
    const double expected[] = {1, 2.5, 2.5, 4, 5};
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq(rank[i], expected[i]);
    ck_assert_double_eq_tol(sample_spearman(x, y, 5), 7.25 / 9.5, 1e-15);
    ck_assert_double_eq_tol(sample_spearman(x, x, 5), 1, 1e-15);
    const double down[] = {9, 7, 7, 2, 1};
    ck_assert_double_eq_tol(sample_spearman(x, down, 5), -1, 1e-15);
    const double flat[] = {3, 3, 3, 3, 3};
    ck_assert(isnan(sample_spearman(x, flat, 5)));
}
END_TEST

/* Two inputs and two bands: days in [10, 20], run MFU in [0.3, 0.4]. */
static void hand_made_spec(uncertainty_spec* spec, uncertain_input* in, target_band* t)
{
    memset(in, 0, 2 * sizeof *in);
    in[0] = (uncertain_input){.key = "a", .prior = PRIOR_UNIFORM, .draw = DRAW_NUMBER};
    in[1] = (uncertain_input){.key = "b", .prior = PRIOR_UNIFORM, .draw = DRAW_NUMBER};
    t[0] = (target_band){OUTCOME_WALL_CLOCK_DAYS, 10, 20, 1, 1};
    t[1] = (target_band){OUTCOME_RUN_MFU, 0.3, 0.4, 1, 1};
    *spec = (uncertainty_spec){in, 2, t, 2, 1, 1};
}

/* Six hand-made samples of SPEC's two inputs, one of which did not run,
 * summarized. */
static void hand_made_samples(const uncertainty_spec* spec, uncertainty_result* u)
{
    uncertainty_init(u, spec, 1, 6);
    const double a[] = {1, 2, 3, 4, 5, 6}, b[] = {6, 1, 5, 2, 4, 3};
    const double days[] = {30, 18, 12, 25, 15, 9}, mfu[] = {0.2, 0.35, 0.38, 0.31, 0.5, 0.33};
    for (int i = 0; i < 6; i++) {
        u->input_value[i * 2] = a[i];
        u->input_value[i * 2 + 1] = b[i];
        u->choice[i * 2] = u->choice[i * 2 + 1] = -1;
        u->ok[i] = i != 5;
        u->outcome[i * OUTCOME_COUNT + OUTCOME_WALL_CLOCK_DAYS] = days[i];
        u->outcome[i * OUTCOME_COUNT + OUTCOME_RUN_MFU] = mfu[i];
    }
    uncertainty_count_fault(u, "infeasible", "needs 93.2 GiB per GPU on a100-sxm4-80gb", "needs 93.2 GiB per GPU on a100-sxm4-80gb", 5);
    uncertainty_summarize(u);
}

/* The five valid samples: days 30 18 12 25 15, run MFU .2 .35 .38 .31 .5.
 * Days in [10, 20]: samples 1, 2, 4 (3 of 5); MFU in [.3, .4]: 1, 2, 3 (3
 * of 5); both: 1 and 2, where a is 2 to 3 and b 1 to 5. Days sorted 12 15
 * 18 25 30: p10 at 0.4 between 12 and 15, p50 18, p90 at 3.6 between 25
 * and 30. Days' ranks 5 3 1 4 2 against a's 1 to 5: sum dx dy = -5 over
 * sqrt(10 x 10), rho = -0.5. */
/* Newcombe 1998, "Two-sided confidence intervals for the single proportion:
 * comparison of seven methods", Stat. Med. 17: 857-872, Table II, method 3
 * (the score interval without continuity correction), to its 4 decimals. */
START_TEST(wilson_interval_matches_newcombes_table)
{
    const struct {
        int    k, n;
        double lo, hi;
    } row[] = {{81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0, 0.1611}, {1, 29, 0.0061, 0.1718}};
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
        double lo, hi;
        sample_wilson_interval(row[i].k, row[i].n, SAMPLE_Z95, &lo, &hi);
        ck_assert_double_eq_tol(lo, row[i].lo, 5e-5);
        ck_assert_double_eq_tol(hi, row[i].hi, 5e-5);
    }
    double lo, hi;
    sample_wilson_interval(64, 64, SAMPLE_Z95, &lo, &hi);   /* all in: [n / (n + z^2), 1] */
    ck_assert_double_eq_tol(lo, 64 / (64 + SAMPLE_Z95 * SAMPLE_Z95), 1e-15);
    ck_assert_double_eq(hi, 1);
    sample_wilson_interval(0, 0, SAMPLE_Z95, &lo, &hi);
    ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

START_TEST(summary_of_hand_made_samples)
{
    uncertainty_spec spec;
    uncertain_input in[2];
    target_band t[2];
    uncertainty_result u;
    hand_made_spec(&spec, in, t);
    hand_made_samples(&spec, &u);
    ck_assert_int_eq(u.valid, 5);
    ck_assert_double_eq_tol(u.percentile[OUTCOME_WALL_CLOCK_DAYS][0], 12 + 0.4 * 3, 1e-12);
    ck_assert_double_eq(u.percentile[OUTCOME_WALL_CLOCK_DAYS][1], 18);
    ck_assert_double_eq_tol(u.percentile[OUTCOME_WALL_CLOCK_DAYS][2], 25 + 0.6 * 5, 1e-12);
    ck_assert(isnan(u.percentile[OUTCOME_COST][1]));   /* no sample gave one */
    ck_assert_double_eq(u.target_share[0], 3.0 / 5);
    ck_assert_double_eq(u.target_share[1], 3.0 / 5);
    ck_assert_double_eq(u.overall_share, 2.0 / 5);
    ck_assert_int_eq(u.inside, 2);
    double lo, hi;
    sample_wilson_interval(2, 5, SAMPLE_Z95, &lo, &hi);
    ck_assert_double_eq(u.overall_interval[0], lo);
    ck_assert_double_eq(u.overall_interval[1], hi);
    sample_wilson_interval(3, 5, SAMPLE_Z95, &lo, &hi);
    ck_assert_double_eq(u.target_interval[2], lo);
    ck_assert_double_eq(u.target_interval[3], hi);
    /* Inside its band, the nearest sample is the first one in it. */
    ck_assert_int_eq(u.closest_sample[0], 1);
    ck_assert_double_eq(u.closest_value[0], 18);
    ck_assert_double_eq(u.region_min[0], 2);
    ck_assert_double_eq(u.region_max[0], 3);
    ck_assert_double_eq(u.region_min[1], 1);
    ck_assert_double_eq(u.region_max[1], 5);
    ck_assert_double_eq_tol(uncertainty_rho(&u, 0, OUTCOME_WALL_CLOCK_DAYS), -0.5, 1e-15);
    ck_assert_int_eq(u.fault_count, 1);
    ck_assert_str_eq(u.faults[0].reason, "needs # GiB per GPU on a100-sxm4-80gb");
    ck_assert_str_eq(u.faults[0].example, "needs 93.2 GiB per GPU on a100-sxm4-80gb");
    /* Ranked by magnitude within each measure, days first. */
    for (int i = 1; i < u.sensitivity_count; i++)
        if (u.sensitivity[i].measure == u.sensitivity[i - 1].measure)
            ck_assert(fabs(u.sensitivity[i].rho) <= fabs(u.sensitivity[i - 1].rho));
    ck_assert_int_eq(u.sensitivity[0].measure, OUTCOME_WALL_CLOCK_DAYS);
    uncertainty_free(&u);
}
END_TEST

/* A band no sample reaches: the nearest valid sample, from either side, the
 * sample that did not run (day 9) left out. Days 30 18 12 25 15: to [26, 28]
 * sample 3 (25, 1 below) is nearer than sample 0 (30, 2 above); to [1, 5],
 * sample 2 (12); the share is 0 and its interval [0, z^2 / (5 + z^2)]. */
START_TEST(nearest_sample_to_a_band_none_reaches)
{
    uncertainty_spec spec;
    uncertain_input in[2];
    target_band t[2];
    uncertainty_result u;
    hand_made_spec(&spec, in, t);
    t[0].lo = 26;
    t[0].hi = 28;
    t[1] = (target_band){OUTCOME_WALL_CLOCK_DAYS, 1, 5, 1, 1};
    hand_made_samples(&spec, &u);
    ck_assert_double_eq(u.target_share[0], 0);
    ck_assert_int_eq(u.closest_sample[0], 3);
    ck_assert_double_eq(u.closest_value[0], 25);
    ck_assert_int_eq(u.closest_sample[1], 2);
    ck_assert_double_eq(u.closest_value[1], 12);
    ck_assert_double_eq(u.target_interval[0], 0);
    ck_assert_double_eq_tol(u.target_interval[1], SAMPLE_Z95 * SAMPLE_Z95 / (5 + SAMPLE_Z95 * SAMPLE_Z95), 1e-15);
    uncertainty_free(&u);
}
END_TEST

/* The same reason with other numbers is the same fault; another is not. */
START_TEST(faults_are_grouped_by_reason)
{
    uncertainty_spec spec;
    uncertain_input in[2];
    target_band t[2];
    uncertainty_result u;
    hand_made_spec(&spec, in, t);
    hand_made_samples(&spec, &u);
    uncertainty_count_fault(&u, "infeasible", "needs 101.5 GiB per GPU on a100-sxm4-80gb", "needs 101.5 GiB per GPU on a100-sxm4-80gb", 7);
    uncertainty_count_fault(&u, "invalid", "parallelism.ep: expected a divisor of 8, found 3", "parallelism.ep: expected a divisor of 8, found 3", 8);
    uncertainty_count_fault(&u, "invalid", "parallelism.ep: expected a divisor of 16, found 5", "parallelism.ep: expected a divisor of 16, found 5", 9);
    ck_assert_int_eq(u.fault_count, 2);
    ck_assert_int_eq(u.faults[0].samples, 2);
    ck_assert_int_eq(u.faults[1].samples, 2);
    ck_assert_str_eq(u.faults[1].reason, "parallelism.ep: expected a divisor of #, found #");
    ck_assert_int_eq(u.faults[1].first_sample, 8);
    uncertainty_free(&u);
}
END_TEST

Suite* uncertainty_suite(void)
{
    Suite* s = suite_create("uncertainty");
    TCase* tc = tcase_create("statistics");
    tcase_add_test(tc, latin_hypercube_hits_each_stratum_once);
    tcase_add_test(tc, inverse_cdfs_invert_their_cdfs);
    tcase_add_test(tc, normal_quantile_is_exact_to_the_tails);
    tcase_add_test(tc, truncated_normal_stays_in_its_range);
    tcase_add_test(tc, discrete_draws_follow_their_weights);
    tcase_add_test(tc, spearman_counts_ties_by_average_ranks);
    tcase_add_test(tc, wilson_interval_matches_newcombes_table);
    tcase_add_test(tc, summary_of_hand_made_samples);
    tcase_add_test(tc, nearest_sample_to_a_band_none_reaches);
    tcase_add_test(tc, faults_are_grouped_by_reason);
    suite_add_tcase(s, tc);
    return s;
}
