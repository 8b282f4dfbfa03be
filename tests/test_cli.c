/* test_cli: the trainsim binary as users run it: exit codes, messages on
 * stderr and nothing on stdout for bad input (the tests/bad corpus, each file
 * with its expected message in a .err file), a valid JSON object with the
 * output contract's keys, and the same bytes for the same input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* ---- JSON syntax ------------------------------------------------------- */

/* Whether TEXT is one JSON object and nothing after it, read strictly
 * (jansson, duplicate keys refused). */
static int is_one_json_object(const char* text)
{
    json_error_t error;
    json_t* root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    int object = json_is_object(root);
    json_decref(root);
    return object;
}

/* The check refuses what is not JSON, so that the tests below mean
 * something. */
START_TEST(json_checker_checks)
{
    ck_assert(is_one_json_object("{\"a\": [1, -2.5e3, null, true, false], \"b\": {\"c\": \"x\\\"y\\u0041\"}}\n"));
    const char* bad[] = {"{\"a\": 1,}", "{\"a\": nan}", "{\"a\": 1} {}", "{\"a\": [1 2]}", "{\"a\" 1}",
                         "{\"a\": [01]}", "{\"a\": \"\x01\"}", "{\"a\": [-]}", "{\"a\": \"\\q\"}",
                         "{\"a\": tru}", "{\"a\": 1, \"a\": 2}", "[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(!is_one_json_object(bad[i]), "accepted %s", bad[i]);
}
END_TEST

/* ---- commands ---------------------------------------------------------- */

START_TEST(help_and_version)
{
    command_result r;
    run_trainsim((const char*[]){"--help", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), "usage: trainsim run FILE"));
    command_result_free(&r);
    /* after a command too, where users type it: help, exit 0, nothing run */
    const char* const* after_a_command[] = {
        (const char*[]){"run", "--help", NULL},
        (const char*[]){"sweep", "-h", NULL},
        (const char*[]){"schedule", "scenarios/tiny.yaml", "--help", NULL},
    };
    for (size_t i = 0; i < sizeof after_a_command / sizeof *after_a_command; i++) {
        run_trainsim(after_a_command[i], &r);
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), "usage: trainsim run FILE"));
        ck_assert_str_eq(strbuf_text(&r.err), "");
        command_result_free(&r);
    }
    run_trainsim((const char*[]){"--version", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(strbuf_text(&r.out), "trainsim 0.1.0\n");
    command_result_free(&r);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    const char* const* cases[] = {
        (const char*[]){NULL},
        (const char*[]){"simulate", "scenarios/tiny.yaml", NULL},
        (const char*[]){"run", NULL},
        (const char*[]){"run", "scenarios/tiny.yaml", "--fast", NULL},
        (const char*[]){"run", "scenarios/tiny.yaml", "--seed", "x", NULL},
        (const char*[]){"check", "scenarios/tiny.yaml", "--json", NULL},
        (const char*[]){"run", "a.yaml", "b.yaml", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_usage_error(cases[i]);
}
END_TEST

START_TEST(missing_file_exits_2)
{
    command_result r;
    run_trainsim((const char*[]){"run", "no/such.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(strbuf_text(&r.err), "no/such.yaml: cannot open: No such file or directory\n");
    ck_assert_str_eq(strbuf_text(&r.out), "");
    command_result_free(&r);
}
END_TEST

START_TEST(run_tiny_prints_report)
{
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    const char* out = strbuf_text(&r.out);
    ck_assert_ptr_nonnull(strstr(out, "MFU"));
    ck_assert_ptr_nonnull(strstr(out, "pipeline bubble"));
    ck_assert_ptr_nonnull(strstr(out, "of wall-clock"));
    ck_assert_str_eq(strbuf_text(&r.err), "");
    command_result_free(&r);
}
END_TEST

/* The output contract's keys (docs/output.md), for the tiny scenario and
 * for GPT-3 175B on 1024 GPUs (issue 2's "done when"). */
START_TEST(json_has_the_contract_keys)
{
    const char* files[] = {"scenarios/tiny.yaml", "scenarios/gpt3-175b-1024.yaml"};
    const char* file = files[_i];
    command_result r;
    run_trainsim((const char*[]){"run", file, "--json", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    const char* out = strbuf_text(&r.out);
    ck_assert_msg(is_one_json_object(out), "%s: not one JSON object:\n%s", file, out);
    const char* keys[] = {"\"mfu\"", "\"hfu\"", "\"step_time_s\"", "\"tokens_per_s\"", "\"tflops_per_gpu\"",
                          "\"wall_clock_days\"", "\"mean\"", "\"p10\"", "\"p90\"", "\"gpu_hours\"",
                          "\"cost\"", "\"energy_mwh\"", "\"memory_per_gpu_bytes\"", "\"breakdown\"",
                          "\"compute\"", "\"tp_comm\"", "\"pp_comm\"", "\"dp_comm_exposed\"",
                          "\"ep_comm\"", "\"bubble\"", "\"failure_lost_work\"", "\"restart\"",
                          "\"checkpoint\"", "\"failures\"", "\"feasible\": true",
                          "\"infeasible_reason\": null", NULL};
    for (int i = 0; keys[i]; i++)
        ck_assert_msg(strstr(out, keys[i]) != NULL, "%s: missing %s", file, keys[i]);
    command_result_free(&r);
}
END_TEST

START_TEST(same_input_same_bytes)
{
    command_result a, b, c;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &a);
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &b);
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", "--seed", "7", NULL}, &c);
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&c.out), "\"seed\": 7,"));
    command_result_free(&a);
    command_result_free(&b);
    command_result_free(&c);
}
END_TEST

START_TEST(check_and_platform_commands)
{
    command_result r;
    run_trainsim((const char*[]){"check", "scenarios/gpt4-a100-25k.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(strbuf_text(&r.out), "scenarios/gpt4-a100-25k.yaml: ok: 24960 GPUs "
                                          "(TP 8 x PP 15 x DP 208 x CP 1), 35 micro-batches per step\n"
                                          "scenarios/gpt4-a100-25k.yaml: 13 uncertain inputs and 2 targets: "
                                          "`trainsim run` draws and runs 64 samples\n");
    command_result_free(&r);
    run_trainsim((const char*[]){"platform", "scenarios/tiny.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), "<platform version=\"4.1\">"));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), "<host id=\"gpu-8\""));   /* stage 1's rank */
    command_result_free(&r);
}
END_TEST

