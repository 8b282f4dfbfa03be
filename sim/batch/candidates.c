/* candidates: the search's plans simulated in worker processes (see
 * candidates.h). */
#include "batch/candidates.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch/sweep.h"
#include "batch/sweep_run.h"
#include "batch/workers.h"
#include "core/rowfile.h"
#include "run/run.h"
#include "run/run_invariants.h"

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

scenario candidate_scenario(const scenario* base, const plan_choice* c)
{
    scenario sc = *base;
    sc.par.tp = c->tp;
    sc.par.pp = c->pp;
    sc.par.dp = (int)c->dp;
    sc.par.dp_auto = 0;
    sc.par.micro_batch = c->micro_batch;
    sc.par.schedule = c->schedule;
    sc.par.virtual_stages = c->chunks;
    sc.par.zero = c->zero;
    sc.par.recompute = (recompute_kind)c->recompute;
    sc.par.ep = c->ep;
    if (!scenario_find_mark(base, "parallelism.etp"))
        sc.par.etp = c->tp;   /* the default follows tp (scenario_validate fills it so too) */
    sc.output.replications = 1;   /* the search ranks steps: one replication of the run level is enough */
    return sc;
}

/* ---- the rows' sweep -------------------------------------------------------- */

/* The sweep whose points are the candidates: its zip keys, in this order. */
static const char* const zip_keys[] = {"parallelism.tp", "parallelism.pp", "parallelism.dp",
                                       "parallelism.micro_batch", "parallelism.schedule",
                                       "parallelism.virtual_stages", "parallelism.zero", "parallelism.recompute",
                                       "parallelism.ep"};

/* Field K of C (in zip_keys' order) as the sweep writes it. */
static void choice_field(const plan_choice* c, int k, char* buf, size_t size)
{
    switch (k) {
    case 0: snprintf(buf, size, "%d", c->tp); break;
    case 1: snprintf(buf, size, "%d", c->pp); break;
    case 2: snprintf(buf, size, "%lld", c->dp); break;
    case 3: snprintf(buf, size, "%d", c->micro_batch); break;
    case 4: snprintf(buf, size, "%s", schedule_name(c->schedule)); break;
    case 5: snprintf(buf, size, "%d", c->chunks); break;
    case 6: snprintf(buf, size, "%d", c->zero); break;
    case 7: snprintf(buf, size, "%s", recompute_name((recompute_kind)c->recompute)); break;
    default: snprintf(buf, size, "%d", c->ep); break;
    }
}

/* A plain scalar, or an empty sequence (TEXT NULL). */
static yt_node* new_node(const char* text)
{
    yt_node* n = xcalloc(1, sizeof *n);
    n->kind = text ? YT_SCALAR : YT_SEQ;
    n->line = n->col = 1;
    n->text = text ? xstrdup(text) : NULL;
    return n;
}

static void push(yt_node* seq, yt_node* item)
{
    seq->values = xrealloc(seq->values, (seq->count + 1) * sizeof *seq->values);
    seq->values[seq->count++] = item;
}

/* The sweep over BASE_FILE whose grid is output.replications: [1] and whose
 * zip is the N candidates, built as a tree (sweep.h). Returns 0, or -1
 * after a message (the base cannot be read). */
static int rows_sweep(const char* base_file, const plan_choice* c, size_t n, sweep* sw)
{
    yt_node* root = yt_new_map(1, 1, NULL);
    yt_node* grid = yt_new_map(1, 1, NULL);
    yt_node* zip = yt_new_map(1, 1, NULL);
    yt_node* one = new_node(NULL);
    push(one, new_node("1"));
    yt_map_put(grid, "output.replications", one);
    for (int k = 0; k < COUNT_OF(zip_keys); k++) {
        yt_node* values = new_node(NULL);
        for (size_t i = 0; i < n; i++) {
            char text[32];
            choice_field(&c[i], k, text, sizeof text);
            push(values, new_node(text));
        }
        yt_map_put(zip, zip_keys[k], values);
    }
    yt_map_put(root, "format", new_node("1"));
    yt_map_put(root, "base", new_node(base_file));
    yt_map_put(root, "grid", grid);
    yt_map_put(root, "zip", zip);
    diag d;
    diag_init(&d, base_file);
    int bad = sweep_load_tree("best", root, sw, &d);   /* a name without a directory: the base's path stays as given */
    if (bad)
        fprintf(stderr, "trainsim: %s\n", strbuf_text(&d.message));
    diag_free(&d);
    return bad;
}

/* ---- the workers -------------------------------------------------------------- */

