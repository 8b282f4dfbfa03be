/* test_trace: the Chrome trace-event files of `trainsim run --trace` and
 * output.trace parse as strict JSON, plain or gzip; events are sorted by
 * time with non-negative durations; every track and process is named; each
 * rank's track tiles the step exactly (passes, communication, bubbles, idle)
 * with every forward and backward pass of every micro-batch on it; the
 * run's job track tiles the first replication with its failures drawn;
 * the counters hold the report's numbers (the power's highest and lowest
 * level are the report's peak and trough, the fullest rank's memory
 * counter peaks at its memory per GPU) and every communication slice says
 * what it waited for, the DP ones with the report's collectives. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"

/* The whole file, through zlib (which reads plain files as they are). */
static json_t* parse_trace(const char* path)
{
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL, "no trace at %s", path);
    strbuf text = {0};
    char chunk[65536];
    int n;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0)
        strbuf_append_n(&text, chunk, (size_t)n);
    gzclose(f);
    json_t* root = parse_json(strbuf_text(&text), text.len);
    strbuf_free(&text);
    return root;
}

static double number_of(const json_t* event, const char* key)
{
    const json_t* v = json_object_get(event, key);
    ck_assert_msg(json_is_number(v), "an event without a number \"%s\"", key);
    return json_number_value(v);
}

static const char* string_of(const json_t* event, const char* key)
{
    const char* v = json_string_value(json_object_get(event, key));
    ck_assert_msg(v != NULL, "an event without a string \"%s\"", key);
    return v;
}

#define MAX_TRACKS 64

typedef struct {
    int    pid, tid;
    int    named;
    double clock;        /* where the track's slices have reached (tiled tracks) */
    int    forward, backward;
    int    instants;
} track;

typedef struct {
    track tracks[MAX_TRACKS];
    int   count;
    int   processes_named[3];
} trace_summary;

static track* track_of(trace_summary* s, int pid, int tid)
{
    for (int i = 0; i < s->count; i++)
        if (s->tracks[i].pid == pid && s->tracks[i].tid == tid)
            return &s->tracks[i];
    ck_assert_int_lt(s->count, MAX_TRACKS);
    s->tracks[s->count] = (track){pid, tid, 0, 0, 0, 0, 0};
    return &s->tracks[s->count++];
}

/* The step's tracks and the run's job track hold slices end to end from 0:
 * each starts where the previous ended (1 ns of rounding allowed). */
static int tiled(int pid, int tid)
{
    return pid == 1 || (pid == 2 && tid == 1);
}

static void check_event(trace_summary* s, const json_t* e, double* last_ts)
{
    const char* ph = string_of(e, "ph");
    int pid = (int)number_of(e, "pid");
    ck_assert(pid == 1 || pid == 2);
    if (!strcmp(ph, "C"))   /* counters: check_numbers */
        return;
    if (!strcmp(ph, "M")) {
        const char* what = string_of(e, "name");
        if (!strcmp(what, "process_name"))
            s->processes_named[pid] = 1;
        if (!strcmp(what, "thread_name"))
            track_of(s, pid, (int)number_of(e, "tid"))->named = 1;
        return;
    }
    string_of(e, "name");
    string_of(e, "cat");
    double ts = number_of(e, "ts");
    ck_assert_msg(ts >= *last_ts, "events out of order: %.3f after %.3f", ts, *last_ts);
    *last_ts = ts;
    track* t = track_of(s, pid, (int)number_of(e, "tid"));
    if (!strcmp(ph, "i")) {
        t->instants++;
        return;
    }
    ck_assert_str_eq(ph, "X");
    double dur = number_of(e, "dur");
    ck_assert(dur >= 0);
    if (tiled(pid, t->tid)) {
        ck_assert_msg(fabs(ts - t->clock) <= 1e-3 + 1e-12 * ts, "track %d/%d: a slice at %.3f after %.3f",
                      pid, t->tid, ts, t->clock);
        t->clock = ts + dur;
    }
    const char* cat = string_of(e, "cat");
    t->forward += !strcmp(cat, "forward");
    t->backward += !strcmp(cat, "backward");
}

/* Checks the structure of the trace at PATH; returns what it found. */
static void check_trace(const char* path, trace_summary* s)
{
    memset(s, 0, sizeof *s);
    json_t* root = parse_trace(path);
    const json_t* events = json_object_get(root, "traceEvents");
    ck_assert(json_is_array(events) && json_array_size(events) > 0);
    double last_ts = 0;
    size_t at;
    const json_t* e;
    json_array_foreach(events, at, e) {
        ck_assert(json_is_object(e));
        check_event(s, e, &last_ts);
    }
    ck_assert(s->processes_named[1] && s->processes_named[2]);
    for (int i = 0; i < s->count; i++)
        ck_assert_msg(s->tracks[i].named, "track %d/%d has no name", s->tracks[i].pid, s->tracks[i].tid);
    json_decref(root);
}

