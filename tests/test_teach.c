/* test_teach: the teaching commands. The schedule picture's columns show
 * what took most of their slice of the step; `trainsim schedule` draws a
 * row per pipeline rank at the asked width, every micro-batch's passes
 * numbered when they fit, GPipe's forwards all before its backwards, and
 * the bubble beside its closed form (p - 1)/(v m + p - 1). `trainsim
 * explain` gives every breakdown term a formula, what it gives and why, and
 * the simulation agrees with the closed forms where they hold. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output/gantt.h"
#include "helpers.h"
#include "output/explain.h"
#include "output/explain_term.h"

/* One rank: a forward over [0, 1), a bubble, a backward over [2, 3), then
 * done; its pipeline ends at 3 of a 4 s step. */
static void one_rank(step_profile* p, busy_interval* b)
{
    memset(p, 0, sizeof *p);
    static stage_timing t;
    t = (stage_timing){.pipeline_end = 3, .end = 4};
    b[0] = (busy_interval){0, ACTIVITY_COMPUTING, 0, 1, WORK_FORWARD, 0, 0, -1, 0};
    b[1] = (busy_interval){0, ACTIVITY_COMPUTING, 2, 3, WORK_BACKWARD, 0, 0, -1, 1};
    b[2] = (busy_interval){0, ACTIVITY_COMMUNICATING, 3, 3.4, WORK_DP, -1, -1, CH_DP_REDUCE, 0};
    *p = (step_profile){.step_time = 4, .pipeline_time = 3, .stages = 1, .stage = &t, .busy = b, .busy_count = 3};
}

START_TEST(a_column_shows_what_took_most_of_it)
{
    step_profile p;
    busy_interval b[3];
    one_rank(&p, b);
    ck_assert_int_eq(gantt_cell(&p, 0, 0, 1), 'f');
    ck_assert_int_eq(gantt_cell(&p, 0, 0.6, 1.4), 'f');     /* 0.4 s of forward: less than half */
    ck_assert_int_eq(gantt_cell(&p, 0, 0.4, 1.2), 'f');     /* 0.6 s: most of it */
    ck_assert_int_eq(gantt_cell(&p, 0, 1, 2), '.');         /* bubble: before the pipeline's end */
    ck_assert_int_eq(gantt_cell(&p, 0, 1.8, 2.8), 'b');
    ck_assert_int_eq(gantt_cell(&p, 0, 3, 3.6), 'd');       /* 0.4 of 0.6 s reducing gradients */
    ck_assert_int_eq(gantt_cell(&p, 0, 3.4, 4), ' ');       /* done */
    ck_assert_int_eq(gantt_cell(&p, 0, 0.5, 2.5), 'x');     /* 0.5 s of each pass: both */
    ck_assert_int_eq(gantt_cell(&p, 0, 0.8, 2.9), 'b');     /* 0.2 s of forward, 0.9 of backward: less than a fifth */
}
END_TEST

/* Without a pipeline (pp = 1) no rank waits for another: the bubble is
 * exactly 0, per step and over the run, and no GPU-time is idle, not
 * -1e-16 of it; the text says "idle 0 %", never "-0 %". These teaching
 * scenarios gave 2.8e-17 to 9.7e-17 s of bubble per step and idle shares
 * of -3.3e-16 to 2.8e-16 from the rounding of the simulated clock's sums. */
START_TEST(without_a_pipeline_bubble_and_idle_are_exactly_zero)
{
    const char* files[] = {"scenarios/teach/checkpoints.yaml", "scenarios/teach/dp-overlap-true.yaml",
                           "scenarios/teach/tp8.yaml", "scenarios/teach/tp16.yaml",
                           "scenarios/teach/recompute-full.yaml", "scenarios/teach/zero3.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        command_result r;
        run_trainsim_ok((const char*[]){"run", files[i], "--json", NULL}, &r);
        const char* json = strbuf_text(&r.out);
        ck_assert(number_in(json, "parallelism.pp") == 1);
        ck_assert_msg(number_in(json, "breakdown.bubble.fraction") == 0, "%s: bubble %.17g", files[i],
                      number_in(json, "breakdown.bubble.fraction"));
        ck_assert(number_in(json, "step_breakdown_s.bubble") == 0);
        ck_assert_msg(number_in(json, "gpu_activity.idle") == 0, "%s: idle %.17g", files[i],
                      number_in(json, "gpu_activity.idle"));
        command_result_free(&r);
        run_trainsim_ok((const char*[]){"run", files[i], NULL}, &r);
        ck_assert_msg(strstr(strbuf_text(&r.out), ", idle 0 % of a step"), "%s: %s", files[i], strbuf_text(&r.out));
        command_result_free(&r);
    }
}
END_TEST

