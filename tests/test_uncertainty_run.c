/* test_uncertainty_run: `trainsim run` on scenarios with uncertain inputs,
 * end to end. Each sample's outcome is the closed form at its drawn input
 * (the pipeline bubble through the micro-batch count; the wall-clock
 * through the tokens) and the reported percentiles are those of the inputs
 * mapped through the closed form; each band's probability is the share
 * counted here from the samples' rows; the design is stratified; the step
 * cache and the number of workers change no byte; samples that cannot run
 * are counted by reason; --resume, --nominal and the text section. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "core/rowfile.h"
#include "core/sample_stats.h"

/* Four one-GPU stages on a network too fast to matter: the step is the
 * flow shop of its stages (test_iteration.c), the bubble its idle time. */
static const char pipeline[] =
    "format: 1\n"
    "model: {layers: 8, hidden: 1024, heads: 16, vocab: 1, seq_len: 1024}\n"
    "gpu: a100-sxm4-80gb\n"
    "cluster:\n  nodes: 4\n  gpus_per_node: 1\n"
    "  nic: {count: 1, bandwidth: 100000Gbps, latency: 0s, efficiency: 1}\n"
    "parallelism: {tp: 1, pp: 4, dp: 1, schedule: 1f1b, recompute: none}\n"
    "training: {global_batch: 12, iterations: 1}\n"
    "output: {samples: 16}\n"
    "uncertain:\n  training.global_batch: {uniform: [4, 40]}\n";

/* ---- rows ------------------------------------------------------------------- */

typedef struct {
    json_t* row[256];
    int     count;
} rows;

static void add_row(const char* line, void* arg)
{
    rows* r = arg;
    ck_assert_int_lt(r->count, 256);
    r->row[r->count++] = parse_json(line, strlen(line));
}

static void read_rows(const char* path, rows* r)
{
    r->count = 0;
    ck_assert_int_eq(rowfile_read_lines(path, add_row, r), 0);
}

static void free_rows(rows* r)
{
    for (int i = 0; i < r->count; i++)
        json_decref(r->row[i]);
}

/* A row's column: its key holds dots ("training.tokens", "wall_clock_days.mean"). */
static double column(const json_t* row, const char* key)
{
    const json_t* v = json_object_get(row, key);
    ck_assert_msg(json_is_number(v), "no number in column %s", key);
    return json_number_value(v);
}

static int row_ok(const json_t* row)
{
    return !strcmp(json_string_value(value_at(row, "status")), "ok");
}

/* Runs `trainsim run PATH --json --rows ROWS -j 2` (and EXTRA) on TEXT: the
 * report, parsed, and the rows. */
static json_t* run_study(const char* text, const char* extra, strbuf* out, rows* r)
{
    char path[128], rows_path[128];
    temp_path(path, sizeof path, ".yaml");
    temp_path(rows_path, sizeof rows_path, ".jsonl");
    write_text(path, text);
    command_result c;
    run_trainsim_ok((const char*[]){"run", path, "--json", "--rows", rows_path, "-j", "2", extra, NULL}, &c);
    strbuf_append(out, strbuf_text(&c.out));
    read_rows(rows_path, r);
    unlink(path);
    unlink(rows_path);
    command_result_free(&c);
    return parse_json(out->data, out->len);
}

/* ---- the bubble through the micro-batches ---------------------------------- */

/* The bubble's share of the step at M micro-batches from the stages'
 * times: the pipeline is sum(f) + sum(b) + (m - 1)(max f + max b) (the flow
 * shop), every rank busy m (f_s + b_s) of it; the optimizer step follows on
 * pipeline rank 0, the last to finish its backward passes. */
static double closed_bubble_fraction(const run_result* r, int p, int m)
{
    double sum = 0, max_f = 0, max_b = 0;
    for (int s = 0; s < p; s++) {
        sum += r->work.stage[s].fwd_seconds + r->work.stage[s].bwd_seconds;
        max_f = fmax(max_f, r->work.stage[s].fwd_seconds);
        max_b = fmax(max_b, r->work.stage[s].bwd_seconds);
    }
    double makespan = sum + (m - 1) * (max_f + max_b);
    double bubble = makespan - m * sum / p;
    return bubble / (makespan + r->work.rank[0].optimizer_seconds);
}