/* Every rank's track reaches the step's end, with M forward and backward
 * passes; the job track reaches the run's wall-clock (DAYS, to 4 digits). */
static void check_tracks(const trace_summary* s, int stages, int m, double step_s, double days)
{
    int ranks = 0;
    for (int i = 0; i < s->count; i++) {
        const track* t = &s->tracks[i];
        if (t->pid == 1) {
            ranks++;
            ck_assert_double_eq_tol(t->clock, step_s * 1e6, 1e-3 + 1e-9 * step_s * 1e6);
            ck_assert_int_eq(t->forward, m);
            ck_assert_int_eq(t->backward, m);
        } else if (t->tid == 1 && days > 0) {
            ck_assert_rel(t->clock / 86400e6, days, 1e-3);
        }
    }
    ck_assert_int_eq(ranks, stages);
}

/* ---- the numbers: counters and args ---------------------------------------------- */

/* The highest and lowest value of counter NAME in EVENTS, and how many samples. */
static int counter_range(const json_t* events, const char* name, const char* key, double* most, double* least)
{
    size_t at;
    const json_t* e;
    int n = 0;
    *most = -INFINITY;
    *least = INFINITY;
    json_array_foreach(events, at, e) {
        if (strcmp(string_of(e, "ph"), "C") || strcmp(string_of(e, "name"), name))
            continue;
        double v = number_of(json_object_get(e, "args"), key);
        *most = fmax(*most, v);
        *least = fmin(*least, v);
        n++;
    }
    return n;
}

static int is_communication(const char* cat)
{
    const char* kinds[] = {"TP", "PP", "EP", "DP", "ZeRO", "CP"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(cat, kinds[i]))
            return 1;
    return 0;
}

/* Every communication slice names what it waited for; a simulated
 * collective its group, algorithm and bytes; a pipeline receive its
 * bytes; the DP gradient reductions of the report's pipeline rank are the
 * report's. Returns how many gradient-reduction slices that rank has. */
static int check_comm_args(const json_t* events, const json_t* report)
{
    int rank = (int)number_at(report, "collectives.pipeline_rank"), reductions = 0;
    size_t at;
    const json_t* e;
    json_array_foreach(events, at, e) {
        if (strcmp(string_of(e, "ph"), "X") || (int)number_of(e, "pid") != 1 || !is_communication(string_of(e, "cat")))
            continue;
        const json_t* args = json_object_get(e, "args");
        ck_assert_msg(json_is_object(args), "a %s slice without args", string_of(e, "cat"));
        const char* collective = json_string_value(json_object_get(args, "collective"));
        if (!collective) {
            ck_assert_str_eq(string_of(e, "cat"), "PP");
            string_of(args, "transfer");
            ck_assert(number_of(args, "bytes") > 0);
            continue;
        }
        if (json_object_get(args, "algorithm")) {
            string_of(args, "group");
            ck_assert(number_of(args, "bytes") > 0 && number_of(args, "ranks") >= 1);
        }
        if (!strcmp(collective, "gradient reduction") && (int)number_of(e, "tid") == rank) {
            ck_assert_double_eq(number_of(args, "bytes"), number_at(report, "collectives.dp_reduce.bytes"));
            ck_assert_double_eq(number_of(args, "ranks"), number_at(report, "collectives.dp_reduce.ranks"));
            ck_assert_str_eq(string_of(args, "algorithm"),
                             json_string_value(value_at(report, "collectives.dp_reduce.algorithm")));
            reductions++;
        }
    }
    return reductions;
}

/* The trace at PATH against the report REPORT_TEXT (run --json); BUFFERS:
 * the activation buffers held throughout (full recompute's layer). */
static void check_numbers(const char* path, const char* report_text, double buffers)
{
    json_t* root = parse_trace(path);
    json_t* report = parse_json(report_text, strlen(report_text));
    const json_t* events = json_object_get(root, "traceEvents");
    double most, least;
    ck_assert_int_gt(counter_range(events, "cluster power", "watts", &most, &least), 1);
    ck_assert_rel(most, 1e6 * number_at(report, "power_mw.peak"), 1e-12);
    ck_assert_rel(least, 1e6 * number_at(report, "power_mw.trough"), 1e-12);
    char name[64];
    snprintf(name, sizeof name, "memory per GPU, pipeline rank %d",
             (int)number_at(report, "memory_per_gpu_bytes.pipeline_rank"));
    ck_assert_int_gt(counter_range(events, name, "bytes", &most, &least), 1);
    ck_assert_double_eq(most, number_at(report, "memory_per_gpu_bytes.total"));
    /* before the first forward pass: all but the activations kept for passes */
    ck_assert_double_eq_tol(least, number_at(report, "memory_per_gpu_bytes.total")
                                       - number_at(report, "memory_per_gpu_bytes.activations") + buffers, 1);
    ck_assert_int_gt(check_comm_args(events, report), 0);
    json_decref(report);
    json_decref(root);
}