/* The "why" line of explain's model states on FILE into WHY. */
static void model_states_why_of(const char* file, char* why, size_t size)
{
    command_result r;
    run_trainsim_ok((const char*[]){"explain", file, NULL}, &r);
    const char* states = strstr(strbuf_text(&r.out), "\nModel states per GPU:");
    ck_assert_ptr_nonnull(states);
    const char* line = strstr(states, "\n  why ");
    ck_assert_ptr_nonnull(line);
    snprintf(why, size, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
    command_result_free(&r);
}

/* explain's memory line names only the differences the scenario has: a
 * dense ZeRO-1 model has no experts and no ZeRO-3 gathers. */
START_TEST(explain_memory_names_only_what_the_scenario_has)
{
    char why[512];
    model_states_why_of("scenarios/tiny.yaml", why, sizeof why);   /* dense, ZeRO 1 */
    ck_assert_msg(!strstr(why, "expert") && !strstr(why, "ZeRO 3"), "%s", why);
    ck_assert_msg(strstr(why, "gradients at 4 bytes"), "%s", why);
    model_states_why_of("scenarios/teach/moe-ep.yaml", why, sizeof why);   /* MoE, ZeRO 1 */
    ck_assert_msg(strstr(why, "expert parameters") && !strstr(why, "ZeRO 3"), "%s", why);
    model_states_why_of("scenarios/teach/zero3.yaml", why, sizeof why);   /* dense, ZeRO 3 */
    ck_assert_msg(!strstr(why, "expert") && strstr(why, "ZeRO 3"), "%s", why);
}
END_TEST

/* The schedule's rows, between "rank N |" and "|", at WIDTH. */
static int rows_of(const char* text, int width, char rows[][512], int max)
{
    int n = 0;
    for (const char* p = strstr(text, "\nrank "); p && n < max; p = strstr(p + 1, "\nrank ")) {
        const char* end = strchr(p + 1, '\n');
        ck_assert_int_eq((int)(end - p - 1), width);
        const char* bar = strchr(p, '|');
        snprintf(rows[n++], 512, "%.*s", (int)(end - bar - 2), bar + 1);
    }
    return n;
}

START_TEST(schedule_draws_every_pass_of_tiny)
{
    command_result r;
    run_trainsim_ok((const char*[]){"schedule", "scenarios/tiny.yaml", "--width", "120", "--no-colour", NULL}, &r);
    const char* out = strbuf_text(&r.out);
    ck_assert_ptr_null(strchr(out, '\033'));
    char rows[4][512];
    ck_assert_int_eq(rows_of(out, 120, rows, 4), 2);
    for (int s = 0; s < 2; s++)
        for (int mb = 0; mb < 8; mb++) {   /* every pass numbered: "<mb>f" and "<mb>b" */
            char f[16], b[16];
            snprintf(f, sizeof f, "%df", mb);
            snprintf(b, sizeof b, "%db", mb);
            ck_assert_msg(strstr(rows[s], f) && strstr(rows[s], b), "rank %d: no %s or %s in %s", s, f, b, rows[s]);
        }
    ck_assert(rows[1][0] == '.');                      /* rank 1 waits for its first activation */
    ck_assert_ptr_nonnull(strstr(out, "(p - 1) / (m + p - 1) = 1 / (8 + 1) = 11.1 %"));
    ck_assert_ptr_nonnull(strstr(out, "they differ: rank 1's passes take"));
    command_result_free(&r);
}
END_TEST

static void schedule_of(const char* parallelism, const char* width, command_result* r)
{
    strbuf text = {0};
    tiny_scenario(&text, "", "", parallelism, "");
    char path[128];
    temp_path(path, sizeof path, ".yaml");
    FILE* f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(strbuf_text(&text), f);
    fclose(f);
    run_trainsim_ok((const char*[]){"schedule", path, "--width", width, NULL}, r);
    unlink(path);
    strbuf_free(&text);
}

/* ROW without the gaps and communication: its passes' letters only. */
static void passes_of(const char* row, char* out)
{
    for (; *row; row++)
        if (strchr("fbx", *row))
            *out++ = *row;
    *out = '\0';
}

/* 1F1B at 80 columns, its passes narrower than a column's pair: rank s
 * warms up with p - 1 - s forwards, alternates a forward and a backward
 * for m - p + 1 + s micro-batches, then drains its backwards (Narayanan et
 * al. 2021, Fig. 4). Each column shows what a whole forward-and-backward
 * cycle around it holds, so the steady state is one run of 'x', never an
 * aliased bfbfbbbb, and its width is the closed form's share of the
 * pipeline: (m - p + 1 + s) / (m + p - 1) of it. */
START_TEST(one_f_one_b_at_80_columns_shows_its_three_phases)
{
    command_result r;
    run_trainsim_ok((const char*[]){"schedule", "scenarios/teach/bubble-m32.yaml", "--width", "80", "--no-colour",
                                    NULL}, &r);
    const char* out = strbuf_text(&r.out);
    char rows[8][512];
    int p = rows_of(out, 80, rows, 8), m = 32, columns = 80 - 10;
    ck_assert_int_eq(p, 4);
    ck_assert_ptr_nonnull(strstr(out, "x both (1F1B's steady state)"));
    for (int s = 0; s < p; s++) {
        char passes[512];
        passes_of(rows[s], passes);
        size_t warm = strspn(passes, "f"), pre = warm + strspn(passes + warm, "b");
        size_t steady = strspn(passes + pre, "x");
        ck_assert_msg(pre <= warm + 1 && steady > 0 && strspn(passes + pre + steady, "b") == strlen(passes + pre + steady),
                      "rank %d: expected f*b?x+b*, found %s (%s)", s, passes, rows[s]);
        const char* last_end = strrchr(rows[s], 'b');   /* the pipeline ends with the last backward */
        double pipeline = last_end ? (double)(last_end - rows[s] + 1) : columns;
        double expected = pipeline * (m - p + 1 + s) / (m + p - 1);
        ck_assert_msg(fabs((double)steady - expected) <= 0.08 * columns, "rank %d: %zu columns of x, expected %.1f: %s",
                      s, steady, expected, rows[s]);
    }
    command_result_free(&r);
}
END_TEST

/* Wide: every number is a pass's and is followed by its letter, so that
 * two numbers never run together ("12t9bbb" was forward 12 beside
 * backward 9). */
START_TEST(schedule_numbers_never_run_together)
{
    command_result r;
    run_trainsim_ok((const char*[]){"schedule", "scenarios/teach/bubble-m32.yaml", "--width", "300", "--no-colour",
                                    NULL}, &r);
    char rows[8][512];
    ck_assert_int_eq(rows_of(strbuf_text(&r.out), 300, rows, 8), 4);
    int numbers = 0;
    for (int s = 0; s < 4; s++)
        for (const char* c = rows[s]; *c;) {
            size_t digits = strspn(c, "0123456789");
            if (!digits) {
                c++;
                continue;
            }
            ck_assert_msg(c[digits] == 'f' || c[digits] == 'b', "rank %d: a number without its letter at %s", s, c);
            numbers++;
            c += digits;
        }
    ck_assert_int_gt(numbers, 4 * 32);   /* most passes are numbered */
    command_result_free(&r);
}
END_TEST

/* GPipe: every forward of a rank before its first backward. */
START_TEST(gpipe_runs_all_forwards_first)
{
    command_result r;
    schedule_of("  schedule: gpipe\n", "200", &r);
    char rows[4][512];
    int n = rows_of(strbuf_text(&r.out), 200, rows, 4);
    ck_assert_int_eq(n, 2);
    for (int s = 0; s < n; s++) {
        const char* last_f = strrchr(rows[s], 'f');
        const char* first_b = strchr(rows[s], 'b');
        ck_assert(last_f && first_b && last_f < first_b);
    }
    command_result_free(&r);
}
END_TEST

/* Interleaving: v chunks per rank; the closed form has v m. */
START_TEST(interleaved_schedule_has_chunks_and_their_bubble)
{
    command_result r;
    schedule_of("  schedule: interleaved\n  virtual_stages: 2\n", "100", &r);
    const char* out = strbuf_text(&r.out);
    ck_assert_ptr_nonnull(strstr(out, "interleaved 1F1B, 2 pipeline ranks of 2 model chunks each"));
    ck_assert_ptr_nonnull(strstr(out, "(p - 1) / (v m + p - 1) = 1 / (2 x 8 + 1) = 5.9 %"));
    ck_assert_double_eq_tol(explain_bubble_fraction(2, 8, 2), 1.0 / 17, 1e-15);
    command_result_free(&r);
}
END_TEST

START_TEST(schedule_refuses_a_bad_width)
{
    command_result r;
    run_trainsim((const char*[]){"schedule", "scenarios/tiny.yaml", "--width", "12", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "--width expects a number of characters from 40"));
    command_result_free(&r);
}
END_TEST

/* The section of EXPLAIN that starts with "NAME:" (up to the next blank
 * line), into OUT. */
static void section_of(const char* explain, const char* name, strbuf* out)
{
    char head[128];
    snprintf(head, sizeof head, "\n%s:", name);
    const char* p = strstr(explain, head);
    ck_assert_msg(p != NULL, "no section %s", name);
    const char* end = strstr(p + 1, "\n\n");
    strbuf_clear(out);
    strbuf_append_n(out, p + 1, end ? (size_t)(end - p - 1) : strlen(p + 1));
}

/* Every part of the breakdown of a run with failures has its section, with
 * a formula and what it gives (or why there is none in closed form). */
START_TEST(explain_covers_every_breakdown_term)
{
    command_result r;
    run_trainsim_ok((const char*[]){"explain", "scenarios/gpt4-a100-25k.yaml", NULL}, &r);
    const char* terms[] = {"Compute", "Pipeline bubble", "Tensor-parallel communication", "Pipeline communication",
                           "Expert dispatch", "Data-parallel communication, exposed", "Optimizer step",
                           "Model states per GPU", "Activations per GPU", "Checkpoints", "Failures",
                           "Work lost to failures", "Detection, restart, checkpoint load", "Waiting for spare nodes",
                           "Checkpoint interval", "Wall-clock"};
    strbuf section = {0};
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++) {
        section_of(strbuf_text(&r.out), terms[i], &section);
        ck_assert_msg(strstr(strbuf_text(&section), "\n  formula    "), "%s: no formula", terms[i]);
        ck_assert_msg(strstr(strbuf_text(&section), "\n  gives      ") || strstr(strbuf_text(&section), "none in closed form"),
                      "%s: nothing it gives", terms[i]);
        ck_assert_msg(strstr(strbuf_text(&section), "\n  why        "), "%s: no why", terms[i]);
    }
    strbuf_free(&section);
    command_result_free(&r);
}
END_TEST

