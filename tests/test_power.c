/* test_power: the facility power of a step against hand-computed watts:
 * stages that take turns keep it flat, stages computing together make it
 * swing between all-busy and all-idle, communicating draws its own power;
 * the mean follows the shares of each state; the levels of the power over
 * the step are the hand-computed steps, with rounding gaps left out; and a
 * scenario's energy is its mean power times its wall-clock. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "run/power.h"

/* Stage S in STATE from START to END (the work kind plays no part in power). */
#define BUSY(s, state, start, end) {s, state, start, end, WORK_FORWARD, 0, 0, -1, 0}

static const power_spec spec = {
    .enabled = 1, .gpu_busy = 400, .gpu_comm = 200, .gpu_idle = 100, .node_overhead = 1000, .pue = 1.5};

/* Two stages of 8 GPUs on 2 nodes, active as given, over a 2 s step. */
static void two_stages(step_profile* p, const busy_interval* busy, int n)
{
    memset(p, 0, sizeof *p);
    p->stages = 2;
    p->stage = calloc(2, sizeof *p->stage);
    p->step_time = p->busy_span = 2;
    p->busy = malloc((size_t)n * sizeof *p->busy);
    memcpy(p->busy, busy, (size_t)n * sizeof *busy);
    p->busy_count = n;
    for (int i = 0; i < n; i++) {
        stage_timing* t = &p->stage[busy[i].stage];
        *(busy[i].state == ACTIVITY_COMMUNICATING ? &t->tp_comm : &t->compute) += busy[i].end - busy[i].start;
    }
}

static double facility(int busy_gpus, int communicating_gpus, int idle_gpus)
{
    return 1.5 * (busy_gpus * 400.0 + communicating_gpus * 200.0 + idle_gpus * 100.0 + 2 * 1000.0);
}

/* The power of two stages active as B[0..N-1] over a 2 s step. */
static step_power power_of_two_stages(const busy_interval* b, int n)
{
    step_profile p;
    two_stages(&p, b, n);
    step_power w;
    power_of_step(&spec, &p, 16, 2, &w);
    step_profile_free(&p);
    return w;
}

START_TEST(stages_taking_turns_keep_the_power_flat)
{
    const busy_interval b[] = {BUSY(0, 0, 0, 1), BUSY(1, 0, 1, 2)};
    step_power w = power_of_two_stages(b, 2);
    ck_assert_double_eq_tol(w.peak, facility(8, 0, 8), 1e-9);
    ck_assert_double_eq_tol(w.trough, facility(8, 0, 8), 1e-9);
    ck_assert_double_eq_tol(w.average, facility(8, 0, 8), 1e-9);
    ck_assert_double_eq_tol(w.idle, facility(0, 0, 16), 1e-9);
}
END_TEST

/* Turns that meet with a rounding gap (1e-15 s) or overlap (the next
 * starts 1e-15 s early) draw neither a dip nor a spike. */
START_TEST(rounding_gaps_between_turns_are_no_swing)
{
    const busy_interval gap[] = {BUSY(0, 0, 0, 1), BUSY(1, 0, 1 + 1e-15, 2)};
    const busy_interval overlap[] = {BUSY(0, 0, 0, 1), BUSY(1, 0, 1 - 1e-15, 2)};
    step_power w = power_of_two_stages(gap, 2);
    ck_assert_double_eq_tol(w.trough, facility(8, 0, 8), 1e-9);
    w = power_of_two_stages(overlap, 2);
    ck_assert_double_eq_tol(w.peak, facility(8, 0, 8), 1e-9);
}
END_TEST

START_TEST(stages_computing_together_swing)
{
    const busy_interval b[] = {BUSY(0, 0, 0, 1), BUSY(1, 0, 0, 1)};
    step_power w = power_of_two_stages(b, 2);
    ck_assert_double_eq_tol(w.peak, facility(16, 0, 0), 1e-9);
    ck_assert_double_eq_tol(w.trough, facility(0, 0, 16), 1e-9);
    ck_assert_double_eq_tol(w.average, (facility(16, 0, 0) + facility(0, 0, 16)) / 2, 1e-9);
}
END_TEST

/* Stage 0 computes then communicates, stage 1 the other way round, and
 * both idle in the last of three seconds: 8 busy and 8 communicating GPUs,
 * then all idle. */
