/* test_trace: the Chrome trace-event files of `trainsim run --trace` and
 * output.trace parse as strict JSON, plain or gzip; events are sorted by
 * time with non-negative durations; every track and process is named; each
 * rank's track tiles the step exactly (passes, communication, bubbles, idle)
 * with every forward and backward pass of every micro-batch on it; and the
 * run's job track tiles the first replication with its failures drawn. */
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
    command_result_free(&r);
    unlink(path);
}
END_TEST

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
