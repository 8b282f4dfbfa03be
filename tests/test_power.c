/* test_power: the facility power of a step against hand-computed watts:
 * stages that take turns keep it flat, stages computing together make it
 * swing between all-busy and all-idle; the mean follows the compute share;
 * and a scenario's energy is its mean power times its wall-clock. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "power.h"

static const power_spec spec = {.enabled = 1, .gpu_busy = 400, .gpu_idle = 100, .node_overhead = 1000, .pue = 1.5};

/* Two stages of 8 GPUs on 2 nodes, busy as given, over a 2 s step. */
static void two_stages(step_profile* p, const busy_interval* busy, int n)
{
    memset(p, 0, sizeof *p);
    p->stages = 2;
    p->stage = calloc(2, sizeof *p->stage);
    p->step_time = p->busy_span = 2;
    p->busy = malloc((size_t)n * sizeof *p->busy);
    memcpy(p->busy, busy, (size_t)n * sizeof *busy);
    p->busy_count = n;
    for (int i = 0; i < n; i++)
        p->stage[busy[i].stage].compute += busy[i].end - busy[i].start;
}

static double facility(int busy_gpus, int idle_gpus)
{
    return 1.5 * (busy_gpus * 400.0 + idle_gpus * 100.0 + 2 * 1000.0);
}

/* The power of two stages busy as B[0..1] over a 2 s step. */
static step_power power_of_two_stages(const busy_interval* b)
{
    step_profile p;
    two_stages(&p, b, 2);
    step_power w;
    power_of_step(&spec, &p, 16, 2, &w);
    step_profile_free(&p);
    return w;
}

START_TEST(stages_taking_turns_keep_the_power_flat)
{
    const busy_interval b[] = {{0, 0, 1}, {1, 1, 2}};
    step_power w = power_of_two_stages(b);
    ck_assert_double_eq_tol(w.peak, facility(8, 8), 1e-9);
    ck_assert_double_eq_tol(w.trough, facility(8, 8), 1e-9);
    ck_assert_double_eq_tol(w.average, facility(8, 8), 1e-9);
    ck_assert_double_eq_tol(w.idle, facility(0, 16), 1e-9);
}
END_TEST

START_TEST(stages_computing_together_swing)
{
    const busy_interval b[] = {{0, 0, 1}, {1, 0, 1}};
    step_power w = power_of_two_stages(b);
    ck_assert_double_eq_tol(w.peak, facility(16, 0), 1e-9);
    ck_assert_double_eq_tol(w.trough, facility(0, 16), 1e-9);
    ck_assert_double_eq_tol(w.average, (facility(16, 0) + facility(0, 16)) / 2, 1e-9);
}
END_TEST

/* Without failures the run's energy is its mean power over its wall-clock. */
START_TEST(scenario_energy_is_power_times_time)
{
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    const char* out = strbuf_text(&r.out);
    const char* power = json_section(out, "power_mw");
    double average = json_number_in(power, "average"), peak = json_number_in(power, "peak");
    double trough = json_number_in(power, "trough");
    ck_assert(trough < average && average < peak);
    double seconds = json_number_in(json_section(out, "wall_clock_days"), "mean") * 86400;
    ck_assert_rel(json_number_in(out, "energy_mwh"), average * seconds / 3600, 1e-6);
    command_result_free(&r);
}
END_TEST

Suite* power_suite(void)
{
    Suite* s = suite_create("power");
    TCase* tc = tcase_create("facility");
    tcase_add_test(tc, stages_taking_turns_keep_the_power_flat);
    tcase_add_test(tc, stages_computing_together_swing);
    tcase_add_test(tc, scenario_energy_is_power_times_time);
    suite_add_tcase(s, tc);
    return s;
}
