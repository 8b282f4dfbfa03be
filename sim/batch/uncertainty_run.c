/* uncertainty_run: the samples as a sweep, their rows read back (see
 * uncertainty_run.h). */
#include "batch/uncertainty_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/row.h"
#include "batch/sample_design.h"
#include "batch/sweep_run.h"
#include "core/latin_hypercube.h"

const char* uncertainty_outcome_column(outcome_kind o)
{
    switch (o) {
    case OUTCOME_WALL_CLOCK_DAYS:
        return "wall_clock_days.mean";
    case OUTCOME_RUN_MFU:
        return "run_mfu";
    case OUTCOME_STEP_MFU:
        return "mfu";
    case OUTCOME_COST:
        return "cost";
    case OUTCOME_ENERGY_MWH:
        return "energy_mwh";
    case OUTCOME_GPU_HOURS:
        return "gpu_hours";
    case OUTCOME_STEP_TIME:
        return "step_time_s";
    case OUTCOME_TOKENS_PER_S:
        return "tokens_per_s";
    case OUTCOME_GOODPUT:
        return "goodput";
    case OUTCOME_BUBBLE:
        return "breakdown.bubble.fraction";
    case OUTCOME_COUNT:
        break;
    }
    return "";
}

/* Each sample's row, as the sweep hands them over. */
typedef struct {
    char**    lines;
    long long count;
} collected_rows;

static void collect(long long point, const char* line, void* arg)
{
    collected_rows* c = arg;
    if (point < 0 || point >= c->count || c->lines[point])
        return;
    c->lines[point] = xstrdup(line);
}

/* REASON without the "FILE:LINE:COL: " that an invalid sample's message
 * starts with (FILE: the scenario's), which differs between inputs. */
static const char* without_place(const char* reason, const char* file)
{
    size_t n = strlen(file);
    if (strncmp(reason, file, n) || reason[n] != ':')
        return reason;
    const char* c = reason + n + 1;
    for (int field = 0; field < 2; field++) {
        size_t digits = strspn(c, "0123456789");
        if (!digits || c[digits] != ':')
            return reason;
        c += digits + 1;
    }
    return *c == ' ' ? c + 1 : reason;
}

/* Sample P's row into U: its outcomes when it ran, else why it did not. */
static void read_sample(uncertainty_result* u, long long p, const char* line, const char* file)
{
    char status[32], reason[2048], value[64];
    if (!line || row_value(line, "status", status, sizeof status)) {
        uncertainty_count_fault(u, "error", "the sample has no row", "the sample has no row", p);
        return;
    }
    if (strcmp(status, row_status_names[ROW_OK])) {
        if (row_value(line, "reason", reason, sizeof reason))
            reason[0] = '\0';
        uncertainty_count_fault(u, status, reason, without_place(reason, file), p);
        return;
    }
    u->ok[p] = 1;
    for (int o = 0; o < OUTCOME_COUNT; o++)
        if (!row_value(line, uncertainty_outcome_column((outcome_kind)o), value, sizeof value))
            u->outcome[(size_t)p * OUTCOME_COUNT + o] = strtod(value, NULL);
}

/* The design drawn into U, and the sweep of its samples. */
static int design(const scenario* sc, const uncertainty_options* opt, uncertainty_result* u, sweep* sw)
{
    int n = u->samples, k = sc->uncertain.input_count;
    double* cube = xmalloc(((size_t)n * k + 1) * sizeof *cube);
    latin_hypercube(n, k, sc->seed, cube);
    sample_design_draw(sc, n, cube, u->input_value, u->choice);
    free(cube);
    diag d;
    diag_init(&d, sc->file);
    int bad = sample_design_sweep(sc, n, u->input_value, u->choice, opt->seed_given, sw, &d);
    if (bad)
        fprintf(stderr, "%s\n", strbuf_text(&d.message));
    diag_free(&d);
    return bad;
}

int uncertainty_run(const scenario* sc, uncertainty_options* opt, uncertainty_result* u)
{
    uncertainty_init(u, &sc->uncertain, sc->seed, sc->output.samples);
    sweep sw;
    if (design(sc, opt, u, &sw)) {
        sweep_free(&sw);
        return EXIT_INPUT;
    }
    collected_rows rows = {xcalloc((size_t)u->samples + 1, sizeof *rows.lines), u->samples};
    sweep_options so = {.out = opt->rows, .jobs = opt->jobs, .shard = 1, .shards = 1, .resume = opt->resume,
                        .timeout = opt->timeout,
                        .progress = opt->progress, .no_step_cache = opt->no_step_cache, .discard = !opt->rows,
                        .row = collect, .row_arg = &rows, .name = "trainsim run", .unit = "samples"};
    int status = sweep_run(&sw, &so);
    opt->reused = so.reused;
    for (long long p = 0; !status && p < rows.count; p++)
        read_sample(u, p, rows.lines[p], sw.base);
    if (!status)
        uncertainty_summarize(u);
    for (long long p = 0; p < rows.count; p++)
        free(rows.lines[p]);
    free(rows.lines);
    sweep_free(&sw);
    return status;
}