START_TEST(infeasible_exits_1_with_numbers)
{
    command_result r;
    run_trainsim((const char*[]){"run", "tests/infeasible/model-states.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_str_eq(strbuf_text(&r.err),
                     "tests/infeasible/model-states.yaml: infeasible: needs 2609.7 GiB per GPU on pipeline "
                     "rank 0 (weights 325.2, gradients 325.2, optimizer 1951.1 with ZeRO stage 0, "
                     "activations 7.6 for 1.0 micro-batches in flight, workspace 0.6 GiB), more than the "
                     "80.0 GiB of the a100-sxm4-80gb\n");
    command_result_free(&r);
    run_trainsim((const char*[]){"run", "tests/infeasible/model-states.yaml", "--json", NULL}, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert(is_one_json_object(strbuf_text(&r.out)));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.out), "\"feasible\": false"));
    command_result_free(&r);
}
END_TEST

/* Failures far more frequent than recoveries: reported, never simulated
 * for ever. */
START_TEST(run_that_never_ends_is_infeasible)
{
    command_result r;
    run_trainsim((const char*[]){"run", "tests/infeasible/failures-too-often.yaml", NULL}, &r);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(strbuf_text(&r.out), "");
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err),
                                 "infeasible: failures come every 22.500 s on average (160 per hour over the "
                                 "job's components) while a recovery takes 900.003 s"));
    command_result_free(&r);
}
END_TEST

