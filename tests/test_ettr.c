/* test_ettr: the run level against the expected effective training time
 * ratio of Kokolis et al. 2025 (HPCA; arXiv:2410.21680, Sec. III), a closed
 * form of first order in the losses:
 *
 *     E[ETTR] ~ (1 - N_nodes r_f (u0 + dt_cp / 2)) / (1 + w_cp / dt_cp)
 *
 * with r_f failures per node and day, u0 the restart overhead, dt_cp the
 * checkpoint interval and w_cp the checkpoint write (no queue time: the job
 * keeps its nodes and takes spares). trainsim's ETTR is its goodput: the
 * failure-free training time over the mean wall-clock. The simulated value
 * is compared within three standard errors of the replications' mean,
 * computed here from the replications themselves. Each test runs in its own
 * process (one SimGrid engine per process). */
#include <math.h>
#include <string.h>

#include "des/campaign.h"
#include "helpers.h"

#define MINUTE 60.0
#define HOUR 3600.0
#define DAY 86400.0

/* Their inputs, and the simulation's: a job of NODES nodes, each failing
 * R_F times a day (one class of `host` failures, exponential, repaired at
 * once from spares never short), a recovery of U0 seconds (detection,
 * restart and checkpoint load: a third, a half and a sixth), checkpoints
 * of W seconds every DT seconds of training, WORK seconds of training. */
static void kokolis_input(campaign_input* in, double nodes, double r_f, double u0, double dt, double w,
                          double work)
{
    memset(in, 0, sizeof *in);
    in->work_seconds = work;
    in->interval_seconds = dt;
    in->checkpoint_seconds = w;
    in->detect = u0 / 3;
    in->restart = u0 / 2;
    in->load_seconds = u0 / 6;
    in->spares = -1;
    in->distribution = DIST_EXPONENTIAL;
    in->class_count = 1;
    in->classes[0] = (failure_class){FAIL_HOST, nodes, DAY / r_f, 0};
}

/* Kokolis et al.'s E[ETTR], computed from their inputs. */
static double kokolis_ettr(double nodes, double r_f, double u0, double dt, double w)
{
    double per_second = nodes * r_f / DAY;
    return (1 - per_second * (u0 + dt / 2)) / (1 + w / dt);
}

/* N replications, each its own seed: the ETTR of all of them (work over the
 * mean wall-clock) and its standard error (delta method: the ETTR times the
 * wall-clocks' coefficient of variation over sqrt(N)). */
static void simulated_ettr(campaign_input* in, int n, double* ettr, double* standard_error)
{
    double sum = 0, squares = 0;
    for (int i = 0; i < n; i++) {
        in->seed = 1000 + (unsigned long long)i;
        in->replications = 1;
        campaign_result r;
        campaign_simulate(in, "gpu-0", &r);
        sum += r.wall_mean;
        squares += r.wall_mean * r.wall_mean;
    }
    double mean = sum / n, variance = (squares - n * mean * mean) / (n - 1);
    *ettr = in->work_seconds / mean;
    *standard_error = *ettr * sqrt(variance / n) / mean;
}

/* Where their assumptions hold and their form is exact to well within the
 * Monte Carlo error: 512 GPUs at RSC-2's rate (2.34 failures per 1,000
 * node-days, Kokolis et al. Sec. III), a 30 min interval, 5 min restarts,
 * 10 s writes, 4,000 h of training (about 25 failures a replication). Their
 * form drops terms of second order in the losses, here below a third of the
 * standard error (about 3e-5); the losses it keeps (0.21 % to failures,
 * 0.55 % to checkpoints) are over twenty standard errors each, so a
 * simulation that lost a whole interval per failure, or skipped the
 * restart or the writes, would fail. */
START_TEST(simulated_ettr_matches_their_closed_form)
{
    load_two_gpu_platform();
    const double nodes = 64, r_f = 2.34e-3, u0 = 5 * MINUTE, dt = 30 * MINUTE, w = 10;
    campaign_input in;
    kokolis_input(&in, nodes, r_f, u0, dt, w, 4000 * HOUR);
    double ettr, se;
    simulated_ettr(&in, 300, &ettr, &se);
    double expected = kokolis_ettr(nodes, r_f, u0, dt, w);
    double first_order = nodes * r_f / DAY * (u0 + dt / 2 + w);
    ck_assert_msg(first_order * first_order < se / 3, "second-order terms %g, standard error %g",
                  first_order * first_order, se);
    ck_assert_msg(fabs(ettr - expected) < 3 * se, "simulated ETTR %.6f, theirs %.6f, standard error %.2g", ettr,
                  expected, se);
    ck_assert(nodes * r_f / DAY * (u0 + dt / 2) > 20 * se);
    ck_assert(w / dt > 20 * se);
}
END_TEST

/* Beyond their form's validity ((N_nodes r_f)^-1 >= 0.1 day, their Sec. III):
 * a 16,384-GPU job at RSC-1's rate (6.50 per 1,000 node-days) with 1 h
 * intervals fails every 1.8 h, and their first-order form, 0.676 (their
 * text, for 16,000 GPUs: 0.7), counts every failure as losing half an
 * interval. The
 * simulation keeps to the renewal expectation (Daly 2006), 0.714, where a
 * failure inside an interval loses less than half of it on average. */
START_TEST(beyond_its_validity_their_form_is_pessimistic)
{
    load_two_gpu_platform();
    const double nodes = 2048, r_f = 6.5e-3, u0 = 5 * MINUTE, dt = 1 * HOUR;
    campaign_input in;
    kokolis_input(&in, nodes, r_f, u0, dt, 0, 500 * HOUR);
    double ettr, se;
    simulated_ettr(&in, 400, &ettr, &se);
    double m = DAY / (nodes * r_f);
    double renewal = dt / (m * exp(u0 / m) * expm1(dt / m));
    ck_assert_double_eq_tol(renewal, 0.714, 0.001);
    ck_assert_double_eq_tol(kokolis_ettr(nodes, r_f, u0, dt, 0), 0.676, 0.001);
    ck_assert_msg(fabs(ettr - renewal) < 3 * se, "simulated ETTR %.4f, renewal %.4f, standard error %.2g", ettr,
                  renewal, se);
    ck_assert(ettr - kokolis_ettr(nodes, r_f, u0, dt, 0) > 10 * se);
}
END_TEST

Suite* ettr_suite(void)
{
    Suite* s = suite_create("ettr");
    TCase* tc = tcase_create("Kokolis et al.");
    tcase_set_timeout(tc, 120);   /* a second natively; sanitizer builds switch contexts by threads */
    tcase_add_test(tc, simulated_ettr_matches_their_closed_form);
    tcase_add_test(tc, beyond_its_validity_their_form_is_pessimistic);
    suite_add_tcase(s, tc);
    return s;
}
