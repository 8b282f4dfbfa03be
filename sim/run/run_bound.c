/* run_bound: refuses a run level that would simulate more failures than the
 * documented bounds, naming the key that makes it so (see run_bound.h). */
#include "run/run_bound.h"

#include <math.h>
#include <stdio.h>

#include "core/diag.h"
#include "core/units.h"
#include "des/campaign_bound.h"

/* PATH's mark in SC, or FALLBACK's when PATH was not written. */
static const key_mark* mark_of(const scenario* sc, const char* path, const char* fallback)
{
    const key_mark* m = scenario_find_mark(sc, path);
    return m || !fallback ? m : scenario_find_mark(sc, fallback);
}

/* "9.1e+07", or words for what a double cannot hold. */
static const char* count_text(double n, char* buf, int size)
{
    if (!isfinite(n))
        snprintf(buf, size, "more than 1e308");
    else
        snprintf(buf, size, "%.2g", n);
    return buf;
}

static void problem_at(const scenario* sc, const key_mark* m, strbuf* message, const char* text)
{
    diag d;
    diag_init(&d, sc->file);
    diag_problem_in(&d, m ? m->file : NULL, m ? m->line : 1, m ? m->col : 1, "%s", text);
    strbuf_append(message, strbuf_text(&d.message));
    diag_free(&d);
}

/* Weibull gaps of a small shape come in clusters too close to tell apart:
 * the shape alone exceeds a bound (per run, or over REPS replications when
 * REPS > 1), whatever else the run is. */
static void refuse_shape(const scenario* sc, double excess, double reps, strbuf* message)
{
    char n[32], all[32], over[96] = "", text[640];
    if (reps > 1)
        snprintf(over, sizeof over, ", %s over the %.0f replications", count_text(excess * reps, all, sizeof all),
                 reps);
    snprintf(text, sizeof text,
             "failures.shape: %g gives up to %s failures per run (Lorden's bound for Weibull gaps of that shape: "
             "failures in clusters at almost the same instant)%s, more than the %s trainsim simulates%s; node and "
             "GPU failures fit shapes of 0.7 to 0.8 (Schroeder and Gibson 2006)",
             sc->failures.weibull_shape, count_text(excess, n, sizeof n), over,
             reps > 1 ? RUN_MAX_FAILURES_TEXT : RUN_MAX_FAILURES_PER_RUN_TEXT, reps > 1 ? " in all" : " per run");
    problem_at(sc, mark_of(sc, "failures.shape", NULL), message, text);
}

/* The run's length makes too many failures: the key that sets it. */
static void refuse_length(const scenario* sc, const campaign_input* in, double per_run, strbuf* message)
{
    int by_steps = sc->train.iterations > 0;
    char n[32], gap[32], value[32], text[512];
    if (by_steps)
        snprintf(value, sizeof value, "%lld", sc->train.iterations);
    else
        snprintf(value, sizeof value, "%g", sc->train.tokens);
    snprintf(text, sizeof text,
             "training.%s: %s gives about %s failures per run (one every %s over an expected %.2g days, "
             "%.0f %% of them waiting for repaired nodes), more than the " RUN_MAX_FAILURES_PER_RUN_TEXT " trainsim simulates per run",
             by_steps ? "iterations" : "tokens", value, count_text(per_run, n, sizeof n),
             units_format_seconds(1 / campaign_failure_rate(in), gap, sizeof gap),
             campaign_expected_wall_with_waits(in) / 86400, 100 * (1 - campaign_availability(in)));
    problem_at(sc, mark_of(sc, by_steps ? "training.iterations" : "training.tokens", "training"), message, text);
}

/* Every replication within the bound, but not all of them together. */
static void refuse_replications(const scenario* sc, const campaign_input* in, double per_run, strbuf* message)
{
    char n[32], total[32], text[512];
    snprintf(text, sizeof text,
             "output.replications: %d runs of about %s failures each give %s failures, more than the "
             RUN_MAX_FAILURES_TEXT " trainsim simulates in all",
             in->replications, count_text(per_run, n, sizeof n), count_text(per_run * in->replications, total, sizeof total));
    const key_mark* m = mark_of(sc, "output.replications", sc->train.iterations > 0 ? "training.iterations"
                                                                                     : "training.tokens");
    problem_at(sc, m, message, text);
}

int run_bound_check(const scenario* sc, const campaign_input* in, strbuf* message)
{
    double per_run = campaign_expected_failures(in), reps = in->replications > 0 ? in->replications : 1;
    if (per_run <= RUN_MAX_FAILURES_PER_RUN && per_run * reps <= RUN_MAX_FAILURES)
        return 0;
    int by_shape = campaign_failures_from_shape(in) > per_run / 2;   /* most of them come from the shape */
    if (per_run > RUN_MAX_FAILURES_PER_RUN)
        by_shape ? refuse_shape(sc, per_run, 1, message) : refuse_length(sc, in, per_run, message);
    else
        by_shape ? refuse_shape(sc, per_run, reps, message) : refuse_replications(sc, in, per_run, message);
    return 1;
}
