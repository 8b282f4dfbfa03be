/* best: the plan search (see best.h). */
#include "batch/best.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "batch/row.h"
#include "core/rowfile.h"
#include "run/run.h"
#include "run/scenario_open.h"
#include "input/scenario.h"
#include "batch/sweep.h"
#include "batch/sweep_run.h"

typedef struct {
    int         tp, pp, micro_batch, chunks, zero, recompute, ep;
    long long   dp;
    schedule_kind schedule;
} plan_choice;

static const int micro_batches[] = {1, 2, 4, 8};
static const struct { schedule_kind schedule; int chunks; } schedules[] = {
    {SCHED_1F1B, 1}, {SCHED_INTERLEAVED, 2}, {SCHED_INTERLEAVED, 4}};

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- candidates as a sweep -------------------------------------------------- */

static void zip_list(strbuf* out, const char* key, const plan_choice* c, size_t n, int field)
{
    strbuf_printf(out, "  %s: [", key);
    for (size_t i = 0; i < n; i++) {
        const plan_choice* p = &c[i];
        if (i)
            strbuf_append(out, ", ");
        switch (field) {
        case 0: strbuf_printf(out, "%d", p->tp); break;
        case 1: strbuf_printf(out, "%d", p->pp); break;
        case 2: strbuf_printf(out, "%lld", p->dp); break;
        case 3: strbuf_printf(out, "%d", p->micro_batch); break;
        case 4: strbuf_append(out, schedule_name(p->schedule)); break;
        case 5: strbuf_printf(out, "%d", p->chunks); break;
        case 6: strbuf_printf(out, "%d", p->zero); break;
        case 7: strbuf_append(out, recompute_name((recompute_kind)p->recompute)); break;
        default: strbuf_printf(out, "%d", p->ep); break;
        }
    }
    strbuf_append(out, "]\n");
}

/* A sweep over BASE (an absolute path) whose points are the N plans. */
static void sweep_text(const char* base, const plan_choice* c, size_t n, strbuf* out)
{
    static const char* const keys[] = {"parallelism.tp", "parallelism.pp", "parallelism.dp",
                                       "parallelism.micro_batch", "parallelism.schedule",
                                       "parallelism.virtual_stages", "parallelism.zero", "parallelism.recompute",
                                       "parallelism.ep"};
    strbuf_printf(out, "format: 1\nname: best\nbase: '%s'\ngrid:\n  output.replications: [1]\nzip:\n", base);
    for (int k = 0; k < COUNT_OF(keys); k++)
        zip_list(out, keys[k], c, n, k);   /* field k of a plan_choice, in this order */
}

static void add_choice(plan_choice** out, size_t* n, size_t* cap, plan_choice c)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        *out = xrealloc(*out, *cap * sizeof **out);
    }
    (*out)[(*n)++] = c;
}

/* Every plan of the search space for GPUS GPUs, recompute policies in
 * order (none first). Expert parallelism: powers of two dividing the
 * experts and the data parallelism (1 for a dense model). */
static size_t enumerate(const scenario* sc, long long gpus, plan_choice** out)
{
    size_t n = 0, cap = 0;
    int experts = sc->model.moe.enabled ? sc->model.moe.experts : 1;
    *out = NULL;
    for (int tp = 1; tp <= 64 && tp <= sc->model.heads; tp *= 2) {
        if (sc->model.heads % tp)
            continue;
        for (int pp = 1; pp <= sc->model.layers; pp++) {
            if (sc->model.layers % pp || gpus % ((long long)tp * pp))
                continue;
            long long dp = gpus / ((long long)tp * pp);
            for (int ep = 1; ep <= experts && dp % ep == 0 && experts % ep == 0; ep *= 2)
                for (int m = 0; m < COUNT_OF(micro_batches); m++)
                    for (int s = 0; s < COUNT_OF(schedules); s++)
                        for (int zero = 0; zero <= 3 && (pp > 1 || schedules[s].chunks == 1); zero++)
                            for (int r = 0; r < RECOMPUTE_COUNT; r++)
                                add_choice(out, &n, &cap,
                                           (plan_choice){tp, pp, micro_batches[m], schedules[s].chunks, zero, r, ep,
                                                         dp, schedules[s].schedule});
        }
    }
    return n;
}