START_TEST(tiny_trace_tiles_every_rank_and_the_run)
{
    char path[128];
    temp_path(path, sizeof path, ".json");
    command_result r;
    run_trainsim_ok((const char*[]){"run", "scenarios/tiny.yaml", "--json", "--trace", path, NULL}, &r);
    trace_summary s;
    check_trace(path, &s);
    /* tiny: PP 2, 8 micro-batches; no failures: the run is one training slice. */
    check_tracks(&s, 2, 8, number_in(strbuf_text(&r.out), "step_time_s"),
                 number_in(strbuf_text(&r.out), "wall_clock_days.mean"));
    check_numbers(path, strbuf_text(&r.out), 0);
    command_result_free(&r);
    unlink(path);
}
END_TEST

/* GPT-3 (full recompute) rebuilds one layer of activations at a time in
 * its backward passes, held on top of the stored layer inputs: Korthikanti
 * et al.'s (Table 2) layer without recompute under TP t without sequence
 * parallelism, sbh(10 + 24/t + 5as/(ht)) bytes; s 2048, b 1, h 12288,
 * a 96, t 8. */
static double gpt3_recompute_buffer(void)
{
    double s = 2048, b = 1, h = 12288, a = 96, t = 8;
    return s * b * h * (10 + 24 / t + 5 * a * s / (h * t));
}

/* GPT-3's step is extrapolated from 16 and 32 micro-batches; its trace
 * simulates all 192, gzip-compressed. */
START_TEST(gpt3_trace_is_gzip_json_with_every_micro_batch)
{
    char path[128];
    temp_path(path, sizeof path, ".json.gz");
    command_result r;
    run_trainsim_ok((const char*[]){"run", "scenarios/gpt3-175b-1024.yaml", "--json", "--trace", path, NULL}, &r);
    FILE* f = fopen(path, "rb");
    unsigned char magic[2] = {0};
    ck_assert(f && fread(magic, 1, 2, f) == 2);
    fclose(f);
    ck_assert(magic[0] == 0x1f && magic[1] == 0x8b);
    trace_summary s;
    check_trace(path, &s);
    /* The whole step's tracks end where the extrapolated step does, to 0.1 %. */
    double step = number_in(strbuf_text(&r.out), "step_time_s");
    for (int i = 0; i < s.count; i++)
        if (s.tracks[i].pid == 1) {
            ck_assert_rel(s.tracks[i].clock / 1e6, step, 1e-3);
            ck_assert_int_eq(s.tracks[i].forward, 192);
        }
    check_numbers(path, strbuf_text(&r.out), gpt3_recompute_buffer());
    command_result_free(&r);
    unlink(path);
}
END_TEST

/* output.trace in the scenario asks for the same file; failures appear as
 * instants, and the job track still tiles the first replication. */
START_TEST(scenario_output_trace_draws_failures)
{
    char path[128], yaml[128];
    temp_path(path, sizeof path, ".json");
    temp_path(yaml, sizeof yaml, ".yaml");
    strbuf text = {0};
    read_file("tests/campaign/tiny-failures.yaml", &text);
    replace_once(&text, "output: {replications: 50}", "output: {replications: 3, trace: ");
    strbuf_printf(&text, "%s}\n", path);
    FILE* f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    fputs(strbuf_text(&text), f);
    fclose(f);
    command_result r;
    run_trainsim_ok((const char*[]){"run", yaml, NULL}, &r);
    trace_summary s;
    check_trace(path, &s);
    int failures = 0, job = 0;
    for (int i = 0; i < s.count; i++) {
        failures += s.tracks[i].pid == 2 ? s.tracks[i].instants : 0;
        job |= s.tracks[i].pid == 2 && s.tracks[i].tid == 1 && s.tracks[i].clock > 50 * 3600e6;
    }
    ck_assert_int_gt(failures, 0);   /* 57 h of work, a failure every 12 h or so */
    ck_assert(job);
    command_result_free(&r);
    strbuf_free(&text);
    unlink(path);
    unlink(yaml);
}
END_TEST

/* A trace that cannot be written is an error (exit 2) that names it, and
 * leaves nothing behind. */
START_TEST(unwritable_trace_is_an_error)
{
    command_result r;
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--trace", "/nonexistent-dir/t.json", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "cannot write the trace /nonexistent-dir/t.json"));
    command_result_free(&r);
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--trace", NULL}, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(strbuf_text(&r.err), "--trace expects a file name"));
    command_result_free(&r);
}
END_TEST

Suite* trace_suite(void)
{
    Suite* s = suite_create("trace");
    TCase* tc = tcase_create("trace");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tiny_trace_tiles_every_rank_and_the_run);
    tcase_add_test(tc, gpt3_trace_is_gzip_json_with_every_micro_batch);
    tcase_add_test(tc, scenario_output_trace_draws_failures);
    tcase_add_test(tc, unwritable_trace_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