/* Where the closed forms hold, the simulation agrees with them: TP on the
 * NVLink island alone, the checkpoints and the work lost to failures of a
 * small run; Young's interval is sqrt(2 C M) with this run's C and M. */
/* A duration as explain prints it (units_format_seconds): a number, then
 * us, ms, s, h or days. */
static double seconds_in(const char* text)
{
    char* unit;
    double v = strtod(text, &unit);
    while (*unit == ' ')
        unit++;
    if (!strncmp(unit, "us", 2))
        return v * 1e-6;
    if (!strncmp(unit, "ms", 2))
        return v * 1e-3;
    if (!strncmp(unit, "days", 4))
        return v * 86400;
    if (*unit == 'h')
        return v * 3600;
    ck_assert_msg(*unit == 's', "not a duration: %s", text);
    return v;
}

/* What the section's line that starts with LABEL says, past LABEL. */
static const char* after(const strbuf* section, const char* label)
{
    const char* p = strstr(strbuf_text(section), label);
    ck_assert_msg(p != NULL, "no \"%s\" in %s", label, strbuf_text(section));
    return p + strlen(label);
}

START_TEST(explain_agrees_where_the_closed_forms_hold)
{
    command_result r, json;
    run_trainsim_ok((const char*[]){"explain", "tests/campaign/tiny-failures.yaml", NULL}, &r);
    strbuf section = {0};
    const char* agreeing[] = {"Tensor-parallel communication", "Optimizer step", "Checkpoints",
                              "Checkpoint interval"};
    for (size_t i = 0; i < sizeof agreeing / sizeof *agreeing; i++) {
        section_of(strbuf_text(&r.out), agreeing[i], &section);
        ck_assert_msg(strstr(strbuf_text(&section), "they agree within 2 %"), "%s", strbuf_text(&section));
    }
    run_trainsim((const char*[]){"run", "tests/campaign/tiny-failures.yaml", "--json", NULL}, &json);
    const char* out = strbuf_text(&json.out);
    double c = number_in(out, "checkpoint.write_s");
    double m = 1 / (16 / (200 * 3600.0) + 2 / (400 * 3600.0));
    section_of(strbuf_text(&r.out), "Checkpoint interval", &section);
    ck_assert_rel(seconds_in(after(&section, "gives      ")), sqrt(2 * c * m), 1e-5);

    /* The work lost to failures is random: the mean of 50 replications
     * scatters around N (tau + C) / 2 with the compound Poisson standard
     * error sqrt(N (tau + C)^2 / 3 / 50) (a failure falls uniformly in its
     * segment; test_campaign checks the error itself). Explain judges it by
     * the error it measured over the replications: the formula lies within
     * 2 of them, and that error is the compound Poisson one within the
     * scatter of an error estimated from 50 replications (about 10 %). */
    section_of(strbuf_text(&r.out), "Work lost to failures", &section);
    double simulated = seconds_in(after(&section, "Work lost to failures: "));
    double formula = seconds_in(after(&section, "gives      "));
    double error = seconds_in(after(&section, "they agree within 2 standard errors of the mean over 50 replications (2 x "));
    ck_assert_double_eq_tol(simulated, number_in(out, "breakdown.failure_lost_work.seconds"), 1e-3);
    ck_assert(fabs(simulated - formula) <= 2 * error);
    double tau = number_in(out, "checkpoint.interval_s"), blocking = number_in(out, "checkpoint.blocking_s");
    double work = number_in(out, "steps") * number_in(out, "step_time_s"), rate = 1 / m;
    double n = rate * (work + ceil(work / tau) * blocking) / (1 - rate * (tau + blocking) / 2);
    ck_assert_rel(formula, n * (tau + blocking) / 2, 1e-5);
    ck_assert_rel(error, sqrt(n * (tau + blocking) * (tau + blocking) / 3 / 50), 0.3);
    strbuf_free(&section);
    command_result_free(&json);
    command_result_free(&r);
}
END_TEST