typedef struct {
    size_t candidates, ruled_out, too_big;
} search_counts;

/* Keeps, of each plan's recompute policies, the least that fits: a policy
 * the scenario rules out rules them all out (they only differ in memory). */
static size_t prune(const sweep* all, const plan_choice* c, size_t n, plan_choice* kept, search_counts* counts)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        for (int r = 0; r < 3; r++) {
            diag d;
            diag_init(&d, all->base);
            yt_node* tree = sweep_point_tree(all, (long long)(i + r), &d);
            scenario sc;
            int invalid = !tree || scenario_load_tree(all->base, tree, &sc, &d);
            yt_free(tree);
            diag_free(&d);
            if (invalid) {
                if (tree)
                    scenario_free(&sc);
                counts->ruled_out += 3;
                break;
            }
            run_result res;
            int too_big = run_prepare(&sc, &res);
            run_result_free(&res);
            scenario_free(&sc);
            if (!too_big) {
                kept[k++] = c[i + r];
                counts->too_big += (size_t)r;            /* the policies with less recompute */
                counts->ruled_out += (size_t)(2 - r);    /* those with more: dominated */
                break;
            }
            if (r == 2)
                counts->too_big += 3;
        }
    }
    return k;
}

/* ---- ranking the simulated rows ------------------------------------------- */

typedef struct {
    double mfu, step, memory;
    char*  line;
} ranked;

typedef struct {
    ranked* rows;
    size_t  count;
} ranking;

static double number_in(const char* line, const char* column)
{
    char text[64];
    return row_value(line, column, text, sizeof text) ? 0 : strtod(text, NULL);
}

static void rank_line(const char* line, void* arg)
{
    ranking* r = arg;
    char status[16];
    if (row_value(line, "status", status, sizeof status) || strcmp(status, "ok"))
        return;
    r->rows = xrealloc(r->rows, (r->count + 1) * sizeof *r->rows);
    r->rows[r->count++] = (ranked){number_in(line, "mfu"), number_in(line, "step_time_s"),
                                   number_in(line, "memory_per_gpu_bytes.total"), xstrdup(line)};
}

static int by_mfu(const void* a, const void* b)
{
    const ranked* x = a;
    const ranked* y = b;
    if (x->mfu != y->mfu)
        return x->mfu > y->mfu ? -1 : 1;
    return strcmp(x->line, y->line);
}

static void print_plans(const ranking* r, int top)
{
    /* The table's header: column labels, not enum names. */
    printf("%4s %4s %4s %6s %4s %5s  %-16s %4s  %-9s %7s %10s %8s\n",
           "rank", "TP", "PP", "DP", "EP", "mb", /* not enum names */
           "schedule", "ZeRO", "recompute", "MFU", "step (s)", "GiB/GPU");
    static const char* const keys[] = {"parallelism.tp", "parallelism.pp", "parallelism.dp", "parallelism.micro_batch",
                                       "parallelism.schedule", "parallelism.virtual_stages", "parallelism.zero",
                                       "parallelism.recompute", "parallelism.ep"};
    for (size_t i = 0; i < r->count && i < (size_t)top; i++) {
        char v[9][32];
        for (int k = 0; k < 9; k++)
            if (row_value(r->rows[i].line, keys[k], v[k], sizeof v[k]))
                v[k][0] = '\0';
        char schedule[48];
        snprintf(schedule, sizeof schedule, strcmp(v[4], schedule_name(SCHED_INTERLEAVED)) ? "%s" : "%s x%s", v[4], v[5]);
        printf("%4zu %4s %4s %6s %4s %5s  %-16s %4s  %-9s %6.1f%% %10.3f %8.1f\n", i + 1, v[0], v[1], v[2], v[8], v[3],
               schedule, v[6], v[7], 100 * r->rows[i].mfu, r->rows[i].step, r->rows[i].memory / (1024.0 * 1024 * 1024));
    }
}

/* ---- the search ------------------------------------------------------------- */

