/* sweep_run: worker processes, ordered rows, resume and shards (see
 * sweep_run.h; the shards' merge: sweep_merge.c). */
#include "batch/sweep_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output/report.h"
#include "batch/row.h"
#include "batch/workers.h"
#include "core/output_file.h"
#include "core/rowfile.h"
#include "run/run.h"
#include "run/run_invariants.h"
#include "run/scenario_open.h"
#include "run/step_cache.h"

/* ---- one point, in its own process ---------------------------------------- */

void sweep_row_of(const sweep* sw, row_format f, long long p, const scenario* sc, int status, const run_result* r,
                  strbuf* line)
{
    if (status < 0 && r->refused.len) {   /* beyond the run level's bounds (run/run_bound.h) */
        row_line(sw, f, p, ROW_INVALID, strbuf_text(&r->refused), NULL, line);
        return;
    }
    if (status < 0) {
        row_line(sw, f, p, ROW_ERROR,
                 status == RUN_BROKEN ? r->broken : "SimGrid could not load the generated platform", NULL, line);
        return;
    }
    strbuf json = {0};
    report_json(sc, r, &json);
    row_line(sw, f, p, status ? ROW_INFEASIBLE : ROW_OK, status ? r->infeasible_reason : NULL, strbuf_text(&json),
             line);
    strbuf_free(&json);
}

/* Point P's row: the base scenario with the point's values, validated,
 * simulated and reported as `trainsim run --json` would. */
static void evaluate_point(const sweep* sw, row_format f, long long p, const run_options* ro, strbuf* line)
{
    diag d;
    diag_init(&d, sw->base);
    yt_node* tree = sweep_point_tree(sw, p, &d);
    scenario sc;
    int bad = !tree;
    if (tree) {
        bad = scenario_open_tree(sw->base, tree, &sc, &d);
        yt_free(tree);
    }
    if (bad) {
        row_line(sw, f, p, ROW_INVALID, strbuf_text(&d.message), NULL, line);
        if (tree)
            scenario_free(&sc);
        diag_free(&d);
        return;
    }
    diag_free(&d);
    run_result r;
    int status = run_simulate_checked(&sc, ro, &r);
    sweep_row_of(sw, f, p, &sc, status, &r, line);
    run_result_free(&r);
    scenario_free(&sc);
}

/* ---- the parent: workers and ordered output -------------------------------- */

typedef struct {
    const sweep*         sw;
    const sweep_options* opt;
    row_format           format;
    long long*           todo;         /* points to run, ascending */
    long long            todo_count, written;
    char**               lines;        /* per todo slot: its row, until its turn to be written */
    char**               fresh;        /* per point, when resuming: the rows this run wrote */
    rowfile              file;
    int                  write_failed;
    long long            total, kept;  /* this shard's points; rows kept from before */
    /* Shared step simulations (run/step_cache.h), per todo slot: */
    step_cache           cache;
    uint64_t*            step_key;     /* the hash of its step-shaping values */
    long long*           leader;       /* the first slot with its key: it simulates the steps */
    long long*           set_size;     /* a leader's: the slots of its set ... */
    long long*           waiting;      /* ... and those that have not ended */
    unsigned char*       ended;        /* its process has ended */
    long long            reused;       /* points that reused another's steps */
    long long            by_status[ROW_STATUS_COUNT];   /* rows written, kept ones included */
} runner;

static void count_row(runner* r, const char* line)
{
    int status = row_status_of(r->format, line);
    if (status >= 0)
        r->by_status[status]++;
}

/* Writes the rows whose turn has come. */
static void write_ready_rows(runner* r)
{
    while (r->written < r->todo_count && r->lines[r->written]) {
        char* line = r->lines[r->written];
        if (!r->opt->discard && !r->write_failed && rowfile_write(&r->file, line, strlen(line)))
            r->write_failed = 1;
        if (r->opt->row)
            r->opt->row(r->todo[r->written], line, r->opt->row_arg);
        count_row(r, line);
        if (r->fresh)   /* for the file's rewrite in point order */
            r->fresh[r->todo[r->written]] = line;
        else
            free(line);
        r->lines[r->written++] = NULL;
    }
}

/* ---- shared step simulations ---------------------------------------------- */

typedef struct {
    uint64_t  key;
    long long slot;
} keyed_slot;