START_TEST(communicating_draws_its_own_power)
{
    const busy_interval b[] = {BUSY(0, 0, 0, 1), BUSY(0, 1, 1, 2), BUSY(1, 1, 0, 1), BUSY(1, 0, 1, 2)};
    step_profile p;
    two_stages(&p, b, 4);
    p.step_time = p.busy_span = 3;
    step_power w;
    power_of_step(&spec, &p, 16, 2, &w);
    step_profile_free(&p);
    ck_assert_double_eq_tol(w.peak, facility(8, 8, 0), 1e-9);
    ck_assert_double_eq_tol(w.trough, facility(0, 0, 16), 1e-9);
    ck_assert_double_eq_tol(w.computing, 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol(w.communicating, 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol(w.average, (2 * facility(8, 8, 0) + facility(0, 0, 16)) / 3, 1e-9);
}
END_TEST

/* The step function behind the peak and the trough: 8 GPUs computing and
 * 8 communicating until 2 s, then all idle (one level, not one per
 * stage's change); a rounding gap between turns draws no level. */
START_TEST(power_levels_are_the_steps_of_the_activity)
{
    const busy_interval b[] = {BUSY(0, 0, 0, 1), BUSY(0, 1, 1, 2), BUSY(1, 1, 0, 1), BUSY(1, 0, 1, 2)};
    step_profile p;
    two_stages(&p, b, 4);
    p.step_time = p.busy_span = 3;
    power_level* levels;
    int n = power_levels(&spec, &p, 16, 2, &levels);
    ck_assert_int_eq(n, 2);
    ck_assert_double_eq(levels[0].time, 0);
    ck_assert_double_eq_tol(levels[0].watts, facility(8, 8, 0), 1e-9);
    ck_assert_double_eq(levels[1].time, 2);
    ck_assert_double_eq_tol(levels[1].watts, facility(0, 0, 16), 1e-9);
    free(levels);
    step_profile_free(&p);
    const busy_interval gap[] = {BUSY(0, 0, 0, 1), BUSY(1, 0, 1 + 1e-15, 2)};
    two_stages(&p, gap, 2);
    n = power_levels(&spec, &p, 16, 2, &levels);
    ck_assert_int_eq(n, 1);
    ck_assert_double_eq_tol(levels[0].watts, facility(8, 0, 8), 1e-9);
    free(levels);
    step_profile_free(&p);
}
END_TEST

/* Without failures the run's energy is its mean power over its wall-clock. */
START_TEST(scenario_energy_is_power_times_time)
{
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    json_t* out = parse_json(r.out.data, r.out.len);
    double average = number_at(out, "power_mw.average"), peak = number_at(out, "power_mw.peak");
    double trough = number_at(out, "power_mw.trough");
    ck_assert(trough < average && average < peak);
    double seconds = number_at(out, "wall_clock_days.mean") * 86400;
    ck_assert_rel(number_at(out, "energy_mwh"), average * seconds / 3600, 1e-6);
    json_decref(out);
    command_result_free(&r);
}
END_TEST

/* cost.kwh prices the energy; without it energy_cost is null. */
START_TEST(energy_is_priced_per_kwh)
{
    command_result priced, plain;
    run_trainsim((const char*[]){"run", "tests/power/priced.yaml", "--json", NULL}, &priced);
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &plain);
    ck_assert_msg(priced.status == 0, "%s", strbuf_text(&priced.err));
    json_t* out = parse_json(priced.out.data, priced.out.len);
    ck_assert_rel(number_at(out, "energy_cost"), number_at(out, "energy_mwh") * 1000 * 0.08, 1e-9);
    ck_assert_rel(number_at(out, "cost"), number_at(out, "gpu_hours") * 2.5, 1e-9);
    json_decref(out);
    out = parse_json(plain.out.data, plain.out.len);
    ck_assert(json_is_null(value_at(out, "energy_cost")));
    json_decref(out);
    command_result_free(&priced);
    command_result_free(&plain);
}
END_TEST

Suite* power_suite(void)
{
    Suite* s = suite_create("power");
    TCase* tc = tcase_create("facility");
    tcase_add_test(tc, stages_taking_turns_keep_the_power_flat);
    tcase_add_test(tc, rounding_gaps_between_turns_are_no_swing);
    tcase_add_test(tc, stages_computing_together_swing);
    tcase_add_test(tc, communicating_draws_its_own_power);
    tcase_add_test(tc, power_levels_are_the_steps_of_the_activity);
    tcase_add_test(tc, scenario_energy_is_power_times_time);
    tcase_add_test(tc, energy_is_priced_per_kwh);
    suite_add_tcase(s, tc);
    return s;
}
