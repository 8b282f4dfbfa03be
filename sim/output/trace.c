/* trace: step and run timelines as Chrome trace-event JSON (see trace.h).
 *
 * Format: "Trace Event Format", Google, the JSON Object Format with
 * complete events (ph "X": ts and dur in microseconds), instant events
 * (ph "i", scope "t"), counter events (ph "C": the value in args, held
 * until the next) and metadata events (ph "M": process_name, thread_name
 * and their sort indexes). */
#include "output/trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/rowfile.h"
#include "output/trace_numbers.h"

enum { STEP_PID = 1, RUN_PID = 2 };
enum { JOB_TID = 1, WRITE_TID, LOST_TID, FAILURE_TID };

typedef struct {
    double      ts, dur;        /* microseconds; dur < 0 for an instant */
    int         pid, tid;
    const char* cat;
    char        name[48];
    int         micro_batch, chunk;   /* -1: not a pass's */
    double      cycles;               /* run training slices: segments taken together */
    int         order;                /* insertion order: ties keep it */
    char*       args;                 /* communication slices: trace_comm_args' members (owned) */
    const char* counter;              /* counters: the value's key in args (NULL: not a counter) */
    double      value;
} trace_event;

typedef struct {
    trace_event* items;
    int          count, cap;
} event_list;

static trace_event* add_event(event_list* l, int pid, int tid, double start_s, double end_s, const char* cat)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
    }
    trace_event* e = &l->items[l->count];
    *e = (trace_event){start_s * 1e6, end_s < 0 ? -1 : (end_s - start_s) * 1e6, pid, tid, cat, "", -1, -1, 0,
                       l->count, NULL, NULL, 0};
    l->count++;
    return e;
}

/* ---- the step ----------------------------------------------------------------- */

static void name_pass(const busy_interval* b, int chunks, char* name, size_t size)
{
    const char* kind = b->what == WORK_FORWARD ? "F" : "B";
    if (chunks > 1)
        snprintf(name, size, "%s%d.%d", kind, b->micro_batch, b->chunk);
    else
        snprintf(name, size, "%s%d", kind, b->micro_batch);
}

static void add_interval(event_list* l, const run_result* r, const busy_interval* b)
{
    trace_event* e = add_event(l, STEP_PID, b->stage, b->start, b->end, work_kind_name(b->what));
    if (b->what == WORK_FORWARD || b->what == WORK_BACKWARD)
        name_pass(b, r->plan.chunks, e->name, sizeof e->name);
    else
        snprintf(e->name, sizeof e->name, "%s", work_kind_name(b->what));
    e->micro_batch = b->micro_batch;
    e->chunk = b->chunk;
    strbuf args = {0};
    trace_comm_args(r, b, &args);
    e->args = args.data;   /* NULL when there are none */
}

/* A gap of a rank's track: bubble while its pipeline runs, idle after. */
static void add_gap(event_list* l, int stage, double from, double to, double pipeline_end, double instant)
{
    if (to - from <= instant)
        return;
    if (from < pipeline_end - instant) {
        double until = fmin(to, pipeline_end);
        snprintf(add_event(l, STEP_PID, stage, from, until, "bubble")->name, 48, "bubble");
        from = until;
    }
    if (to - from > instant)
        snprintf(add_event(l, STEP_PID, stage, from, to, "idle")->name, 48, "idle");
}

static void step_events(const run_result* r, event_list* l)
{
    const step_profile* t = &r->timeline;
    busy_interval* b = step_profile_sorted_busy(t);
    double instant = 1e-9 * t->step_time;
    for (int s = 0, i = 0; s < t->stages; s++) {
        double clock = 0, pipeline_end = t->stage[s].pipeline_end;
        for (; i < t->busy_count && b[i].stage == s; i++) {
            add_gap(l, s, clock, b[i].start, pipeline_end, instant);
            add_interval(l, r, &b[i]);
            clock = fmax(clock, b[i].end);
        }
        add_gap(l, s, clock, t->step_time, pipeline_end, instant);
    }
    free(b);
}