/* A term agrees with its closed form within 2 %; a mean over replications
 * also within 2 of its standard errors, and otherwise says how many it is
 * away and why. */
START_TEST(explain_judges_a_random_term_by_its_standard_error)
{
    struct {
        double error;
        const char *says, *not;
    } cases[] = {
        {6, "they agree within 2 standard errors of the mean over 50 replications (2 x 6.000 s)", "why it differs"},
        {4, "gives      90.000 s; simulated +11.1 %, 2.5 standard errors\n  why        why it differs", "agree"},
        {0, "gives      90.000 s; simulated +11.1 %\n  why        why it differs", "standard errors"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        explain_term t = {.name = "Lost", .simulated = 100, .formula = 90, .unit = IN_SECONDS, .share = -1,
                          .per = "per run", .standard_error = cases[i].error, .replications = 50};
        snprintf(t.why, sizeof t.why, "why it differs");
        strbuf_append(&t.text, "N x L / 2");
        strbuf out = {0};
        explain_print_term(&t, &out);
        ck_assert_msg(strstr(strbuf_text(&out), cases[i].says), "%s", strbuf_text(&out));
        ck_assert_msg(!strstr(strbuf_text(&out), cases[i].not), "%s", strbuf_text(&out));
        strbuf_free(&out);
    }
    /* Within 2 % a term agrees whatever its error. */
    explain_term t = {.name = "Lost", .simulated = 100, .formula = 99, .unit = IN_SECONDS, .share = -1,
                      .per = "per run", .standard_error = 0.1, .replications = 50};
    strbuf out = {0};
    explain_print_term(&t, &out);
    ck_assert_msg(strstr(strbuf_text(&out), "they agree within 2 %"), "%s", strbuf_text(&out));
    strbuf_free(&out);
}
END_TEST

Suite* teach_suite(void)
{
    Suite* s = suite_create("teach");
    TCase* tc = tcase_create("schedule");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_column_shows_what_took_most_of_it);
    tcase_add_test(tc, explain_memory_names_only_what_the_scenario_has);
    tcase_add_test(tc, without_a_pipeline_bubble_and_idle_are_exactly_zero);
    tcase_add_test(tc, schedule_draws_every_pass_of_tiny);
    tcase_add_test(tc, gpipe_runs_all_forwards_first);
    tcase_add_test(tc, one_f_one_b_at_80_columns_shows_its_three_phases);
    tcase_add_test(tc, schedule_numbers_never_run_together);
    tcase_add_test(tc, interleaved_schedule_has_chunks_and_their_bubble);
    tcase_add_test(tc, schedule_refuses_a_bad_width);
    tcase_add_test(tc, explain_covers_every_breakdown_term);
    tcase_add_test(tc, explain_agrees_where_the_closed_forms_hold);
    tcase_add_test(tc, explain_judges_a_random_term_by_its_standard_error);
    suite_add_tcase(s, tc);
    return s;
}