/* Runs one file of the bad-input corpus: a scenario with `trainsim run
 * FILE --trace T`, a sweep (NAME.sweep.yaml) with `trainsim sweep FILE -o T`.
 * It must exit 2 (1 when the golden message says the plan is infeasible),
 * print exactly the golden message on stderr and nothing on stdout, and
 * leave no file at T. */
/* Whether TEXT is valid UTF-8: no byte outside a whole, shortest-form
 * sequence (the messages quote the user's text, cut to fit). */
static int is_utf8(const char* text)
{
    const unsigned char* s = (const unsigned char*)text;
    while (*s) {
        int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 && *s >= 0xc2 ? 1 : (*s & 0xf0) == 0xe0 ? 2
              : (*s & 0xf8) == 0xf0 && *s <= 0xf4 ? 3 : -1;
        if (n < 0)
            return 0;
        for (int i = 1; i <= n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return 0;
        s += n + 1;
    }
    return 1;
}

static void check_bad_input(const char* yaml, const char* err)
{
    strbuf expected = {0};
    read_file(err, &expected);
    char out[128];
    temp_path(out, sizeof out, ".out");
    int is_sweep = strstr(yaml, ".sweep.yaml") != NULL;
    int status = strstr(strbuf_text(&expected), ": infeasible: ") ? 1 : 2;
    command_result r;
    if (is_sweep)
        run_trainsim((const char*[]){"sweep", yaml, "-o", out, NULL}, &r);
    else
        run_trainsim((const char*[]){"run", yaml, "--trace", out, NULL}, &r);
    ck_assert_msg(r.status == status, "%s: exit %d, expected %d", yaml, r.status, status);
    ck_assert_msg(!strcmp(strbuf_text(&r.err), strbuf_text(&expected)), "%s:\n got: %s want: %s", yaml,
                  strbuf_text(&r.err), strbuf_text(&expected));
    ck_assert_msg(r.out.len == 0, "%s wrote to stdout", yaml);
    ck_assert_msg(is_utf8(strbuf_text(&r.err)), "%s: the message is not UTF-8", yaml);
    ck_assert_msg(access(out, F_OK) != 0, "%s left an output file", yaml);
    command_result_free(&r);
    strbuf_free(&expected);
}

/* Every tests/bad/NAME.yaml against tests/bad/NAME.err (check_bad_input). */
START_TEST(bad_input_corpus)
{
    DIR* dir = opendir("tests/bad");
    ck_assert_ptr_nonnull(dir);
    struct dirent* e;
    int files = 0, sweeps = 0, infeasible = 0;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
            continue;
        char yaml[512], err[512];
        snprintf(yaml, sizeof yaml, "tests/bad/%s", e->d_name);
        snprintf(err, sizeof err, "tests/bad/%.*s.err", (int)(n - 5), e->d_name);
        check_bad_input(yaml, err);
        files++;
        sweeps += strstr(yaml, ".sweep.yaml") != NULL;
        strbuf text = {0};
        read_file(err, &text);
        infeasible += strstr(strbuf_text(&text), ": infeasible: ") != NULL;
        strbuf_free(&text);
    }
    closedir(dir);
    ck_assert_int_ge(files, 150);
    ck_assert_int_ge(sweeps, 10);
    ck_assert_int_ge(infeasible, 3);
}
END_TEST

Suite* cli_suite(void)
{
    Suite* s = suite_create("cli");
    TCase* tc = tcase_create("binary");
    tcase_set_timeout(tc, 180);   /* the bad-input corpus runs trainsim 186 times */
    tcase_add_test(tc, json_checker_checks);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, missing_file_exits_2);
    tcase_add_test(tc, run_tiny_prints_report);
    tcase_add_loop_test(tc, json_has_the_contract_keys, 0, 2);
    tcase_add_test(tc, same_input_same_bytes);
    tcase_add_test(tc, check_and_platform_commands);
    tcase_add_test(tc, infeasible_exits_1_with_numbers);
    tcase_add_test(tc, run_that_never_ends_is_infeasible);
    tcase_add_test(tc, bad_input_corpus);
    suite_add_tcase(s, tc);
    return s;
}