typedef struct {
    const scenario*          base;
    const plan_choice*       choices;
    const candidate_options* opt;
    candidate_result*        results;
    const sweep*             rows;      /* NULL: no rows */
    char**                   lines;     /* per candidate: its row, until its turn to be written */
    size_t                   count, written;
    rowfile                  file;
    int                      write_failed;
} search;

/* X as the JSON report gives it: the very double (its numbers round-trip,
 * core/json.h), or 0 where the report has null (not finite). The search
 * ranks what the reports show. */
static double as_reported(double x)
{
    return isfinite(x) ? x : 0;
}

/* In the worker: candidate I's result, then its row if rows are kept. */
static void run_candidate(long long i, strbuf* out, void* arg)
{
    search* s = arg;
#ifdef TRAINSIM_TEST_HOOKS   /* only in the tests' build of trainsim (Makefile): a worker that never ends */
    const char* hang = getenv("TRAINSIM_BEST_HANG_CANDIDATE");
    if (hang && atoll(hang) == i)
        for (;;)
            pause();
#endif
    scenario sc = candidate_scenario(s->base, &s->choices[i]);
    run_result r;
    int status = run_simulate_checked(&sc, &(run_options){0}, &r);
    candidate_result res;
    memset(&res, 0, sizeof res);   /* the padding too: the bytes go through a pipe whole */
    res.status = status < 0 ? (r.refused.len ? ROW_INVALID : ROW_ERROR) : status ? ROW_INFEASIBLE : ROW_OK;
    if (status == 0) {
        res.mfu = as_reported(r.mfu);
        res.step_time = as_reported(r.profile.step_time);
        res.memory = as_reported(r.memory.rank[r.memory.worst].total);
    }
    strbuf_append_n(out, (const char*)&res, sizeof res);
    if (s->rows)
        sweep_row_of(s->rows, ROW_JSONL, i, &sc, status, &r, out);
    run_result_free(&r);
}

/* A worker ended: its result and row, or an error row saying how it ended. */
static void candidate_done(long long i, const strbuf* out, int wait_status, int timed_out, void* arg)
{
    search* s = arg;
    int complete = out->len >= sizeof *s->results &&
                   (!s->rows || (out->len > sizeof *s->results && out->data[out->len - 1] == '\n'));
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0 && complete) {
        memcpy(&s->results[i], out->data, sizeof *s->results);
        if (s->rows)
            s->lines[i] = xstrdup(out->data + sizeof *s->results);
        return;
    }
    s->results[i] = (candidate_result){ROW_ERROR, 0, 0, 0};
    if (!s->rows)
        return;
    char why[160];
    workers_describe_end(wait_status, timed_out, s->opt->timeout, why, sizeof why);
    strbuf line = {0};
    row_line(s->rows, ROW_JSONL, i, ROW_ERROR, why, NULL, &line);
    s->lines[i] = xstrdup(strbuf_text(&line));
    strbuf_free(&line);
}

/* Writes the rows whose turn has come: candidates in order. */
static void write_ready_rows(void* arg)
{
    search* s = arg;
    while (s->rows && s->written < s->count && s->lines[s->written]) {
        char* line = s->lines[s->written];
        if (!s->write_failed && rowfile_write(&s->file, line, strlen(line)))
            s->write_failed = 1;
        free(line);
        s->lines[s->written++] = NULL;
    }
}

int candidates_simulate(const scenario* base, const plan_choice* c, size_t n, const candidate_options* opt,
                        candidate_result* out)
{
    search s = {base, c, opt, out, NULL, NULL, n, 0, {0}, 0};
    sweep rows;
    if (opt->rows) {
        if (rows_sweep(opt->scenario, c, n, &rows)) {
            sweep_free(&rows);
            return EXIT_INPUT;
        }
        if (rowfile_create(&s.file, opt->rows, OUTPUT_IN_PLACE, "rows")) {
            sweep_free(&rows);
            return EXIT_INPUT;
        }
        s.rows = &rows;
        s.lines = xcalloc(n + 1, sizeof *s.lines);
    }
    worker_pool pool = {run_candidate, candidate_done, write_ready_rows, &s, opt->jobs,
                        opt->progress ? "trainsim best" : NULL, 0, NULL, "plans", opt->timeout};
    int status = workers_run(&pool, (long long)n);
    if (s.rows) {
        if (rowfile_close(&s.file) && !status) {
            output_file_say_failed(opt->rows, "rows", errno);
            status = EXIT_SYSTEM;
        }
        for (size_t i = 0; i < n; i++)   /* rows never written: a system error stopped the search */
            free(s.lines[i]);
        free(s.lines);
        sweep_free(&rows);
    }
    return status;
}