START_TEST(each_sample_is_the_closed_form_at_its_input)
{
    scenario sc;
    run_result nominal;
    load_scenario(pipeline, &sc);
    ck_assert_int_eq(run_prepare(&sc, &nominal), 0);
    strbuf out = {0};
    rows r;
    json_t* report = run_study(pipeline, NULL, &out, &r);
    ck_assert_int_eq(r.count, 16);
    double closed[16];
    for (int i = 0; i < r.count; i++) {
        ck_assert(row_ok(r.row[i]));
        double batch = column(r.row[i], "training.global_batch"), m = column(r.row[i], "parallelism.micro_batches");
        ck_assert(batch >= 4 && batch <= 40 && batch == floor(batch) && m == batch);
        closed[i] = closed_bubble_fraction(&nominal, 4, (int)m);
        ck_assert_rel(column(r.row[i], "breakdown.bubble.fraction"), closed[i], 0.002);
    }
    qsort(closed, 16, sizeof *closed, sample_compare);
    ck_assert_rel(number_at(report, "uncertainty.percentiles.bubble_fraction.p10"), sample_quantile(closed, 16, 0.1),
                  0.002);
    ck_assert_rel(number_at(report, "uncertainty.percentiles.bubble_fraction.p50"), sample_quantile(closed, 16, 0.5),
                  0.002);
    ck_assert_rel(number_at(report, "uncertainty.percentiles.bubble_fraction.p90"), sample_quantile(closed, 16, 0.9),
                  0.002);
    ck_assert_double_eq(number_at(report, "uncertainty.valid"), 16);
    json_decref(report);
    free_rows(&r);
    strbuf_free(&out);
    run_result_free(&nominal);
    scenario_free(&sc);
}
END_TEST

/* Each band's probability and all of them together are the shares of the
 * samples that ran, counted here from their rows; the target region is the
 * least and greatest input among those in every band. */
START_TEST(band_probabilities_are_the_shares_of_the_rows)
{
    strbuf text = {0}, out = {0};
    strbuf_printf(&text, "%stargets: {bubble_fraction: [0.1, 0.3], step_time_s: [0, 0.06]}\n", pipeline);
    rows r;
    json_t* report = run_study(strbuf_text(&text), NULL, &out, &r);
    int valid = 0, in_bubble = 0, in_step = 0, in_both = 0, nearest = -1;
    double lo = HUGE_VAL, hi = -HUGE_VAL, gap = HUGE_VAL;
    for (int i = 0; i < r.count; i++) {
        if (!row_ok(r.row[i]))
            continue;
        double bubble = column(r.row[i], "breakdown.bubble.fraction"), step = column(r.row[i], "step_time_s");
        int a = bubble >= 0.1 && bubble <= 0.3, b = step >= 0 && step <= 0.06;
        double off = bubble < 0.1 ? 0.1 - bubble : bubble > 0.3 ? bubble - 0.3 : 0;
        if (off < gap) {
            gap = off;
            nearest = i;
        }
        valid++;
        in_bubble += a;
        in_step += b;
        if (a && b) {
            in_both++;
            lo = fmin(lo, column(r.row[i], "training.global_batch"));
            hi = fmax(hi, column(r.row[i], "training.global_batch"));
        }
    }
    ck_assert_msg(in_both > 0 && in_both < in_bubble && in_both < in_step, "a band that decides nothing");
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.per_target.bubble_fraction"),
                        (double)in_bubble / valid);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.per_target.step_time_s"),
                        (double)in_step / valid);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.overall"), (double)in_both / valid);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.closest.bubble_fraction.sample"), nearest);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.closest.bubble_fraction.value"),
                        column(r.row[nearest], "breakdown.bubble.fraction"));
    double wilson_lo, wilson_hi;   /* the interval of the overall share, from the rows' counts */
    sample_wilson_interval(in_both, valid, SAMPLE_Z95, &wilson_lo, &wilson_hi);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.overall_95.0"), wilson_lo);
    ck_assert_double_eq(number_at(report, "uncertainty.target_probability.overall_95.1"), wilson_hi);
    ck_assert_double_eq(number_at(report, "uncertainty.target_region.samples"), in_both);
    ck_assert_double_eq(number_at(report, "uncertainty.target_region.inputs.0.min"), lo);
    ck_assert_double_eq(number_at(report, "uncertainty.target_region.inputs.0.max"), hi);
    json_decref(report);
    free_rows(&r);
    strbuf_free(&out);
    strbuf_free(&text);
}
END_TEST

