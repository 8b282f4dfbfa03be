/* test_determinism: the same scenario and seed give the same bytes, for
 * every scenario in scenarios/ and scenarios/teach/, text and JSON; and a
 * different seed changes only what is random (the run level's draws), never
 * the step, the memory or the plan. The reference scenarios run as written
 * (--nominal: the GPT-4 files' uncertainty studies take a minute each);
 * the teaching ones whole, so scenarios/teach/uncertain-256.yaml checks a
 * study's bytes (test_uncertainty_run checks them against -j). (Sweeps:
 * test_sweep checks that rows do not depend on -j.) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Runs FILE twice with EXTRA and NOMINAL (after "run FILE"; each may be
 * NULL) and compares stdout. */
static void same_bytes_twice(const char* file, const char* extra, const char* nominal)
{
    command_result a, b;
    const char* first = extra ? extra : nominal;
    const char* second = extra ? nominal : NULL;
    run_trainsim((const char*[]){"run", file, first, second, NULL}, &a);
    run_trainsim((const char*[]){"run", file, first, second, NULL}, &b);
    ck_assert_msg(a.status == 0 || a.status == 1, "%s: %s", file, strbuf_text(&a.err));
    ck_assert_int_eq(a.status, b.status);
    ck_assert_msg(a.out.len > 0 || a.err.len > 0, "%s printed nothing", file);
    ck_assert_msg(!strcmp(strbuf_text(&a.out), strbuf_text(&b.out)), "%s %s: two runs differ", file,
                  extra ? extra : "");
    ck_assert_str_eq(strbuf_text(&a.err), strbuf_text(&b.err));
    command_result_free(&a);
    command_result_free(&b);
}

/* Every scenario of DIR, twice each in text and JSON; NOMINAL: "--nominal"
 * or NULL. */
static void every_scenario_in(const char* dir, const char* nominal)
{
    DIR* d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent* e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        same_bytes_twice(path, "--json", nominal);
        same_bytes_twice(path, NULL, nominal);
        n++;
    }
    closedir(d);
    ck_assert_int_gt(n, 0);
}

START_TEST(reference_scenarios_give_the_same_bytes)
{
    every_scenario_in("scenarios", "--nominal");
}
END_TEST

START_TEST(teaching_scenarios_give_the_same_bytes)
{
    every_scenario_in("scenarios/teach", NULL);
}
END_TEST

static json_t* json_of(const char* seed)
{
    command_result r;
    run_trainsim_ok((const char*[]){"run", "tests/campaign/tiny-failures.yaml", "--json", "--seed", seed, NULL}, &r);
    json_t* root = parse_json(r.out.data, r.out.len);
    command_result_free(&r);
    return root;
}

/* Seeds 1 and 2: the step and everything derived from it alone are equal to
 * the byte; the run level's mean wall-clock and failures differ. */
START_TEST(another_seed_changes_only_the_random_figures)
{
    json_t *one = json_of("1"), *two = json_of("2");
    const char* step_figures[] = {"step_time_s", "mfu", "hfu", "tokens_per_s", "steps",
                                  "memory_per_gpu_bytes.total", "step_breakdown_s.bubble",
                                  "step_breakdown_s.compute", "checkpoint.interval_s", "power_mw.average"};
    for (size_t i = 0; i < sizeof step_figures / sizeof *step_figures; i++)
        ck_assert_msg(number_at(one, step_figures[i]) == number_at(two, step_figures[i]), "%s depends on the seed",
                      step_figures[i]);
    ck_assert(number_at(one, "wall_clock_days.mean") != number_at(two, "wall_clock_days.mean"));
    ck_assert(number_at(one, "goodput") != number_at(two, "goodput"));
    json_decref(one);
    json_decref(two);
}
END_TEST

Suite* determinism_suite(void)
{
    Suite* s = suite_create("determinism");
    TCase* tc = tcase_create("bytes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, reference_scenarios_give_the_same_bytes);
    tcase_add_test(tc, teaching_scenarios_give_the_same_bytes);
    tcase_add_test(tc, another_seed_changes_only_the_random_figures);
    suite_add_tcase(s, tc);
    return s;
}