/* Simulates the KEPT plans as a sweep into ROWS and ranks them. */
static int simulate_and_rank(const best_options* o, const char* base, const plan_choice* kept, size_t n,
                             const char* rows, ranking* r)
{
    strbuf text = {0};
    sweep_text(base, kept, n, &text);
    sweep sw;
    diag d;
    diag_init(&d, "best");
    int status = sweep_load_text(o->scenario, strbuf_text(&text), &sw, &d) ? 2 : 0;
    if (status)
        fprintf(stderr, "trainsim: internal error in the plan search: %s\n", strbuf_text(&d.message));
    diag_free(&d);
    strbuf_free(&text);
    if (!status) {
        sweep_options so = {.out = rows, .jobs = o->jobs, .shard = 1, .shards = 1, .progress = isatty(2)};
        status = sweep_run(&sw, &so);
        sweep_free(&sw);
    }
    if (!status && rowfile_read_lines(rows, rank_line, r))
        status = 2;
    if (!status)
        qsort(r->rows, r->count, sizeof *r->rows, by_mfu);
    return status;
}

int best_search(const best_options* o)
{
    scenario sc;
    if (scenario_open_or_say(o->scenario, &sc))   /* its platform file too, if it names one */
        return EXIT_INPUT;
    long long cluster = scenario_cluster_gpus(&sc), gpus = o->gpus ? o->gpus : cluster;
    if (gpus > cluster) {
        fprintf(stderr, "trainsim: --gpus: expected at most the %lld GPUs of %s's cluster, found %lld\n", cluster,
                o->scenario, gpus);
        scenario_free(&sc);
        return 2;
    }
    char base[PATH_MAX], cwd[PATH_MAX];   /* the sweeps name the scenario by its absolute path */
    if (o->scenario[0] == '/')
        snprintf(base, sizeof base, "%s", o->scenario);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(base, sizeof base, "%.2000s/%.2000s", cwd, o->scenario);
    else {
        perror("trainsim: getcwd");
        scenario_free(&sc);
        return 2;
    }
    plan_choice* all;
    search_counts counts = {0};
    counts.candidates = enumerate(&sc, gpus, &all);
    double hbm = sc.gpu.hbm_bytes;
    char* name = xstrdup(sc.name);
    scenario_free(&sc);

    strbuf text = {0};
    sweep_text(base, all, counts.candidates, &text);
    sweep everything;
    diag d;
    diag_init(&d, "best");
    int loaded = counts.candidates > 0 && sweep_load_text(o->scenario, strbuf_text(&text), &everything, &d) == 0;
    diag_free(&d);
    strbuf_free(&text);
    plan_choice* kept = xmalloc((counts.candidates + 1) * sizeof *kept);
    size_t n = loaded ? prune(&everything, all, counts.candidates, kept, &counts) : 0;
    if (counts.candidates > 0)
        sweep_free(&everything);
    printf("trainsim best: %s on %lld GPUs: %zu candidate plans; %zu ruled out by the scenario's rules or "
           "dominated, %zu do not fit in %.1f GiB; %zu simulated\n",
           name, gpus, counts.candidates, counts.ruled_out, counts.too_big, hbm / (1024.0 * 1024 * 1024), n);
    fflush(stdout);
    int status = n ? 0 : 1;
    if (!n)
        fprintf(stderr, "trainsim: no plan for %lld GPUs fits: more GPUs, more memory or a smaller batch\n", gpus);
    char dir[] = "/tmp/trainsim-best-XXXXXX", tmp[64] = "";
    const char* rows = o->rows;
    if (n && !rows && mkdtemp(dir)) {
        snprintf(tmp, sizeof tmp, "%s/rows.jsonl", dir);
        rows = tmp;
    }
    ranking r = {0};
    if (n)
        status = rows ? simulate_and_rank(o, base, kept, n, rows, &r) : 2;
    if (!status)
        print_plans(&r, o->top);
    if (tmp[0]) {
        unlink(tmp);
        rmdir(dir);
    }
    for (size_t i = 0; i < r.count; i++)
        free(r.rows[i].line);
    free(r.rows);
    free(kept);
    free(all);
    free(name);
    return status;
}