/* ---- the wall-clock through the tokens ---------------------------------------- */

/* The tiny scenario whose only uncertain input is the tokens, with
 * EXTRA appended. */
static void tokens_study(strbuf* text, const char* extra)
{
    tiny_scenario(text, NULL, NULL, NULL, NULL);
    strbuf_printf(text, "output: {samples: 20}\nuncertain:\n  training.tokens: {uniform: [1e9, 2e9]}\n%s",
                  extra ? extra : "");
}

/* tokens_study's file, written to a fresh PATH. */
static void tokens_study_file(strbuf* text, const char* extra, char* path, size_t size)
{
    tokens_study(text, extra);
    temp_path(path, size, ".yaml");
    write_text(path, strbuf_text(text));
}

/* Without failures the run is its steps: days = ceil(tokens / (batch x
 * sequence)) x step time / 86400 at each sample's tokens, the step the
 * nominal's (the tokens do not shape it: every sample but the first reuses
 * its simulation). Each of the 20 strata of [1e9, 2e9] holds one sample. */
START_TEST(days_follow_the_tokens_in_every_stratum)
{
    strbuf text = {0}, out = {0};
    tokens_study(&text, NULL);
    rows r;
    json_t* report = run_study(strbuf_text(&text), "--stats", &out, &r);
    double step = number_at(report, "step_time_s"), per_step = 32.0 * 1024;
    int hits[20] = {0};
    for (int i = 0; i < r.count; i++) {
        double tokens = column(r.row[i], "training.tokens");
        ck_assert(column(r.row[i], "step_time_s") == step);
        ck_assert_rel(column(r.row[i], "wall_clock_days.mean"), ceil(tokens / per_step) * step / 86400, 1e-12);
        hits[(int)floor((tokens - 1e9) / 1e9 * 20)]++;
    }
    for (int s = 0; s < 20; s++)
        ck_assert_int_eq(hits[s], 1);
    json_decref(report);
    free_rows(&r);
    strbuf_free(&out);
    strbuf_free(&text);
}
END_TEST

/* ---- bytes ------------------------------------------------------------------------ */

/* Failures, checkpoints and replications drawn with one step-shaping
 * choice: two step simulations serve the sixteen samples. */
static const char cached_extra[] =
    "failures:\n  components:\n    - {kind: gpu, mtbf: 2000h, repair: 4h}\n    - {kind: host, mtbf: 5000h, repair: 4h}\n"
    "  spares: 1\n"
    "uncertain:\n"
    "  failures.components[0].mtbf: {loguniform: [500h, 5000h]}\n"
    "  failures.restart: {triangular: [5min, 10min, 30min]}\n"
    "  checkpoint.async: {choice: [true, false]}\n"
    "  output.replications: {uniform: [3, 9]}\n"
    "  parallelism.micro_batch: {choice: [1, 2]}\n"
    "output: {samples: 16}\n";

/* The cache-free run, through the tests' build of trainsim. */
static void run_hooks(const char* path, const char* rows_path, int no_cache, command_result* c)
{
    const char* hooks = getenv("TRAINSIM_TEST_HOOKS_BIN") ? getenv("TRAINSIM_TEST_HOOKS_BIN")
                                                          : "build/trainsim-test-hooks";
    if (no_cache)
        setenv("TRAINSIM_NO_STEP_CACHE", "1", 1);
    run_program((const char*[]){hooks, "run", path, "--json", "--stats", "--rows", rows_path, "-j", "2", NULL}, c);
    unsetenv("TRAINSIM_NO_STEP_CACHE");
    ck_assert_msg(c->status == 0, "%s", strbuf_text(&c->err));
}