/* ---- counters: the cluster's power and each rank's memory over the step ---------- */

static void add_counter(event_list* l, double t, const char* name, const char* key, double value)
{
    trace_event* e = add_event(l, STEP_PID, 0, t, -1, "counter");
    snprintf(e->name, sizeof e->name, "%s", name);
    e->counter = key;
    e->value = value;
}

/* The facility's power (power.h, the levels behind the report's peak and
 * trough) and, per pipeline rank, one GPU's memory (trace_numbers.h), each
 * a level per change and a last sample at the step's end. */
static void counter_events(const scenario* sc, const run_result* r, event_list* l)
{
    const step_profile* t = &r->timeline;
    power_level* power;
    int n = power_levels(&sc->power, t, (double)r->world_gpus, (double)scenario_job_nodes(sc), &power);
    for (int i = 0; i < n; i++)
        add_counter(l, power[i].time, "cluster power", "watts", power[i].watts);
    add_counter(l, t->busy_span, "cluster power", "watts", power[n - 1].watts);
    free(power);
    for (int s = 0; s < t->stages; s++) {
        char name[48];
        snprintf(name, sizeof name, "memory per GPU, pipeline rank %d", s);
        counter_level* memory;
        int m = trace_memory_levels(sc, r, s, &memory);
        for (int i = 0; i < m; i++)
            add_counter(l, memory[i].time, name, "bytes", memory[i].value);
        add_counter(l, t->step_time, name, "bytes", memory[m - 1].value);
        free(memory);
    }
}

/* ---- the run -------------------------------------------------------------------- */

static int run_track(run_event_kind kind)
{
    switch (kind) {
    case RUN_WRITE:   return WRITE_TID;
    case RUN_LOST:    return LOST_TID;
    case RUN_FAILURE: return FAILURE_TID;
    default:          return JOB_TID;
    }
}

static void run_events(const run_result* r, event_list* l)
{
    const campaign_log* log = &r->run_log;
    for (int i = 0; i < log->count; i++) {
        const run_event* ev = &log->events[i];
        int instant = ev->kind == RUN_FAILURE;
        trace_event* e = add_event(l, RUN_PID, run_track(ev->kind), ev->start, instant ? -1 : ev->end,
                                   run_event_kind_name(ev->kind));
        if (instant)
            snprintf(e->name, sizeof e->name, "%s failure", failure_kind_name(r->campaign_in.classes[ev->cls].kind));
        else if (ev->kind == RUN_TRAINING && ev->cycles > 1)
            snprintf(e->name, sizeof e->name, "training, %.0f checkpointed segments", ev->cycles);
        else
            snprintf(e->name, sizeof e->name, "%s", run_event_kind_name(ev->kind));
        e->cycles = ev->cycles;
    }
}

/* ---- writing --------------------------------------------------------------------- */

static int compare_event(const void* a, const void* b)
{
    const trace_event *x = a, *y = b;
    if (x->ts != y->ts)
        return (x->ts > y->ts) - (x->ts < y->ts);
    return x->order - y->order;
}

/* Starts the next element of traceEvents. */
static void next_element(strbuf* out, int* written)
{
    strbuf_append(out, (*written)++ ? ",\n" : "\n");
}

