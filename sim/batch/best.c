/* best: the plan search (see best.h). */
#include "batch/best.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/candidates.h"
#include "core/diag.h"
#include "core/output_file.h"
#include "run/run.h"
#include "run/scenario_open.h"
#include "input/scenario.h"
#include "input/scenario_check.h"

static const int micro_batches[] = {1, 2, 4, 8};
static const struct { schedule_kind schedule; int chunks; } schedules[] = {
    {SCHED_1F1B, 1}, {SCHED_INTERLEAVED, 2}, {SCHED_INTERLEAVED, 4}};

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- the candidates ---------------------------------------------------------- */

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
 * the scenario rules out rules them all out (they only differ in memory).
 * Each candidate is checked as the loader checks a scenario (its rules, then
 * the memory that run_prepare works out). */
static size_t prune(const scenario* base, const plan_choice* c, size_t n, plan_choice* kept, search_counts* counts)
{
    size_t k = 0;
    const int policies = RECOMPUTE_COUNT;   /* enumerate() lists each plan's policies in a row */
    for (size_t i = 0; i < n; i += policies) {
        for (int r = 0; r < policies; r++) {
            scenario sc = candidate_scenario(base, &c[i + r]);
            diag d;
            diag_init(&d, base->file);
            int invalid = scenario_validate(&sc, &d);
            diag_free(&d);
            if (invalid) {
                counts->ruled_out += (size_t)policies;
                break;
            }
            run_result res;
            int too_big = run_prepare(&sc, &res);
            run_result_free(&res);
            if (!too_big) {
                kept[k++] = c[i + r];
                counts->too_big += (size_t)r;            /* the policies with less recompute */
                counts->ruled_out += (size_t)(policies - 1 - r);   /* those with more: dominated */
                break;
            }
            if (r == policies - 1)
                counts->too_big += (size_t)policies;
        }
    }
    return k;
}

/* ---- ranking the simulated plans ------------------------------------------ */

typedef struct {
    const plan_choice* plan;
    long long          point;   /* its row's point number */
    candidate_result   result;
} ranked;

/* Best MFU first. Equal MFUs are in the order of their point numbers'
 * decimal text ("10" before "9"): the order of their rows' text, which
 * begins with the point number, by which the plans were ranked when the
 * search ranked its rows. */
static int by_mfu(const void* a, const void* b)
{
    const ranked* x = a;
    const ranked* y = b;
    if (x->result.mfu != y->result.mfu)
        return x->result.mfu > y->result.mfu ? -1 : 1;
    char px[24], py[24];
    snprintf(px, sizeof px, "%lld", x->point);
    snprintf(py, sizeof py, "%lld", y->point);
    return strcmp(px, py);
}

/* The simulated plans that ran (ok), best first, in OUT (the caller frees). */
static size_t rank_plans(const plan_choice* kept, const candidate_result* results, size_t n, ranked** out)
{
    size_t count = 0;
    *out = xmalloc((n + 1) * sizeof **out);
    for (size_t i = 0; i < n; i++)
        if (results[i].status == ROW_OK)
            (*out)[count++] = (ranked){&kept[i], (long long)i, results[i]};
    qsort(*out, count, sizeof **out, by_mfu);
    return count;
}

static void print_plans(const ranked* r, size_t count, int top)
{
    /* The table's header: column labels, not enum names. */
    printf("%4s %4s %4s %6s %4s %5s  %-16s %4s  %-9s %7s %10s %8s\n",
           "rank", "TP", "PP", "DP", "EP", "mb", /* not enum names */
           "schedule", "ZeRO", "recompute", "MFU", "step (s)", "GiB/GPU");
    for (size_t i = 0; i < count && i < (size_t)top; i++) {
        const plan_choice* p = r[i].plan;
        char schedule[48];
        if (p->schedule == SCHED_INTERLEAVED)
            snprintf(schedule, sizeof schedule, "%s x%d", schedule_name(p->schedule), p->chunks);
        else
            snprintf(schedule, sizeof schedule, "%s", schedule_name(p->schedule));
        printf("%4zu %4d %4d %6lld %4d %5d  %-16s %4d  %-9s %6.1f%% %10.3f %8.1f\n", i + 1, p->tp, p->pp, p->dp,
               p->ep, p->micro_batch, schedule, p->zero, recompute_name((recompute_kind)p->recompute),
               100 * r[i].result.mfu, r[i].result.step_time, r[i].result.memory / (1024.0 * 1024 * 1024));
    }
}

/* ---- the search ------------------------------------------------------------- */

/* Simulates the N KEPT plans of BASE, ranks them and prints the TOP. */
static int simulate_and_rank(const best_options* o, const scenario* base, const plan_choice* kept, size_t n)
{
    candidate_result* results = xcalloc(n + 1, sizeof *results);
    candidate_options co = {o->scenario, o->rows, o->jobs, isatty(STDERR_FILENO)};
    int status = candidates_simulate(base, kept, n, &co, results);
    if (!status) {
        ranked* r;
        size_t count = rank_plans(kept, results, n, &r);
        print_plans(r, count, o->top);
        free(r);
        if (output_stdout_flush("plans"))
            status = EXIT_SYSTEM;
    }
    free(results);
    return status;
}

int best_search(const best_options* o)
{
    scenario sc;
    if (scenario_open_or_say(o->scenario, &sc))   /* its platform file too, if it names one */
        return EXIT_INPUT;
    if (output_file_check(o->rows, "rows")) {   /* a folder, or an input: before printing anything */
        scenario_free(&sc);
        return EXIT_INPUT;
    }
    long long cluster = scenario_cluster_gpus(&sc), gpus = o->gpus ? o->gpus : cluster;
    if (gpus > cluster) {
        fprintf(stderr, "trainsim: --gpus: expected at most the %lld GPUs of %s's cluster, found %lld\n", cluster,
                o->scenario, gpus);
        scenario_free(&sc);
        return EXIT_INPUT;
    }
    plan_choice* all;
    search_counts counts = {0};
    counts.candidates = enumerate(&sc, gpus, &all);
    plan_choice* kept = xmalloc((counts.candidates + 1) * sizeof *kept);
    size_t n = prune(&sc, all, counts.candidates, kept, &counts);
    printf("trainsim best: %s on %lld GPUs: %zu candidate plans; %zu ruled out by the scenario's rules or "
           "dominated, %zu do not fit in %.1f GiB; %zu simulated\n",
           sc.name, gpus, counts.candidates, counts.ruled_out, counts.too_big, sc.gpu.hbm_bytes / (1024.0 * 1024 * 1024),
           n);
    int status = EXIT_INFEASIBLE;
    if (output_stdout_flush("plans"))   /* before simulating for nothing */
        status = EXIT_SYSTEM;
    else if (n)
        status = simulate_and_rank(o, &sc, kept, n);
    else if (status == EXIT_INFEASIBLE)
        fprintf(stderr, "trainsim: no plan for %lld GPUs fits: more GPUs, more memory or a smaller batch\n", gpus);
    free(kept);
    free(all);
    scenario_free(&sc);
    return status;
}