START_TEST(the_step_cache_changes_no_byte)
{
    strbuf text = {0}, rows_with = {0}, rows_without = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "tokens: 1e9", "tokens: 1e11");
    strbuf_append(&text, cached_extra);
    char path[128], with[128], without[128];
    temp_path(path, sizeof path, ".yaml");
    temp_path(with, sizeof with, ".jsonl");
    temp_path(without, sizeof without, ".jsonl");
    write_text(path, strbuf_text(&text));
    command_result a, b;
    run_hooks(path, with, 0, &a);
    run_hooks(path, without, 1, &b);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&a.err), "16 samples, 14 of them reused another's step simulations"));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&b.err), "16 samples, 0 of them reused"));
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    read_file(with, &rows_with);
    read_file(without, &rows_without);
    ck_assert_str_eq(strbuf_text(&rows_with), strbuf_text(&rows_without));
    ck_assert_ptr_nonnull(strstr(strbuf_text(&rows_with), "\"failures.gpu\": "));   /* failures did happen */
    unlink(path);
    unlink(with);
    unlink(without);
    command_result_free(&a);
    command_result_free(&b);
    strbuf_free(&text);
    strbuf_free(&rows_with);
    strbuf_free(&rows_without);
}
END_TEST

/* The same scenario gives the same report whatever -j; another seed draws
 * other samples. */
START_TEST(same_seed_same_bytes_whatever_the_workers)
{
    strbuf text = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "tokens: 1e9", "tokens: 1e11");
    strbuf_append(&text, cached_extra);
    char path[128];
    temp_path(path, sizeof path, ".yaml");
    write_text(path, strbuf_text(&text));
    command_result a, b, c;
    run_trainsim_ok((const char*[]){"run", path, "--json", "-j", "1", NULL}, &a);
    run_trainsim_ok((const char*[]){"run", path, "--json", "-j", "3", NULL}, &b);
    run_trainsim_ok((const char*[]){"run", path, "--json", "--seed", "5", NULL}, &c);
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    json_t* first = parse_json(a.out.data, a.out.len);
    json_t* other = parse_json(c.out.data, c.out.len);
    ck_assert(number_at(first, "uncertainty.percentiles.wall_clock_days.p50") !=
              number_at(other, "uncertainty.percentiles.wall_clock_days.p50"));
    ck_assert_double_eq(number_at(other, "uncertainty.seed"), 5);
    json_decref(first);
    json_decref(other);
    unlink(path);
    command_result_free(&a);
    command_result_free(&b);
    command_result_free(&c);
    strbuf_free(&text);
}
END_TEST

/* ---- samples that cannot run ------------------------------------------------------ */

/* A micro-batch that does not split the batch (invalid), a GPU too small
 * (infeasible) and a checkpoint interval the key refuses (invalid, at the
 * value's place under uncertain:): counted by status and reason, as many as
 * their rows say. */
START_TEST(samples_that_cannot_run_are_counted_by_reason)
{
    strbuf text = {0}, out = {0};
    tiny_scenario(&text, NULL, NULL, NULL, NULL);
    replace_once(&text, "gpu: a100-sxm4-80gb", "gpu: {base: a100-sxm4-80gb}");
    strbuf_append(&text, "output: {samples: 24}\n"
                         "uncertain:\n"
                         "  parallelism.micro_batch: {choice: [1, 3], weights: [3, 1]}\n"
                         "  gpu.hbm: {choice: [80GiB, 1GiB], weights: [3, 1]}\n"
                         "  checkpoint.interval: {choice: [auto, never], weights: [3, 1]}\n");
    rows r;
    json_t* report = run_study(strbuf_text(&text), NULL, &out, &r);
    int ok = 0, invalid = 0, infeasible = 0;
    for (int i = 0; i < r.count; i++) {
        const char* status = json_string_value(value_at(r.row[i], "status"));
        ok += !strcmp(status, "ok");
        invalid += !strcmp(status, "invalid");
        infeasible += !strcmp(status, "infeasible");
    }
    ck_assert_int_eq(ok + invalid + infeasible, 24);
    ck_assert(ok > 0 && invalid > 0 && infeasible > 0);
    ck_assert_double_eq(number_at(report, "uncertainty.valid"), ok);
    const json_t* faults = value_at(report, "uncertainty.invalid");
    int counted[2] = {0}, at_value = 0;
    for (size_t i = 0; i < json_array_size(faults); i++) {
        const json_t* f = json_array_get(faults, i);
        const char* status = json_string_value(value_at(f, "status"));
        const char* example = json_string_value(value_at(f, "example"));
        counted[!strcmp(status, "infeasible")] += (int)number_at(f, "samples");
        if (!strcmp(status, "infeasible"))
            ck_assert_ptr_nonnull(strstr(json_string_value(value_at(f, "reason")), "needs # GiB per GPU"));
        /* "never" is written at line 23, column 40 of the file */
        at_value += strstr(example, ":23:40: checkpoint.interval: expected auto, a duration") != NULL;
    }
    ck_assert_int_eq(counted[0], invalid);
    ck_assert_int_eq(counted[1], infeasible);
    ck_assert_int_eq(at_value, 1);
    json_decref(report);
    free_rows(&r);
    strbuf_free(&out);
    strbuf_free(&text);
}
END_TEST