static int by_key(const void* a, const void* b)
{
    const keyed_slot* x = a;
    const keyed_slot* y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/* Each slot's step key, its set's first slot, and how many slots each set
 * has: a set of one shares nothing, and keeps no profile. */
static void plan_sharing(runner* r)
{
    long long n = r->todo_count;
    keyed_slot* k = xmalloc(((size_t)n + 1) * sizeof *k);
    r->step_key = xmalloc(((size_t)n + 1) * sizeof *r->step_key);
    r->leader = xmalloc(((size_t)n + 1) * sizeof *r->leader);
    r->set_size = xcalloc((size_t)n + 1, sizeof *r->set_size);
    r->waiting = xcalloc((size_t)n + 1, sizeof *r->waiting);
    r->ended = xcalloc((size_t)n + 1, 1);
    for (long long i = 0; i < n; i++) {
        r->step_key[i] = sweep_point_step_key(r->sw, r->todo[i]);
        k[i] = (keyed_slot){r->step_key[i], i};
    }
    qsort(k, (size_t)n, sizeof *k, by_key);
    for (long long i = 0; i < n; i++)
        r->leader[k[i].slot] = i > 0 && k[i].key == k[i - 1].key ? r->leader[k[i - 1].slot] : k[i].slot;
    for (long long i = 0; i < n; i++)
        r->waiting[r->leader[i]] = ++r->set_size[r->leader[i]];
    free(k);
}

/* Whether SLOT's set has other slots: only then are its steps kept. */
static int shares_steps(const runner* r, long long slot)
{
    return !r->opt->no_step_cache && r->set_size[r->leader[slot]] > 1;
}

/* SLOT has ended: once its whole set has, the set's profiles go. */
static void set_member_ended(runner* r, long long slot)
{
    r->ended[slot] = 1;
    if (--r->waiting[r->leader[slot]] == 0)
        step_cache_drop(&r->cache, r->step_key[slot]);
}

/* A slot may start once the first of its set has ended (its profiles are
 * then in the cache, or it failed and there are none). */
static int may_start(long long slot, void* arg)
{
    runner* r = arg;
    return r->leader[slot] == slot || r->ended[r->leader[slot]];
}

/* In the worker: the row of the todo list's SLOT-th point. */
static void run_point(long long slot, strbuf* line, void* arg)
{
    runner* r = arg;
#ifdef TRAINSIM_TEST_HOOKS   /* only in the tests' build of trainsim (Makefile): a worker that aborts */
    const char* crash = getenv("TRAINSIM_SWEEP_CRASH_POINT");
    if (crash && atoll(crash) == r->todo[slot])
        abort();
    const char* hang = getenv("TRAINSIM_SWEEP_HANG_POINT");   /* a worker that never ends */
    if (hang && atoll(hang) == r->todo[slot])
        for (;;)
            pause();
#endif
    run_options ro = {0};
    if (r->set_size && shares_steps(r, slot)) {
        ro.cache = &r->cache;
        ro.step_key = r->step_key[slot];
    }
    evaluate_point(r->sw, r->format, r->todo[slot], &ro, line);
    if (ro.cache) {   /* after a NUL: whether it reused steps, then the steps it simulated */
        strbuf_append_n(line, r->cache.reused ? "\0R" : "\0S", 2);
        step_cache_write_fresh(&r->cache, line);
    }
}

/* A worker ended: its row, or an error row saying how it ended. */
static void point_done(long long slot, const strbuf* out, int wait_status, int timed_out, void* arg)
{
    runner* r = arg;
    size_t row = out->data ? strnlen(out->data, out->len) : 0;   /* the row, then the steps it simulated */
    int complete = row > 0 && out->data[row - 1] == '\n';
    int ended_well = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0 && complete;
    if (ended_well && row + 2 <= out->len) {
        r->reused += out->data[row + 1] == 'R';
        if (row + 2 < out->len)
            step_cache_read(&r->cache, out->data + row + 2, out->len - row - 2);
    }
    if (r->waiting)
        set_member_ended(r, slot);
    if (ended_well) {
        r->lines[slot] = xstrdup(out->data);
        return;
    }
    char why[160];
    workers_describe_end(wait_status, timed_out, r->opt->timeout, why, sizeof why);
    strbuf line = {0};
    row_line(r->sw, r->format, r->todo[slot], ROW_ERROR, why, NULL, &line);
    r->lines[slot] = xstrdup(strbuf_text(&line));
    strbuf_free(&line);
}

static void write_ready(void* arg) { write_ready_rows(arg); }

/* ---- resume: the rows an earlier run left ---------------------------------- */

typedef struct {
    const sweep*         sw;
    const sweep_options* opt;
    row_format           format;
    const char*          header;     /* expected first line (CSV), without newline */
    int                  columns;    /* its columns (CSV) */
    int                  first;
    int                  foreign;    /* the file's header is another sweep's */
    long long            bad_line;   /* the first malformed row's line, or 0 */
    strbuf               why;        /* what is wrong with it */
    char**               kept;       /* per point */
} resume_state;

static int in_shard(const sweep_options* opt, long long p)
{
    return opt->shards <= 1 || p % opt->shards == opt->shard - 1;
}

/* A row of the file being resumed: kept when it is this sweep's and shard's
 * point as it is now (its hash), and did not end in error (a crashed or
 * timed-out point runs again). A malformed row stops the resume. */
static void keep_line(const char* line, long long line_no, void* arg)
{
    resume_state* s = arg;
    if (s->first && s->format == ROW_CSV) {
        s->first = 0;
        s->foreign = strcmp(line, s->header) != 0;
        return;
    }
    s->first = 0;
    if (s->foreign || s->bad_line)
        return;
    if (row_check(s->format, line, s->columns, &s->why)) {
        s->bad_line = line_no;
        return;
    }
    long long p;
    char hash[17], expected[17];
    if (row_identity(s->format, line, &p, hash) || p >= s->sw->points || !in_shard(s->opt, p)
        || row_status_of(s->format, line) == ROW_ERROR)
        return;
    sweep_point_hash(s->sw, p, expected);
    if (strcmp(hash, expected) || s->kept[p])
        return;
    strbuf full = {0};
    strbuf_printf(&full, "%s\n", line);
    s->kept[p] = xstrdup(strbuf_text(&full));
    strbuf_free(&full);
}

/* The output, created afresh (when resuming, through a temporary file
 * renamed over OUT's target, so that a kill now loses nothing), with the
 * header and the kept rows. Returns 0, or the exit status after a message:
 * EXIT_INPUT when OUT cannot be created, EXIT_SYSTEM when writing fails. */
static int open_output(runner* r, char** kept, const char* header)
{
    for (long long p = 0; kept && r->opt->row && p < r->sw->points; p++)
        if (kept[p])
            r->opt->row(p, kept[p], r->opt->row_arg);
    if (r->opt->discard)
        return 0;
    const char* out = r->opt->out;
    if (rowfile_create(&r->file, out, r->opt->resume ? OUTPUT_REPLACED : OUTPUT_IN_PLACE, "rows"))
        return EXIT_INPUT;
    int bad = rowfile_write(&r->file, header, strlen(header));
    for (long long p = 0; kept && p < r->sw->points; p++)
        if (kept[p]) {
            bad |= rowfile_write(&r->file, kept[p], strlen(kept[p]));
            r->kept++;
        }
    int error = r->file.error;
    if (!bad && rowfile_place(&r->file)) {
        bad = 1;
        error = errno;
    }
    if (bad) {
        rowfile_close(&r->file);   /* removes the temporary file */
        output_file_say_failed(out, "rows", error);
    }
    return bad ? EXIT_SYSTEM : 0;
}

/* Reads the rows an earlier run left in opt->out into KEPT (per point).
 * Returns 0, or -1 after a message. */
static int read_kept(const sweep* sw, const sweep_options* opt, row_format f, const char* header, char** kept)
{
    struct stat st;
    if (!stat(opt->out, &st) && !S_ISREG(st.st_mode)) {   /* a device could be read for ever */
        fprintf(stderr, "trainsim: --resume reads the rows already in %s: expected a regular file, found %s\n",
                opt->out, S_ISCHR(st.st_mode) ? "a character device" : S_ISFIFO(st.st_mode) ? "a FIFO"
                          : S_ISDIR(st.st_mode) ? "a directory" : "a special file");
        return -1;
    }
    resume_state s = {.sw = sw, .opt = opt, .format = f, .first = 1, .kept = kept};
    strbuf first = {0};
    strbuf_append_n(&first, header, header[0] ? strlen(header) - 1 : 0);   /* without the newline */
    s.header = strbuf_text(&first);
    s.columns = f == ROW_CSV ? row_columns(s.header) : 0;
    int status = rowfile_read_records(opt->out, f == ROW_CSV, keep_line, &s);
    strbuf_free(&first);
    if (status < 0)
        fprintf(stderr, "trainsim: cannot read %s to resume: %s\n", opt->out, strerror(errno));
    else if (s.foreign)
        fprintf(stderr, "trainsim: %s holds another sweep's rows (its header differs); "
                        "resume into the file this sweep wrote, or start a new one\n", opt->out);
    else if (s.bad_line)
        fprintf(stderr, "trainsim: %s:%lld: %s; --resume reads only the rows a sweep wrote\n", opt->out, s.bad_line,
                strbuf_text(&s.why));
    strbuf_free(&s.why);
    return status < 0 || s.foreign || s.bad_line ? -1 : 0;
}

/* A resume appends the points it runs after every row it kept: when a kept
 * row follows one of them in point order (an error row run again, a hole
 * left by a worker's end), the whole file is rewritten in point order, as
 * one write through a temporary file renamed over it (a kill before then
 * leaves every row, out of order; the next resume orders them). Returns 0,
 * or the exit status after a message. */
static int put_in_point_order(const runner* r, char** kept, const char* header)
{
    long long last_kept = -1;
    for (long long p = 0; p < r->sw->points; p++)
        if (kept[p])
            last_kept = p;
    if (r->opt->discard || !r->todo_count || last_kept < r->todo[0])
        return 0;
    strbuf text = {0};
    strbuf_append(&text, header);
    for (long long p = 0; p < r->sw->points; p++)
        if (kept[p] || r->fresh[p])
            strbuf_append(&text, kept[p] ? kept[p] : r->fresh[p]);
    int status = rowfile_write_whole(r->opt->out, strbuf_text(&text), text.len, "rows");
    strbuf_free(&text);
    return status;
}

/* "trainsim sweep: 20 rows: 8 ok, 12 infeasible, 0 invalid, 0 error" on
 * stderr, with the rows kept by --resume counted and said. */
static void say_counts(const runner* r)
{
    long long rows = 0;
    for (int s = 0; s < ROW_STATUS_COUNT; s++)
        rows += r->by_status[s];
    fprintf(stderr, "%s: %lld rows:", r->opt->name ? r->opt->name : "trainsim sweep", rows);
    for (int s = 0; s < ROW_STATUS_COUNT; s++)
        fprintf(stderr, "%s %lld %s", s ? "," : "", r->by_status[s], row_status_names[s]);
    if (r->kept)
        fprintf(stderr, " (%lld of them kept from before)", r->kept);
    fprintf(stderr, "\n");
}

/* Every point puts its values on the same paths of the base: point 0's
 * tree shows whether they all lead somewhere. */
static int check_keys(const sweep* sw)
{
    diag d;
    diag_init(&d, sw->base);
    yt_node* tree = sweep_point_tree(sw, 0, &d);
    if (!tree)
        fprintf(stderr, "%s\n", strbuf_text(&d.message));
    yt_free(tree);
    diag_free(&d);
    return tree ? 0 : -1;
}

int sweep_run(const sweep* sw, sweep_options* opt)
{
    if (check_keys(sw))
        return EXIT_INPUT;
#ifdef TRAINSIM_TEST_HOOKS   /* only in the tests' build: every point simulates its own steps */
    if (getenv("TRAINSIM_NO_STEP_CACHE"))
        opt->no_step_cache = 1;
#endif
    runner r = {.sw = sw, .opt = opt, .format = row_format_of(opt->out ? opt->out : "-.csv")};
    if (opt->discard)
        r.format = ROW_JSONL;
    step_cache_init(&r.cache);
    strbuf header = {0};
    row_header(sw, r.format, &header);
    char** kept = opt->resume ? xcalloc((size_t)sw->points, sizeof *kept) : NULL;
    int status = 0;
    if (!opt->discard && output_file_check(opt->out, "rows"))
        status = EXIT_INPUT;   /* a folder, or an input: before reading or writing anything */
    else if (kept && read_kept(sw, opt, r.format, strbuf_text(&header), kept))
        status = EXIT_INPUT;
    else
        status = open_output(&r, kept, strbuf_text(&header));
    int opened = !status && !opt->discard;
    r.todo = xmalloc(((size_t)sw->points + 1) * sizeof *r.todo);
    for (long long p = 0; !status && p < sw->points; p++)
        if (in_shard(opt, p)) {
            r.total++;
            if (!kept || !kept[p])
                r.todo[r.todo_count++] = p;
        }
    r.lines = xcalloc((size_t)r.todo_count + 1, sizeof *r.lines);
    if (kept)
        r.fresh = xcalloc((size_t)sw->points, sizeof *r.fresh);
    if (!opt->no_step_cache)
        plan_sharing(&r);
    worker_pool pool = {run_point, point_done, write_ready, &r, opt->jobs,
                        opt->progress ? (opt->name ? opt->name : "trainsim sweep") : NULL, r.kept,
                        opt->no_step_cache ? NULL : may_start, opt->unit, opt->timeout};
    if (!status)
        status = workers_run(&pool, r.todo_count);
    if (opened && rowfile_close(&r.file) && !status) {
        output_file_say_failed(opt->out, "rows", errno);
        status = EXIT_SYSTEM;
    }
    if (opened && !status && kept)
        status = put_in_point_order(&r, kept, strbuf_text(&header));
    if (!status && opt->summary) {
        for (long long p = 0; kept && p < sw->points; p++)
            if (kept[p])
                count_row(&r, kept[p]);
        say_counts(&r);
    }
    opt->reused = r.reused;
    for (long long i = 0; i < r.todo_count; i++)   /* rows never written: a system error stopped the run */
        free(r.lines[i]);
    for (long long p = 0; kept && p < sw->points; p++) {
        free(kept[p]);
        free(r.fresh[p]);
    }
    free(kept);
    free(r.fresh);
    free(r.todo);
    free(r.lines);
    free(r.step_key);
    free(r.leader);
    free(r.set_size);
    free(r.waiting);
    free(r.ended);
    step_cache_free(&r.cache);
    strbuf_free(&header);
    return status;
}
