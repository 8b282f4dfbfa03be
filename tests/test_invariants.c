/* test_invariants: a run's report is never printed with a figure that
 * breaks its invariants (run/run_invariants.h). Each invariant is broken
 * by hand in a simulated run's result and must be named with its values;
 * through the tests' build of trainsim (TRAINSIM_BREAK_FIGURE,
 * TRAINSIM_DEADLOCK_STAGE) a broken run and a deadlocked step must exit 3
 * with a message and no report, and a sweep's point must become an error
 * row. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "run/run_invariants.h"

/* The tiny scenario, simulated; its result holds every invariant. */
static void simulated_tiny(scenario* sc, run_result* r)
{
    strbuf text = {0};
    tiny_scenario(&text, "", "", "", "");
    simulate_scenario(strbuf_text(&text), sc, r);
    strbuf_free(&text);
    char why[512] = "";
    ck_assert_msg(run_invariants_check(r, why, sizeof why) == 0, "%s", why);
}

/* R, spoilt by the test, breaks an invariant: the message says WANT. */
static void assert_broken(const run_result* r, const char* want)
{
    char why[512] = "";
    ck_assert_int_eq(run_invariants_check(r, why, sizeof why), -1);
    ck_assert_msg(strstr(why, want) != NULL, "wanted \"%s\" in \"%s\"", want, why);
}