/* ---- resume, the nominal run, the text ------------------------------------------------ */

/* A study killed half-way and resumed from its rows gives the report and the
 * rows of one uninterrupted run. */
START_TEST(a_resumed_study_gives_the_same_report)
{
    strbuf text = {0}, whole = {0}, kept = {0};
    tokens_study(&text, NULL);
    char path[128], rows_path[128];
    temp_path(path, sizeof path, ".yaml");
    temp_path(rows_path, sizeof rows_path, ".jsonl");
    write_text(path, strbuf_text(&text));
    command_result a, b;
    run_trainsim_ok((const char*[]){"run", path, "--json", "--rows", rows_path, NULL}, &a);
    read_file(rows_path, &whole);
    const char* cut = whole.data;
    for (int line = 0; line < 7; line++)
        cut = strchr(cut, '\n') + 1;
    strbuf_append_n(&kept, whole.data, (size_t)(cut - whole.data) + 40);   /* seven rows and half of one */
    write_text(rows_path, strbuf_text(&kept));
    run_trainsim_ok((const char*[]){"run", path, "--json", "--rows", rows_path, "--resume", NULL}, &b);
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    strbuf_clear(&kept);
    read_file(rows_path, &kept);
    ck_assert_str_eq(strbuf_text(&kept), strbuf_text(&whole));
    unlink(path);
    unlink(rows_path);
    command_result_free(&a);
    command_result_free(&b);
    strbuf_free(&text);
    strbuf_free(&whole);
    strbuf_free(&kept);
}
END_TEST

/* --nominal runs the scenario as written: the same report but for its
 * "uncertainty", null; --rows needs a study. */
START_TEST(nominal_runs_the_scenario_as_written)
{
    strbuf text = {0};
    char path[128];
    tokens_study_file(&text, NULL, path, sizeof path);
    command_result a, b, c;
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &a);
    run_trainsim_ok((const char*[]){"run", path, "--json", "--nominal", NULL}, &b);
    run_trainsim((const char*[]){"run", path, "--nominal", "--rows", "x.jsonl", NULL}, &c);
    const char* study = strstr(strbuf_text(&a.out), "\"uncertainty\": {");
    ck_assert_ptr_nonnull(study);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&b.out), "\"uncertainty\": null"));
    ck_assert_int_eq(strncmp(a.out.data, b.out.data, (size_t)(study - a.out.data)), 0);
    ck_assert_int_eq(c.status, 2);
    ck_assert_str_eq(strbuf_text(&c.err),
                     "trainsim: --rows keeps the rows of an uncertainty study's samples: --nominal runs none\n");
    unlink(path);
    command_result_free(&a);
    command_result_free(&b);
    command_result_free(&c);
    strbuf_free(&text);
}
END_TEST