static void metadata(strbuf* out, int* written, const char* what, int pid, int tid, const char* key,
                     const char* text, int number)
{
    next_element(out, written);
    strbuf_printf(out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d", what, pid);
    if (tid >= 0)
        strbuf_printf(out, ",\"tid\":%d", tid);
    strbuf_printf(out, ",\"args\":{\"%s\":", key);
    if (text)
        json_quote(out, text);
    else
        strbuf_printf(out, "%d", number);
    strbuf_append(out, "}}");
}

static void name_track(strbuf* out, int* written, int pid, int tid, const char* name)
{
    metadata(out, written, "thread_name", pid, tid, "name", name, 0);
    metadata(out, written, "thread_sort_index", pid, tid, "sort_index", NULL, tid);
}

static void track_names(const scenario* sc, const run_result* r, strbuf* out, int* written)
{
    char text[160];
    snprintf(text, sizeof text, "step: one of the final batch, %d micro-batches, %.6g s", r->plan.micro_batches,
             r->timeline.step_time);
    metadata(out, written, "process_name", STEP_PID, -1, "name", text, 0);
    metadata(out, written, "process_sort_index", STEP_PID, -1, "sort_index", NULL, STEP_PID);
    const parallel_spec* p = &sc->par;
    for (int s = 0; s < r->timeline.stages; s++) {
        snprintf(text, sizeof text, "pipeline rank %d (stands for its %d GPUs)", s, p->tp * p->cp * p->dp);
        name_track(out, written, STEP_PID, s, text);
    }
    snprintf(text, sizeof text, "run: replication 1 of %d, %.6g days", r->campaign.replications,
             r->run_log.count ? r->run_log.events[r->run_log.count - 1].end / 86400 : 0);
    metadata(out, written, "process_name", RUN_PID, -1, "name", text, 0);
    metadata(out, written, "process_sort_index", RUN_PID, -1, "sort_index", NULL, RUN_PID);
    name_track(out, written, RUN_PID, JOB_TID, "job: training, checkpoints, recoveries");
    name_track(out, written, RUN_PID, WRITE_TID, "asynchronous checkpoint writes");
    name_track(out, written, RUN_PID, LOST_TID, "work lost to failures");
    name_track(out, written, RUN_PID, FAILURE_TID, "failures");
}

static void write_event(strbuf* out, const trace_event* e)
{
    strbuf_append(out, "{\"name\":");
    json_quote(out, e->name);
    strbuf_printf(out, ",\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f", e->cat, e->pid, e->tid, e->ts);
    char value[JSON_NUMBER_SIZE];
    if (e->counter) {
        strbuf_printf(out, ",\"ph\":\"C\",\"args\":{\"%s\":%s}}", e->counter, json_format_number(e->value, value));
        return;
    }
    if (e->dur < 0)
        strbuf_append(out, ",\"ph\":\"i\",\"s\":\"t\"");
    else
        strbuf_printf(out, ",\"ph\":\"X\",\"dur\":%.3f", e->dur);
    if (e->micro_batch >= 0 || e->args) {
        strbuf args = {0};   /* members, each after a comma */
        if (e->micro_batch >= 0)
            strbuf_printf(&args, ",\"micro_batch\":%d,\"chunk\":%d", e->micro_batch, e->chunk);
        strbuf_append(&args, e->args ? e->args : "");
        strbuf_printf(out, ",\"args\":{%s}", strbuf_text(&args) + 1);
        strbuf_free(&args);
    } else if (e->cycles > 1) {
        strbuf_printf(out, ",\"args\":{\"segments\":%.0f}", e->cycles);
    }
    strbuf_append(out, "}");
}

void trace_json(const scenario* sc, const run_result* r, strbuf* out)
{
    event_list l = {0};
    step_events(r, &l);
    counter_events(sc, r, &l);
    run_events(r, &l);
    qsort(l.items, (size_t)l.count, sizeof *l.items, compare_event);
    strbuf_append(out, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"scenario\":");
    json_quote(out, sc->name ? sc->name : "");
    strbuf_printf(out, ",\"run_events_truncated\":%s},\n\"traceEvents\":[", r->run_log.truncated ? "true" : "false");
    int written = 0;
    track_names(sc, r, out, &written);
    for (int i = 0; i < l.count; i++) {
        next_element(out, &written);
        write_event(out, &l.items[i]);
    }
    strbuf_append(out, "\n]}\n");
    for (int i = 0; i < l.count; i++)
        free(l.items[i].args);
    free(l.items);
}

int trace_write(const char* path, const scenario* sc, const run_result* r)
{
    strbuf json = {0};
    trace_json(sc, r, &json);
    int status = rowfile_write_whole(path, json.data ? json.data : "", json.len, "trace");
    strbuf_free(&json);
    return status;
}