START_TEST(a_step_of_no_time_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    double step = r.profile.step_time;
    r.profile.step_time = 0;
    assert_broken(&r, "the step time must be finite and positive, found 0 s");
    r.profile.step_time = NAN;
    assert_broken(&r, "the step time must be finite and positive, found nan s");
    r.profile.step_time = step;
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(a_negative_part_of_the_step_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    /* The parts still sum to the step: compute takes what TP gave. */
    r.profile.compute += r.profile.tp_comm + 1e-3;
    r.profile.tp_comm = -1e-3;
    assert_broken(&r, "every part of the step must be finite and non-negative, found TP communication -0.001");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

/* The shares sum to 1 within 1e-9: a part off by 1e-6 of the step breaks
 * it, one off by 1e-12 does not. */
START_TEST(shares_not_summing_to_one_are_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    double compute = r.profile.compute;
    r.profile.compute = compute + 1e-12 * r.profile.step_time;
    char why[512] = "";
    ck_assert_msg(run_invariants_check(&r, why, sizeof why) == 0, "%s", why);
    /* The parts' sum is the step's within the clock's rounding, of either
     * sign: 1e-6 more prints 1.000001 or 1.0000009999999999. */
    r.profile.compute = compute + 1e-6 * r.profile.step_time;
    assert_broken(&r, "the shares of the step must sum to 1 within 1e-09, found 1.00000");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(mfu_above_one_or_infinite_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    r.mfu = 1.5;
    r.hfu = 1.5;
    assert_broken(&r, "MFU must be above 0 and at most 1, found 1.5");
    r.mfu = INFINITY;
    assert_broken(&r, "MFU must be above 0 and at most 1, found inf");
    r.mfu = 0;
    assert_broken(&r, "MFU must be above 0 and at most 1, found 0");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(hfu_below_mfu_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    ck_assert(r.hfu >= r.mfu);
    r.hfu = 0.9 * r.mfu;
    assert_broken(&r, "HFU must be at least MFU, found HFU");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(a_run_of_no_days_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    r.wall_seconds = 0;
    assert_broken(&r, "the run must take more than 0 days and a finite time, found 0 days");
    r.wall_seconds = INFINITY;
    assert_broken(&r, "the run must take more than 0 days and a finite time, found inf days");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

START_TEST(a_figure_not_finite_is_broken)
{
    scenario sc;
    run_result r;
    simulated_tiny(&sc, &r);
    r.cost = NAN;
    assert_broken(&r, "every figure of the run must be finite and non-negative, found cost nan");
    r.cost = 1;
    r.power.communicating = -1e-3;
    assert_broken(&r, "found communicating share -0.001");
    run_result_free(&r);
    scenario_free(&sc);
}
END_TEST

static const char* hooks_binary(void)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN");
    return hooks ? hooks : "build/trainsim-test-hooks";
}

/* Through the command line: each spoilt figure is exit 3, its invariant on
 * stderr, nothing on stdout, for run, run --json and explain. */
static const char* const spoilt[][2] = {
    {"step", "every part of the step must be finite and non-negative"},
    {"mfu", "MFU must be above 0 and at most 1, found inf"},
    {"hfu", "HFU must be at least MFU"},
    {"wall", "the run must take more than 0 days"},
    {"cost", "found cost nan"},
};

START_TEST(a_broken_run_exits_3_without_a_report)
{
    setenv("TRAINSIM_BREAK_FIGURE", spoilt[_i][0], 1);
    const char* const commands[][4] = {{"run", "scenarios/tiny.yaml", NULL, NULL},
                                       {"run", "scenarios/tiny.yaml", "--json", NULL},
                                       {"explain", "scenarios/tiny.yaml", NULL, NULL}};
    for (int c = 0; c < 3; c++) {
        command_result r;
        run_program((const char*[]){hooks_binary(), commands[c][0], commands[c][1], commands[c][2], NULL}, &r);
        ck_assert_msg(r.status == EXIT_SYSTEM, "%s: status %d: %s", commands[c][0], r.status, strbuf_text(&r.err));
        ck_assert_str_eq(strbuf_text(&r.out), "");
        ck_assert_msg(strstr(strbuf_text(&r.err), "trainsim: internal error on scenarios/tiny.yaml, no report written: "),
                      "%s", strbuf_text(&r.err));
        ck_assert_msg(strstr(strbuf_text(&r.err), spoilt[_i][1]), "%s", strbuf_text(&r.err));
        command_result_free(&r);
    }
    unsetenv("TRAINSIM_BREAK_FIGURE");
}
END_TEST

/* A sweep's point that breaks an invariant is an error row with the
 * invariant as its reason, never an ok row. */
START_TEST(a_broken_sweep_point_is_an_error_row)
{
    char sweep[64], rows[64];
    temp_path(sweep, sizeof sweep, ".sweep.yaml");
    temp_path(rows, sizeof rows, ".jsonl");
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    strbuf text = {0};
    strbuf_printf(&text, "format: 1\nbase: %s/scenarios/tiny.yaml\ngrid:\n  parallelism.micro_batch: [1, 2]\n", cwd);
    write_text(sweep, strbuf_text(&text));
    setenv("TRAINSIM_BREAK_FIGURE", "hfu", 1);
    command_result r;
    run_program((const char*[]){hooks_binary(), "sweep", sweep, "-o", rows, "-j", "1", NULL}, &r);
    unsetenv("TRAINSIM_BREAK_FIGURE");
    strbuf out = {0};
    read_file(rows, &out);
    ck_assert_msg(strstr(strbuf_text(&out), "\"status\":\"error\"") || strstr(strbuf_text(&out), "\"status\": \"error\""),
                  "%s", strbuf_text(&out));
    ck_assert_ptr_null(strstr(strbuf_text(&out), "\"ok\""));
    ck_assert_msg(strstr(strbuf_text(&out), "HFU must be at least MFU"), "%s", strbuf_text(&out));
    strbuf_free(&out);
    strbuf_free(&text);
    command_result_free(&r);
    remove(sweep);
    remove(rows);
}
END_TEST

/* A step whose ranks never finish (SimGrid: "Deadlock detected") is exit
 * 3 with the ranks counted, never a report of a step of 0 s. */
START_TEST(a_deadlocked_step_exits_3)
{
    setenv("TRAINSIM_DEADLOCK_STAGE", "1", 1);
    command_result r;
    run_program((const char*[]){hooks_binary(), "run", "scenarios/tiny.yaml", NULL}, &r);
    unsetenv("TRAINSIM_DEADLOCK_STAGE");
    ck_assert_msg(r.status == EXIT_SYSTEM, "status %d: %s", r.status, strbuf_text(&r.err));
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_msg(strstr(strbuf_text(&r.err), "the step simulation deadlocked: 2 of the 2 ranks simulated never "
                                              "finished their step"),
                  "%s", strbuf_text(&r.err));
    command_result_free(&r);
}
END_TEST

/* A run that succeeds says nothing on stderr: SimGrid's own messages stay
 * below its log threshold (network/simgrid_start.c) unless they are real
 * errors, which are exit 3 (the deadlock above). On the generated
 * platform, collapsed and in full detail, and on a hand-written one. */
START_TEST(a_clean_run_prints_nothing_on_stderr)
{
    const char* const runs[][4] = {{"run", "scenarios/tiny.yaml", NULL, NULL},
                                   {"run", "scenarios/tiny.yaml", "--detail", "full"},
                                   {"run", "tests/platform/dgx-a100-pod.yaml", NULL, NULL},
                                   {"explain", "tests/platform/two-islands.yaml", NULL, NULL}};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        command_result r;
        run_trainsim((const char*[]){runs[i][0], runs[i][1], runs[i][2], runs[i][3], NULL}, &r);
        ck_assert_msg(r.status == 0, "%s %s: status %d", runs[i][0], runs[i][1], r.status);
        ck_assert_msg(r.err.len == 0, "%s %s wrote on stderr: %s", runs[i][0], runs[i][1], strbuf_text(&r.err));
        command_result_free(&r);
    }
}
END_TEST

Suite* invariants_suite(void)
{
    Suite* s = suite_create("invariants");
    TCase* tc = tcase_create("invariants");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_step_of_no_time_is_broken);
    tcase_add_test(tc, a_negative_part_of_the_step_is_broken);
    tcase_add_test(tc, shares_not_summing_to_one_are_broken);
    tcase_add_test(tc, mfu_above_one_or_infinite_is_broken);
    tcase_add_test(tc, hfu_below_mfu_is_broken);
    tcase_add_test(tc, a_run_of_no_days_is_broken);
    tcase_add_test(tc, a_figure_not_finite_is_broken);
    tcase_add_loop_test(tc, a_broken_run_exits_3_without_a_report, 0, (int)(sizeof spoilt / sizeof *spoilt));
    tcase_add_test(tc, a_broken_sweep_point_is_an_error_row);
    tcase_add_test(tc, a_deadlocked_step_exits_3);
    tcase_add_test(tc, a_clean_run_prints_nothing_on_stderr);
    suite_add_tcase(s, tc);
    return s;
}