/* --samples N is output.samples: N, to the byte. */
START_TEST(samples_option_is_output_samples)
{
    strbuf text = {0};
    char path[128];
    tokens_study_file(&text, NULL, path, sizeof path);
    command_result a, b;
    run_trainsim_ok((const char*[]){"run", path, "--json", "--samples", "8", NULL}, &a);
    replace_once(&text, "output: {samples: 20}", "output: {samples: 8}");
    write_text(path, strbuf_text(&text));
    run_trainsim_ok((const char*[]){"run", path, "--json", NULL}, &b);
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    ck_assert_double_eq(number_in(strbuf_text(&a.out), "uncertainty.samples"), 8);
    unlink(path);
    command_result_free(&a);
    command_result_free(&b);
    strbuf_free(&text);
}
END_TEST

/* The text report's section: the draws, the percentiles, the bands and the
 * drivers, the strongest first (the tokens set the days; the price of a
 * GPU-hour sets neither the days nor the MFU). */
START_TEST(text_report_names_what_drives_the_run)
{
    strbuf text = {0};
    char path[128];
    tokens_study_file(&text, "  cost.gpu_hour: {uniform: [1, 2]}\ntargets: {wall_clock_days: [0, 0.02]}\n", path, sizeof path);
    command_result a;
    run_trainsim_ok((const char*[]){"run", path, NULL}, &a);
    const char* out = strbuf_text(&a.out);
    ck_assert_ptr_nonnull(strstr(out, "\nSamples  20 draws of 2 uncertain inputs (Latin hypercube, seed 1): 20 ran\n"));
    ck_assert_ptr_nonnull(strstr(out, "  wall-clock days  "));
    ck_assert_ptr_nonnull(strstr(out, "\nTargets  band "));
    ck_assert_ptr_nonnull(strstr(out, "\n         wall_clock_days in [0, 0.02] "));
    ck_assert_ptr_nonnull(strstr(out, "\n         all at once "));
    const char* drivers = strstr(out, "\nDrivers  ");
    ck_assert_ptr_nonnull(drivers);
    const char* tokens = strstr(drivers, "  training.tokens    ");
    const char* price = strstr(drivers, "  cost.gpu_hour    ");
    ck_assert(tokens && price && tokens < price);
    ck_assert_ptr_nonnull(strstr(tokens, "days +1.00"));
    unlink(path);
    command_result_free(&a);
    strbuf_free(&text);
}
END_TEST

/* On a terminal (script(1) gives it one), stderr gets the samples' progress. */
START_TEST(progress_shows_on_a_terminal)
{
    strbuf text = {0};
    char path[128], command[512];
    tokens_study_file(&text, NULL, path, sizeof path);
    const char* trainsim = getenv("TRAINSIM") ? getenv("TRAINSIM") : "build/trainsim";
    snprintf(command, sizeof command, "%s run %s --json > /dev/null", trainsim, path);
    command_result r;
    run_program((const char*[]){"/usr/bin/script", "-qec", command, "/dev/null", NULL}, &r);
    ck_assert_msg(r.status == 0, "%s%s", strbuf_text(&r.out), strbuf_text(&r.err));
    ck_assert_msg(strstr(strbuf_text(&r.out), "trainsim run: 20/20 samples, "), "no progress line in \"%s\"",
                  strbuf_text(&r.out));
    unlink(path);
    command_result_free(&r);
    strbuf_free(&text);
}
END_TEST

Suite* uncertainty_run_suite(void)
{
    Suite* s = suite_create("uncertainty_run");
    TCase* tc = tcase_create("study");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, each_sample_is_the_closed_form_at_its_input);
    tcase_add_test(tc, band_probabilities_are_the_shares_of_the_rows);
    tcase_add_test(tc, days_follow_the_tokens_in_every_stratum);
    tcase_add_test(tc, the_step_cache_changes_no_byte);
    tcase_add_test(tc, same_seed_same_bytes_whatever_the_workers);
    tcase_add_test(tc, samples_that_cannot_run_are_counted_by_reason);
    tcase_add_test(tc, a_resumed_study_gives_the_same_report);
    tcase_add_test(tc, nominal_runs_the_scenario_as_written);
    tcase_add_test(tc, samples_option_is_output_samples);
    tcase_add_test(tc, text_report_names_what_drives_the_run);
    tcase_add_test(tc, progress_shows_on_a_terminal);
    suite_add_tcase(s, tc);
    return s;
}
